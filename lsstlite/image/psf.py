"""Point-spread-function models: the abstract `Psf` and simple concrete models.

A subclass implements ``_kernel_image(x, y)`` (an odd square image with the PSF centre on the
central pixel; the base class normalises it) and the persistence pair ``to_hdus`` /
``_from_hdus``. It sets the class attribute ``psfType``, which registers it for
`Psf.from_hdus`.

Sub-pixel rendering (`Psf.computeImage`): analytic models override ``_shifted_kernel_image`` and
evaluate the profile at the shifted centre directly; pixelised models inherit the default, a
separable Lanczos-5 (windowed-sinc) shift of the kernel image, renormalised to unit sum.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..io.fits_write import card

if TYPE_CHECKING:
    from astropy.io import fits

#: FWHM / sigma of a Gaussian.
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))

LANCZOS_ORDER = 5


class Psf(ABC):
    """Abstract point-spread function, evaluated at parent pixel positions ``(x, y)``.

    Positions default to `averagePosition` when omitted.
    """

    #: Registry key written to the ``PSFTYPE`` header card; set by each concrete subclass.
    psfType: ClassVar[str] = ""
    #: True when the PSF does not depend on position (lets the base class cache shapes).
    isSpatiallyConstant: ClassVar[bool] = False
    #: Position used when ``x``/``y`` are omitted.
    averagePosition: tuple[float, float] = (0.0, 0.0)

    _registry: ClassVar[dict[str, type[Psf]]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        psf_type = cls.__dict__.get("psfType", "")
        if psf_type:
            known = Psf._registry.get(psf_type)
            if known is not None and known.__qualname__ != cls.__qualname__:
                msg = f"PSFTYPE {psf_type!r} of {cls.__qualname__} already registered by {known.__qualname__}"
                raise ValueError(msg)
            Psf._registry[psf_type] = cls

    # --- subclass interface -------------------------------------------------------------------
    @abstractmethod
    def _kernel_image(self, x: float, y: float) -> np.ndarray:
        """Odd square image of the PSF at ``(x, y)``, centred on its central pixel."""

    def _shifted_kernel_image(self, x: float, y: float, dx: float, dy: float) -> np.ndarray:
        """Kernel image with the centre moved by ``(dx, dy)`` pixels (|d| <= 0.5).

        Default: Lanczos-5 shift of ``_kernel_image``; analytic models override this.
        """
        return lanczos_shift(self._kernel_image(x, y), dx, dy, LANCZOS_ORDER)

    def _kernel_images(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Kernel images at many positions, (n, k, k).

        Default: one `_kernel_image` for a spatially constant PSF, else one per position;
        spatially varying models override this to evaluate all positions at once.
        """
        if self.isSpatiallyConstant:
            one = np.asarray(self._kernel_image(float(x[0]), float(y[0])), dtype=np.float64)
            return np.broadcast_to(one, (len(x),) + one.shape)
        return np.stack([np.asarray(self._kernel_image(float(a), float(b)), dtype=np.float64)
                         for a, b in zip(x, y, strict=True)])

    def _shifted_kernel_images(self, x: np.ndarray, y: np.ndarray, dx: np.ndarray,
                               dy: np.ndarray) -> np.ndarray:
        """Kernel images at many positions, each moved by its ``(dx, dy)``, (n, k, k).

        Default: the batched Lanczos-5 shift of `_kernel_images` (a model that overrides only
        `_shifted_kernel_image` gets that, per position).
        """
        if type(self)._shifted_kernel_image is not Psf._shifted_kernel_image:
            return np.stack([self._shifted_kernel_image(float(a), float(b), float(c), float(d))
                             for a, b, c, d in zip(x, y, dx, dy, strict=True)])
        return lanczos_shift_stamps(self._kernel_images(x, y), dx, dy, LANCZOS_ORDER)

    @abstractmethod
    def to_hdus(self) -> list[fits.hdu.base.ExtensionHDU]:
        """FITS extension HDUs persisting this PSF; the first carries ``PSFTYPE``."""

    def to_fits_buffers(self) -> list[list]:
        """The `to_hdus` extensions as FITS buffers to append to a file, one list per HDU
        (see `lsstlite.io.fits_write`); subclasses may write them without astropy."""
        from lsstlite.io.fits_write import astropy_hdus_bytes

        return [[astropy_hdus_bytes([hdu])] for hdu in self.to_hdus()]

    @classmethod
    @abstractmethod
    def _from_hdus(cls, hdus: list) -> Psf:
        """Rebuild from the HDUs written by `to_hdus`."""

    # --- public API ---------------------------------------------------------------------------
    @classmethod
    def from_hdus(cls, hdus: list) -> Psf:
        """Rebuild a PSF from its HDUs, dispatching on the ``PSFTYPE`` card of the first.

        Raises
        ------
        ValueError
            If there are no HDUs, no ``PSFTYPE`` or an unregistered type.
        """
        if not hdus:
            msg = "Psf.from_hdus: no HDUs given"
            raise ValueError(msg)
        psf_type = hdus[0].header.get("PSFTYPE")
        if psf_type is None:
            msg = f"Psf.from_hdus: HDU {hdus[0].name!r} has no PSFTYPE card"
            raise ValueError(msg)
        target = Psf._registry.get(psf_type)
        if target is None:
            msg = f"Psf.from_hdus: unknown PSFTYPE {psf_type!r}; known: {', '.join(sorted(Psf._registry))}"
            raise ValueError(msg)
        return target._from_hdus(list(hdus))

    @classmethod
    def registeredTypes(cls) -> dict[str, type[Psf]]:
        """``PSFTYPE`` -> class for every registered subclass."""
        return dict(Psf._registry)

    def _position(self, x: float | None, y: float | None) -> tuple[float, float]:
        ax, ay = self.averagePosition
        return (float(ax) if x is None else float(x), float(ay) if y is None else float(y))

    def computeKernelImage(self, x: float | None = None, y: float | None = None) -> np.ndarray:
        """PSF image at ``(x, y)`` centred on the central pixel of an odd square array, sum 1."""
        x, y = self._position(x, y)
        return _normalised(self._kernel_image(x, y), type(self).__name__)

    def computeImage(self, x: float | None = None, y: float | None = None) -> tuple[np.ndarray, int, int]:
        """PSF image centred exactly at ``(x, y)`` in parent pixel coordinates.

        Returns
        -------
        image : ndarray
            Odd square stamp, sum 1, whose central pixel is the pixel nearest ``(x, y)``.
        x0, y0 : int
            Parent coordinates of ``image[0, 0]``.
        """
        x, y = self._position(x, y)
        stamps, x0, y0 = self.computeImages(np.array([x]), np.array([y]))
        return stamps[0], int(x0[0]), int(y0[0])

    def computeImages(self, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`computeImage` at many positions in one go.

        Parameters
        ----------
        x, y : array_like
            Parent pixel positions, equal lengths, finite.

        Returns
        -------
        images : ndarray
            (n, k, k) stamps, each of sum 1, centred exactly at its ``(x, y)``.
        x0, y0 : ndarray
            int64 parent coordinates of each stamp's ``[0, 0]``.

        Raises
        ------
        ValueError
            Lengths differ, a position is not finite, or a rendered stamp has no positive sum.
        """
        who = type(self).__name__
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        if x.size != y.size:
            msg = f"{who}.computeImages: x and y lengths differ ({x.size}, {y.size})"
            raise ValueError(msg)
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            msg = f"{who}.computeImages: positions must be finite"
            raise ValueError(msg)
        ix = np.floor(x + 0.5)
        iy = np.floor(y + 0.5)
        if x.size == 0:
            stamps = np.zeros((0, 1, 1))
        else:
            stamps = np.array(self._shifted_kernel_images(x, y, x - ix, y - iy), dtype=np.float64)
        if stamps.ndim != 3 or stamps.shape[1] != stamps.shape[2] or stamps.shape[1] % 2 == 0:
            msg = f"{who}: PSF image must be odd and square, got shape {stamps.shape[1:]}"
            raise ValueError(msg)
        if x.size:
            totals = stamps.sum(axis=(1, 2))
            bad = ~(np.isfinite(totals) & (totals > 0))
            if bad.any():
                msg = f"{who}: PSF image sum is {totals[bad][0]!r}, must be positive and finite"
                raise ValueError(msg)
            stamps /= totals[:, None, None]
        half = stamps.shape[1] // 2
        return stamps, ix.astype(np.int64) - half, iy.astype(np.int64) - half

    def computeShape(self, x: float | None = None, y: float | None = None) -> tuple[float, float, float]:
        """Adaptive second moments ``(xx, yy, xy)`` of the kernel image, pixels²."""
        if self.isSpatiallyConstant:
            cached = self.__dict__.get("_shape_cache")
            if cached is None:
                cached = self._measure_shape(*self._position(x, y))
                self.__dict__["_shape_cache"] = cached
            return cached
        return self._measure_shape(*self._position(x, y))

    def _measure_shape(self, x: float, y: float) -> tuple[float, float, float]:
        from lsstlite.kernels.moments import adaptive_moments_stamp

        res = adaptive_moments_stamp(self.computeKernelImage(x, y), tol1=1e-9, tol2=1e-8)
        if res.flags:
            msg = f"{type(self).__name__}: adaptive moments of the PSF image failed at ({x}, {y})"
            raise ValueError(msg)
        return res.xx, res.yy, res.xy

    def determinantRadius(self, x: float | None = None, y: float | None = None) -> float:
        """``(xx*yy - xy²)**0.25`` of `computeShape` (sigma for a round Gaussian), pixels."""
        xx, yy, xy = self.computeShape(x, y)
        return (xx * yy - xy * xy) ** 0.25

    def fwhm(self, x: float | None = None, y: float | None = None) -> float:
        """FWHM in pixels: 2 sqrt(2 ln 2) times `determinantRadius`."""
        return FWHM_PER_SIGMA * self.determinantRadius(x, y)

    def _header_hdu(self, **cards: float) -> fits.ImageHDU:
        """Data-less ``PSF`` extension with ``PSFTYPE`` and exact float parameter cards."""
        from astropy.io import fits

        header = fits.Header()
        header["EXTNAME"] = "PSF"
        header["PSFTYPE"] = (self.psfType, "lsstlite PSF model")
        for key, value in cards.items():
            header.append(fits.Card.fromstring(card(key, value)))
        return fits.ImageHDU(header=header)


def _normalised(image: np.ndarray, who: str) -> np.ndarray:
    a = np.asarray(image, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] % 2 == 0:
        msg = f"{who}: PSF image must be odd and square, got shape {a.shape}"
        raise ValueError(msg)
    total = a.sum()
    if not (np.isfinite(total) and total > 0):
        msg = f"{who}: PSF image sum is {total!r}, must be positive and finite"
        raise ValueError(msg)
    return a / total


def lanczos_taps(shifts, order: int = LANCZOS_ORDER) -> np.ndarray:
    """Taps ``w[:, m + order]``, ``m = -order..order``, that shift 1-D signals by ``shifts``.

    ``w(m)`` is the Lanczos kernel ``L(m - shift)`` plus a small linear correction on its
    support so that the taps sum to 1 and have first moment ``shift``: constants and linear
    ramps are reproduced exactly, hence flux and centroid are preserved (plain Lanczos-5
    leaves centroid errors of ~0.01 px). A zero shift gives the exact identity taps.

    Parameters
    ----------
    shifts : array_like
        Shifts in pixels (|shift| < order), any shape.

    Returns
    -------
    taps : ndarray
        float64, ``shifts.shape + (2 * order + 1,)``.
    """
    shift = np.asarray(shifts, dtype=np.float64)[..., None]
    m = np.arange(-order, order + 1, dtype=np.float64)
    t = m - shift
    support = np.abs(t) < order
    taps = np.where(support, np.sinc(t) * np.sinc(t / order), 0.0)
    s0 = support.sum(axis=-1)
    s1 = np.where(support, m, 0.0).sum(axis=-1)
    s2 = np.where(support, m * m, 0.0).sum(axis=-1)
    r0 = 1.0 - taps.sum(axis=-1)
    r1 = shift[..., 0] - (m * taps).sum(axis=-1)
    det = s0 * s2 - s1 * s1
    a = (s2 * r0 - s1 * r1) / det
    b = (s0 * r1 - s1 * r0) / det
    taps = taps + np.where(support, a[..., None] + b[..., None] * m, 0.0)
    return np.where(shift == 0.0, (m == 0.0).astype(np.float64), taps)


def lanczos_weights(shift: float, size: int, order: int = LANCZOS_ORDER) -> np.ndarray:
    """Matrix ``W[i, j] = w(i - j)`` that shifts a 1-D signal of length ``size`` by ``shift``.

    ``w`` are the flux- and centroid-preserving taps of `lanczos_taps`.
    """
    taps = lanczos_taps(float(shift), order)
    idx = np.arange(size)
    offset = idx[:, None] - idx[None, :]
    inside = np.abs(offset) <= order
    return np.where(inside, taps[np.clip(offset, -order, order) + order], 0.0)


def lanczos_shift(image: np.ndarray, dx: float, dy: float, order: int = LANCZOS_ORDER) -> np.ndarray:
    """Shift ``image`` by ``(dx, dy)`` pixels with a separable Lanczos kernel of ``order``."""
    a = np.asarray(image, dtype=np.float64)
    if dx == 0.0 and dy == 0.0:
        return a.copy()
    wy = lanczos_weights(dy, a.shape[0], order)
    wx = lanczos_weights(dx, a.shape[1], order)
    return wy @ a @ wx.T


def lanczos_shift_stamps(images: np.ndarray, dx, dy, order: int = LANCZOS_ORDER) -> np.ndarray:
    """`lanczos_shift` of each of the (n, ny, nx) ``images`` by its own ``(dx[i], dy[i])``."""
    from lsstlite.kernels.lanczos import shift_stamps

    images = np.asarray(images, dtype=np.float64)
    n = images.shape[0]
    dx = np.broadcast_to(np.asarray(dx, dtype=np.float64), (n,))
    dy = np.broadcast_to(np.asarray(dy, dtype=np.float64), (n,))
    return shift_stamps(images, lanczos_taps(dx, order), lanczos_taps(dy, order))


def _default_size(sigma: float) -> int:
    """Odd stamp width covering +-5 sigma."""
    return 2 * int(math.ceil(5.0 * sigma)) + 1


def _check_size(size: int | None, sigma: float, who: str) -> int:
    if size is None:
        return _default_size(sigma)
    if int(size) != size or size < 3 or size % 2 == 0:
        msg = f"{who}: size must be an odd integer >= 3, not {size!r}"
        raise ValueError(msg)
    return int(size)


def _check_sigma(value: float, name: str, who: str) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        msg = f"{who}: {name} must be positive and finite, not {value!r}"
        raise ValueError(msg)
    return value


def _gaussian_1d(size: int, sigma: float, shift) -> np.ndarray:
    """Gaussian sampled at pixel centres, centred ``shift`` from the central pixel; a shift
    array of shape ``s`` gives profiles of shape ``s + (size,)``."""
    t = np.arange(size, dtype=float) - size // 2 - np.asarray(shift, dtype=float)[..., None]
    return np.exp(-0.5 * (t / sigma) ** 2)


def _separable(py: np.ndarray, px: np.ndarray) -> np.ndarray:
    """Outer products of y and x profiles, (..., n) x (..., n) -> (..., n, n)."""
    return py[..., :, None] * px[..., None, :]


class GaussianPsf(Psf):
    """Circular Gaussian PSF sampled at pixel centres (like afw ``GaussianPsf``).

    Parameters
    ----------
    sigma : float
        Gaussian sigma, pixels.
    size : int, optional
        Odd stamp width; default ``2*ceil(5 sigma) + 1``.
    """

    psfType = "GAUSSIAN"
    isSpatiallyConstant = True

    def __init__(self, sigma: float, size: int | None = None) -> None:
        self.sigma = _check_sigma(sigma, "sigma", "GaussianPsf")
        self.size = _check_size(size, self.sigma, "GaussianPsf")

    def _kernel_image(self, x: float, y: float) -> np.ndarray:
        return self._shifted_kernel_image(x, y, 0.0, 0.0)

    def _shifted_kernel_image(self, x: float, y: float, dx: float, dy: float) -> np.ndarray:
        return _separable(_gaussian_1d(self.size, self.sigma, dy), _gaussian_1d(self.size, self.sigma, dx))

    def _shifted_kernel_images(self, x, y, dx, dy) -> np.ndarray:
        return self._shifted_kernel_image(0.0, 0.0, dx, dy)

    def to_hdus(self) -> list[fits.ImageHDU]:
        """One data-less ``PSF`` HDU with ``PSFTYPE='GAUSSIAN'``, ``SIGMA`` and ``SIZE``."""
        hdu = self._header_hdu(SIGMA=self.sigma)
        hdu.header["SIZE"] = (self.size, "stamp width, pixels")
        return [hdu]

    @classmethod
    def _from_hdus(cls, hdus: list) -> GaussianPsf:
        h = hdus[0].header
        return cls(h["SIGMA"], h["SIZE"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GaussianPsf):
            return NotImplemented
        return (self.sigma, self.size) == (other.sigma, other.size)

    def __repr__(self) -> str:
        return f"GaussianPsf(sigma={self.sigma!r}, size={self.size!r})"


class DoubleGaussianPsf(Psf):
    """Sum of two concentric circular Gaussians (afw ``DoubleGaussianPsf``).

    ``profile(r) = exp(-r²/2 sigma1²) + ratio * exp(-r²/2 sigma2²)``, normalised to unit sum.

    Parameters
    ----------
    sigma1 : float
        Core sigma, pixels.
    sigma2 : float
        Wing sigma, pixels.
    ratio : float
        Peak amplitude of the second Gaussian relative to the first (afw's ``b``), >= 0.
    size : int, optional
        Odd stamp width; default ``2*ceil(5 max(sigma1, sigma2)) + 1``.
    """

    psfType = "DOUBLE_GAUSSIAN"
    isSpatiallyConstant = True

    def __init__(self, sigma1: float, sigma2: float, ratio: float = 0.0, size: int | None = None) -> None:
        self.sigma1 = _check_sigma(sigma1, "sigma1", "DoubleGaussianPsf")
        self.sigma2 = _check_sigma(sigma2, "sigma2", "DoubleGaussianPsf")
        ratio = float(ratio)
        if not (math.isfinite(ratio) and ratio >= 0):
            msg = f"DoubleGaussianPsf: ratio must be >= 0 and finite, not {ratio!r}"
            raise ValueError(msg)
        self.ratio = ratio
        self.size = _check_size(size, max(self.sigma1, self.sigma2), "DoubleGaussianPsf")

    def _kernel_image(self, x: float, y: float) -> np.ndarray:
        return self._shifted_kernel_image(x, y, 0.0, 0.0)

    def _shifted_kernel_image(self, x: float, y: float, dx: float, dy: float) -> np.ndarray:
        n = self.size
        core = _separable(_gaussian_1d(n, self.sigma1, dy), _gaussian_1d(n, self.sigma1, dx))
        if self.ratio == 0.0:
            return core
        wing = _separable(_gaussian_1d(n, self.sigma2, dy), _gaussian_1d(n, self.sigma2, dx))
        return core + self.ratio * wing

    def _shifted_kernel_images(self, x, y, dx, dy) -> np.ndarray:
        return self._shifted_kernel_image(0.0, 0.0, dx, dy)

    def to_hdus(self) -> list[fits.ImageHDU]:
        """One data-less ``PSF`` HDU: ``SIGMA1``, ``SIGMA2``, ``RATIO``, ``SIZE``."""
        hdu = self._header_hdu(SIGMA1=self.sigma1, SIGMA2=self.sigma2, RATIO=self.ratio)
        hdu.header["SIZE"] = (self.size, "stamp width, pixels")
        return [hdu]

    @classmethod
    def _from_hdus(cls, hdus: list) -> DoubleGaussianPsf:
        h = hdus[0].header
        return cls(h["SIGMA1"], h["SIGMA2"], h["RATIO"], h["SIZE"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DoubleGaussianPsf):
            return NotImplemented
        return ((self.sigma1, self.sigma2, self.ratio, self.size)
                == (other.sigma1, other.sigma2, other.ratio, other.size))

    def __repr__(self) -> str:
        return (f"DoubleGaussianPsf(sigma1={self.sigma1!r}, sigma2={self.sigma2!r}, "
                f"ratio={self.ratio!r}, size={self.size!r})")


class KernelImagePsf(Psf):
    """Spatially constant PSF given as a pixelised image (afw ``KernelPsf`` of a fixed kernel).

    Parameters
    ----------
    image : array_like
        Odd square image with the PSF centre on the central pixel; stored normalised.
    """

    psfType = "KERNEL_IMAGE"
    isSpatiallyConstant = True

    def __init__(self, image) -> None:
        self.image = _normalised(image, "KernelImagePsf")
        self.image.setflags(write=False)

    def _kernel_image(self, x: float, y: float) -> np.ndarray:
        return self.image

    def to_hdus(self) -> list[fits.ImageHDU]:
        """One float64 ``PSF`` image HDU with ``PSFTYPE='KERNEL_IMAGE'``."""
        from astropy.io import fits

        header = fits.Header()
        header["PSFTYPE"] = (self.psfType, "lsstlite PSF model")
        return [fits.ImageHDU(np.array(self.image), header=header, name="PSF")]

    @classmethod
    def _from_hdus(cls, hdus: list) -> KernelImagePsf:
        psf = cls.__new__(cls)  # the stored image is already normalised: keep it bit-exact
        psf.image = np.ascontiguousarray(hdus[0].data, dtype=np.float64)
        psf.image.setflags(write=False)
        return psf

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KernelImagePsf):
            return NotImplemented
        return self.image.shape == other.image.shape and bool(np.array_equal(self.image, other.image))

    def __repr__(self) -> str:
        return f"KernelImagePsf(<{self.image.shape[1]}x{self.image.shape[0]} image>)"
