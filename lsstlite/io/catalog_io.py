"""`SourceCatalog` FITS persistence: one binary table carrying the whole schema.

Layout::

    HDU 0  PRIMARY  empty
    HDU 1  CATALOG  binary table; per field TTYPEn (name), TFORMn, TUNITn (FITS unit string),
                    TDOCn and TCOMMn (doc); flags are logical ('L') columns; one
                    ALIAS = 'alias:target' card per alias; then the catalogue metadata cards

Metadata keys are written upper-case (``HIERARCH`` for keys longer than 8 characters); a
list value becomes repeated cards and reads back as a list. Float metadata and columns are
exact. `astropy.table.Table.read` shows the columns with their units; an empty catalogue
keeps its full schema (``out/schema/*.fits``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import numpy as np
from astropy.io import fits

from ..table import MINIMAL_FIELDS, Schema, SourceCatalog
from .errors import CatalogFileNotFoundError, CatalogReadError
from .fits_image import open_fits
from .fits_table import card as header_card
from .fits_table import table_hdu_bytes, write_table_file

_COLUMN_KEY = re.compile(r"^(TTYPE|TFORM|TUNIT|TDOC|TCOMM|TNULL|TSCAL|TZERO|TDISP|TDIM|TBCOL)\d+$")
_TABLE_KEYS = {"XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS",
               "EXTNAME", "ALIAS", "CHECKSUM", "DATASUM", "THEAP", "COMMENT", "HISTORY", ""}
EXTNAME = "CATALOG"


def _metadata_cards(metadata: Mapping) -> list[str]:
    cards = []
    for key, value in metadata.items():
        fits_key = str(key).upper()
        if fits_key in _TABLE_KEYS or _COLUMN_KEY.match(fits_key):
            msg = f"catalogue metadata key {key!r} clashes with a reserved table keyword"
            raise ValueError(msg)
        values = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
        for item in values:
            if isinstance(item, np.generic):
                item = item.item()
            if not isinstance(item, (bool, int, float, str)):
                msg = f"catalogue metadata {key!r}: cannot store a {type(item).__name__} in a FITS header"
                raise ValueError(msg)
            cards.append(header_card(fits_key, item))
    return cards


def write_catalog(catalog: SourceCatalog, path: str | os.PathLike) -> None:
    """Write ``catalog`` (schema, aliases, metadata, rows) as a FITS binary table, atomically.

    Raises
    ------
    ValueError
        If a metadata value cannot be stored in a FITS header.
    """
    fields = catalog.schema.fields
    extra = [header_card("ALIAS", f"{alias}:{target}", "alias:target")
             for alias, target in catalog.schema.aliases.items()]
    extra.extend(_metadata_cards(catalog.metadata))
    hdu = table_hdu_bytes([f.name for f in fields], [catalog[f.name] for f in fields],
                          units=[f.unit for f in fields], docs=[f.doc for f in fields],
                          extname=EXTNAME, extra_cards=extra)
    write_table_file(path, hdu)


def _metadata_from_header(header: fits.Header) -> dict:
    metadata: dict = {}
    for card in header.cards:
        key = card.keyword
        if key in _TABLE_KEYS or _COLUMN_KEY.match(key):
            continue
        if key in metadata:
            existing = metadata[key]
            metadata[key] = [*existing, card.value] if isinstance(existing, list) else [existing, card.value]
        else:
            metadata[key] = card.value
    return metadata


def read_catalog(path: str | os.PathLike, hdu: int | str | None = None) -> SourceCatalog:
    """Read a catalogue written by `write_catalog` (or any binary table with the minimal
    fields ``id``, ``coord_ra``, ``coord_dec``, ``parent``; missing ones are added).

    Parameters
    ----------
    path : str or path-like
    hdu : int or str, optional
        Table HDU; default the first binary table.

    Raises
    ------
    CatalogReadError
        Missing (`CatalogFileNotFoundError`) or non-FITS file, no binary table, a bad ``hdu``.
    """
    name = os.fspath(path)
    with open_fits(name, CatalogReadError, CatalogFileNotFoundError) as hdul:
        if hdu is None:
            table = next((h for h in hdul if isinstance(h, fits.BinTableHDU)), None)
            if table is None:
                msg = f"{name}: no binary table HDU in the file"
                raise CatalogReadError(msg)
        else:
            try:
                table = hdul[hdu]
            except (KeyError, IndexError):
                msg = f"{name}: no HDU {hdu!r}"
                raise CatalogReadError(msg) from None
            if not isinstance(table, fits.BinTableHDU):
                msg = f"{name}: HDU {hdu!r} is a {type(table).__name__}, not a binary table"
                raise CatalogReadError(msg)
        header = table.header
        try:
            schema, arrays = _schema_and_columns(table)
        except ValueError as err:
            msg = f"{name}: bad catalogue schema ({err})"
            raise CatalogReadError(msg) from None
        metadata = _metadata_from_header(header)
        nrows = header.get("NAXIS2", 0)
    return SourceCatalog.from_columns(schema, arrays, metadata) if nrows else SourceCatalog(schema, 0, metadata)


def _schema_and_columns(table: fits.BinTableHDU) -> tuple[Schema, dict[str, np.ndarray]]:
    """Schema (fields, docs, aliases; minimal fields added if absent) and native columns."""
    header = table.header
    data = table.data
    schema = Schema(minimal=False)
    arrays = {}
    for i, column in enumerate(table.columns, start=1):
        values = np.asarray(column.array if data is None else data[column.name])
        dtype = np.dtype(f"U{max(values.dtype.itemsize, 1)}") if values.dtype.kind == "S" else values.dtype
        doc = header.get(f"TDOC{i}", header.get(f"TCOMM{i}", ""))
        field = schema.addField(column.name, dtype, column.unit or "", doc)
        arrays[column.name] = values.astype(field.dtype)
    for spec in MINIMAL_FIELDS:
        if spec[0] not in schema:
            schema.addField(*spec)
    for card in header.cards:
        if card.keyword == "ALIAS":
            alias, sep, target = str(card.value).partition(":")
            if not sep:
                msg = f"ALIAS card {card.value!r} is not 'alias:target'"
                raise ValueError(msg)
            schema.setAlias(alias, target)
    return schema, arrays
