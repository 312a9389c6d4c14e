"""Python source text for config values, and NaN-aware equality."""

from __future__ import annotations

import math
from typing import Any


def value_repr(value: Any) -> str:
    """Return Python source that evaluates to ``value`` (no imports needed).

    Parameters
    ----------
    value : None, bool, int, float, complex, str, list, tuple or dict
        The value; containers may nest. Dicts are written with sorted keys so the text is
        deterministic.

    Returns
    -------
    text : str
        E.g. ``float('nan')``, ``[1, 2]``, ``{'a': 1.0}``.
    """
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "float('-inf')"
        return repr(value)
    if isinstance(value, complex):
        return f"complex({value_repr(value.real)}, {value_repr(value.imag)})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_repr(item) for item in value) + "]"
    if isinstance(value, dict):
        items = _sorted_items(value)
        return "{" + ", ".join(f"{value_repr(k)}: {value_repr(v)}" for k, v in items) + "}"
    return repr(value)


def _sorted_items(mapping: dict) -> list:
    try:
        return sorted(mapping.items(), key=lambda item: item[0])
    except TypeError:
        return list(mapping.items())


def values_equal(a: Any, b: Any) -> bool:
    """Compare two config values; NaN equals NaN, containers compare element-wise.

    Parameters
    ----------
    a, b : object
        Scalars, sequences or mappings.

    Returns
    -------
    equal : bool
    """
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, complex) and isinstance(b, complex):
        return values_equal(a.real, b.real) and values_equal(a.imag, b.imag)
    if _is_sequence(a) and _is_sequence(b):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if _is_mapping(a) and _is_mapping(b):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    return a == b


def _is_sequence(x: Any) -> bool:
    from collections.abc import Sequence
    return isinstance(x, Sequence) and not isinstance(x, str)


def _is_mapping(x: Any) -> bool:
    from collections.abc import Mapping
    return isinstance(x, Mapping)
