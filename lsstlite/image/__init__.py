"""Data model for pixels: `Exposure`, `MaskPlanes`, `Psf` models and `PhotoCalib`."""

from .exposure import Exposure
from .moments import MomentsError, adaptive_moments
from .photocalib import PhotoCalib
from .planes import DEFAULT_PLANES, MaskPlanes
from .psf import DoubleGaussianPsf, GaussianPsf, KernelImagePsf, Psf, lanczos_shift

__all__ = [
    "DEFAULT_PLANES", "DoubleGaussianPsf", "Exposure", "GaussianPsf", "KernelImagePsf",
    "MaskPlanes", "MomentsError", "PhotoCalib", "Psf", "adaptive_moments", "lanczos_shift",
]
