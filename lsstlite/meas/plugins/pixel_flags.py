"""``base_PixelFlags``: mask planes set anywhere in a footprint or around its centre."""

from __future__ import annotations

import numpy as np

from lsstlite.config import ListField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register

#: flag suffix -> mask plane
_PLANES = {"edge": "EDGE", "nodata": "NO_DATA", "interpolated": "INTRP", "saturated": "SAT",
           "cr": "CR", "bad": "BAD", "suspect": "SUSPECT"}
_CENTER = ("interpolated", "saturated", "cr", "bad", "suspect")


class PixelFlagsConfig(PluginConfig):
    """Configuration of ``base_PixelFlags``."""

    masksFpAnywhere = ListField("Extra mask planes flagged when set anywhere in the footprint",
                                str, default=[])
    masksFpCenter = ListField("Extra mask planes flagged when set in the 3x3 around the centre",
                              str, default=[])


@register("base_PixelFlags")
class PixelFlagsPlugin(MeasurementPlugin):
    """Flags from the mask: ``flag_<plane>`` anywhere in the footprint, ``flag_<plane>Center``
    in the 3x3 pixels around the rounded centroid, ``flag_offimage`` for a centre off the image.
    """

    ConfigClass = PixelFlagsConfig
    executionOrder = MeasurementPlugin.FLUX_ORDER
    needsNoiseReplacement = False
    flagDefinitions = (("flag_offimage", "Source centre is off the image"),
                       *((f"flag_{k}", f"{v} mask bit set in the footprint") for k, v in _PLANES.items()),
                       *((f"flag_{k}Center", f"{_PLANES[k]} mask bit set in the 3x3 around the centre")
                         for k in _CENTER))

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        for plane in config.masksFpAnywhere:
            self.addField(f"flag_{plane}", bool, None, f"{plane} mask bit set in the footprint")
        for plane in config.masksFpCenter:
            self.addField(f"flag_{plane}Center", bool, None,
                          f"{plane} mask bit set in the 3x3 around the centre")

    def measure(self, ctx) -> None:
        catalog, rows, exposure = ctx.catalog, ctx.rows, ctx.exposure
        x, y = ctx.centroid(self)
        ny, nx = exposure.mask.shape
        ix = np.floor(x + 0.5).astype(np.int64)
        iy = np.floor(y + 0.5).astype(np.int64)
        off = ~((ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny))
        catalog[f"{self.name}_flag_offimage"][rows[off]] = True
        catalog[f"{self.name}_flag_edge"][rows[off]] = True
        anywhere = {k: v for k, v in _PLANES.items()}
        anywhere.update({p: p for p in self.config.masksFpAnywhere})
        center = {k: _PLANES[k] for k in _CENTER}
        center.update({p: p for p in self.config.masksFpCenter})
        planes = exposure.planes
        row_bits = self._mask_bits_in_footprints(ctx)
        for suffix, plane in anywhere.items():
            if plane in planes:
                hit = (row_bits & planes.bitmask(plane)) != 0
                catalog[f"{self.name}_flag_{suffix}"][rows[hit]] = True
        cx = np.clip(ix, 1, nx - 2)
        cy = np.clip(iy, 1, ny - 2)
        dy, dx = np.mgrid[-1:2, -1:2]
        around = exposure.mask[cy[:, None] + dy.ravel()[None, :], cx[:, None] + dx.ravel()[None, :]]
        around_bits = np.bitwise_or.reduce(around, axis=1)
        for suffix, plane in center.items():
            if plane in planes:
                hit = ((around_bits & planes.bitmask(plane)) != 0) & ~off
                catalog[f"{self.name}_flag_{suffix}Center"][rows[hit]] = True

    @staticmethod
    def _mask_bits_in_footprints(ctx) -> np.ndarray:
        """OR of the mask over the footprint pixels of each batch source (its own leaves)."""
        footprints = ctx.footprints
        order, starts = footprints.pixels_by_leaf
        counts = np.diff(starts)
        leaf_bits = np.zeros(counts.size, dtype=np.int32)
        filled = np.flatnonzero(counts)
        if filled.size:
            # each segment starts at a filled leaf and runs over it and the empty leaves after it
            leaf_bits[filled] = np.bitwise_or.reduceat(ctx.exposure.mask.ravel()[order],
                                                       starts[filled])
        leaf = footprints.leaf[ctx.rows]
        row_bits = leaf_bits[leaf]
        for i in np.flatnonzero(leaf == 0):  # deblended parents own their children's leaves
            row_bits[i] = np.bitwise_or.reduce(leaf_bits[ctx.own[ctx.rows[i]]])
        return row_bits
