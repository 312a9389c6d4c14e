"""``base_Variance``: median variance-plane value around each source."""

from __future__ import annotations

import numpy as np

from lsstlite.config import ListField, RangeField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register


class VarianceConfig(PluginConfig):
    """Configuration of ``base_Variance``."""

    scale = RangeField("Radius of the aperture in units of the slot shape's determinant radius",
                       float, default=5.0, min=0.0)
    mask = ListField("Pixels with these planes are ignored", str,
                     default=["DETECTED", "DETECTED_NEGATIVE", "BAD", "SAT", "NO_DATA"])


@register("base_Variance")
class VariancePlugin(MeasurementPlugin):
    """Median of the variance plane in a circle around each source, skipping detected pixels
    (so it measures the sky variance under the source). The radius is ``scale`` times the
    median determinant radius of the batch's shapes, within [3, 30] pixels."""

    ConfigClass = VarianceConfig
    executionOrder = MeasurementPlugin.FLUX_ORDER
    needsNoiseReplacement = False
    flagDefinitions = (("flag_emptyFootprint", "No usable pixels in the aperture"),)

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.value = self.addField("value", float, "count2", "Median variance around the source")

    def measure(self, ctx) -> None:
        from lsstlite.kernels.rowstats import clipped_stats_at_offsets
        from lsstlite.meas.annulus import annulus_offsets

        cfg, cat, rows = self.config, ctx.catalog, ctx.rows
        planes = ctx.exposure.planes
        bits = planes.bitmask(*[p for p in cfg.mask if p in planes])
        x, y = ctx.centroid(self)
        radius = 3.0
        if "slot_Shape_xx" in cat.schema:
            xx = np.asarray(cat["slot_Shape_xx"][rows], float)
            yy = np.asarray(cat["slot_Shape_yy"][rows], float)
            xy = np.asarray(cat["slot_Shape_xy"][rows], float)
            det = np.clip(xx * yy - xy**2, 0, None) ** 0.25
            if np.isfinite(det).any():
                radius = float(np.clip(cfg.scale * np.nanmedian(det), 3.0, 30.0))
        dx, dy = annulus_offsets(-1.0, radius)
        median, _ = clipped_stats_at_offsets(ctx.variance, ctx.mask, bits, x, y, dx, dy, niter=0)
        empty = ~np.isfinite(median)
        cat[self.value][rows] = median
        cat[f"{self.name}_flag_emptyFootprint"][rows[empty]] = True
        cat[self.flag][rows[empty]] = True
