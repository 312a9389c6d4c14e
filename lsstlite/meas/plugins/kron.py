"""``base_KronFlux``: Kron radius and flux in the SExtractor ``FLUX_AUTO`` convention."""

from __future__ import annotations

import numpy as np

from lsstlite.config import Field, ListField, RangeField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register


class KronFluxConfig(PluginConfig):
    """Configuration of ``base_KronFlux``."""

    nSigmaForRadius = RangeField("The first radial moment is taken within this many moments "
                                 "ellipse scales", float, default=6.0, min=0.0, inclusiveMin=False)
    nRadiusForFlux = RangeField("Kron factor: flux within this many Kron radii", float,
                                default=2.5, min=0.0, inclusiveMin=False)
    minimumRadius = RangeField("Smallest flux ellipse, in moments ellipse scales "
                               "(SExtractor PHOT_AUTOPARAMS second value)", float, default=3.5,
                               min=0.0)
    subpix = RangeField("Sub-pixel samples per axis of pixels cut by the ellipse", int,
                        default=5, min=1)
    badMaskPlanes = ListField("Mask planes of pixels that count as zero (and set flag_edge)",
                              str, default=["BAD", "SAT", "NO_DATA"])
    doFlagUsedMinimumRadius = Field("Whether flag_usedMinimumRadius also sets the general flag",
                                    bool, default=False)


@register("base_KronFlux", apCorr=True)
class KronFluxPlugin(MeasurementPlugin):
    """Kron flux within ``nRadiusForFlux`` Kron radii of the slot shape's ellipse.

    ``_radius`` is the Kron radius used, in pixels (``k·√(a·b)``, k in ellipse scales). Where
    the slot shape is flagged or not finite (adaptive moments that diverged or failed), the
    PSF model's moments at the source take its place, as in LSST's KronFlux, and
    ``flag_badShape`` and the general flag are set; without a PSF the flagged shape is used.
    """

    ConfigClass = KronFluxConfig
    executionOrder = MeasurementPlugin.FLUX_ORDER
    flagDefinitions = (
        ("flag_edge", "Aperture off the image or containing bad pixels"),
        ("flag_badRadius", "Kron radius could not be measured (bad shape or no flux)"),
        ("flag_usedMinimumRadius", "Kron radius below the minimum; the minimum was used"),
        ("flag_badShape", "Slot shape flagged or not finite: the PSF model's moments were used"),
    )

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.instFlux = self.addField("instFlux", float, "count", "Flux within the Kron ellipse")
        self.instFluxErr = self.addField("instFluxErr", float, "count", "Error of instFlux")
        self.radius = self.addField("radius", float, "pixel", "Kron radius used (pixels, k * sqrt(a * b))")

    def measure(self, ctx) -> None:
        from lsstlite.kernels import kron as kernel

        cat, rows, cfg = ctx.catalog, ctx.rows, self.config
        x, y = ctx.centroid(self)
        shape = [np.array(cat[f"slot_Shape_{q}"][rows], float) for q in ("xx", "yy", "xy")]
        bad_shape = ~np.all(np.isfinite(shape), axis=0)
        if "slot_Shape_flag" in cat.schema:
            bad_shape |= np.asarray(cat["slot_Shape_flag"][rows], bool)
        cat[self.flag][rows[bad_shape]] = True
        psf = ctx.exposure.psf
        if psf is not None and bad_shape.any():
            from lsstlite.meas.psf_shapes import psf_moments_grid

            grid = psf_moments_grid(psf, ctx.exposure.width, ctx.exposure.height)
            for q, moments in zip(shape, grid(x[bad_shape], y[bad_shape]), strict=True):
                q[bad_shape] = moments
            cat[f"{self.name}_flag_badShape"][rows[bad_shape]] = True
        planes = ctx.exposure.planes
        bad = planes.bitmask(*[p for p in cfg.badMaskPlanes if p in planes.names])
        res = kernel.kron_flux(ctx.image, ctx.variance, ctx.mask, x, y, *shape, bad_mask=bad,
                               n_sigma_radius=cfg.nSigmaForRadius,
                               n_radius_flux=cfg.nRadiusForFlux,
                               min_radius=cfg.minimumRadius, subpix=cfg.subpix)
        cat[self.instFlux][rows] = res.instFlux
        cat[self.instFluxErr][rows] = res.instFluxErr
        cat[self.radius][rows] = res.radius
        for bit, suffix in ((kernel.KRON_EDGE, "flag_edge"), (kernel.KRON_BAD_RADIUS, "flag_badRadius"),
                            (kernel.KRON_USED_MINIMUM_RADIUS, "flag_usedMinimumRadius")):
            hit = (res.flags & bit) != 0
            cat[f"{self.name}_{suffix}"][rows[hit]] = True
        general = kernel.KRON_FAILURE
        if cfg.doFlagUsedMinimumRadius:
            general |= kernel.KRON_USED_MINIMUM_RADIUS
        cat[self.flag][rows[(res.flags & general) != 0]] = True
