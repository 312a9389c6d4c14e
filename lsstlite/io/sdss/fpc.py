"""SDSS fpC corrected frames: pixels (SOFTBIAS removed, overlap rows trimmed) and the TAN WCS."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from lsstlite.image.wcs import TanSipWcs
from lsstlite.io.fits_read import read_primary_image
from lsstlite.io.header import Header

__all__ = ["FpcFrame", "read_fpc", "wcs_from_fpc_header", "OVERLAP_ROWS"]

#: Rows at the top of an fpC that repeat the first rows of the next field.
OVERLAP_ROWS = 128


@dataclass
class FpcFrame:
    """Pixels and header of one fpC file.

    Attributes
    ----------
    image : `numpy.ndarray`
        float32 [y, x] in DN, ``SOFTBIAS`` subtracted (sky *not* subtracted).
    header : `lsstlite.io.header.Header`
        The primary header as read.
    wcs : `lsstlite.image.wcs.TanSipWcs`, `astropy.wcs.WCS` or None
        Celestial TAN WCS (None if the header has none; astropy only for a projection other
        than TAN); use it with ``origin=0`` calls.
    softbias : float
        The software bias removed (DN).
    trimmed_rows : int
        Rows removed from the top of the frame (0 or the overlap size).
    exptime : float
        Exposure time (s), from the string keyword ``EXPTIME``.
    """

    image: np.ndarray
    header: Header
    wcs: object | None
    softbias: float
    trimmed_rows: int
    exptime: float


def wcs_from_fpc_header(header: Header):
    """Celestial TAN WCS from the ``CTYPE/CRPIX/CRVAL/CD`` keys of an fpC header.

    The WCS stores FITS's 1-based ``CRPIX`` and converts with the ``origin`` argument, so
    ``wcs.pixel_to_world_values(x, y)`` / ``wcs.wcs_pix2world(x, y, 0)`` take lsstlite's 0-based
    pixel centres directly. Only the WCS keys are used (the fpC header carries the deprecated
    ``RADECSYS`` and telescope keys that are not part of the WCS).

    Returns
    -------
    wcs : `lsstlite.image.wcs.TanSipWcs`, `astropy.wcs.WCS` or None
        A `TanSipWcs` for ``RA---TAN``/``DEC--TAN`` in ICRS, FK5 or FK4 (every SDSS frame); an
        astropy WCS of the same keys for another projection or frame; None when ``CTYPE1/2``
        are absent.
    """
    if "CTYPE1" not in header or "CTYPE2" not in header:
        return None
    ctype = (str(header["CTYPE1"]).strip(), str(header["CTYPE2"]).strip())
    crpix = [float(header["CRPIX1"]), float(header["CRPIX2"])]
    crval = [float(header["CRVAL1"]), float(header["CRVAL2"])]
    cd = [[float(header.get("CD1_1", 0.0)), float(header.get("CD1_2", 0.0))],
          [float(header.get("CD2_1", 0.0)), float(header.get("CD2_2", 0.0))]]
    frame = str(header.get("RADESYS", header.get("RADECSYS", "ICRS"))).strip() or "ICRS"
    equinox = float(header.get("EQUINOX", 2000.0)) if frame.upper() in ("FK5", "FK4") else None
    if ctype == ("RA---TAN", "DEC--TAN") and frame.upper() in ("ICRS", "FK5", "FK4"):
        return TanSipWcs(crval, crpix, cd, radesys=frame, equinox=equinox)
    from astropy.wcs import WCS

    wcs = WCS(naxis=2)
    wcs.wcs.ctype = list(ctype)
    wcs.wcs.crpix = crpix
    wcs.wcs.crval = crval
    wcs.wcs.cd = cd
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.radesys = frame
    if equinox is not None:
        wcs.wcs.equinox = equinox
    wcs.wcs.set()
    return wcs


def _exptime(header: Header, path: str) -> float:
    raw = header.get("EXPTIME")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        msg = f"{path}: EXPTIME {raw!r} is not a number"
        raise ValueError(msg) from None
    if not (np.isfinite(value) and value > 0):
        msg = f"{path}: EXPTIME {raw!r} must be positive"
        raise ValueError(msg)
    return value


def read_fpc(path: str | os.PathLike, trim_rows: bool = True,
             overlap_rows: int = OVERLAP_ROWS) -> FpcFrame:
    """Read an fpC file (``.fit`` or ``.fit.gz``).

    Parameters
    ----------
    path : str or path-like
        The fpC file.
    trim_rows : bool
        Remove the top ``overlap_rows`` rows, which duplicate the next field (obs_sdss
        ``removeOverlap``). Row/column numbering of the kept rows is unchanged.
    overlap_rows : int
        Size of the overlap (128 for SDSS).

    Returns
    -------
    frame : `FpcFrame`

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; no 2-D image in the primary HDU; invalid ``EXPTIME`` or WCS; overlap
        larger than the frame.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        msg = f"SDSS fpC file not found: {path}"
        raise FileNotFoundError(msg)
    header, data = read_primary_image(path)
    if data is None or data.ndim != 2:
        msg = f"{path}: primary HDU holds no 2-D image (fpC expected)"
        raise ValueError(msg)
    softbias = float(header.get("SOFTBIAS", 0.0))
    image = np.asarray(data, dtype=np.float32) - np.float32(softbias)
    trimmed = 0
    if trim_rows:
        if not 0 <= overlap_rows < image.shape[0]:
            msg = f"{path}: overlap_rows={overlap_rows} invalid for {image.shape[0]} rows"
            raise ValueError(msg)
        trimmed = int(overlap_rows)
        image = image[: image.shape[0] - trimmed]
    image = np.ascontiguousarray(image, dtype=np.float32)
    try:
        wcs = wcs_from_fpc_header(header)
    except ValueError as error:
        msg = f"{path}: invalid WCS: {error}"
        raise ValueError(msg) from None
    return FpcFrame(image=image, header=header, wcs=wcs, softbias=softbias,
                    trimmed_rows=trimmed, exptime=_exptime(header, path))
