"""FITS header cards that keep a float64 bit-exact through a write/read cycle."""

from __future__ import annotations

import math

from astropy.io import fits


def exact_float_card(key: str, value: float, comment: str = "") -> fits.Card:
    """A header card holding ``value`` with all 17 significant digits.

    astropy trims float values to 20 characters (fixed format), which loses precision;
    this writes the shortest round-tripping ``repr`` in FITS free format instead.

    Parameters
    ----------
    key : str
        Keyword, at most 8 characters.
    value : float
        Finite value.
    comment : str
        Card comment (truncated to fit the 80-character card).

    Raises
    ------
    ValueError
        If ``value`` is not finite or ``key`` is longer than 8 characters.
    """
    value = float(value)
    if not math.isfinite(value):
        msg = f"header card {key}: FITS cannot store the non-finite value {value!r}"
        raise ValueError(msg)
    if len(key) > 8:
        msg = f"header card {key!r}: keyword longer than 8 characters"
        raise ValueError(msg)
    text = f"{key.upper():<8}= {repr(value).upper():>20}"
    if comment:
        text = f"{text} / {comment}"
    return fits.Card.fromstring(text[:80])
