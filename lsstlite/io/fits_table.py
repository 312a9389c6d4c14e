"""FITS binary tables written directly: header cards and big-endian rows in one go.

astropy builds a table HDU column by column and re-indexes its header for every card, which
costs a fraction of a second for the few hundred columns of a source catalogue. This writer
formats the cards itself (`lsstlite.io.fits_write.card`) and packs the rows into one
structured array, which is written as it is (an HDU is a list of buffers, as in
`lsstlite.io.fits_write`: the rows are not copied again). The files are plain FITS: astropy,
``Table.read`` and any FITS reader open them.

Column types: bool -> ``L``; uint8 -> ``B``; int16/32/64 -> ``I``/``J``/``K``; float32/64 ->
``E``/``D``; str/bytes -> ``nA``; uint16/32/64 use the standard ``TZERO`` offsets; int8 is
widened to ``I`` (astropy reads FITS's signed-byte convention as float).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

from .fits_write import (
    BLOCK,
    Buffer,
    card,
    header_bytes,
    primary_header,
    write_fits_file,
)

__all__ = ["table_hdu", "write_column_table", "write_table_file"]

#: numpy kind+size -> (TFORM letter, TZERO or None, stored numpy type).
_INT_FORMS = {
    ("b", 1): ("L", None, "u1"),
    ("u", 1): ("B", None, "u1"),
    ("i", 1): ("I", None, ">i2"),
    ("i", 2): ("I", None, ">i2"),
    ("i", 4): ("J", None, ">i4"),
    ("i", 8): ("K", None, ">i8"),
    ("u", 2): ("I", 1 << 15, ">i2"),
    ("u", 4): ("J", 1 << 31, ">i4"),
    ("u", 8): ("K", 1 << 63, ">i8"),
    ("f", 4): ("E", None, ">f4"),
    ("f", 8): ("D", None, ">f8"),
}


def _encoded(name: str, values: np.ndarray) -> tuple[str, int | None, np.ndarray]:
    """(TFORM, TZERO or None, values in their stored FITS type) of one column."""
    kind = values.dtype.kind
    if kind in "US":
        chars = values.dtype.itemsize // (4 if kind == "U" else 1)
        width = max(chars, 1)
        try:
            stored = values.astype(f"S{width}")
        except UnicodeEncodeError:
            msg = f"column {name!r}: strings must be ASCII to be written to FITS"
            raise ValueError(msg) from None
        return f"{width}A", None, stored
    form = _INT_FORMS.get((kind, values.dtype.itemsize))
    if form is None:
        msg = f"column {name!r}: cannot write dtype {values.dtype} to a FITS binary table"
        raise ValueError(msg)
    letter, zero, stored_type = form
    if letter == "L":
        return letter, None, np.where(values, np.uint8(ord("T")), np.uint8(ord("F")))
    if zero is not None:  # unsigned: flipping the top bit subtracts TZERO, as signed
        flipped = values ^ np.array(zero, dtype=values.dtype)
        return letter, zero, flipped.astype(flipped.dtype.newbyteorder(">")).view(stored_type)
    return letter, None, values.astype(stored_type, copy=False)


def table_hdu(names: Sequence[str], columns: Sequence[np.ndarray],
              units: Sequence[str] | None = None, docs: Sequence[str] | None = None,
              extname: str | None = None, extra_cards: Iterable[str] = ()) -> list[Buffer]:
    """A binary-table extension as the buffers to write in order: header, rows, padding.

    Parameters
    ----------
    names : sequence of str
        Column names (``TTYPEn``), unique.
    columns : sequence of `numpy.ndarray`
        One 1-d array per name, all of the same length.
    units : sequence of str, optional
        FITS unit strings (``TUNITn``; empty: none).
    docs : sequence of str, optional
        Column descriptions, written as ``TDOCn`` and ``TCOMMn`` (empty: none).
    extname : str, optional
        ``EXTNAME``.
    extra_cards : iterable of str
        Further card images (from `card`) appended to the header.

    Returns
    -------
    buffers : list of bytes or `numpy.ndarray`
        Concatenated (``b"".join``) or written one after the other they are the HDU.

    Raises
    ------
    ValueError
        Columns of different lengths or of an unsupported dtype.
    """
    arrays = [np.asarray(c) for c in columns]
    lengths = {a.shape for a in arrays}
    if len(arrays) != len(names) or any(len(shape) != 1 for shape in lengths) or len(lengths) > 1:
        msg = f"binary table: {len(names)} names for columns of shapes {sorted(lengths)}"
        raise ValueError(msg)
    nrows = arrays[0].shape[0] if arrays else 0
    encoded = [_encoded(name, values) for name, values in zip(names, arrays, strict=True)]
    row_type = np.dtype([(f"f{i}", stored.dtype) for i, (_, _, stored) in enumerate(encoded)])
    cards = [card("XTENSION", "BINTABLE", "binary table extension"),
             card("BITPIX", 8, "array data type"),
             card("NAXIS", 2, "number of array dimensions"),
             card("NAXIS1", row_type.itemsize, "length of dimension 1"),
             card("NAXIS2", nrows, "length of dimension 2"),
             card("PCOUNT", 0, "number of group parameters"),
             card("GCOUNT", 1, "number of groups"),
             card("TFIELDS", len(names), "number of table fields")]
    for i, (name, (form, zero, _)) in enumerate(zip(names, encoded, strict=True), start=1):
        cards.append(card(f"TTYPE{i}", name))
        cards.append(card(f"TFORM{i}", form))
        if zero is not None:
            cards.append(card(f"TZERO{i}", zero))
        if units is not None and units[i - 1]:
            cards.append(card(f"TUNIT{i}", units[i - 1]))
        if docs is not None and docs[i - 1]:
            cards.append(card(f"TDOC{i}", docs[i - 1]))
            cards.append(card(f"TCOMM{i}", docs[i - 1]))
    if extname:
        cards.append(card("EXTNAME", extname, "extension name"))
    cards.extend(extra_cards)
    rows = np.empty(nrows, dtype=row_type)
    for i, (_, _, stored) in enumerate(encoded):
        rows[f"f{i}"] = stored
    buffers: list[Buffer] = [header_bytes(cards)]
    if rows.nbytes:
        buffers += [rows, bytes(-rows.nbytes % BLOCK)]
    return buffers


def write_table_file(path: str | os.PathLike, hdu: Sequence[Buffer]) -> None:
    """Write an empty primary HDU followed by the table ``hdu`` (from `table_hdu`), atomically."""
    write_fits_file(path, [primary_header(), *hdu])


def write_column_table(table, path: str | os.PathLike) -> None:
    """Write a `lsstlite.table.ColumnTable` as a FITS binary table, atomically.

    Units and descriptions are kept; ``table.meta`` scalars become header cards.

    Parameters
    ----------
    table : `lsstlite.table.ColumnTable`
    path : str or path-like
        Destination.

    Raises
    ------
    ValueError
        A column of an unsupported dtype; a ``meta`` value that is not a bool, int, float or
        str.
    """
    names = table.colnames
    meta = [card(str(key), value) for key, value in table.meta.items()]
    write_table_file(path, table_hdu(names, [table[n] for n in names],
                                     [table.unit(n) for n in names],
                                     [table.description(n) for n in names], extra_cards=meta))
