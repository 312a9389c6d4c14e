"""Reference catalogues: LSST HTM-indexed shard directories and plain FITS/CSV/ECSV tables.

`load_reference_catalog` returns a `ReferenceCatalog`, a small columnar container of numpy
arrays (always float64 positions in **degrees** and fluxes in **nJy**):

``id``                 int64 (row number when the source has no id column)
``ra``, ``dec``        ICRS degrees
``<band>_flux``        nJy, for each requested band
``<band>_fluxErr``     nJy (NaN when the source has no error column)
``starnotgal``         copied when present (1 = star)
``resolved``           copied when present

An HTM shard directory holds ``<htm id>.fits`` files (one trixel of a fixed depth each, the
depth is inferred from the ids) with ``coord_ra``/``coord_dec`` in radians and
``<band>_flux``/``<band>_fluxErr`` in nJy (LSST ``REFCAT_FORMAT_VERSION`` 1; version 0 stored
Jy and is converted). Only the shards whose trixels touch the search circle are read.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from lsstlite.io.htm import trixels_in_circle
from lsstlite.table.columns import ColumnTable

__all__ = ["AB_MAG_OF_NJY", "ReferenceCatalog", "load_reference_catalog", "read_shard_ids"]

log = logging.getLogger("lsstlite.io.refcat")

#: AB magnitude of 1 nJy: -2.5 log10(1e-9 / 3631).
AB_MAG_OF_NJY = 2.5 * math.log10(3631.0e9)

_SHARD_NAME = re.compile(r"^(\d+)\.fits?$")
_EXTRA_COLUMNS = ("starnotgal", "resolved")
_RA_CANDIDATES = ("coord_ra", "ra", "RA", "ra_deg", "RAJ2000", "raj2000", "ALPHA_J2000")
_DEC_CANDIDATES = ("coord_dec", "dec", "DEC", "Dec", "dec_deg", "DEJ2000", "dej2000",
                   "DELTA_J2000")
_ID_CANDIDATES = ("id", "objID", "objid", "sdssid", "source_id")
_TABLE_FORMATS = {".fits": "fits", ".fit": "fits", ".fts": "fits", ".csv": "ascii.csv",
                  ".ecsv": "ascii.ecsv"}


class ReferenceCatalog:
    """Columnar reference objects (see the module docstring for the columns).

    Parameters
    ----------
    columns : dict of str to `numpy.ndarray`
        Equal-length columns, including ``id``, ``ra``, ``dec``.
    bands : sequence of str
        Bands with ``<band>_flux`` and ``<band>_fluxErr`` columns.
    meta : dict, optional
        Provenance: ``source`` (path), ``shards`` (ids read, HTM only), ``center``, ``radius``.
    """

    def __init__(self, columns: dict[str, np.ndarray], bands: Iterable[str],
                 meta: dict | None = None) -> None:
        self.columns = dict(columns)
        self.bands = tuple(bands)
        self.meta = dict(meta or {})
        lengths = {name: len(values) for name, values in self.columns.items()}
        if len(set(lengths.values())) > 1:
            msg = f"ReferenceCatalog: columns differ in length: {lengths}"
            raise ValueError(msg)

    @property
    def ra(self) -> np.ndarray:
        """Right ascension, degrees."""
        return self.columns["ra"]

    @property
    def dec(self) -> np.ndarray:
        """Declination, degrees."""
        return self.columns["dec"]

    def flux(self, band: str) -> np.ndarray:
        """``<band>_flux`` in nJy."""
        return self[f"{band}_flux"]

    def fluxErr(self, band: str) -> np.ndarray:
        """``<band>_fluxErr`` in nJy."""
        return self[f"{band}_fluxErr"]

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.columns[name]
        except KeyError:
            msg = f"reference catalogue has no column {name!r}; columns: {', '.join(self.columns)}"
            raise KeyError(msg) from None

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __len__(self) -> int:
        return len(self.columns["ra"])

    def keys(self) -> list[str]:
        """Column names."""
        return list(self.columns)

    def subset(self, selection) -> ReferenceCatalog:
        """Rows selected by a boolean mask or an index array."""
        return ReferenceCatalog({k: v[selection] for k, v in self.columns.items()}, self.bands,
                                self.meta)

    def to_table(self):
        """astropy `~astropy.table.Table` with units (deg, nJy)."""
        from astropy.table import Table

        table = Table()
        for name, values in self.columns.items():
            table[name] = values
            if name in ("ra", "dec"):
                table[name].unit = "deg"
            elif name.endswith(("_flux", "_fluxErr")):
                table[name].unit = "nJy"
        table.meta.update({k: v for k, v in self.meta.items() if k != "shards"})
        return table

    def __repr__(self) -> str:
        return f"ReferenceCatalog({len(self)} objects, bands={list(self.bands)})"


# --- helpers ----------------------------------------------------------------------------------
def _unit_vectors(ra_deg: np.ndarray, dec_deg: np.ndarray) -> np.ndarray:
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def _within(ra_deg, dec_deg, center_ra, center_dec, radius_deg) -> np.ndarray:
    centre = _unit_vectors(np.array(center_ra), np.array(center_dec))
    cos_sep = _unit_vectors(ra_deg, dec_deg) @ centre
    return cos_sep >= math.cos(math.radians(radius_deg))


#: Unit strings already in astropy's canonical spelling (tested): no astropy.units needed.
CANONICAL_UNITS = frozenset({"rad", "deg", "arcsec", "mas", "nJy", "uJy", "Jy", "mag", "AB"})


@functools.lru_cache(maxsize=64)
def _unit_name(unit: str) -> str:
    """A unit string in astropy's canonical spelling (``Jansky`` -> ``Jy``, ``radian`` ->
    ``rad``), as an astropy column unit has; unrecognised strings are kept as they are."""
    unit = unit.strip()
    if unit in CANONICAL_UNITS:
        return unit
    from astropy.units import Unit

    return str(Unit(unit, parse_strict="silent")).strip()


def _columns_table(columns: dict[str, np.ndarray], units: dict[str, str]) -> ColumnTable:
    """The 1-d columns with their units (others, e.g. covariance arrays, are never used)."""
    table = ColumnTable()
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.ndim == 1:
            table.add_column(name, values, units.get(name, "").strip())
    return table


def _from_astropy_table(table) -> ColumnTable:
    return _columns_table({name: np.asarray(table[name]) for name in table.colnames},
                          {name: str(table[name].unit) for name in table.colnames
                           if table[name].unit is not None})


def _coord_in_degrees(table: ColumnTable, name: str, coord_unit: str | None, source: str) -> np.ndarray:
    unit = coord_unit or table.unit(name) or ("rad" if name.startswith("coord_") else "deg")
    values = np.asarray(table[name], dtype=np.float64)
    if unit in ("rad", "radian", "radians"):
        return np.degrees(values)
    if unit in ("deg", "degree", "degrees"):
        return values
    msg = f"{source}: column {name!r}: coordinate unit {unit!r} not understood (use 'deg' or 'rad')"
    raise ValueError(msg)


def _flux_kind(unit: str) -> str:
    u = unit.replace(" ", "")
    if u in ("mag", "mag(AB)", "ABmag", "magAB", "AB"):
        return "mag"
    if u == "nJy":
        return "nJy"
    if u == "Jy":
        return "Jy"
    if u in ("uJy", "µJy"):
        return "uJy"
    return ""


_TO_NJY = {"nJy": 1.0, "uJy": 1.0e3, "Jy": 1.0e9}


def _flux_in_njy(table: ColumnTable, flux_name: str, err_name: str | None, flux_unit: str | None,
                 source: str) -> tuple[np.ndarray, np.ndarray]:
    given = flux_unit or table.unit(flux_name)
    kind = _flux_kind(given) if given else "nJy"
    if not kind:
        where = "" if flux_unit else f" (column {flux_name!r})"
        msg = (f"{source}: flux unit {given!r}{where} not understood; use 'nJy', 'uJy', 'Jy' "
               "or 'mag' (AB)")
        raise ValueError(msg)
    values = np.asarray(table[flux_name], dtype=np.float64)
    errors = (np.full(len(values), np.nan) if err_name is None
              else np.asarray(table[err_name], dtype=np.float64))
    if kind == "mag":
        flux = 10.0 ** (-0.4 * (values - AB_MAG_OF_NJY))
        return flux, flux * 0.4 * math.log(10.0) * errors
    scale = _TO_NJY[kind]
    return values * scale, errors * scale


def _find_column(table: ColumnTable, given: str | None, candidates: tuple[str, ...], what: str,
                 source: str) -> str | None:
    if given is not None:
        if given not in table.colnames:
            msg = (f"{source}: no {what} column {given!r}; columns: {', '.join(table.colnames)}")
            raise KeyError(msg)
        return given
    return next((c for c in candidates if c in table.colnames), None)


def _bands_in(table: ColumnTable, flux_column: str, flux_err_column: str | None) -> list[str]:
    pattern = re.compile("^" + re.escape(flux_column).replace(re.escape("{band}"), "(.+)") + "$")
    bands = []
    for name in table.colnames:
        match = pattern.match(name)
        if not match:
            continue
        band = match.group(1)
        if flux_err_column is None or flux_err_column.format(band=band) in table.colnames:
            bands.append(band)
    return bands


def _to_catalog(table: ColumnTable, source: str, bands, *, ra_column, dec_column, coord_unit,
                id_column, flux_column, flux_err_column, flux_unit, meta) -> ReferenceCatalog:
    ra_name = _find_column(table, ra_column, _RA_CANDIDATES, "RA", source)
    dec_name = _find_column(table, dec_column, _DEC_CANDIDATES, "Dec", source)
    missing = [w for w, n in (("RA", ra_name), ("Dec", dec_name)) if n is None]
    if missing:
        msg = (f"{source}: no {' and '.join(missing)} column (tried "
               f"{', '.join(_RA_CANDIDATES if 'RA' in missing else _DEC_CANDIDATES)}); pass "
               f"ra_column/dec_column; columns: {', '.join(table.colnames)}")
        raise KeyError(msg)
    available = _bands_in(table, flux_column, flux_err_column)
    if bands is None:
        bands = available
        if not bands:
            msg = (f"{source}: no flux columns matching {flux_column!r}"
                   + (f" with errors {flux_err_column!r}" if flux_err_column else "")
                   + f"; columns: {', '.join(table.colnames)}")
            raise KeyError(msg)
    else:
        bands = [bands] if isinstance(bands, str) else list(bands)
        for band in bands:
            needed = [flux_column.format(band=band)]
            if flux_err_column is not None:
                needed.append(flux_err_column.format(band=band))
            absent = [n for n in needed if n not in table.colnames]
            if absent:
                msg = (f"{source}: unknown band {band!r}: no column(s) {', '.join(absent)}; "
                       f"bands available: {', '.join(available) or 'none'}")
                raise KeyError(msg)
    columns: dict[str, np.ndarray] = {}
    id_name = _find_column(table, id_column, _ID_CANDIDATES, "id", source)
    columns["id"] = (np.asarray(table[id_name], dtype=np.int64) if id_name is not None
                     else np.arange(len(table), dtype=np.int64))
    columns["ra"] = _coord_in_degrees(table, ra_name, coord_unit, source) % 360.0
    columns["dec"] = _coord_in_degrees(table, dec_name, coord_unit, source)
    for band in bands:
        err_name = None if flux_err_column is None else flux_err_column.format(band=band)
        flux, err = _flux_in_njy(table, flux_column.format(band=band), err_name, flux_unit,
                                 source)
        columns[f"{band}_flux"], columns[f"{band}_fluxErr"] = flux, err
    for name in _EXTRA_COLUMNS:
        if name in table.colnames:
            columns[name] = np.asarray(table[name])
    return ReferenceCatalog(columns, bands, meta)


# --- HTM shard directories --------------------------------------------------------------------
def read_shard_ids(directory: str | os.PathLike) -> dict[int, Path]:
    """``{htm id: path}`` of the ``<id>.fits`` shard files in an indexed reference catalogue."""
    shards = {}
    for entry in Path(directory).iterdir():
        match = _SHARD_NAME.match(entry.name)
        if match and entry.is_file():
            shards[int(match.group(1))] = entry
    return shards


def _htm_depth(ids: Iterable[int], directory: Path) -> int:
    """Depth from the ids: a depth-d id has ``4 + 2 d`` bits."""
    depths = {(i.bit_length() - 4) // 2 for i in ids if i >= 8 and (i.bit_length() - 4) % 2 == 0}
    if len(depths) != 1:
        msg = f"{directory}: shard file names are not HTM ids of one depth (depths {sorted(depths)})"
        raise ValueError(msg)
    return depths.pop()


def _read_shard(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Columns and units of a shard's first table (direct reader: no astropy table objects)."""
    from lsstlite.io.fits_read import read_fits_tables

    hdus = read_fits_tables(path)
    if len(hdus) < 2 or not hdus[1].columns:
        msg = f"reference shard {path} has no table HDU"
        raise ValueError(msg)
    header = hdus[1].values
    units = {}
    for k in range(1, int(header.get("TFIELDS", 0)) + 1):
        unit = header.get(f"TUNIT{k}")
        if unit:
            units[header[f"TTYPE{k}"]] = _unit_name(str(unit))
    version = header.get("REFCAT_FORMAT_VERSION", hdus[0].values.get("REFCAT_FORMAT_VERSION", 0))
    if int(version) == 0:  # version 0 stored fluxes in Jy, usually without units
        for name in hdus[1].columns:
            if name.endswith(("_flux", "_fluxErr", "_fluxSigma")) and name not in units:
                units[name] = "Jy"
    return hdus[1].columns, units


def _shards_table(shards: list[tuple[dict[str, np.ndarray], dict[str, str]]]) -> ColumnTable:
    """One table of the shards' rows (columns concatenated, the first shard's units)."""
    columns, units = shards[0]
    return _columns_table({name: np.concatenate([shard[0][name] for shard in shards])
                           for name in columns}, units)


def _load_shards(directory: Path, center_ra, center_dec, radius, bands, options) -> ReferenceCatalog:
    shards = read_shard_ids(directory)
    if not shards:
        msg = f"{directory}: no <htm id>.fits shard files (not an indexed reference catalogue)"
        raise FileNotFoundError(msg)
    depth = _htm_depth(shards, directory)
    wanted = trixels_in_circle(center_ra, center_dec, radius, depth)
    present = [i for i in wanted if i in shards]
    log.info("%s: HTM depth %d: %d trixels touch the %.4f deg circle, %d shard files read",
             directory, depth, len(wanted), radius, len(present))
    tables = [_read_shard(shards[i]) for i in present]
    meta = {"source": str(directory), "shards": present, "center": (center_ra, center_dec),
            "radius": radius}
    if not tables:
        schema = directory / "master_schema.fits"
        tables = [_read_shard(schema)] if schema.is_file() else []
    if not tables:
        msg = f"{directory}: no shard overlaps the circle and there is no master_schema.fits"
        raise ValueError(msg)
    return _to_catalog(_shards_table(tables), str(directory), bands, meta=meta, **options)


# --- public API -------------------------------------------------------------------------------
def load_reference_catalog(path: str | os.PathLike, center_ra_deg: float, center_dec_deg: float,
                           radius_deg: float, bands: str | Iterable[str] | None = None, *,
                           margin_deg: float = 0.0, ra_column: str | None = None,
                           dec_column: str | None = None, coord_unit: str | None = None,
                           id_column: str | None = None, flux_column: str | None = None,
                           flux_err_column: str | None = "", flux_unit: str | None = None,
                           table_format: str | None = None) -> ReferenceCatalog:
    """Load the reference objects within a circle.

    Parameters
    ----------
    path : str or path-like
        An LSST HTM-indexed shard directory, or a FITS (``.fits``, ``.fit``, ``.gz``), CSV or
        ECSV table.
    center_ra_deg, center_dec_deg : float
        Circle centre, degrees (ICRS).
    radius_deg : float
        Circle radius, degrees. Objects farther than ``radius_deg + margin_deg`` are dropped.
    bands : str or iterable of str, optional
        Bands to load (default: every band with a flux and an error column).
    margin_deg : float
        Extra radius for shard selection and the cut.
    ra_column, dec_column : str, optional
        Position columns; default the first of ``coord_ra``, ``ra``, ``RA``, ... present.
    coord_unit : {"deg", "rad"}, optional
        Unit of the position columns; default the column unit, else radians for
        ``coord_*`` names and degrees otherwise.
    id_column : str, optional
        Identifier column; default ``id``, ``objID``, ``sdssid``, ``source_id`` if present,
        else the row number.
    flux_column : str, optional
        Template with ``{band}``; default ``"{band}_flux"`` (``"{band}"`` when
        ``flux_unit="mag"``).
    flux_err_column : str or None, optional
        Error template; default ``"{band}_fluxErr"`` (``"{band}_err"`` for magnitudes);
        None: no errors (NaN).
    flux_unit : {"nJy", "uJy", "Jy", "mag"}, optional
        Unit of the flux columns (``mag`` = AB magnitudes, errors in mag); default the column
        unit, else nJy.
    table_format : str, optional
        astropy ``Table.read`` format; default from the file extension.

    Returns
    -------
    catalog : `ReferenceCatalog`
        Positions in degrees, fluxes and errors in nJy; ``meta["shards"]`` lists the shards read.

    Raises
    ------
    FileNotFoundError
        Missing path, or a directory without shard files.
    KeyError
        Missing position / flux / error columns (named), or an unknown band.
    ValueError
        Invalid radius or units.
    """
    source = Path(path)
    if not source.exists():
        msg = f"reference catalogue not found: {source}"
        raise FileNotFoundError(msg)
    radius = float(radius_deg) + float(margin_deg)
    if not (math.isfinite(radius) and radius >= 0):
        msg = f"reference catalogue {source}: radius + margin must be >= 0, not {radius}"
        raise ValueError(msg)
    is_mag = flux_unit is not None and _flux_kind(flux_unit) == "mag"
    if flux_column is None:
        flux_column = "{band}" if is_mag else "{band}_flux"
    if flux_err_column == "":
        flux_err_column = "{band}_err" if is_mag else "{band}_fluxErr"
    options = {"ra_column": ra_column, "dec_column": dec_column, "coord_unit": coord_unit,
               "id_column": id_column, "flux_column": flux_column,
               "flux_err_column": flux_err_column, "flux_unit": flux_unit}
    if source.is_dir():
        catalog = _load_shards(source, center_ra_deg, center_dec_deg, radius, bands, options)
    else:
        name = source.name.lower()
        suffix = Path(name[:-3] if name.endswith(".gz") else name).suffix
        fmt = table_format or _TABLE_FORMATS.get(suffix)
        if fmt is None:
            msg = (f"reference catalogue {source}: unknown table format; use .fits, .csv, .ecsv "
                   "or pass table_format")
            raise ValueError(msg)
        from astropy.table import Table

        try:
            table = _from_astropy_table(Table.read(source, format=fmt))
        except Exception as exc:  # astropy raises many types for unreadable files
            msg = f"reference catalogue {source}: cannot read as {fmt}: {exc}"
            raise ValueError(msg) from exc
        meta = {"source": str(source), "center": (center_ra_deg, center_dec_deg),
                "radius": radius}
        catalog = _to_catalog(table, str(source), bands, meta=meta, **options)
    keep = _within(catalog.ra, catalog.dec, center_ra_deg, center_dec_deg, radius)
    log.info("%s: %d of %d reference objects within %.4f deg of (%.5f, %.5f)", source,
             int(keep.sum()), len(catalog), radius, center_ra_deg, center_dec_deg)
    return catalog.subset(keep)
