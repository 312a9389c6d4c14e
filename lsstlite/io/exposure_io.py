"""The calexp multi-extension FITS file: write and read an `Exposure` exactly.

Layout (afw-compatible where it matters, readable by astropy and ds9)::

    HDU 0  PRIMARY   no data; metadata, FILTER, photoCalib keys (PHOTCALI, PHOTCERR, FLUXMAG0,
                     MAGZERO), PSFHDU/PSFNHDU (0-based index and number of the PSF HDUs)
    HDU 1  IMAGE     float32, EXTTYPE='IMAGE', INHERIT=T, FITS WCS (with SIP) if any
    HDU 2  MASK      int32,   EXTTYPE='MASK', one MP_<PLANE> = bit card per plane, WCS
    HDU 3  VARIANCE  float32, EXTTYPE='VARIANCE', WCS
    HDU 4+ PSF       the HDUs of `Psf.to_hdus` (first one carries PSFTYPE)

Floats of the photoCalib and PSF are written with 17 significant digits (exact round trip).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import numpy as np

from ..image import Exposure, MaskPlanes, PhotoCalib, Psf
from ..image.wcs import wcs_from_header
from .errors import ImageReadError
from .fits_image import (
    is_structural_key,
    is_wcs_key,
    metadata_from_header,
    open_fits,
    wcs_to_header,
)
from .fits_write import card, image_hdu, write_fits_file

if TYPE_CHECKING:
    from astropy.io import fits

_PLANES = ("IMAGE", "MASK", "VARIANCE")
#: Primary-header keys owned by the writer (not copied from/to `Exposure.metadata`).
_RESERVED = {"FILTER", "PHOTCALI", "PHOTCERR", "FLUXMAG0", "FLUXMAG0ERR", "MAGZERO", "PSFHDU",
             "PSFNHDU", "PSFTYPE"}
_MP_KEY = re.compile(r"^MP_(.+)$")


def write_exposure(exposure: Exposure, path: str | os.PathLike) -> None:
    """Write ``exposure`` as a calexp-style MEF, atomically.

    The headers and pixels are written directly (`lsstlite.io.fits_write`); only the HDUs of
    PSF types without their own writer go through astropy (`Psf.to_fits_buffers`).

    Parameters
    ----------
    exposure : `Exposure`
    path : str or path-like
        Destination (its directory is created if needed).
    """
    cards = [c.image for c in exposure.metadata.cards if c.keyword and not (
        is_structural_key(c.keyword) or is_wcs_key(c.keyword) or c.keyword in _RESERVED)]
    if exposure.filterName is not None:
        cards.append(card("FILTER", exposure.filterName, "filter / band"))
    calib = exposure.photoCalib
    if calib is not None:
        cards.append(card("PHOTCALI", calib.calibrationMean, "nJy per count"))
        cards.append(card("PHOTCERR", calib.calibrationErr, "error of PHOTCALI, nJy per count"))
        cards.append(card("FLUXMAG0", calib.fluxMag0, "counts of an AB mag 0 source"))
        cards.append(card("MAGZERO", calib.zeroPoint, "AB magnitude of 1 count"))
    psf_buffers = [] if exposure.psf is None else exposure.psf.to_fits_buffers()
    if psf_buffers:
        cards.append(card("PSFHDU", 1 + len(_PLANES), "0-based index of the first PSF HDU"))
        cards.append(card("PSFNHDU", len(psf_buffers), "number of PSF HDUs"))
    wcs_cards = [] if exposure.wcs is None else [c.image for c in wcs_to_header(exposure.wcs).cards]
    plane_cards = [card(f"MP_{name}", bit) for name, bit in exposure.planes.items()]
    planes = (("IMAGE", exposure.image, ()), ("MASK", exposure.mask, plane_cards),
              ("VARIANCE", exposure.variance, ()))

    def buffers():
        # one plane's big-endian copy at a time (made as it is written, then freed): all three
        # at once would add two planes to the peak memory and their page faults to the run
        yield from image_hdu(None, cards=cards, primary=True)
        for name, data, extra in planes:
            yield from image_hdu(data, name, [card("EXTTYPE", name, "lsst afw image plane"),
                                              card("INHERIT", True, "inherit the primary header"),
                                              *wcs_cards, *extra])
        for hdu in psf_buffers:
            yield from hdu

    write_fits_file(path, buffers())


def _plane_hdu(hdul: fits.HDUList, name: str, index: int, path: str):
    for hdu in hdul[1:]:
        if hdu.header.get("EXTTYPE", hdu.name) == name or hdu.name == name:
            return hdu
    if len(hdul) > index and hdul[index].is_image and hdul[index].header.get("NAXIS", 0) == 2:
        return hdul[index]
    msg = f"{path}: no {name} HDU (not an exposure file?)"
    raise ImageReadError(msg)


def _planes_from_header(header: fits.Header, path: str) -> MaskPlanes:
    found = {}
    for key, value in header.items():
        match = _MP_KEY.match(key)
        if match:
            found[match.group(1)] = int(value)
    if not found:
        return MaskPlanes()
    try:
        return MaskPlanes(found)
    except ValueError as err:
        msg = f"{path}: bad mask plane cards ({err})"
        raise ImageReadError(msg) from None


def _photocalib_from_header(header: fits.Header, path: str) -> PhotoCalib | None:
    try:
        if "PHOTCALI" in header:
            return PhotoCalib(header["PHOTCALI"], header.get("PHOTCERR", 0.0))
        if "FLUXMAG0" in header:  # afw <= 16 Calib
            fluxmag0 = float(header["FLUXMAG0"])
            err = float(header.get("FLUXMAG0ERR", 0.0))
            mean = 3631.0e9 / fluxmag0
            return PhotoCalib(mean, mean * err / fluxmag0)
    except (ValueError, TypeError, ZeroDivisionError) as err:
        msg = f"{path}: bad photometric calibration cards ({err})"
        raise ImageReadError(msg) from None
    return None


def _psf_from_hdul(hdul: fits.HDUList, header: fits.Header, path: str) -> Psf | None:
    if "PSFHDU" not in header:
        return None
    first, count = int(header["PSFHDU"]), int(header.get("PSFNHDU", 1))
    if first < 1 or first + count > len(hdul):
        msg = f"{path}: PSFHDU={first}, PSFNHDU={count} point outside the file's {len(hdul)} HDUs"
        raise ImageReadError(msg)
    try:
        return Psf.from_hdus(list(hdul[first:first + count]))
    except (ValueError, KeyError) as err:
        msg = f"{path}: cannot rebuild the PSF ({err})"
        raise ImageReadError(msg) from None


def read_exposure(path: str | os.PathLike) -> Exposure:
    """Read a file written by `write_exposure` (or an afw calexp: IMAGE/MASK/VARIANCE HDUs).

    Returns
    -------
    exposure : `Exposure`
        Pixels, mask planes from the ``MP_*`` cards, WCS from the IMAGE header, the PSF (if
        ``PSFHDU`` is set and its type is registered), photoCalib from ``PHOTCALI`` (or an
        old ``FLUXMAG0``), metadata = the primary header minus the writer's own keys.

    Raises
    ------
    ImageReadError
        Missing or non-FITS file, missing IMAGE/MASK/VARIANCE HDU, unreadable PSF or calibration.
    """
    name = os.fspath(path)
    with open_fits(name) as hdul:
        primary = hdul[0].header
        image_hdu = _plane_hdu(hdul, "IMAGE", 1, name)
        mask_hdu = _plane_hdu(hdul, "MASK", 2, name)
        variance_hdu = _plane_hdu(hdul, "VARIANCE", 3, name)
        native = np.dtype(np.float32).newbyteorder("=")
        image = np.ascontiguousarray(image_hdu.data, dtype=native)
        mask = np.ascontiguousarray(mask_hdu.data, dtype=np.dtype(np.int32).newbyteorder("="))
        variance = np.ascontiguousarray(variance_hdu.data, dtype=native)
        planes = _planes_from_header(mask_hdu.header, name)
        wcs = wcs_from_header(image_hdu.header, path=name)
        psf = _psf_from_hdul(hdul, primary, name)
        calib = _photocalib_from_header(primary, name)
        metadata = metadata_from_header(primary, drop_wcs=True)
    for key in _RESERVED:
        metadata.remove(key, ignore_missing=True, remove_all=True)
    filter_name = primary.get("FILTER")
    return Exposure(image, mask, variance, planes=planes, wcs=wcs, psf=psf, photoCalib=calib,
                    metadata=metadata, filterName=None if filter_name is None else str(filter_name))
