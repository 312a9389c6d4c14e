"""``base_SdssShape`` (adaptive moments) and ``base_GaussianFlux``."""

from __future__ import annotations

import numpy as np

from lsstlite.config import Field, RangeField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register


class SdssShapeConfig(PluginConfig):
    """Configuration of ``base_SdssShape``."""

    maxIter = RangeField("Maximum iterations of the adaptive moments", int, default=100, min=1)
    tol1 = RangeField("Convergence tolerance on the ellipticity", float, default=1e-5, min=0.0)
    tol2 = RangeField("Convergence tolerance on the relative size", float, default=1e-4, min=0.0)
    maxShift = RangeField("Largest centroid shift (pixels) before flag_shift", float, default=2.0,
                          min=0.0)
    doMeasurePsf = Field("Also record the PSF model's moments at each source (_psf_xx ...)",
                         bool, default=True)


@register("base_SdssShape")
class SdssShapePlugin(MeasurementPlugin):
    """Adaptive second moments (Bernstein & Jarvis 2002), their Fisher errors, and the PSF
    model's moments at the source."""

    ConfigClass = SdssShapeConfig
    executionOrder = MeasurementPlugin.SHAPE_ORDER
    flagDefinitions = (
        ("flag_unweightedBad", "Both weighted and unweighted moments failed"),
        ("flag_unweighted", "Weighted moments failed; unweighted moments reported"),
        ("flag_shift", "Centroid shifted by more than maxShift"),
        ("flag_maxIter", "Too many iterations"),
        ("flag_psf", "PSF moments could not be computed"),
    )

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        for q in ("xx", "yy", "xy"):
            self.addField(q, float, "pixel2", f"Adaptive second moment {q}")
            self.addField(f"{q}Err", float, "pixel2", f"Error of {q}")
        for q in ("x", "y"):
            self.addField(q, float, "pixel", f"Centroid {q} of the adaptive weight")
        self.addField("instFlux", float, "count", "Flux of the Gaussian matched to the weight")
        self.addField("instFluxErr", float, "count", "Error of instFlux")
        if config.doMeasurePsf:
            for q in ("xx", "yy", "xy"):
                self.addField(f"psf_{q}", float, "pixel2", f"Adaptive moment {q} of the PSF model")

    def measure(self, ctx) -> None:
        from lsstlite.kernels import moments

        cat, rows, cfg = ctx.catalog, ctx.rows, self.config
        x, y = ctx.centroid(self)
        res = moments.adaptive_moments(ctx.image, ctx.variance, x, y, max_iter=cfg.maxIter,
                                       tol1=cfg.tol1, tol2=cfg.tol2, max_shift=cfg.maxShift)
        for q in ("xx", "yy", "xy", "x", "y", "instFlux", "instFluxErr", "xxErr", "yyErr", "xyErr"):
            cat[f"{self.name}_{q}"][rows] = getattr(res, q)
        self.setFlags(cat, rows, res.flags, {
            moments.SHAPE_UNWEIGHTED_BAD: "flag_unweightedBad",
            moments.SHAPE_UNWEIGHTED: "flag_unweighted",
            moments.SHAPE_SHIFT: "flag_shift",
            moments.SHAPE_MAXITER: "flag_maxIter"})
        if cfg.doMeasurePsf:
            self._measure_psf(ctx, x, y)

    def _measure_psf(self, ctx, x, y) -> None:
        from lsstlite.meas.psf_shapes import psf_moments_grid

        exposure, cat, rows = ctx.exposure, ctx.catalog, ctx.rows
        if exposure.psf is None:
            cat[f"{self.name}_flag_psf"][rows] = True
            cat[self.flag][rows] = True
            return
        xx, yy, xy = psf_moments_grid(exposure.psf, exposure.width, exposure.height)(x, y)
        cat[f"{self.name}_psf_xx"][rows] = xx
        cat[f"{self.name}_psf_yy"][rows] = yy
        cat[f"{self.name}_psf_xy"][rows] = xy


@register("base_GaussianFlux", apCorr=True)
class GaussianFluxPlugin(MeasurementPlugin):
    """Flux of a Gaussian with the source's adaptive moments (the slot shape)."""

    executionOrder = MeasurementPlugin.FLUX_ORDER

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.instFlux = self.addField("instFlux", float, "count", "Gaussian-weighted flux")
        self.instFluxErr = self.addField("instFluxErr", float, "count", "Error of instFlux")

    def measure(self, ctx) -> None:
        from lsstlite.kernels.moments import gaussian_flux

        cat, rows = ctx.catalog, ctx.rows
        x, y = ctx.centroid(self)
        shape = [np.asarray(cat[f"slot_Shape_{q}"][rows], float) for q in ("xx", "yy", "xy")]
        if "slot_Shape_flag" in cat.schema:
            cat[self.flag][rows[np.asarray(cat["slot_Shape_flag"][rows], bool)]] = True
        res = gaussian_flux(ctx.image, ctx.variance, x, y, *shape)
        cat[self.instFlux][rows] = res.instFlux
        cat[self.instFluxErr][rows] = res.instFluxErr
        self.setFlags(cat, rows, res.flags, {})
