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
from typing import TYPE_CHECKING

import numpy as np

from ..table import MINIMAL_FIELDS, Schema, SourceCatalog
from .errors import CatalogFileNotFoundError, CatalogReadError
from .fits_image import check_fits_path
from .fits_read import FitsTable, read_fits_tables
from .fits_table import table_hdu, write_table_file
from .fits_write import card as header_card

if TYPE_CHECKING:
    from astropy.io import fits

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
    hdu = table_hdu([f.name for f in fields], [catalog[f.name] for f in fields],
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

    The file is decoded by `lsstlite.io.fits_read` (columns ``L B I J K E D A``, with repeats,
    ``TDIM`` and variable-length arrays), without astropy's table machinery.

    Parameters
    ----------
    path : str or path-like
    hdu : int or str, optional
        Table HDU (index or EXTNAME); default the first binary table.

    Raises
    ------
    CatalogReadError
        Missing (`CatalogFileNotFoundError`) or non-FITS file, no binary table, a bad ``hdu``,
        a column format the reader does not support.
    """
    name = check_fits_path(path, CatalogReadError, CatalogFileNotFoundError)
    try:
        hdus = read_fits_tables(name)
    except (OSError, ValueError, KeyError, EOFError) as err:
        msg = f"{name}: not a readable FITS file ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
        raise CatalogReadError(msg) from None
    table = _select_table(hdus, hdu, name)
    try:
        schema = _schema(table)
    except ValueError as err:
        msg = f"{name}: bad catalogue schema ({err})"
        raise CatalogReadError(msg) from None
    metadata = _metadata_from_header(table.header)
    if not table.nrows:
        return SourceCatalog(schema, 0, metadata)
    arrays = {key: np.asarray(values).astype(schema[key].dtype, copy=False)
              for key, values in table.columns.items()}
    return SourceCatalog.from_columns(schema, arrays, metadata)


def _select_table(hdus: list[FitsTable], hdu: int | str | None, name: str) -> FitsTable:
    """The binary table HDU asked for (the first one when ``hdu`` is None)."""
    if not hdus:
        msg = f"{name}: not a readable FITS file (no HDUs)"
        raise CatalogReadError(msg)
    if hdu is None:
        table = next((h for h in hdus if h.header.get("XTENSION") == "BINTABLE"), None)
        if table is None:
            msg = f"{name}: no binary table HDU in the file"
            raise CatalogReadError(msg)
        return table
    if isinstance(hdu, str):
        table = next((h for h in hdus if str(h.header.get("EXTNAME", "")).strip().upper()
                      == hdu.upper()), None)
    else:
        table = hdus[hdu] if -len(hdus) <= hdu < len(hdus) else None
    if table is None:
        msg = f"{name}: no HDU {hdu!r}"
        raise CatalogReadError(msg)
    if table.header.get("XTENSION") != "BINTABLE":
        kind = "primary HDU" if "SIMPLE" in table.header else f"{table.header.get('XTENSION')} HDU"
        msg = f"{name}: HDU {hdu!r} is a {kind}, not a binary table"
        raise CatalogReadError(msg)
    return table


def _schema(table: FitsTable) -> Schema:
    """Schema of a table HDU (fields, docs, aliases; minimal fields added if absent)."""
    header = table.header
    schema = Schema(minimal=False)
    for i, (key, values) in enumerate(table.columns.items(), start=1):
        if isinstance(values, list):
            msg = f"column {key!r} holds variable-length arrays"
            raise ValueError(msg)
        doc = header.get(f"TDOC{i}", header.get(f"TCOMM{i}", ""))
        schema.addField(key, values.dtype, str(header.get(f"TUNIT{i}", "")).strip(), doc)
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
    return schema
