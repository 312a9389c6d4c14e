"""SDSS tsField files: the photometric zero point of a frame, with the extinction term.

SDSS DR7 calibration: ``f/f0 = counts / exptime * 10**(0.4 * (aa + kk * airmass))``, so the
magnitude of 1 DN in the frame is ``ZP = -(aa + kk * airmass) + 2.5 log10(exptime)``
(obs_sdss dropped ``kk * airmass``, 0.087 mag in r for this field). SDSS magnitudes are taken as
AB (the u and z offsets of a few hundredths of a magnitude are not applied).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from lsstlite.io.fits_read import read_fits_tables
from lsstlite.io.sdss.names import SDSS_BANDS

__all__ = ["TsFieldCalib", "read_tsfield", "zero_point_from_flux20"]


@dataclass
class TsFieldCalib:
    """Calibration terms of one band of a tsField, and the zero point they give.

    Attributes
    ----------
    aa, aaErr, kk, kkErr, airmass : float
        Zero-point term (mag), extinction coefficient (mag/airmass), airmass, with errors.
    gain, dark_variance : float
        e-/DN and DN^2 (same as psField).
    exptime : float
        Exposure time used (s).
    zeroPoint, zeroPointErr : float
        AB magnitude of 1 DN in the frame and its error
        (``sqrt(aaErr**2 + (kkErr * airmass)**2)``).
    """

    aa: float
    aaErr: float
    kk: float
    kkErr: float
    airmass: float
    gain: float
    dark_variance: float
    exptime: float
    zeroPoint: float
    zeroPointErr: float


def read_tsfield(path: str | os.PathLike, band: str, exptime: float) -> TsFieldCalib:
    """Zero point of ``band`` from a tsField file.

    Parameters
    ----------
    path : str or path-like
        The tsField file.
    band : str
        SDSS band (u, g, r, i, z).
    exptime : float
        Exposure time of the frame (s), from the fpC ``EXPTIME``.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; unknown band; missing columns (named); non-positive exposure time.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        msg = f"SDSS tsField file not found: {path}"
        raise FileNotFoundError(msg)
    if band not in SDSS_BANDS:
        msg = f"{path}: unknown SDSS band {band!r}; expected one of {' '.join(SDSS_BANDS)}"
        raise ValueError(msg)
    if not (math.isfinite(exptime) and exptime > 0):
        msg = f"{path}: exposure time must be positive, not {exptime}"
        raise ValueError(msg)
    index = SDSS_BANDS.index(band)
    columns = ("aa", "aaErr", "kk", "kkErr", "airmass", "gain", "dark_variance")
    hdus = read_fits_tables(path)
    table = hdus[1].columns if len(hdus) > 1 and hdus[1].nrows else {}
    missing = [c for c in columns if c not in table]
    if missing:
        msg = f"{path}: HDU 1 lacks columns {missing}"
        raise ValueError(msg)
    values = {c: float(np.ravel(table[c][0])[index]) for c in columns}
    zp = -(values["aa"] + values["kk"] * values["airmass"]) + 2.5 * math.log10(exptime)
    zp_err = math.hypot(values["aaErr"], values["kkErr"] * values["airmass"])
    return TsFieldCalib(exptime=float(exptime), zeroPoint=zp, zeroPointErr=zp_err, **values)


def zero_point_from_flux20(flux20: float) -> float:
    """Zero point (AB mag of 1 DN) from the fpC ``FLUX20`` (DN of a 20th-magnitude star)."""
    if not (math.isfinite(flux20) and flux20 > 0):
        msg = f"FLUX20 must be positive, not {flux20}"
        raise ValueError(msg)
    return 20.0 + 2.5 * math.log10(flux20)
