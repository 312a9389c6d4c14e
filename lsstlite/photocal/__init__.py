"""Photometric calibration algorithms as plain functions on arrays.

- :func:`compute_zero_point` (``lsstlite.photocal.zeropoint``): LSST's clipped zero-point
  estimator with inverse-variance weights; zero point, nJy-per-count calibration and errors.
- :func:`curve_of_growth` (``lsstlite.photocal.growth``): fraction of the total flux of a star
  inside the calib aperture, from larger apertures plus a Moffat (or PSF-model) tail.

Submodules are imported lazily so that ``import lsstlite.photocal`` stays cheap.
"""

from lsstlite._lazy import lazy_exports

_EXPORTS = {
    "compute_zero_point": "zeropoint",
    "ZeroPointResult": "zeropoint",
    "NJY_AB_ZERO_MAG": "zeropoint",
    "curve_of_growth": "growth",
    "CurveOfGrowthResult": "growth",
    "moffat_enclosed_fraction": "growth",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
