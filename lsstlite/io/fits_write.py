"""FITS files written directly: header cards, image HDUs and whole files, without astropy HDUs.

astropy builds every HDU as a `~astropy.io.fits.Header` of parsed, verified cards, looking up its
configuration for each one; for the calexp and the background file that costs far more than the
I/O. Here a header is a list of 80-character card images (from `card`, or ``card.image`` of the
cards of an existing astropy header such as ``wcs.to_header()``), an HDU is a list of buffers
(header blocks, big-endian data, zero padding) and a file is those buffers written in order,
atomically. Binary tables are built on the same blocks in `lsstlite.io.fits_table`. HDUs that
only exist as astropy objects (the PSF's) are serialised by astropy (`astropy_hdus_bytes`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Sequence

import numpy as np

from .atomic import atomic_write

__all__ = ["BLOCK", "Buffer", "astropy_hdus_bytes", "card", "header_bytes", "image_hdu",
           "padded", "primary_header", "write_fits_file"]

#: FITS block size in bytes; every header and data unit is padded to a multiple of it.
BLOCK = 2880
_CARD = 80
_END = f"{'END':<{_CARD}}"
_STANDARD_KEY = re.compile(r"^[A-Z0-9_-]*$")
#: Anything written as raw bytes: `bytes` or a C-contiguous `numpy.ndarray`.
Buffer = bytes | np.ndarray
#: numpy dtype (kind, itemsize) -> BITPIX of the image types written without scaling.
_BITPIX = {("u", 1): 8, ("i", 2): 16, ("i", 4): 32, ("i", 8): 64, ("f", 4): -32, ("f", 8): -64}
#: Keys the image-HDU writer sets itself (``NAXISn`` too); extra cards may not repeat them.
_OWN_KEYS = {"SIMPLE", "XTENSION", "BITPIX", "NAXIS", "EXTEND", "PCOUNT", "GCOUNT", "EXTNAME",
             "END"}


def _quoted(text: str) -> str:
    return "'" + f"{text.replace(chr(39), chr(39) * 2):<8}" + "'"


def card(key: str, value: bool | int | float | str, comment: str = "") -> str:
    """One header card as FITS text (80 characters, or a multiple for long strings).

    Parameters
    ----------
    key : str
        Keyword (upper-cased); longer than 8 characters, or with characters other than
        ``A-Z 0-9 _ -``, it becomes a ``HIERARCH`` card.
    value : bool, int, float, str or None
        Floats are written with the shortest round-tripping ``repr`` (exact); strings longer
        than a card continue on ``CONTINUE`` cards; None is a blank value.
    comment : str
        Card comment, dropped when it does not fit (on the last card of a continued string it
        gets a ``CONTINUE`` card of its own, as astropy writes it).

    Raises
    ------
    ValueError
        Non-finite float; a string that is not printable ASCII; a value of another type.
    """
    key = key.upper()
    if key.startswith("HIERARCH "):
        key = key[len("HIERARCH "):].strip()
    if value is None:  # a blank value
        text = ""
    elif isinstance(value, (bool, np.bool_)):
        text = f"{'T' if value else 'F':>20}"
    elif isinstance(value, (int, np.integer)):
        text = f"{int(value):>20d}"
    elif isinstance(value, (float, np.floating)):
        value = float(value)
        if not np.isfinite(value):
            msg = f"header card {key}: FITS cannot store the non-finite value {value!r}"
            raise ValueError(msg)
        text = f"{repr(value).upper():>20}"
    elif isinstance(value, str):
        if not (value.isascii() and value.isprintable()):
            msg = f"header card {key}: value {value!r} is not printable ASCII"
            raise ValueError(msg)
        text = _quoted(value)
    else:
        msg = f"header card {key}: cannot store a {type(value).__name__} in a FITS header"
        raise ValueError(msg)
    standard = len(key) <= 8 and _STANDARD_KEY.match(key) is not None
    prefix = f"{key:<8}= " if standard else f"HIERARCH {key} = "
    if not standard:
        text = text.strip()
    if len(prefix) + len(text) > _CARD:
        if not isinstance(value, str) or len(prefix) > _CARD - 4:
            msg = f"header card {key}: keyword and value do not fit in a card"
            raise ValueError(msg)
        return _continued(prefix, value, comment)
    return _with_comment(prefix + text, comment)


def _with_comment(image: str, comment: str) -> str:
    if comment and len(image) + 3 + len(comment) <= _CARD:
        image = f"{image} / {comment}"
    return f"{image:<{_CARD}}"


def _continued(prefix: str, value: str, comment: str) -> str:
    """A long string over ``CONTINUE`` cards: each part but the last ends with ``&``."""
    images, rest = [], value
    while True:
        room = _CARD - len(prefix) - 2  # the two quotes
        part, size = [], 0
        for char in rest:
            width = 2 if char == "'" else 1
            if size + width > room - 1:  # keep room for the '&'
                break
            part.append(char)
            size += width
        chunk = "".join(part)
        rest = rest[len(chunk):]
        escaped = chunk.replace("'", "''")
        if not rest:
            last = f"{prefix}'{escaped}'"
            if comment and len(last) + 3 + len(comment) > _CARD:  # the comment on a card of its own
                images.append(f"{prefix}'{escaped}&'".ljust(_CARD))
                last = "CONTINUE  ''"
            images.append(_with_comment(last, comment))
            return "".join(images)
        images.append(f"{prefix}'{escaped}&'".ljust(_CARD))
        prefix = "CONTINUE  "


def padded(data: bytes, fill: bytes) -> bytes:
    """``data`` followed by ``fill`` bytes up to a multiple of `BLOCK`."""
    return data + fill * (-len(data) % BLOCK)


def header_bytes(cards: Iterable[str]) -> bytes:
    """Card images followed by ``END``, padded with blanks to whole blocks."""
    return padded(("".join(cards) + _END).encode("ascii"), b" ")


def primary_header() -> bytes:
    """An empty primary HDU (``SIMPLE``, ``BITPIX = 8``, ``NAXIS = 0``, ``EXTEND``)."""
    return header_bytes(_structural_cards(True, 8, ()))


def _structural_cards(primary: bool, bitpix: int, shape: Sequence[int]) -> list[str]:
    """The mandatory leading cards of an image HDU of numpy ``shape`` (astropy's comments)."""
    cards = ([card("SIMPLE", True, "conforms to FITS standard")] if primary else
             [card("XTENSION", "IMAGE", "Image extension")])
    cards.append(card("BITPIX", bitpix, "array data type"))
    cards.append(card("NAXIS", len(shape), "number of array dimensions"))
    cards.extend(card(f"NAXIS{i}", n) for i, n in enumerate(reversed(shape), start=1))
    if primary:
        cards.append(card("EXTEND", True))
    else:
        cards.append(card("PCOUNT", 0, "number of parameters"))
        cards.append(card("GCOUNT", 1, "number of groups"))
    return cards


def _card_image(item, where: str) -> str:
    image = item if isinstance(item, str) else item.image
    key = image[:8].rstrip()
    if len(image) % _CARD or not image:
        msg = f"{where}: header card {image!r} is not a whole number of 80-character cards"
        raise ValueError(msg)
    if key in _OWN_KEYS or (key.startswith("NAXIS") and key[5:].isdigit()):
        msg = f"{where}: extra header card {key} is set by the image writer itself"
        raise ValueError(msg)
    return image


def image_hdu(data: np.ndarray | None, extname: str | None = None, cards: Iterable = (),
              primary: bool = False) -> list[Buffer]:
    """An image HDU as the buffers to write in order: header blocks, big-endian data, padding.

    Parameters
    ----------
    data : `numpy.ndarray` or None
        Pixels: uint8, int16, int32, int64, float32 or float64 (``BITPIX`` 8, 16, 32, 64, -32,
        -64), any byte order and layout (numpy axis order: ``NAXIS1`` is the last axis). None:
        no data (``NAXIS = 0``).
    extname : str, optional
        ``EXTNAME``, written right after the mandatory cards.
    cards : iterable of str or `astropy.io.fits.Card`
        Further header cards, in order: card images (from `card`) or astropy cards (their
        ``image`` is used, e.g. ``header.cards`` of ``wcs.to_header()``). They may not set the
        mandatory keys, ``EXTNAME`` or ``END``.
    primary : bool
        A primary HDU (``SIMPLE``, ``EXTEND``) instead of an ``IMAGE`` extension.

    Returns
    -------
    buffers : list of bytes or `numpy.ndarray`
        Concatenated (``b"".join``) or written one after the other they are the HDU.

    Raises
    ------
    ValueError
        Unsupported dtype, a 0-d array, or an extra card that is malformed or sets a key the
        writer owns.
    """
    where = f"image HDU {extname or ('PRIMARY' if primary else '')!r}"
    if data is None:
        shape, bitpix, stored = (), 8, None
    else:
        array = np.asarray(data)
        bitpix = _BITPIX.get((array.dtype.kind, array.dtype.itemsize))
        if bitpix is None:
            msg = f"{where}: cannot write dtype {array.dtype} as a FITS image"
            raise ValueError(msg)
        if array.ndim == 0:
            msg = f"{where}: cannot write a 0-d array as a FITS image"
            raise ValueError(msg)
        shape = array.shape
        stored = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder(">"))
    header = _structural_cards(primary, bitpix, shape)
    if extname:
        header.append(card("EXTNAME", extname, "extension name"))
    header.extend(_card_image(item, where) for item in cards)
    buffers: list[Buffer] = [header_bytes(header)]
    if stored is not None and stored.nbytes:
        buffers.append(stored)
        buffers.append(bytes(-stored.nbytes % BLOCK))
    return buffers


def astropy_hdus_bytes(hdus: Sequence) -> bytes:
    """Extension HDUs that exist only as astropy objects, serialised by astropy.

    Parameters
    ----------
    hdus : sequence of `astropy.io.fits.ImageHDU` or other extension HDUs
        Written (and verified) by astropy after an empty primary HDU, which is then dropped.

    Raises
    ------
    ValueError
        If astropy's empty primary header is not exactly one block (nothing is cut then).
    """
    from astropy.io import fits

    stream = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), *hdus]).writeto(stream)
    raw = stream.getvalue()
    first = [raw[i:i + _CARD] for i in range(0, BLOCK, _CARD)]
    if _END.encode("ascii") not in first or (hdus and raw[BLOCK:BLOCK + 8] != b"XTENSION"):
        msg = "astropy_hdus_bytes: astropy's empty primary header is not exactly one block"
        raise ValueError(msg)
    return raw[BLOCK:]


def write_fits_file(path: str | os.PathLike, buffers: Iterable[Buffer]) -> None:
    """Write ``buffers`` (HDUs from `primary_header`, `image_hdu`, table HDUs ...) atomically."""
    with atomic_write(path, "wb") as stream:
        for buffer in buffers:
            stream.write(buffer)
