"""SDSS psField files: the KL PSF of each band and the per-band gain and dark variance.

HDUs 1-5 hold the u, g, r, i, z KL PSFs, one row per eigen-component: ``RROWS`` is the
``RNROW x RNCOL`` eigen-image (row-major) and ``c[:nrow_b, :ncol_b]`` the coefficients of its
spatial polynomial (see `lsstlite.image.sdss_psf`). HDU 6 holds per-band ``gain`` and
``dark_variance`` (and sky, PSF widths...).
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from lsstlite.image.sdss_psf import KlPsfComponents
from lsstlite.io.fits_read import read_fits_tables
from lsstlite.io.sdss.names import SDSS_BANDS

__all__ = ["PsFieldBand", "read_psfield"]


class PsFieldBand(NamedTuple):
    """What a psField file says about one band."""

    kl_psf: KlPsfComponents
    gain: float            #: e-/DN
    dark_variance: float   #: DN^2


def _check_file(path: str, what: str) -> None:
    if not os.path.isfile(path):
        msg = f"SDSS {what} file not found: {path}"
        raise FileNotFoundError(msg)


def _band_index(band: str, path: str) -> int:
    if band not in SDSS_BANDS:
        msg = f"{path}: unknown SDSS band {band!r}; expected one of {' '.join(SDSS_BANDS)}"
        raise ValueError(msg)
    return SDSS_BANDS.index(band)


def read_psfield(path: str | os.PathLike, band: str) -> PsFieldBand:
    """Read the KL PSF, gain and dark variance of ``band`` from a psField file (read once).

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; unknown band; an HDU without the KL columns or with inconsistent sizes;
        HDU 6 without ``gain``/``dark_variance``; a non-positive gain.
    """
    path = os.fspath(path)
    _check_file(path, "psField")
    index = _band_index(band, path)
    hdus = read_fits_tables(path)
    return PsFieldBand(_kl_psf(hdus, index, band, path), *_noise(hdus, index, band, path))


def _kl_psf(hdus: list, index: int, band: str, path: str) -> KlPsfComponents:
    """The KL PSF of band ``index`` (HDU ``index + 1``)."""
    hdu_index = index + 1
    if hdu_index >= len(hdus):
        msg = f"{path}: no HDU {hdu_index} for band {band}"
        raise ValueError(msg)
    table = hdus[hdu_index].columns
    needed = ("nrow_b", "ncol_b", "c", "RNROW", "RNCOL", "RROWS")
    missing = [n for n in needed if n not in table]
    if missing:
        msg = f"{path}: HDU {hdu_index} (band {band}) lacks KL PSF columns {missing}"
        raise ValueError(msg)
    n_comp = hdus[hdu_index].nrows
    nrow, ncol = int(table["RNROW"][0]), int(table["RNCOL"][0])
    nrow_b, ncol_b = int(table["nrow_b"][0]), int(table["ncol_b"][0])
    images = np.empty((n_comp, nrow, ncol))
    coeffs = np.empty((n_comp, nrow_b, ncol_b))
    for k in range(n_comp):
        if (int(table["RNROW"][k]), int(table["RNCOL"][k])) != (nrow, ncol) or \
                (int(table["nrow_b"][k]), int(table["ncol_b"][k])) != (nrow_b, ncol_b):
            msg = f"{path}: band {band}: KL component {k} differs in size from component 0"
            raise ValueError(msg)
        pixels = np.asarray(table["RROWS"][k], dtype=np.float64)
        if pixels.size != nrow * ncol:
            msg = (f"{path}: band {band}: KL component {k} has {pixels.size} pixels, "
                   f"expected RNROW*RNCOL = {nrow * ncol}")
            raise ValueError(msg)
        images[k] = pixels.reshape(nrow, ncol)
        # Only c[:nrow_b, :ncol_b] is meaningful; the rest of the 5x5 array is junk.
        coeffs[k] = np.asarray(table["c"][k], dtype=np.float64)[:nrow_b, :ncol_b]
    return KlPsfComponents(eigen_images=images, coefficients=coeffs)


def _noise(hdus: list, index: int, band: str, path: str) -> tuple[float, float]:
    """``(gain [e-/DN], dark_variance [DN^2])`` of band ``index`` from HDU 6."""
    if len(hdus) <= 6:
        msg = f"{path}: no HDU 6 (per-band gain and dark_variance)"
        raise ValueError(msg)
    table = hdus[6].columns
    missing = [n for n in ("gain", "dark_variance") if n not in table or not hdus[6].nrows]
    if missing:
        msg = f"{path}: HDU 6 lacks columns {missing}"
        raise ValueError(msg)
    gain = float(np.ravel(table["gain"][0])[index])
    dark_variance = float(np.ravel(table["dark_variance"][0])[index])
    if not (np.isfinite(gain) and gain > 0):
        msg = f"{path}: band {band}: gain {gain} is not positive"
        raise ValueError(msg)
    return gain, dark_variance
