"""``base_PsfFlux``: linear fit of the PSF model, shifted to the centroid, to each source."""

from __future__ import annotations

import numpy as np

from lsstlite.config import ListField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register


class PsfFluxConfig(PluginConfig):
    """Configuration of ``base_PsfFlux``."""

    badMaskPlanes = ListField("Pixels with these mask planes are left out of the fit (LSST "
                              "default: none)", str, default=[])


@register("base_PsfFlux", apCorr=True)
class PsfFluxPlugin(MeasurementPlugin):
    """PSF flux F = ΣP·D / ΣP², error √(ΣP²V)/ΣP², chi², effective area and pixel count."""

    ConfigClass = PsfFluxConfig
    executionOrder = MeasurementPlugin.FLUX_ORDER
    flagDefinitions = (("flag_noGoodPixels", "No usable pixels in the PSF footprint"),
                       ("flag_edge", "The PSF footprint is clipped by the image edge"))

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.instFlux = self.addField("instFlux", float, "count", "PSF-model flux")
        self.instFluxErr = self.addField("instFluxErr", float, "count", "Error of instFlux")
        self.chi2 = self.addField("chi2", float, None, "Chi-squared of the PSF fit")
        self.area = self.addField("area", float, "pixel", "Effective area (sum P)^2 / sum P^2")
        self.npixels = self.addField("npixels", "int32", "pixel", "Pixels used in the fit")

    def measure(self, ctx) -> None:
        from lsstlite.kernels import psf_flux as kernel

        cat, rows, exposure = ctx.catalog, ctx.rows, ctx.exposure
        if exposure.psf is None:
            cat[self.flag][rows] = True
            return
        x, y = ctx.centroid(self)
        stamps, x0, y0 = psf_stamps(exposure.psf, x, y)
        planes = exposure.planes
        bits = planes.bitmask(*[p for p in self.config.badMaskPlanes if p in planes])
        res = kernel.psf_flux(ctx.image, ctx.variance, ctx.mask, stamps, x0, y0, bad_bitmask=bits)
        cat[self.instFlux][rows] = res.instFlux
        cat[self.instFluxErr][rows] = res.instFluxErr
        cat[self.chi2][rows] = res.chi2
        cat[self.area][rows] = res.area
        cat[self.npixels][rows] = res.npixels
        self.setFlags(cat, rows, res.flags, {kernel.PSF_FLUX_EDGE: "flag_edge",
                                             kernel.PSF_FLUX_NO_GOOD_PIXELS: "flag_noGoodPixels"})


def psf_stamps(psf, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PSF images shifted to each (x, y): stamps (n, k, k) and the parent coordinates of [0, 0]."""
    return psf.computeImages(x, y)
