"""`Exposure`: image, mask, variance and everything known about them."""

from __future__ import annotations

import numpy as np

from lsstlite.io.header import Header

from .arrays import as_native
from .photocalib import PhotoCalib
from .planes import MaskPlanes
from .psf import Psf


class Exposure:
    """A calibrated (or raw) frame: pixels plus WCS, PSF, photometric calibration and metadata.

    Arrays are indexed ``[y, x]`` with pixel centres at integer coordinates, 0-based.

    Parameters
    ----------
    image : array_like
        2-D pixels; stored as native-endian C-contiguous float32 (copied only if needed).
    mask : array_like, optional
        int32 bit mask of the same shape; default all zero.
    variance : array_like, optional
        float32 variance of the same shape; default all zero.
    planes : `MaskPlanes`, optional
        Mask plane dictionary; default the afw default planes.
    wcs : `lsstlite.image.wcs.TanSipWcs` or `astropy.wcs.WCS`, optional
        Celestial WCS (pixel origin 0 in ``all_pix2world(x, y, 0)`` calls): a `TanSipWcs` for
        TAN and TAN-SIP (what the readers and the astrometry make), any celestial astropy WCS
        otherwise. Pipeline code uses only the calls both have (``all_pix2world``,
        ``all_world2pix``, ``to_header``, ``pixel_shape``, ``deepcopy``).
    psf : `Psf`, optional
    photoCalib : `PhotoCalib`, optional
    metadata : `lsstlite.io.header.Header`, `astropy.io.fits.Header` or mapping, optional
        Header cards, copied into a `lsstlite.io.header.Header` (``exposure.metadata``;
        ``exposure.metadata.to_astropy()`` gives an astropy header).
    filterName : str, optional
        Band / filter name, e.g. ``"r"``.

    Raises
    ------
    ValueError
        If an array is not 2-D or the shapes differ.
    """

    def __init__(self, image, mask=None, variance=None, planes: MaskPlanes | None = None,
                 wcs=None, psf: Psf | None = None, photoCalib: PhotoCalib | None = None,
                 metadata=None, filterName: str | None = None) -> None:
        self.image = as_native(image, np.float32, "image")
        shape = self.image.shape
        self.mask = (np.zeros(shape, dtype=np.int32) if mask is None
                     else as_native(mask, np.int32, "mask"))
        self.variance = (np.zeros(shape, dtype=np.float32) if variance is None
                         else as_native(variance, np.float32, "variance"))
        for name in ("mask", "variance"):
            if getattr(self, name).shape != shape:
                msg = f"Exposure: {name} shape {getattr(self, name).shape} differs from image shape {shape}"
                raise ValueError(msg)
        self.planes = MaskPlanes() if planes is None else planes
        self.wcs = wcs
        if psf is not None and not isinstance(psf, Psf):
            msg = f"Exposure: psf must be a Psf, not {type(psf).__name__}"
            raise TypeError(msg)
        self.psf = psf
        if photoCalib is not None and not isinstance(photoCalib, PhotoCalib):
            msg = f"Exposure: photoCalib must be a PhotoCalib, not {type(photoCalib).__name__}"
            raise TypeError(msg)
        self.photoCalib = photoCalib
        self.metadata = _as_header(metadata)
        self.filterName = filterName

    @property
    def width(self) -> int:
        """Number of columns (x)."""
        return self.image.shape[1]

    @property
    def height(self) -> int:
        """Number of rows (y)."""
        return self.image.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return self.image.shape

    def copy(self) -> Exposure:
        """Deep copy of pixels, planes, WCS and metadata; the PSF and photoCalib are shared
        (they are treated as immutable)."""
        return Exposure(self.image.copy(), self.mask.copy(), self.variance.copy(),
                        planes=self.planes.copy(),
                        wcs=None if self.wcs is None else self.wcs.deepcopy(),
                        psf=self.psf, photoCalib=self.photoCalib,
                        metadata=self.metadata.copy(), filterName=self.filterName)

    def maskedPixels(self, *names: str) -> np.ndarray:
        """Boolean array: pixels with any of the planes ``names`` set."""
        return (self.mask & self.planes.bitmask(*names)) != 0

    def __repr__(self) -> str:
        return (f"Exposure({self.width}x{self.height}, filter={self.filterName!r}, "
                f"wcs={'yes' if self.wcs is not None else 'no'}, psf={self.psf!r}, "
                f"photoCalib={self.photoCalib!r})")


__all__ = ["Exposure"]


def _as_header(metadata) -> Header:
    """A `Header` copy of ``metadata`` (None, a `Header`, an astropy header or a mapping)."""
    if metadata is None:
        return Header()
    if isinstance(metadata, Header):
        return metadata.copy()
    if hasattr(metadata, "tostring") and hasattr(metadata, "cards"):  # an astropy header
        return Header.fromstring(metadata.tostring())
    header = Header()
    for key, value in dict(metadata).items():
        header[key] = value
    return header
