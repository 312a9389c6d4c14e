"""Data model for pixels: `Exposure`, `MaskPlanes`, `Psf` models, `PhotoCalib` and `TanSipWcs`."""

from .exposure import Exposure
from .photocalib import PhotoCalib
from .planes import DEFAULT_PLANES, MaskPlanes
from .psf import DoubleGaussianPsf, GaussianPsf, KernelImagePsf, Psf, lanczos_shift
from .pca_psf import PcaPsf  # noqa: E402  (registers PSFTYPE 'PCA' for Psf.from_hdus)
from .sdss_psf import SdssKlPsf  # registers PSFTYPE 'SDSS_KL'
from .wcs import TanSipWcs

__all__ = [
    "DEFAULT_PLANES", "DoubleGaussianPsf", "Exposure", "GaussianPsf", "KernelImagePsf",
    "MaskPlanes", "PcaPsf", "PhotoCalib", "Psf", "SdssKlPsf", "TanSipWcs", "lanczos_shift",
]
