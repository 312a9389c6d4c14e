"""`SdssKlPsf`: the SDSS photo Karhunen-Loeve PSF, varying over the frame.

photo (``phPsfKLReconstruct``) models the PSF at frame pixel (row, col) as
``sum_k a_k(row, col) * E_k`` with eigen-images ``E_k`` and amplitudes
``a_k = sum_ij c_k[i, j] (0.001 row)**i (0.001 col)**j``. The coefficient array is used in
C order (``c[i, j]`` multiplies ``row**i col**j``), as photo and obs_sdss do; the transposed
order of IDL/pydl-derived readers fits the stars of the test frame clearly worse
(``docs/algorithms.md`` §1.3). Here ``row = y`` and ``col = x`` (0-based frame pixels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .psf import Psf

if TYPE_CHECKING:
    from astropy.io import fits

__all__ = ["KL_COORD_SCALE", "KlPsfComponents", "SdssKlPsf", "kl_amplitudes", "kl_psf_image"]

#: photo evaluates the spatial polynomials in units of 1000 pixels.
KL_COORD_SCALE = 1.0e-3

#: Default stamp width: the central 31x31 of photo's 51x51 eigen-images (as obs_sdss).
DEFAULT_SIZE = 31


@dataclass
class KlPsfComponents:
    """Eigen-images and spatial coefficients of a photo KL PSF.

    Attributes
    ----------
    eigen_images : `numpy.ndarray`
        float64 (n_comp, n, n), n odd; the PSF centre is on the central pixel.
    coefficients : `numpy.ndarray`
        float64 (n_comp, nrow_b, ncol_b); ``coefficients[k, i, j]`` multiplies
        ``(0.001 * row)**i * (0.001 * col)**j``.
    """

    eigen_images: np.ndarray
    coefficients: np.ndarray


def kl_amplitudes(coefficients: np.ndarray, x, y) -> np.ndarray:
    """Amplitude of each KL component at frame pixel ``(x, y)`` (x = column, y = row).

    Scalar ``x, y`` give shape (n_comp,); arrays of shape ``s`` give ``s + (n_comp,)``.
    """
    _, nrow_b, ncol_b = coefficients.shape
    row_powers = (KL_COORD_SCALE * np.asarray(y, dtype=float))[..., None] ** np.arange(nrow_b)
    col_powers = (KL_COORD_SCALE * np.asarray(x, dtype=float))[..., None] ** np.arange(ncol_b)
    return np.einsum("kij,...i,...j->...k", coefficients, row_powers, col_powers)


def kl_psf_image(components: KlPsfComponents, x: float, y: float) -> np.ndarray:
    """Raw (not normalised) KL PSF image at frame pixel ``(x, y)``, full eigen-image size."""
    amplitudes = kl_amplitudes(components.coefficients, x, y)
    return np.tensordot(amplitudes, components.eigen_images, axes=1)


class SdssKlPsf(Psf):
    """Spatially varying SDSS KL PSF (psField HDU 1-5).

    Parameters
    ----------
    eigen_images : array_like
        (n_comp, n, n) eigen-images, n odd, PSF centre on the central pixel.
    coefficients : array_like
        (n_comp, nrow_b, ncol_b) spatial polynomial coefficients, C order (see module doc).
    size : int, optional
        Odd width of the rendered stamps, <= n; the central ``size x size`` of the
        reconstruction is kept (default 31, as obs_sdss; at most n).
    averagePosition : (float, float), optional
        ``(x, y)`` used when a position is omitted; default the centre of a trimmed
        2048 x 1361 SDSS frame (the SDSS reader passes the centre of the frame it read).

    Notes
    -----
    Kernel images are normalised to unit sum after trimming (LSST ``PcaPsf`` behaviour); the
    sub-pixel shift of `computeImage` is the base-class Lanczos-5 shift.
    """

    psfType = "SDSS_KL"

    def __init__(self, eigen_images, coefficients, size: int | None = None,
                 averagePosition: tuple[float, float] = (1023.5, 680.0)) -> None:
        images = np.array(eigen_images, dtype=np.float64)
        coeffs = np.array(coefficients, dtype=np.float64)
        if images.ndim != 3 or images.shape[1] != images.shape[2] or images.shape[1] % 2 == 0:
            msg = f"SdssKlPsf: eigen_images must be (n_comp, n, n) with n odd, got {images.shape}"
            raise ValueError(msg)
        if coeffs.ndim != 3 or coeffs.shape[0] != images.shape[0]:
            msg = (f"SdssKlPsf: coefficients must be (n_comp, nrow_b, ncol_b) with n_comp = "
                   f"{images.shape[0]}, got {coeffs.shape}")
            raise ValueError(msg)
        if not (np.all(np.isfinite(images)) and np.all(np.isfinite(coeffs))):
            msg = "SdssKlPsf: eigen_images and coefficients must be finite"
            raise ValueError(msg)
        full = images.shape[1]
        size = min(DEFAULT_SIZE, full) if size is None else size
        if int(size) != size or size < 3 or size % 2 == 0 or size > full:
            msg = f"SdssKlPsf: size must be an odd integer in [3, {full}], not {size!r}"
            raise ValueError(msg)
        self.components = KlPsfComponents(images, coeffs)
        self.size = int(size)
        self.averagePosition = (float(averagePosition[0]), float(averagePosition[1]))
        images.setflags(write=False)
        coeffs.setflags(write=False)

    @property
    def nComponents(self) -> int:
        """Number of KL eigen-images."""
        return self.components.eigen_images.shape[0]

    def _kernel_image(self, x: float, y: float) -> np.ndarray:
        full = kl_psf_image(self.components, x, y)
        border = (full.shape[0] - self.size) // 2
        return full[border:border + self.size, border:border + self.size]

    def _kernel_images(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        full = self.components.eigen_images.shape[1]
        border = (full - self.size) // 2
        core = self.components.eigen_images[:, border:border + self.size, border:border + self.size]
        amplitudes = kl_amplitudes(self.components.coefficients, x, y)
        return np.einsum("nk,kij->nij", amplitudes, core)  # no BLAS: its idle threads spin

    def to_hdus(self) -> list[fits.ImageHDU]:
        """Two HDUs: ``PSF`` (eigen-image cube, ``PSFTYPE='SDSS_KL'``, ``SIZE``, ``AVGX``,
        ``AVGY``) and ``PSF_COEFF`` (coefficient cube), both float64 (exact round trip)."""
        from astropy.io import fits

        header = fits.Header()
        header["PSFTYPE"] = (self.psfType, "lsstlite PSF model")
        header["SIZE"] = (self.size, "rendered stamp width, pixels")
        header["AVGX"] = (self.averagePosition[0], "average position x (0-based)")
        header["AVGY"] = (self.averagePosition[1], "average position y (0-based)")
        header["KLSCALE"] = (KL_COORD_SCALE, "polynomial argument = KLSCALE * pixel")
        return [fits.ImageHDU(np.array(self.components.eigen_images), header=header, name="PSF"),
                fits.ImageHDU(np.array(self.components.coefficients), name="PSF_COEFF")]

    def to_fits_buffers(self) -> list[list]:
        """The two `to_hdus` extensions written directly (no astropy), with the same cards."""
        from lsstlite.io.fits_write import card, image_hdu

        cards = [card("PSFTYPE", self.psfType, "lsstlite PSF model"),
                 card("SIZE", self.size, "rendered stamp width, pixels"),
                 card("AVGX", float(self.averagePosition[0]), "average position x (0-based)"),
                 card("AVGY", float(self.averagePosition[1]), "average position y (0-based)"),
                 card("KLSCALE", KL_COORD_SCALE, "polynomial argument = KLSCALE * pixel")]
        return [image_hdu(np.asarray(self.components.eigen_images, dtype=np.float64), "PSF",
                          cards),
                image_hdu(np.asarray(self.components.coefficients, dtype=np.float64),
                          "PSF_COEFF")]

    @classmethod
    def _from_hdus(cls, hdus: list) -> SdssKlPsf:
        if len(hdus) < 2:
            msg = "SdssKlPsf: expected the PSF and PSF_COEFF HDUs, got only one"
            raise ValueError(msg)
        header = hdus[0].header
        return cls(hdus[0].data, hdus[1].data, size=int(header["SIZE"]),
                   averagePosition=(float(header["AVGX"]), float(header["AVGY"])))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SdssKlPsf):
            return NotImplemented
        return (self.size == other.size and self.averagePosition == other.averagePosition
                and np.array_equal(self.components.eigen_images, other.components.eigen_images)
                and np.array_equal(self.components.coefficients, other.components.coefficients))

    def __repr__(self) -> str:
        n = self.components.eigen_images.shape[1]
        return f"SdssKlPsf({self.nComponents} components {n}x{n}, size={self.size})"
