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
        owned = self._planes_in_footprints(ctx, [v for v in anywhere.values() if v in planes])
        for suffix, plane in anywhere.items():
            if plane in planes:
                catalog[f"{self.name}_flag_{suffix}"][rows[owned[plane]]] = True
        cx = np.clip(ix, 1, nx - 2)
        cy = np.clip(iy, 1, ny - 2)
        dy, dx = np.mgrid[-1:2, -1:2]
        around = exposure.mask[cy[:, None] + dy.ravel()[None, :], cx[:, None] + dx.ravel()[None, :]]
        for suffix, plane in center.items():
            if plane in planes:
                hit = ((around & planes.bitmask(plane)) != 0).any(axis=1) & ~off
                catalog[f"{self.name}_flag_{suffix}Center"][rows[hit]] = True

    @staticmethod
    def _planes_in_footprints(ctx, plane_names: list[str]) -> dict[str, np.ndarray]:
        """For each plane, whether it is set anywhere in each batch source's footprint."""
        labels = ctx.footprints.labels
        nlab = int(labels.max()) + 1
        # one pass over the frame: the (few) masked footprint pixels, then per plane
        masked = (ctx.exposure.mask != 0) & (labels > 0)
        pixel_labels = labels[masked]
        pixel_bits = ctx.exposure.mask[masked]
        own_rows = [ctx.own[r] for r in ctx.rows]
        result = {}
        for plane in plane_names:
            bit = ctx.exposure.planes.bitmask(plane)
            hit_labels = np.zeros(nlab, dtype=bool)
            hit_labels[pixel_labels[(pixel_bits & bit) != 0]] = True
            result[plane] = np.array([hit_labels[own].any() for own in own_rows], dtype=bool)
        return result
