"""Read an SDSS frame (fpC + fpM + psField + tsField) into an `Exposure`.

The obs_sdss equivalent, with its known errors fixed: the variance includes the dark variance,
the zero point includes the extinction term ``kk * airmass``, and gain/dark variance come from
the frame's own psField (obs_sdss's opECalib camera-row map was wrong). Facts and verified
numbers: ``docs/algorithms.md`` §1 of the shared docs.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lsstlite.astrom.sip import sky_separation_arcsec
from lsstlite.image import Exposure, MaskPlanes, PhotoCalib
from lsstlite.image.sdss_psf import SdssKlPsf
from lsstlite.io.fits_read import read_primary_header_values
from lsstlite.io.header import Header
from lsstlite.io.sdss.astrans import read_astrans, tan_sip_from_astrans
from lsstlite.io.sdss.fpc import OVERLAP_ROWS, FpcFrame, read_fpc
from lsstlite.io.sdss.fpm import SDSS_TO_LSST_PLANE, read_fpm_pixels
from lsstlite.io.sdss.names import (
    SDSS_BANDS,
    SdssFrameId,
    find_companion,
    frame_id_from_fpc,
)
from lsstlite.io.sdss.psfield import PsFieldBand, read_psfield
from lsstlite.io.sdss.tsfield import TsFieldCalib, read_tsfield, zero_point_from_flux20

__all__ = ["SdssFrameInfo", "is_sdss_frame", "read_sdss_frame"]

log = logging.getLogger("lsstlite.io.sdss")

#: Header keys describing the stored array, dropped from the exposure metadata.
_STRUCTURAL_KEYS = ("SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND", "BZERO", "BSCALE")


@dataclass
class SdssFrameInfo:
    """What `read_sdss_frame` found and used.

    Attributes
    ----------
    frame : `SdssFrameId`
        Run, camcol, field, band.
    fpc_path, fpm_path, psfield_path, tsfield_path, astrans_path : `pathlib.Path` or None
        Files used (None: not found, the corresponding part is missing).
    wcs_source : str
        ``"asTrans"`` (photo's solution with its distortion, as TAN-SIP) or ``"header"`` (the
        fpC's TAN WCS).
    gain : float
        e-/DN used for the variance plane.
    dark_variance : float
        DN^2 added to the variance plane.
    noise_source : str
        ``"psField"``, ``"tsField"`` or ``"estimated"`` (from the sky, no companion found).
    zero_point, zero_point_err : float or None
        AB magnitude of 1 DN and its error; None when unknown.
    zero_point_source : str or None
        ``"tsField"`` (aa, kk, airmass) or ``"FLUX20"`` (fpC header, preliminary calibration).
    exptime, softbias, sky, flux20 : float or None
        From the fpC header (``SKY`` in DN, sky not subtracted).
    trimmed_rows : int
        Overlap rows removed from the top of the frame.
    mask_planes : dict of str to str
        photo plane name -> lsstlite plane name, for the planes set from the fpM.
    tsfield : `TsFieldCalib` or None
        All calibration terms read from the tsField.
    """

    frame: SdssFrameId
    fpc_path: Path
    fpm_path: Path | None = None
    psfield_path: Path | None = None
    tsfield_path: Path | None = None
    astrans_path: Path | None = None
    wcs_source: str = "header"
    gain: float = float("nan")
    dark_variance: float = 0.0
    noise_source: str = "estimated"
    zero_point: float | None = None
    zero_point_err: float | None = None
    zero_point_source: str | None = None
    exptime: float = float("nan")
    softbias: float = 0.0
    sky: float | None = None
    flux20: float | None = None
    trimmed_rows: int = 0
    mask_planes: dict[str, str] = field(default_factory=dict)
    tsfield: TsFieldCalib | None = None


def _float32_value(value: float) -> float:
    """The shortest decimal of a float32 table value (4.76, not 4.760000228881836)."""
    return float(f"{np.float32(value):.7g}")


def is_sdss_frame(path_or_header: str | os.PathLike | Header) -> bool:
    """Whether a file (or primary header) is an SDSS fpC corrected frame.

    True when ``ORIGIN`` is ``SDSS`` and ``RUN``, ``CAMCOL``, ``SOFTBIAS`` and an SDSS
    ``FILTER`` (u, g, r, i, z) are present.

    Raises
    ------
    FileNotFoundError
        If a path is given and does not exist. A file that is not FITS gives False.
    """
    if not isinstance(path_or_header, (str, os.PathLike)):  # a header (ours or astropy's)
        header = path_or_header
    else:
        path = os.fspath(path_or_header)
        if not os.path.isfile(path):
            msg = f"file not found: {path}"
            raise FileNotFoundError(msg)
        try:
            header = read_primary_header_values(path)
        except (OSError, ValueError):
            return False
    if str(header.get("ORIGIN", "")).strip().upper() != "SDSS":
        return False
    if any(key not in header for key in ("RUN", "CAMCOL", "SOFTBIAS", "FILTER")):
        return False
    return str(header["FILTER"]).strip() in SDSS_BANDS


def _resolve(explicit, fpc_path: Path, frame: SdssFrameId, kind: str,
             missing_level: int = logging.WARNING) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            msg = f"SDSS {kind} file not found: {path}"
            raise FileNotFoundError(msg)
        log.info("%s: using %s %s (given)", fpc_path.name, kind, path)
        return path
    path = find_companion(fpc_path, frame, kind)
    if path is None:
        log.log(missing_level, "%s: no %s file found next to it or in the SDSS tree (objcs/, "
                "calibChunks/, astrom/)", fpc_path.name, kind)
    else:
        log.info("%s: using %s %s", fpc_path.name, kind, path)
    return path


def _mask(fpm_path: Path | None, shape: tuple[int, int], info: SdssFrameInfo,
          planes_wanted) -> tuple[np.ndarray, MaskPlanes]:
    planes = MaskPlanes()
    mask = np.zeros(shape, dtype=np.int32)
    if fpm_path is None:
        return mask, planes
    flat = mask.reshape(-1)
    for sdss_name, pixels in read_fpm_pixels(fpm_path, shape=shape).items():
        if planes_wanted is not None and sdss_name not in planes_wanted:
            continue
        name = SDSS_TO_LSST_PLANE.get(sdss_name, sdss_name)
        bit = planes.add(name)
        flat[pixels] |= np.int32(1 << bit)
        info.mask_planes[sdss_name] = name
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: fpM plane %s -> %s: %d pixels", fpm_path.name, sdss_name, name,
                      np.unique(pixels).size)
    return mask, planes


def _estimated_noise(image: np.ndarray, fpc_name: str) -> tuple[float, float]:
    """Gain from the sky: ``gain = sky / sigma_sky**2`` (robust), dark variance 0."""
    finite = image[np.isfinite(image)]
    sky = float(np.median(finite))
    q25, q75 = np.percentile(finite, [25.0, 75.0])
    sigma = float(q75 - q25) / 1.349
    if not (sky > 0 and sigma > 0):
        msg = f"{fpc_name}: cannot estimate the gain from the sky (sky {sky}, sigma {sigma})"
        raise ValueError(msg)
    gain = sky / sigma**2
    log.warning("%s: no psField/tsField: gain estimated from the sky as %.3f e-/DN, "
                "dark variance 0", fpc_name, gain)
    return gain, 0.0


def _noise(fpc: FpcFrame, info: SdssFrameInfo, psfield: PsFieldBand | None) -> None:
    if psfield is not None:
        gain, dark_variance = psfield.gain, psfield.dark_variance
        info.noise_source = "psField"
    elif info.tsfield is not None:
        gain, dark_variance = info.tsfield.gain, info.tsfield.dark_variance
        info.noise_source = "tsField"
    else:
        gain, dark_variance = _estimated_noise(fpc.image, info.fpc_path.name)
        info.noise_source = "estimated"
    if info.noise_source != "estimated":
        gain, dark_variance = _float32_value(gain), _float32_value(dark_variance)
    info.gain, info.dark_variance = gain, dark_variance


def _zero_point(fpc: FpcFrame, info: SdssFrameInfo) -> PhotoCalib | None:
    if info.tsfield is not None:
        info.zero_point = info.tsfield.zeroPoint
        info.zero_point_err = info.tsfield.zeroPointErr
        info.zero_point_source = "tsField"
    elif info.flux20 is not None and np.isfinite(info.flux20) and info.flux20 > 0:
        info.zero_point = zero_point_from_flux20(info.flux20)
        info.zero_point_err = 0.0
        info.zero_point_source = "FLUX20"
        log.warning("%s: zero point from the header FLUX20 (preliminary calibration): %.4f",
                    info.fpc_path.name, info.zero_point)
    else:
        log.warning("%s: no zero point (no tsField, no valid FLUX20)", info.fpc_path.name)
        return None
    return PhotoCalib.fromZeroPoint(info.zero_point, info.zero_point_err)


#: Largest distance (arcsec) of the asTrans WCS from the header TAN over the frame: the two
#: are photo's solution with and without its cubic distortion (0.03-0.1" on run 4192), so
#: more means the asTrans file does not belong to the frame.
_MAX_ASTRANS_OFFSET = 1.0


def _wcs(fpc: FpcFrame, info: SdssFrameInfo):
    """photo's asTrans solution as TAN-SIP when it can be read and agrees with the header TAN
    to `_MAX_ASTRANS_OFFSET`, else the header TAN."""
    if info.astrans_path is None:
        return fpc.wcs
    name = info.fpc_path.name
    try:
        solution = read_astrans(info.astrans_path, info.frame)
    except ValueError as err:
        log.warning("%s: %s; the header TAN WCS is used", name, err)
        return fpc.wcs
    height, width = fpc.image.shape
    wcs, residual = tan_sip_from_astrans(solution, width, height)
    gx, gy = np.meshgrid(np.linspace(0, width - 1, 9), np.linspace(0, height - 1, 9))
    ra, dec = wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    hra, hdec = fpc.wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    offset = float(sky_separation_arcsec(ra, dec, hra, hdec).max())
    if not offset <= _MAX_ASTRANS_OFFSET:
        log.warning("%s: the asTrans solution in %s is %.3g\" from the header TAN WCS (more than "
                    "%g\"): the header TAN WCS is used", name, info.astrans_path, offset,
                    _MAX_ASTRANS_OFFSET)
        return fpc.wcs
    log.info("%s: WCS from asTrans (TAN-SIP order 3, within %.1g\" of it; up to %.3f\" from the "
             "header TAN)", name, residual, offset)
    info.wcs_source = "asTrans"
    return wcs


def _metadata(fpc: FpcFrame, info: SdssFrameInfo) -> Header:
    header = fpc.header.copy()
    for key in _STRUCTURAL_KEYS:
        header.remove(key, ignore_missing=True, remove_all=True)
    header["GAIN"] = (info.gain, f"e-/DN, from {info.noise_source}")
    header["DARKVAR"] = (info.dark_variance, f"dark variance DN^2, from {info.noise_source}")
    header["OVERLAP"] = (info.trimmed_rows, "overlap rows trimmed from the top")
    if info.zero_point is not None:
        header["MAGZP"] = (info.zero_point, f"AB mag of 1 DN, from {info.zero_point_source}")
        header["MAGZPERR"] = (info.zero_point_err, "error of MAGZP")
    return header


def read_sdss_frame(fpc_path: str | os.PathLike, trim_rows: bool = True,
                    overlap_rows: int = OVERLAP_ROWS, *, fpm_path=None, psfield_path=None,
                    tsfield_path=None, astrans_path=None, use_fpm: bool = True,
                    use_psfield: bool = True, use_tsfield: bool = True, use_astrans: bool = True,
                    fpm_planes=None,
                    psf_size: int | None = None) -> tuple[Exposure, SdssFrameInfo]:
    """Read an SDSS fpC frame and its companions into an `Exposure`.

    Parameters
    ----------
    fpc_path : str or path-like
        ``fpC-RRRRRR-<band><camcol>-FFFF.fit[.gz]``.
    trim_rows : bool
        Remove the ``overlap_rows`` top rows that repeat the next field (default True).
    overlap_rows : int
        Overlap size (128).
    fpm_path, psfield_path, tsfield_path, astrans_path : path-like, optional
        Companion files; default: searched next to the fpC, then in ``../../objcs/<camcol>/``,
        ``../../calibChunks/<camcol>/`` and ``../../astrom/`` of the SDSS tree. A given path
        must exist; a companion not found is logged (a warning, except for asTrans).
    use_fpm, use_psfield, use_tsfield, use_astrans : bool
        Set False to ignore a companion.
    fpm_planes : iterable of str, optional
        photo planes to copy into the mask (default all: INTERP -> INTRP, SATUR -> SAT, CR,
        and NOTCHECKED, OBJECT, BRIGHTOBJECT, BINOBJECT, CATOBJECT, SUBTRACTED, GHOST under
        their own names).
    psf_size : int, optional
        Width of the PSF stamps (odd, <= 51; default 31).

    Returns
    -------
    exposure : `Exposure`
        image: float32 DN, SOFTBIAS removed, sky *not* subtracted; variance:
        ``max(image, 0) / gain + dark_variance`` (DN^2); mask from the fpM; wcs: a
        `lsstlite.image.wcs.TanSipWcs` (0-based calls), photo's asTrans solution as TAN-SIP
        (its distortion is what the astrometry keeps) or, without an asTrans, the header TAN;
        psf: `SdssKlPsf`; photoCalib: nJy per DN from the zero point;
        metadata: the fpC header plus ``GAIN``, ``DARKVAR``, ``OVERLAP``, ``MAGZP``, ``MAGZPERR``.
    info : `SdssFrameInfo`
        Files found, gain, dark variance, zero point and their sources.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing fpC or explicitly given companion; unreadable or inconsistent files.
    """
    path = Path(fpc_path)
    fpc = read_fpc(path, trim_rows=trim_rows, overlap_rows=overlap_rows)
    frame = frame_id_from_fpc(path, fpc.header)
    flux20 = fpc.header.get("FLUX20")
    sky = fpc.header.get("SKY")
    info = SdssFrameInfo(frame=frame, fpc_path=path, exptime=fpc.exptime, softbias=fpc.softbias,
                         trimmed_rows=fpc.trimmed_rows,
                         flux20=None if flux20 is None else float(flux20),
                         sky=None if sky is None else float(sky))
    log.info("%s: SDSS run %d camcol %d field %d band %s, %dx%d after trimming %d rows",
             path.name, frame.run, frame.camcol, frame.field, frame.band,
             fpc.image.shape[1], fpc.image.shape[0], fpc.trimmed_rows)

    if use_fpm:
        info.fpm_path = _resolve(fpm_path, path, frame, "fpM")
    if use_psfield:
        info.psfield_path = _resolve(psfield_path, path, frame, "psField")
    if use_tsfield:
        info.tsfield_path = _resolve(tsfield_path, path, frame, "tsField")
    if info.tsfield_path is not None:
        info.tsfield = read_tsfield(info.tsfield_path, frame.band, fpc.exptime)
    if use_astrans:
        info.astrans_path = _resolve(astrans_path, path, frame, "asTrans", missing_level=logging.INFO)

    mask, planes = _mask(info.fpm_path, fpc.image.shape, info,
                         None if fpm_planes is None else set(fpm_planes))
    psfield = None if info.psfield_path is None else read_psfield(info.psfield_path, frame.band)
    _noise(fpc, info, psfield)
    variance = (np.maximum(fpc.image, 0.0) / np.float32(info.gain)
                + np.float32(info.dark_variance)).astype(np.float32)

    psf = None
    if psfield is not None:
        components = psfield.kl_psf
        height, width = fpc.image.shape
        psf = SdssKlPsf(components.eigen_images, components.coefficients, size=psf_size,
                        averagePosition=((width - 1) / 2.0, (height - 1) / 2.0))
    photo_calib = _zero_point(fpc, info)
    log.info("%s: gain %.4g e-/DN, dark variance %.4g DN^2 (%s); zero point %s (%s); PSF %s",
             path.name, info.gain, info.dark_variance, info.noise_source,
             "none" if info.zero_point is None else f"{info.zero_point:.4f}",
             info.zero_point_source, psf)

    exposure = Exposure(fpc.image, mask=mask, variance=variance, planes=planes, wcs=_wcs(fpc, info),
                        psf=psf, photoCalib=photo_calib, metadata=_metadata(fpc, info),
                        filterName=frame.band)
    return exposure, info
