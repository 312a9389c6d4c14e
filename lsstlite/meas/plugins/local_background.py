"""``base_LocalBackground``: clipped mean of the sky in an annulus around each source."""

from __future__ import annotations

import numpy as np

from lsstlite.config import ListField, RangeField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register


class LocalBackgroundConfig(PluginConfig):
    """Configuration of ``base_LocalBackground``."""

    annulusInner = RangeField("Inner radius of the annulus (pixels)", float, default=7.0, min=0.0)
    annulusOuter = RangeField("Outer radius of the annulus (pixels)", float, default=15.0, min=0.0)
    badMaskPlanes = ListField("Pixels with these planes are ignored", str,
                              default=["BAD", "SAT", "NO_DATA", "DETECTED"])
    bgRej = RangeField("Clipping threshold (sigma)", float, default=3.0, min=0.0)
    bgIter = RangeField("Clipping iterations", int, default=3, min=1)


@register("base_LocalBackground")
class LocalBackgroundPlugin(MeasurementPlugin):
    """Residual background level per pixel around each source and its scatter."""

    ConfigClass = LocalBackgroundConfig
    executionOrder = MeasurementPlugin.FLUX_ORDER
    needsNoiseReplacement = False
    flagDefinitions = (("flag_noGoodPixels", "No usable pixels in the annulus"),)

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.instFlux = self.addField("instFlux", float, "count", "Background per pixel")
        self.instFluxErr = self.addField("instFluxErr", float, "count",
                                         "Standard deviation of the annulus pixels")

    def measure(self, ctx) -> None:
        from lsstlite.kernels.rowstats import clipped_stats_at_offsets
        from lsstlite.meas.annulus import annulus_offsets

        cfg, cat, rows = self.config, ctx.catalog, ctx.rows
        planes = ctx.exposure.planes
        bits = planes.bitmask(*[p for p in cfg.badMaskPlanes if p in planes])
        x, y = ctx.centroid(self)
        dx, dy = annulus_offsets(cfg.annulusInner, cfg.annulusOuter)
        centre, sigma = clipped_stats_at_offsets(ctx.image, ctx.mask, bits, x, y, dx, dy, cfg.bgRej,
                                                 cfg.bgIter)
        empty = ~np.isfinite(centre)
        cat[self.instFlux][rows] = centre
        cat[self.instFluxErr][rows] = sigma
        cat[f"{self.name}_flag_noGoodPixels"][rows[empty]] = True
        cat[self.flag][rows[empty]] = True
