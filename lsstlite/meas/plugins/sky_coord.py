"""``base_SkyCoord``: ``coord_ra``/``coord_dec`` from the slot centroid and the WCS."""

from __future__ import annotations

import numpy as np

from lsstlite.meas.plugin import MeasurementPlugin, register


@register("base_SkyCoord")
class SkyCoordPlugin(MeasurementPlugin):
    """Sky position (radians, ICRS) of the slot centroid through ``exposure.wcs.all_pix2world``
    (a `TanSipWcs` or an astropy WCS); NaN without a WCS."""

    executionOrder = MeasurementPlugin.SHAPE_ORDER
    needsNoiseReplacement = False

    def measure(self, ctx) -> None:
        cat, rows = ctx.catalog, ctx.rows
        wcs = ctx.exposure.wcs
        if wcs is None:
            return
        x, y = ctx.centroid(self)
        ra, dec = wcs.all_pix2world(x, y, 0)
        cat["coord_ra"][rows] = np.deg2rad(ra)
        cat["coord_dec"][rows] = np.deg2rad(dec)
