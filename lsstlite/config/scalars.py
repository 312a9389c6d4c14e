"""Type checking and coercion of scalar values (str, bool, int, float, complex)."""

from __future__ import annotations

from typing import Any

SCALAR_TYPES = (str, bool, int, float, complex)


def to_python(value: Any) -> Any:
    """Convert a numpy scalar to the Python scalar of the same kind; other values unchanged.

    Parameters
    ----------
    value : object
        Any value. numpy is never imported here: numpy scalars are recognised by their module.

    Returns
    -------
    value : object
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value


def coerce_scalar(value: Any, dtype: type) -> Any:
    """Return ``value`` as ``dtype`` or raise `TypeError` with the reason.

    Parameters
    ----------
    value : object
        The value to check (not None). numpy scalars are converted first.
    dtype : type
        One of `SCALAR_TYPES`.

    Returns
    -------
    value : ``dtype``
        ints become floats (or complex) for float (complex) fields; ``True``/``False`` are
        never ints or floats.

    Raises
    ------
    TypeError
        ``"Value 'abc' is of incorrect type str; expected float"``.
    """
    value = to_python(value)
    kind = type(value)
    if dtype is bool:
        ok = kind is bool
    elif dtype is int:
        ok = isinstance(value, int) and kind is not bool
    elif dtype is float:
        ok = isinstance(value, (int, float)) and kind is not bool
    elif dtype is complex:
        ok = isinstance(value, (int, float, complex)) and kind is not bool
    else:
        ok = isinstance(value, dtype)
    if not ok:
        msg = f"Value {value!r} is of incorrect type {kind.__name__}; expected {dtype.__name__}"
        raise TypeError(msg)
    return dtype(value)
