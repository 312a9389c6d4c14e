"""Find cosmic rays and interpolate over defects (LSST's ``RepairTask``)."""

from __future__ import annotations

import numpy as np

from lsstlite.config import Config, ConfigField, Field, ListField, RangeField
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["FindCosmicRaysConfig", "RepairConfig", "RepairTask"]


class FindCosmicRaysConfig(Config):
    """Parameters of the cosmic-ray finder (values of LSST's characterisation defaults)."""

    minSigma = RangeField("CR pixels must exceed a neighbour-pair mean by this many sigma", float,
                          default=6.0, min=0.0)
    min_DN = RangeField("Minimum total flux of a cosmic ray above the background (DN)", float,
                        default=150.0, min=0.0)
    cond3_fac = RangeField("Noise allowance (sigma) of the sharper-than-the-PSF test", float,
                           default=2.5, min=0.0)
    cond3_fac2 = RangeField("Scale of the PSF sharpness thresholds", float, default=0.6, min=0.0)
    niteration = RangeField("Growth passes over the neighbours of each cosmic ray", int,
                            default=3, min=0)
    nCrPixelMax = RangeField("Fail when more pixels than this are cosmic rays", int,
                             default=1_000_000, min=1)
    keepCRs = Field("Leave cosmic-ray pixels in the image (only mask them)", bool, default=False)


class RepairConfig(Config):
    """Configuration of `RepairTask`."""

    doCosmicRay = Field("Search for cosmic rays (off for cameras that already removed them, "
                        "e.g. SDSS fpC)", bool, default=True)
    doInterpolate = Field("Interpolate over pixels in interpPlanes", bool, default=True)
    interpPlanes = ListField("Mask planes interpolated over", str, default=["BAD", "SAT", "CR"])
    interpMaxGap = RangeField("Longest run of bad pixels bridged by linear interpolation", int,
                              default=64, min=1)
    cosmicray = ConfigField("Cosmic-ray finder parameters", FindCosmicRaysConfig)


class RepairTask(Task):
    """Find cosmic rays (CR plane) and interpolate over CR, BAD and SAT pixels (INTRP plane)."""

    ConfigClass = RepairConfig
    _DefaultName = "repair"

    @timeMethod
    def run(self, exposure, keepCRs: bool | None = None) -> Struct:
        """Repair ``exposure`` in place.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            Background-subtracted frame with a PSF.
        keepCRs : bool, optional
            Override ``cosmicray.keepCRs`` (characterisation keeps them on early passes).

        Returns
        -------
        result : `Struct`
            ``numCosmicRays`` (pixels) and ``numInterpolated``.
        """
        num_cr = 0
        keep = self.config.cosmicray.keepCRs if keepCRs is None else keepCRs
        if self.config.doCosmicRay:
            num_cr = self._find_cosmic_rays(exposure)
        num_interp = 0
        if self.config.doInterpolate:
            planes = [p for p in self.config.interpPlanes if p in exposure.planes]
            if keep and "CR" in planes:
                planes.remove("CR")
            num_interp = self._interpolate(exposure, planes)
        self.metadata["numCosmicRayPixels"] = num_cr
        self.metadata["numInterpolated"] = num_interp
        return Struct(numCosmicRays=num_cr, numInterpolated=num_interp)

    def _find_cosmic_rays(self, exposure) -> int:
        """Search for cosmic rays, replacing the CR plane; return the number of CR pixels."""
        from lsstlite.kernels.cosmic_ray import find_cosmic_rays, psf_sharpness_thresholds
        from lsstlite.kernels.median import masked_median

        if exposure.psf is None:
            msg = "RepairTask: cosmic-ray search needs a PSF on the exposure"
            raise TaskError(msg)
        cfg = self.config.cosmicray
        planes = exposure.planes
        # each search replaces the previous one: it is repeated as the PSF model improves, and
        # an early search with a too-broad initial PSF mistakes bright star cores for CRs
        exposure.mask &= ~planes.bitmask("CR")
        thresholds = psf_sharpness_thresholds(exposure.psf.computeKernelImage(), cfg.cond3_fac2)
        bad_bits = planes.bitmask(*[p for p in ("BAD", "SAT", "INTRP", "NO_DATA") if p in planes])
        usable = (exposure.mask & bad_bits) == 0
        bkg = masked_median(exposure.image, usable) if usable.any() else 0.0
        is_cr = find_cosmic_rays(exposure.image, exposure.variance, exposure.mask,
                                 thresholds=thresholds, bkg=bkg, bad_bits=bad_bits,
                                 intrp_bits=planes.bitmask("INTRP"), min_sigma=cfg.minSigma,
                                 cond3_fac=cfg.cond3_fac, min_dn=cfg.min_DN,
                                 niteration=cfg.niteration)
        count = int(is_cr.sum())
        if count > cfg.nCrPixelMax:
            msg = (f"{count} cosmic-ray pixels exceed repair.cosmicray.nCrPixelMax="
                   f"{cfg.nCrPixelMax}; is the variance plane right (-c doVariance=True gain=...)?")
            raise TaskError(msg)
        exposure.mask[is_cr] |= planes.bitmask("CR")
        self.log.info("Identified %d cosmic-ray pixels", count)
        return count

    def _interpolate(self, exposure, planes: list[str]) -> int:
        from lsstlite.kernels.interpolate import interpolate_masked
        from lsstlite.kernels.median import masked_median

        if not planes:
            return 0
        bits = exposure.planes.bitmask(*planes)
        bad = (exposure.mask & bits) != 0
        count = int(bad.sum())
        if count == 0:
            return 0

        def median_of_good_pixels() -> float:
            good = ~bad & np.isfinite(exposure.variance)
            return masked_median(exposure.image, good) if good.any() else 0.0

        exposure.image[...] = interpolate_masked(exposure.image, bad, max_gap=self.config.interpMaxGap,
                                                 fallback=median_of_good_pixels)
        exposure.mask[bad] |= exposure.planes.bitmask("INTRP")
        return count
