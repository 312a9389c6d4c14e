"""History of every assignment to a config field: value, call site and label."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any, NamedTuple

from .locations import Location, format_location
from .pyrepr import value_repr

_LABEL: contextvars.ContextVar[str | None] = contextvars.ContextVar("lsstlite_config_label",
                                                                      default=None)


class Description(str):
    """A history value that describes an action (a retarget, a selection) rather than a value."""


class HistoryEntry(NamedTuple):
    """One assignment to a field.

    Attributes
    ----------
    value : object
        The value after the assignment (a plain copy for lists and dicts, a description for
        retargets and registry selections).
    location : tuple (str, int) or None
        File and line of the user code that made the assignment.
    label : str
        Where the assignment came from: ``default``, ``setDefaults``, an override file path,
        ``command line``, ``assignment``, ...
    """

    value: Any
    location: Location | None
    label: str


@contextlib.contextmanager
def history_label(label: str) -> Iterator[None]:
    """Label every assignment made inside the ``with`` block.

    Parameters
    ----------
    label : str
        The label, e.g. the path of an override file or ``"command line"``.
    """
    token = _LABEL.set(label)
    try:
        yield
    finally:
        _LABEL.reset(token)


def current_label(default: str = "assignment") -> str:
    """Return the label of the innermost `history_label` block, else ``default``."""
    label = _LABEL.get()
    return default if label is None else label


def format_history(name: str, entries: list[HistoryEntry]) -> str:
    """Format the history of one field, one aligned line per assignment.

    Parameters
    ----------
    name : str
        Dotted name printed on the first line.
    entries : list of `HistoryEntry`
        Oldest first.

    Returns
    -------
    text : str
        ``name`` then lines ``value  file:line  label``.
    """
    values = [str(e.value) if isinstance(e.value, Description) else value_repr(e.value)
              for e in entries]
    places = [format_location(e.location) for e in entries]
    value_width = max((len(v) for v in values), default=0)
    place_width = max((len(p) for p in places), default=0)
    lines = [name]
    for value, place, entry in zip(values, places, entries):
        lines.append(f"  {value:<{value_width}}  {place:<{place_width}}  {entry.label}".rstrip())
    return "\n".join(lines)

