"""A reference catalogue drawn from the truth, written as an LSST HTM-indexed shard directory.

Layout (LSST "indexed reference catalog", format version 1): one ``<htm id>.fits`` per depth-7
trixel holding objects, plus an empty ``master_schema.fits``. Columns ``id`` (int64),
``coord_ra``, ``coord_dec`` (float64, radians, ICRS), ``<band>_flux`` and ``<band>_fluxErr``
(float64, nJy) for u, g, r, i, z, and ``starnotgal`` (int64, 1 = star). ``id`` is the object's
id in the truth table, so matches can be checked against the truth.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
from astropy.io import fits

from lsstlite.io.atomic import atomic_write_fits
from lsstlite.io.htm import htm_index

__all__ = ["REFCAT_BANDS", "REFCAT_DEPTH", "draw_reference_catalog", "write_reference_catalog"]

log = logging.getLogger(__name__)

REFCAT_BANDS = ("u", "g", "r", "i", "z")
REFCAT_DEPTH = 7


def draw_reference_catalog(rng: np.random.Generator, truth, mag_limit: float, completeness_width: float,
                           position_error_mas: float, flux_error: float, include_galaxies: bool) -> dict:
    """Noisy, incomplete catalogue of the truth's brighter objects.

    Parameters
    ----------
    rng : numpy Generator
    truth : table-like
        Truth columns ``id, ra, dec, mag, is_star`` and ``mag_<band>`` for the refcat bands.
    mag_limit : float
        Magnitude at which completeness is 50%; it falls as a logistic of width
        ``completeness_width`` magnitudes.
    position_error_mas : float
        Per-coordinate position scatter at bright magnitudes; it doubles at ``mag_limit``.
    flux_error : float
        Fractional flux error at bright magnitudes; it doubles at ``mag_limit``.
    include_galaxies : bool
        Also list galaxies (``starnotgal = 0``); stars always have ``starnotgal = 1``.

    Returns
    -------
    columns : dict of ndarray
        The refcat columns, and ``in_refcat`` (bool, one per truth row).
    """
    mag = np.asarray(truth["mag"])
    p_keep = 1.0 / (1.0 + np.exp((mag - mag_limit) / max(completeness_width, 1e-6) * 4.0))
    keep = rng.random(mag.size) < p_keep
    if not include_galaxies:
        keep &= np.asarray(truth["is_star"])
    faint = 10.0 ** (0.4 * (mag[keep] - mag_limit))       # 1 at the limit
    pos_sigma = position_error_mas * (1.0 + faint) / 3.6e6  # degrees
    dec = np.asarray(truth["dec"])[keep] + rng.normal(0.0, 1.0, faint.size) * pos_sigma
    ra = np.asarray(truth["ra"])[keep] + rng.normal(0.0, 1.0, faint.size) * pos_sigma / np.cos(np.radians(dec))
    columns = {
        "id": np.asarray(truth["id"], dtype=np.int64)[keep],
        "coord_ra": np.radians(np.mod(ra, 360.0)),
        "coord_dec": np.radians(dec),
    }
    rel = flux_error * (1.0 + faint)
    for band in REFCAT_BANDS:
        true_flux = 10.0 ** (-0.4 * (np.asarray(truth[f"mag_{band}"])[keep] - 31.4))
        columns[f"{band}_flux"] = true_flux * (1.0 + rel * rng.normal(0.0, 1.0, faint.size))
        columns[f"{band}_fluxErr"] = true_flux * rel
    columns["starnotgal"] = np.asarray(truth["is_star"])[keep].astype(np.int64)
    columns["in_refcat"] = keep
    return columns


def _columns_hdu(columns: dict, rows: np.ndarray | None) -> fits.BinTableHDU:
    specs = [("id", "K", None, "unique ID", "Scalar"),
             ("coord_ra", "D", "rad", "position in ra/dec", "Angle"),
             ("coord_dec", "D", "rad", "position in ra/dec", "Angle")]
    specs += [(f"{b}_flux", "D", "nJy", f"flux in filter {b}", "Scalar") for b in REFCAT_BANDS]
    specs += [(f"{b}_fluxErr", "D", "nJy", f"flux uncertainty in filter {b}", "Scalar") for b in REFCAT_BANDS]
    specs += [("starnotgal", "K", None, "1 for a star, 0 for a galaxy", "Scalar")]
    cols = []
    for name, fmt, unit, _, _ in specs:
        data = columns[name] if rows is None else columns[name][rows]
        cols.append(fits.Column(name=name, format=fmt, unit=unit, array=data))
    hdu = fits.BinTableHDU.from_columns(cols)
    for i, (_, _, _, doc, cls) in enumerate(specs, start=1):
        hdu.header[f"TDOC{i}"] = doc
        hdu.header[f"TCCLS{i}"] = (cls, "Field template used by lsst.afw.table")
    hdu.header["HIERARCH REFCAT_FORMAT_VERSION"] = 1
    hdu.header["HIERARCH AFW_TABLE_VERSION"] = 3
    hdu.header["AFW_TYPE"] = ("SIMPLE", "Tells lsst::afw to load this as a Simple table.")
    return hdu


def write_reference_catalog(columns: dict, directory: str | os.PathLike) -> list[int]:
    """Write the refcat as HTM depth-7 shards plus ``master_schema.fits`` into ``directory``.

    Shard files of an earlier refcat in the same directory (``<digits>.fits`` next to a
    ``master_schema.fits``) that the new catalogue does not produce are removed, so the
    directory holds exactly this catalogue. Every file is written atomically.

    Returns
    -------
    shards : list of int
        The trixel ids written.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        msg = f"refcat directory {directory} exists and is not a directory"
        raise NotADirectoryError(msg)
    old = set()
    if (directory / "master_schema.fits").exists():
        old = {p for p in directory.glob("*.fits") if p.stem.isdigit()}
    ids = htm_index(np.degrees(columns["coord_ra"]), np.degrees(columns["coord_dec"]), REFCAT_DEPTH)
    shards = sorted(int(t) for t in np.unique(ids))
    for trixel in shards:
        table = _columns_hdu(columns, np.flatnonzero(ids == trixel))
        atomic_write_fits(fits.HDUList([fits.PrimaryHDU(), table]), directory / f"{trixel}.fits")
    empty = {k: v[:0] for k, v in columns.items()}
    atomic_write_fits(fits.HDUList([fits.PrimaryHDU(), _columns_hdu(empty, None)]),
                      directory / "master_schema.fits")
    stale = sorted(old - {directory / f"{t}.fits" for t in shards})
    for path in stale:
        path.unlink()
    if stale:
        log.info("removed %d shard(s) of an earlier refcat from %s", len(stale), directory)
    return shards
