"""Reading any FITS image into an `Exposure`; WCS <-> header helpers shared by the writers."""

from __future__ import annotations

import logging
import os
import re
import warnings
from typing import TYPE_CHECKING

import numpy as np

from ..image import Exposure, MaskPlanes
from ..image.wcs import TanSipWcs, wcs_from_header
from .errors import ImageFileNotFoundError, ImageReadError

if TYPE_CHECKING:
    from astropy.io import fits

log = logging.getLogger(__name__)

#: Header keys describing the data layout, never copied into `Exposure.metadata`.
_STRUCTURAL = re.compile(
    r"^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|XTENSION|PCOUNT|GCOUNT|BZERO|BSCALE|BLANK|EXTNAME|EXTVER|"
    r"EXTLEVEL|INHERIT|CHECKSUM|DATASUM|Z[A-Z0-9_]*|TFIELDS|TTYPE\d+|TFORM\d+|END)$")

#: Header keys of a FITS WCS (any alternate letter) and SIP distortion.
_WCS_KEY = re.compile(
    r"^(WCSAXES|CTYPE\d|CRPIX\d|CRVAL\d|CDELT\d|CUNIT\d|CROTA\d|CD\d_\d|PC\d_\d|PV\d_\d+|PS\d_\d+|"
    r"CNAME\d|CRDER\d|CSYER\d|LONPOLE|LATPOLE|RADESYS|RADECSYS|EQUINOX|WCSNAME|"
    r"MJDREF|MJDREFI|MJDREFF|DATEREF|LTV\d|LTM\d_\d)[A-Z]?$"
    r"|^(A|B|AP|BP)_(ORDER|DMAX|\d+_\d+)$")


def is_structural_key(key: str) -> bool:
    """True for FITS layout keys (``NAXIS``, ``BITPIX``, ``BZERO``, compression ``Z*`` ...)."""
    return bool(_STRUCTURAL.match(key))


def is_wcs_key(key: str) -> bool:
    """True for FITS-WCS keys (primary or alternate) and SIP coefficients."""
    return bool(_WCS_KEY.match(key))


def metadata_from_header(header: fits.Header, drop_wcs: bool) -> fits.Header:
    """Copy of ``header`` without structural keys (and WCS keys if ``drop_wcs``)."""
    from astropy.io import fits

    out = fits.Header()
    for card in header.cards:
        key = card.keyword
        if not key or is_structural_key(key) or (drop_wcs and is_wcs_key(key)):
            continue
        out.append(card, end=True)
    return out


def _exact_wcs_values(wcs) -> dict[str, float]:
    """Full-precision values of the float cards of an astropy WCS (wcslib writes ~12 digits)."""
    w = wcs.wcs
    values: dict[str, float] = {}
    pc = w.get_pc()
    cdelt = w.get_cdelt()
    for i in range(2):
        values[f"CRPIX{i + 1}"] = w.crpix[i]
        values[f"CRVAL{i + 1}"] = w.crval[i]
        values[f"CDELT{i + 1}"] = cdelt[i]
        for j in range(2):
            values[f"PC{i + 1}_{j + 1}"] = pc[i, j]
    values["LONPOLE"] = w.lonpole
    values["LATPOLE"] = w.latpole
    sip = wcs.sip
    if sip is not None:
        for prefix, coeffs in (("A", sip.a), ("B", sip.b), ("AP", sip.ap), ("BP", sip.bp)):
            if coeffs is None:
                continue
            for p, q in zip(*np.nonzero(coeffs), strict=True):
                values[f"{prefix}_{p}_{q}"] = coeffs[p, q]
    return values


def wcs_to_header(wcs):
    """FITS-WCS cards of ``wcs`` (SIP included when present, ``-SIP`` CTYPE suffix).

    A `TanSipWcs` writes its own (`TanSipWcs.to_header`); for an astropy WCS the numeric cards
    of ``wcs.to_header`` are rewritten with 17 significant digits. Either way reading the
    header back gives bit-identical CRPIX, CRVAL, PC, CDELT and SIP coefficients, and the same
    WCS gives the same cards whichever class holds it.

    Returns
    -------
    header : `lsstlite.io.header.Header` (from a `TanSipWcs`) or `astropy.io.fits.Header`
    """
    if isinstance(wcs, TanSipWcs):
        return wcs.to_header()
    from astropy.io import fits
    from astropy.wcs import FITSFixedWarning

    from .fits_write import card as card_image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        header = wcs.to_header(relax=True)
    for key in ("DATEREF", "MJDREFI", "MJDREFF", "MJDREF"):
        header.remove(key, ignore_missing=True)
    for key, value in _exact_wcs_values(wcs).items():
        if key in header and np.isfinite(value):
            index = header.index(key)
            card = fits.Card.fromstring(card_image(key, float(value), header.comments[key]))
            del header[index]
            header.insert(index, card)
    return header


def _describe_hdus(hdul: fits.HDUList) -> str:
    parts = []
    for i, h in enumerate(hdul):
        kind = "table" if not h.is_image else (
            "empty" if not h.header.get("NAXIS", 0) else "x".join(str(h.header[f"NAXIS{k}"])
                                                               for k in range(1, h.header["NAXIS"] + 1)))
        parts.append(f"{i} {h.name or '-'} ({kind})")
    return "; ".join(parts)


def _has_pixels(hdu) -> bool:
    return bool(hdu.is_image and hdu.header.get("NAXIS", 0) > 0)


def select_image_hdu(hdul: fits.HDUList, hdu: int | str | None, path: str):
    """The image HDU ``hdu`` (index or EXTNAME) or, if None, the primary or first image HDU."""
    if hdu is None:
        for h in hdul:
            if _has_pixels(h):
                return h
        msg = f"{path}: no image HDU in the file (HDUs: {_describe_hdus(hdul)})"
        raise ImageReadError(msg)
    try:
        chosen = hdul[hdu]
    except (KeyError, IndexError):
        msg = f"{path}: no HDU {hdu!r} (HDUs: {_describe_hdus(hdul)})"
        raise ImageReadError(msg) from None
    if not chosen.is_image:
        msg = f"{path}: HDU {hdu!r} is a {type(chosen).__name__}, not an image"
        raise ImageReadError(msg)
    return chosen


def check_fits_path(path, error=ImageReadError, not_found=ImageFileNotFoundError) -> str:
    """``path`` as a string; ``not_found`` if it does not exist, ``error`` if it is a directory."""
    name = os.fspath(path)
    if not os.path.exists(name):
        msg = f"{name}: no such file"
        raise not_found(msg)
    if os.path.isdir(name):
        msg = f"{name}: is a directory, not a FITS file"
        raise error(msg)
    return name


def open_fits(path, error=ImageReadError, not_found=ImageFileNotFoundError, memmap: bool = True) -> fits.HDUList:
    """`fits.open` with one-line errors for a missing or non-FITS file (also ``.gz``, ``.fz``).

    Memory mapping (the default) lets the one conversion to native float32 read the pages
    directly; astropy cannot memory-map scaled (BZERO/BSCALE/BLANK) images, use
    ``memmap=False`` for those.
    """
    from astropy.io import fits

    name = check_fits_path(path, error, not_found)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            hdul = fits.open(name, memmap=memmap)
    except (OSError, ValueError, TypeError, EOFError) as err:
        msg = f"{name}: not a readable FITS file ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
        raise error(msg) from None
    if len(hdul) == 0:
        hdul.close()
        msg = f"{name}: not a readable FITS file (no HDUs)"
        raise error(msg)
    return hdul


def image_pixels(hdu, path: str) -> np.ndarray:
    """Pixels of an image HDU as native-endian C-contiguous float32 (BZERO/BSCALE applied).

    Leading length-1 axes (``NAXIS3 = 1``) are dropped; any other non-2-D shape is an error.
    """
    label = f"HDU {hdu.name or 0!r}"
    naxis = hdu.header.get("NAXIS", 0)
    shape = tuple(hdu.header.get(f"NAXIS{k}", 0) for k in range(naxis, 0, -1))
    if naxis == 0 or 0 in shape:
        msg = f"{path}: {label} is an empty image (shape {shape})"
        raise ImageReadError(msg)
    real = tuple(s for s in shape[:-2] if s != 1) + shape[-2:] if naxis >= 2 else shape
    if len(real) != 2:
        msg = f"{path}: {label} is a {len(real)}-D image (shape {shape}); need a 2-D image"
        raise ImageReadError(msg)
    try:
        data = hdu.data
    except (OSError, ValueError, TypeError) as err:
        msg = f"{path}: {label} pixels unreadable ({err})"
        raise ImageReadError(msg) from None
    if data is None:
        msg = f"{path}: {label} has no pixel data"
        raise ImageReadError(msg)
    data = data.reshape(real)
    return np.ascontiguousarray(data, dtype=np.dtype(np.float32).newbyteorder("="))


def flag_non_finite(image: np.ndarray, mask: np.ndarray, planes: MaskPlanes) -> int:
    """Set NaN/inf pixels of ``image`` to 0 and their ``NO_DATA`` mask bit; return their number."""
    bad = ~np.isfinite(image)
    count = int(np.count_nonzero(bad))
    if count:
        image[bad] = 0.0
        mask[bad] |= np.int32(planes.bitmask("NO_DATA"))
    return count


def read_image(path: str | os.PathLike, hdu: int | str | None = None) -> Exposure:
    """Read a 2-D FITS image into an `Exposure`.

    Parameters
    ----------
    path : str or path-like
        FITS file; gzip (``.gz``) and tile-compressed (``.fz``) files are read transparently.
    hdu : int or str, optional
        HDU index (0 = primary) or EXTNAME. Default: the primary HDU if it has pixels,
        otherwise the first image HDU (e.g. the compressed image of an ``.fz`` file).

    Returns
    -------
    exposure : `Exposure`
        float32 image (BZERO/BSCALE applied, converted once to native byte order), a zero mask
        except ``NO_DATA`` on NaN/inf pixels (whose value is set to 0), zero variance, the WCS
        of the HDU header (None if it has none), metadata = primary header cards then the image
        HDU's own cards (structural and WCS keys removed), ``filterName`` from ``FILTER``.

    Raises
    ------
    ImageReadError
        One line naming the file and the problem: missing file (`ImageFileNotFoundError`),
        not FITS, no image HDU, bad ``hdu``, a 1-D/3-D or empty image.
    """
    from astropy.io import fits

    name = os.fspath(path)
    with open_fits(name) as hdul:
        chosen = select_image_hdu(hdul, hdu, name)
        scaled = not isinstance(chosen, fits.CompImageHDU) and any(
            key in chosen.header for key in ("BZERO", "BSCALE", "BLANK"))
    return _read_image(name, hdu, memmap=not scaled)


def _read_image(name: str, hdu: int | str | None, memmap: bool) -> Exposure:
    with open_fits(name, memmap=memmap) as hdul:
        chosen = select_image_hdu(hdul, hdu, name)
        image = image_pixels(chosen, name)
        header = chosen.header
        wcs = wcs_from_header(header, path=name)
        metadata = metadata_from_header(hdul[0].header, drop_wcs=wcs is not None)
        if chosen is not hdul[0]:
            metadata.extend(metadata_from_header(header, drop_wcs=wcs is not None), update=True)
    planes = MaskPlanes()
    mask = np.zeros(image.shape, dtype=np.int32)
    count = flag_non_finite(image, mask, planes)
    if count:
        log.info("%s: %d NaN/inf pixels set to 0 and flagged NO_DATA", name, count)
    filter_name = metadata.get("FILTER")
    return Exposure(image, mask, planes=planes, wcs=wcs, metadata=metadata,
                    filterName=None if filter_name is None else str(filter_name).strip())
