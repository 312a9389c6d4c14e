"""FITS files (plain, gzip or bzip2) read straight into numpy, without astropy: binary tables
(header cards and rows parsed once per HDU) and the primary image.

`astropy.io.fits` builds a column object, a FITS_rec and per-column converters for every table
HDU it touches, tens of milliseconds for the dozen small tables of an SDSS fpM, psField and
tsField, and importing it costs ~0.2 s (with astropy.units). This reader views the rows as one
big-endian structured array and returns native columns. It covers what those files use:
``L B I J K E D A`` columns with repeats and ``TDIM``, and variable-length ``P``/``Q`` arrays
(one array per row, from the heap); ``TSCAL``/``TZERO`` columns are scaled.
`read_primary_image` decodes a primary image (an SDSS fpC).

Each HDU's header is a `lsstlite.io.header.Header`, parsed once; the reader's own lookups
(``NAXISn``, ``TTYPEn``, ``TFORMn`` ...) go through the plain dict of its values
(`header_values`): an astropy header parses each card on access and consults astropy's
configuration every time, ~20 ms for the ~2500 lookups of one SDSS frame's companions.
"""

from __future__ import annotations

import bz2
import gzip
import os
import re
import zlib
from collections.abc import Collection

import numpy as np

from .fits_write import BLOCK
from .header import COMMENTARY, Header, has_value_indicator

__all__ = ["FitsTable", "card_values", "header_values", "read_fits_tables",
           "read_primary_header_values", "read_primary_image"]

_TFORM = re.compile(r"^\s*(\d*)([LXBIJKAEDCMPQ])([A-Z]?)(?:\((\d*)\))?")
_TYPES = {"L": "i1", "B": "u1", "I": ">i2", "J": ">i4", "K": ">i8", "E": ">f4", "D": ">f8"}
_BITPIX = {8: "u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}


class FitsTable:
    """One HDU of a FITS file: its header and, for a binary table, its columns.

    Attributes
    ----------
    header : `lsstlite.io.header.Header`
    values : dict
        Header keyword -> value of its value cards (`header_values`), for fast lookups; it
        does not follow later edits of `header`.
    columns : dict of str to `numpy.ndarray` or list of `numpy.ndarray`
        Column name -> native array of shape ``(nrows, *TDIM)`` (``A`` columns: str without
        trailing blanks; ``L``: bool); variable-length columns -> one array per row. Empty for
        non-table HDUs.
    nrows : int
    """

    def __init__(self, header: Header, columns: dict, nrows: int = 0) -> None:
        self.header = header
        self.values = header_values(header)
        self.columns = columns
        self.nrows = nrows


def header_values(header: Header) -> dict:
    """Keyword -> value of the value cards of ``header`` (commentary cards and cards without
    a value indicator skipped; a repeated keyword keeps its first value)."""
    values: dict = {}
    for card in header.cards:
        if card.keyword not in COMMENTARY and has_value_indicator(card.image):
            values.setdefault(card.keyword, card.value)
    return values


def card_values(text: str) -> dict:
    """Keyword -> value of a FITS header's cards, parsed in one pass.

    Keywords are upper-cased (``HIERARCH`` keywords keep their long name). Strings lose their
    trailing blanks and join ``CONTINUE`` cards; ``T``/``F`` are bools; FITS integers and
    reals (also with a ``D`` exponent) are numbers; a blank value is None; any other value
    (complex, malformed) is kept as its text. Commentary cards (``COMMENT``, ``HISTORY``,
    blank keyword) and cards without a value indicator are skipped. A repeated keyword keeps
    its first value.

    Parameters
    ----------
    text : str
        The header: 80-character cards, up to and including ``END``.

    Returns
    -------
    values : dict
        Keyword -> value, in header order.
    """
    return header_values(Header.fromstring(text))


def _decompressed(raw):
    """A stream of the FITS bytes of the open file ``raw``: itself, or a gzip / bzip2 reader
    (by the file's first bytes)."""
    magic = raw.read(3)
    raw.seek(0)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)
    if magic == b"BZh":
        return bz2.BZ2File(raw)
    return raw


#: What a broken gzip or bzip2 stream raises (gzip.BadGzipFile is an OSError).
_DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error)


def _file_bytes(path: str) -> bytes:
    with open(path, "rb") as raw:
        try:
            return _decompressed(raw).read()
        except _DECOMPRESSION_ERRORS as error:
            msg = f"{path}: cannot decompress: {error}"
            raise ValueError(msg) from None


def _has_end_card(block: bytes) -> bool:
    return any(block[i:i + 8] == b"END     " for i in range(0, len(block) - 79, 80))


def _header_end(raw: bytes, start: int, path: str) -> int:
    """Offset just after the header block that starts at ``start``."""
    pos = start
    while pos + 80 <= len(raw):
        if raw[pos:pos + 8] == b"END     ":
            return start + (-(-(pos + 80 - start) // BLOCK)) * BLOCK
        pos += 80
    msg = f"{path}: FITS header at byte {start} has no END card"
    raise ValueError(msg)


_STRUCTURAL_KEY = re.compile(rb"(BITPIX|NAXIS\d*|PCOUNT|GCOUNT) *=")
_STRUCTURAL_VALUE = re.compile(rb" *([-+]?\d+) *(/|$)")


def _structural_values(raw: bytes, start: int, end: int) -> dict | None:
    """BITPIX, NAXISn, PCOUNT and GCOUNT of the header in ``raw[start:end]``, without parsing
    its other cards (enough to step over the HDU); None when one of them is not a plain
    integer, for the full parser to read."""
    values = {}
    for pos in range(start, end, 80):
        key = _STRUCTURAL_KEY.match(raw, pos, pos + 80)
        if key:
            value = _STRUCTURAL_VALUE.match(raw, key.end(), pos + 80)
            if value is None:
                return None
            values[key.group(1).decode()] = int(value.group(1))
    return values


def _data_size(header) -> tuple[list[int], int]:
    """(NAXISn values, bytes of data and heap) of an HDU header."""
    naxes = [int(header.get(f"NAXIS{k}", 0)) for k in range(1, int(header.get("NAXIS", 0)) + 1)]
    size = (abs(int(header.get("BITPIX", 8))) // 8) * int(np.prod(naxes)) if naxes else 0
    return naxes, (size + int(header.get("PCOUNT", 0))) * int(header.get("GCOUNT", 1))


def _column_format(form: str, name: str, path: str) -> tuple[str, int, str]:
    """(letter, repeat, heap element letter for P/Q) of a TFORM value."""
    match = _TFORM.match(form)
    if match is None or match.group(2) in "XCM" or (match.group(2) in "PQ" and match.group(3) in "XCMP"):
        msg = f"{path}: column {name!r}: unsupported TFORM {form!r}"
        raise ValueError(msg)
    repeat = int(match.group(1)) if match.group(1) else 1
    return match.group(2), repeat, match.group(3)


def _native(values: np.ndarray, letter: str) -> np.ndarray:
    if letter == "L":
        return values == ord("T")
    if letter == "A":  # str, trailing blanks and NULs removed (as astropy shows them)
        return np.char.rstrip(values.astype(f"U{max(values.dtype.itemsize, 1)}"), " ")
    return values.astype(values.dtype.newbyteorder("="))


def _scaling(header: dict, index: int) -> tuple[float, float] | None:
    """(TSCALn, TZEROn) of column ``index``, or None when the column is not scaled."""
    scale, zero = header.get(f"TSCAL{index}", 1), header.get(f"TZERO{index}", 0)
    return None if scale == 1 and zero == 0 else (np.float64(scale), np.float64(zero))


def _scaled(values, scaling: tuple[float, float] | None):
    return values if scaling is None else values * scaling[0] + scaling[1]


def _table_columns(header: dict, data: memoryview, heap: memoryview,
                   path: str) -> dict:
    nrows, width = int(header["NAXIS2"]), int(header["NAXIS1"])
    fields, layout = [], []
    for i in range(1, int(header.get("TFIELDS", 0)) + 1):
        name = str(header.get(f"TTYPE{i}", f"col{i}")).strip()
        letter, repeat, heap_letter = _column_format(str(header[f"TFORM{i}"]), name, path)
        if letter == "A":
            dtype = np.dtype(f"S{repeat}")
        elif letter in "PQ":
            dtype = np.dtype((">i4" if letter == "P" else ">i8", (2,)))
        else:
            dtype = np.dtype((_TYPES[letter], (repeat,))) if repeat != 1 else np.dtype(_TYPES[letter])
        fields.append((f"f{i}", dtype))
        layout.append((i, name, letter, repeat, heap_letter))
    row_type = np.dtype(fields)
    if row_type.itemsize != width:
        msg = f"{path}: row width {row_type.itemsize} from the TFORMs differs from NAXIS1 = {width}"
        raise ValueError(msg)
    rows = np.frombuffer(data, dtype=row_type, count=nrows)
    columns = {}
    for i, name, letter, _, heap_letter in layout:
        values = rows[f"f{i}"]
        scaling = _scaling(header, i)
        if letter in "PQ":
            element = np.dtype(_TYPES[heap_letter] if heap_letter != "A" else "S1")
            columns[name] = [_scaled(_native(np.frombuffer(heap, dtype=element, count=int(n),
                                                           offset=int(off)), heap_letter), scaling)
                             for n, off in values]
            continue
        tdim = header.get(f"TDIM{i}")
        if tdim and letter != "A":
            shape = tuple(int(d) for d in str(tdim).strip("() ").split(","))[::-1]
            values = values.reshape((nrows, *shape))
        columns[name] = _scaled(_native(values, letter), scaling)
    return columns


def read_fits_tables(path: str | os.PathLike, hdus: Collection[int] | None = None) -> list[FitsTable | None]:
    """Every HDU of a FITS file (plain, gzip or bzip2), tables decoded.

    Parameters
    ----------
    path : str or path-like
    hdus : collection of int, optional
        Indices of the HDUs to read (0 = primary); the others are stepped over without
        parsing their headers. Default: all.

    Returns
    -------
    hdus : list of `FitsTable` or None
        In file order; image HDUs carry only their header; None for HDUs not in ``hdus``.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; truncated file, header without ``END``, unsupported column format.
    """
    path = os.fspath(path)
    raw = _file_bytes(path)
    view = memoryview(raw)
    wanted = None if hdus is None else set(hdus)
    hdus, start = [], 0
    while start < len(raw) and raw[start:start + 80].strip(b" \0"):
        end = _header_end(raw, start, path)
        skip = wanted is not None and len(hdus) not in wanted
        header = _structural_values(raw, start, end) if skip else None
        if header is None:
            hdu = FitsTable(Header.fromstring(raw[start:end].decode("ascii")), {})
            header = hdu.values
        if skip:
            hdu = None
        naxes, size = _data_size(header)
        if end + size > len(raw):
            msg = f"{path}: HDU {len(hdus)} is truncated ({len(raw) - end} of {size} data bytes)"
            raise ValueError(msg)
        if hdu is not None and header.get("XTENSION") == "BINTABLE":
            heap_start = end + int(header.get("THEAP", naxes[0] * naxes[1]))
            hdu.columns = _table_columns(header, view[end:end + naxes[0] * naxes[1]],
                                         view[heap_start:end + size], path)
            hdu.nrows = naxes[1]
        hdus.append(hdu)
        start = end + (-(-size // BLOCK)) * BLOCK
    return hdus


def read_primary_header_values(path: str | os.PathLike) -> dict:
    """`card_values` of a FITS file's primary header, reading (and decompressing) only the
    header's blocks.

    Parameters
    ----------
    path : str or path-like
        A FITS file, plain or gzip / bzip2 compressed.

    Returns
    -------
    values : dict
        As `card_values`.

    Raises
    ------
    FileNotFoundError
        Missing file.
    ValueError
        Not a FITS file (no ``SIMPLE`` card first), a header that ends before its ``END``
        card, or a compressed file that cannot be decompressed.
    """
    path = os.fspath(path)
    blocks = []
    with open(path, "rb") as raw:
        try:
            stream = _decompressed(raw)
            while True:
                block = stream.read(BLOCK)
                if not blocks and not block.startswith(b"SIMPLE  ="):
                    msg = f"{path}: not a FITS file (no SIMPLE card first)"
                    raise ValueError(msg)
                if len(block) < BLOCK:
                    msg = f"{path}: the FITS primary header is truncated or has no END card"
                    raise ValueError(msg)
                blocks.append(block)
                if _has_end_card(block):
                    break
        except _DECOMPRESSION_ERRORS as error:
            msg = f"{path}: cannot decompress: {error}"
            raise ValueError(msg) from None
    return card_values(b"".join(blocks).decode("ascii", errors="replace"))


def read_primary_image(path: str | os.PathLike) -> tuple[Header, np.ndarray | None]:
    """The primary header and image of a FITS file (plain, gzip or bzip2).

    Returns
    -------
    header : `lsstlite.io.header.Header`
    image : `numpy.ndarray` or None
        Native byte order, shape ``(NAXISn, ..., NAXIS1)``; None without data. Integer data
        with ``BSCALE``/``BZERO`` are scaled as astropy does: float32 for 8- and 16-bit data,
        float64 otherwise, ``BLANK`` pixels NaN.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; no ``END`` card, unknown ``BITPIX``, truncated data.
    """
    path = os.fspath(path)
    raw = _file_bytes(path)
    end = _header_end(raw, 0, path)
    header = Header.fromstring(raw[:end].decode("ascii"))
    shape = tuple(int(header[f"NAXIS{k}"]) for k in range(int(header.get("NAXIS", 0)), 0, -1))
    if not shape or 0 in shape:
        return header, None
    bitpix = int(header["BITPIX"])
    if bitpix not in _BITPIX:
        msg = f"{path}: unknown BITPIX {bitpix}"
        raise ValueError(msg)
    dtype = np.dtype(_BITPIX[bitpix])
    count = int(np.prod(shape))
    if end + count * dtype.itemsize > len(raw):
        msg = f"{path}: primary image is truncated ({len(raw) - end} of {count * dtype.itemsize} bytes)"
        raise ValueError(msg)
    stored = np.frombuffer(raw, dtype=dtype, count=count, offset=end).reshape(shape)
    scale, zero = header.get("BSCALE", 1), header.get("BZERO", 0)
    if bitpix < 0 or (scale == 1 and zero == 0 and "BLANK" not in header):
        return header, stored.astype(dtype.newbyteorder("="))
    real = np.float32 if bitpix <= 16 else np.float64
    image = stored.astype(real)
    if scale != 1:
        image *= real(scale)
    if zero != 0:
        image += real(zero)
    if "BLANK" in header:
        image[stored == int(header["BLANK"])] = np.nan
    return header, image
