"""`Header`: ordered FITS header cards, without astropy.

The pipeline's exposures carry their header metadata in a `Header` (the SDSS reader, new
exposures), so that a run needs no `astropy.io.fits` (~0.2 s of imports with astropy.units).
It has the part of `astropy.io.fits.Header` that lsstlite and its users call: ``header[key]``,
``get``, ``header[key] = value`` or ``(value, comment)``, ``in``, ``remove``, ``copy``,
``keys``, ``cards`` (each with ``keyword``, ``value``, ``comment`` and ``image``) and
`Header.fromstring`; `Header.to_astropy` gives an astropy header. Parsed cards keep their
original 80-character images; new values are formatted by `lsstlite.io.fits_write.card`
(floats exact). Values are parsed as astropy parses them: strings without trailing blanks
(``CONTINUE`` cards joined), ``T``/``F`` as bools, FITS integers and reals as numbers, a blank
value as None, anything else (complex numbers, malformed values) as its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

__all__ = ["Card", "CommentaryValues", "Header", "has_value_indicator", "keyword", "parse_card"]

_CARD = 80
#: Commentary keywords: their cards hold text, not a value.
COMMENTARY = ("COMMENT", "HISTORY", "")
_FITS_INT = re.compile(r"[+-]?\d+$")
_FITS_REAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?$")


class CommentaryValues(list):
    """The texts of a header's ``COMMENT`` (or ``HISTORY``) cards; ``str`` joins them with
    newlines, as astropy's does."""

    def __str__(self) -> str:
        return "\n".join(self)


class Card(NamedTuple):
    """One header card: keyword (upper case), value, comment and its FITS text (a multiple
    of 80 characters: ``CONTINUE`` cards belong to the card they continue)."""

    keyword: str
    value: Any
    comment: str
    image: str


def keyword(key: str) -> str:
    """The header keyword of ``key``: upper case, without a leading ``HIERARCH``."""
    key = key.strip().upper()
    return key[len("HIERARCH"):].strip() if key.startswith("HIERARCH ") else key


def _string_value(text: str, start: int) -> tuple[str, int]:
    """A quoted FITS string starting at ``text[start] == "'"``: (value, index after it)."""
    parts, pos = [], start + 1
    while True:
        close = text.find("'", pos)
        if close < 0:  # unterminated: take the rest, as astropy does
            parts.append(text[pos:])
            return "".join(parts).rstrip(), len(text)
        parts.append(text[pos:close])
        if text.startswith("'", close + 1):  # '' is a quote inside the string
            parts.append("'")
            pos = close + 2
            continue
        return "".join(parts).rstrip(), close + 1


def _scalar_value(token: str):
    """A FITS logical, integer or real; any other token (complex, malformed) as its text."""
    if token == "T":
        return True
    if token == "F":
        return False
    if _FITS_INT.match(token):
        return int(token)
    if _FITS_REAL.match(token):
        return float(token.replace("D", "E").replace("d", "e"))
    return token


def _comment(rest: str) -> str:
    slash = rest.find("/")
    return rest[slash + 1:].strip() if slash >= 0 else ""


def has_value_indicator(image: str) -> bool:
    """Whether a card image holds a value (``= `` in columns 9-10, or a ``HIERARCH ... =``)."""
    return image[8:10] == "= " or (image.startswith("HIERARCH") and "=" in image[8:])


def parse_card(images: list[str], k: int) -> tuple[Card, int]:
    """The card starting at ``images[k]`` (80-character strings) and the index after it
    (``CONTINUE`` cards of a long string are part of it)."""
    image = images[k]
    k += 1
    if image.startswith("HIERARCH"):
        key, sep, rest = image[8:].partition("=")
        if not sep:
            return Card("", None, image[8:].rstrip(), image), k
        key = key.strip().upper()
    elif has_value_indicator(image) and image[:8].rstrip().upper() not in COMMENTARY:
        key, rest = image[:8].rstrip().upper(), image[10:]
    else:  # commentary, or no value indicator: the text after the keyword
        return Card(image[:8].rstrip().upper(), image[8:].rstrip(), "", image), k
    body = rest.lstrip()
    if body.startswith("'"):
        value, end = _string_value(body, 0)
        comments = [_comment(body[end:])]
        while value.endswith("&") and k < len(images) and images[k].startswith("CONTINUE"):
            more = images[k][8:].lstrip()
            if not more.startswith("'"):
                break
            part, end = _string_value(more, 0)
            value = value[:-1] + part
            comments.append(_comment(more[end:]))
            image += images[k]
            k += 1
        return Card(key, value, " ".join(c for c in comments if c), image), k
    token, _, comment = body.partition("/")
    token = token.strip()
    return Card(key, _scalar_value(token) if token else None, comment.strip(), image), k


class Header:
    """Ordered FITS header cards (see the module docstring).

    Parameters
    ----------
    cards : iterable of `Card` or tuple, optional
        Cards, or ``(keyword, value)`` / ``(keyword, value, comment)`` tuples.
    """

    def __init__(self, cards: Iterable = ()) -> None:
        self._cards: list[Card] = []
        for item in cards:
            if isinstance(item, Card):
                self._cards.append(item)
            else:
                self.append(*item)

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def fromstring(cls, text: str) -> Header:
        """The cards of a header's text (80-character cards; stops at ``END``)."""
        images = [text[i:i + _CARD].ljust(_CARD) for i in range(0, len(text), _CARD)]
        header = cls()
        k = 0
        while k < len(images):
            if images[k].startswith("END") and not images[k][3:].strip():
                break
            card, k = parse_card(images, k)
            if card.keyword or card.value:
                header._cards.append(card)
        return header

    @staticmethod
    def _new_card(key: str, value, comment: str) -> Card:
        from lsstlite.io.fits_write import card

        image = card(key, value, comment or "")
        return parse_card([image[i:i + _CARD] for i in range(0, len(image), _CARD)], 0)[0]

    def append(self, key: str, value, comment: str = "") -> None:
        """Add a card at the end (a repeated keyword is allowed, as in FITS)."""
        if keyword(key) in COMMENTARY:
            self._add_commentary(keyword(key), str(value))
        else:
            self._cards.append(self._new_card(keyword(key), value, comment))

    def add_comment(self, text: str) -> None:
        """Add ``COMMENT`` cards (72 characters of ``text`` each) at the end."""
        self._add_commentary("COMMENT", text)

    def add_history(self, text: str) -> None:
        """Add ``HISTORY`` cards (72 characters of ``text`` each) at the end."""
        self._add_commentary("HISTORY", text)

    def _add_commentary(self, keyword: str, text: str) -> None:
        if not (text.isascii() and text.isprintable()):
            msg = f"{keyword} text {text!r} is not printable ASCII"
            raise ValueError(msg)
        for i in range(0, max(len(text), 1), _CARD - 8):
            part = text[i:i + _CARD - 8]
            self._cards.append(Card(keyword, part, "", f"{keyword:<8}{part}".ljust(_CARD)))

    # --- mapping ------------------------------------------------------------------------------
    def _index(self, key: str) -> int | None:
        key = keyword(key)
        return next((i for i, c in enumerate(self._cards) if c.keyword == key), None)

    def __getitem__(self, key: str):
        """The value of the first ``key`` card; for ``COMMENT`` and ``HISTORY`` the texts of
        all their cards (`CommentaryValues`)."""
        i = self._index(key)
        if i is None:
            msg = f"keyword {key!r} not found in the header"
            raise KeyError(msg)
        found = self._cards[i]
        if found.keyword in COMMENTARY:
            return CommentaryValues(c.value for c in self._cards if c.keyword == found.keyword)
        return found.value

    def get(self, key: str, default=None):
        """As ``header[key]``, or ``default`` when there is no ``key`` card."""
        return self[key] if key in self else default

    def __setitem__(self, key: str, value) -> None:
        """Set the first ``key`` card (keeping its place and, unless given, its comment) or
        append one; ``value`` may be ``(value, comment)``."""
        if keyword(key) in COMMENTARY:  # as astropy: one more commentary card
            self._add_commentary(keyword(key), str(value[0] if isinstance(value, tuple) else value))
            return
        if isinstance(value, tuple):
            value, comment = (value[0], None) if len(value) == 1 else value
        else:
            comment = None
        i = self._index(key)
        if i is None:
            self.append(key, value, comment or "")
        else:
            old = self._cards[i]
            self._cards[i] = self._new_card(old.keyword, value,
                                            old.comment if comment is None else comment)

    def __delitem__(self, key: str) -> None:
        self.remove(key, remove_all=True)

    def set(self, key: str, value=None, comment: str | None = None) -> None:
        """Set ``key`` (as ``header[key] = (value, comment)``; None keeps the old comment)."""
        self[key] = (value, comment)

    @property
    def comments(self) -> dict[str, str]:
        """Keyword -> comment of the first card of each keyword (read only)."""
        out: dict[str, str] = {}
        for c in self._cards:
            out.setdefault(c.keyword, c.comment)
        return out

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._index(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._cards)

    def keys(self) -> list[str]:
        """Keywords of all cards, in order."""
        return [c.keyword for c in self._cards]

    def items(self) -> list[tuple[str, Any]]:
        """(keyword, value) of all cards, in order."""
        return [(c.keyword, c.value) for c in self._cards]

    @property
    def cards(self) -> list[Card]:
        """The cards, in order (a copy of the list)."""
        return list(self._cards)

    def remove(self, key: str, ignore_missing: bool = False, remove_all: bool = False) -> None:
        """Remove the first (or every) ``key`` card.

        Raises
        ------
        KeyError
            If there is none and ``ignore_missing`` is False.
        """
        key = keyword(key)
        kept = [c for c in self._cards if c.keyword != key]
        if len(kept) == len(self._cards):
            if not ignore_missing:
                msg = f"keyword {key!r} not found in the header"
                raise KeyError(msg)
            return
        if remove_all:
            self._cards = kept
        else:
            del self._cards[self._index(key)]

    def copy(self) -> Header:
        """A copy (cards are immutable, so sharing them is safe)."""
        out = Header()
        out._cards = list(self._cards)
        return out

    # --- text ---------------------------------------------------------------------------------
    def tostring(self) -> str:
        """The card images followed by ``END``, padded with blanks to whole 2880-byte blocks."""
        text = "".join(c.image for c in self._cards) + "END".ljust(_CARD)
        return text + " " * (-len(text) % 2880)

    def to_astropy(self):
        """The same cards as an `astropy.io.fits.Header`."""
        from astropy.io import fits

        return fits.Header.fromstring(self.tostring())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Header):
            return [c[:3] for c in self._cards] == [c[:3] for c in other._cards]
        return NotImplemented

    def __repr__(self) -> str:
        return "\n".join(c.image.rstrip() for c in self._cards)
