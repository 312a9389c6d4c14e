"""Source locations (file, line) of field definitions and of the assignments made by users."""

from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

Location = tuple[str, int]


def user_location() -> Location | None:
    """Return (file, line) of the innermost stack frame outside `lsstlite.config`.

    Returns
    -------
    location : tuple (str, int) or None
        None when no such frame exists.
    """
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            return filename, frame.f_lineno
        frame = frame.f_back
    return None


def user_stacklevel() -> int:
    """Return the `warnings.warn` ``stacklevel`` that points at the first frame outside this package.

    Call it from the function that calls `warnings.warn`.
    """
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def format_location(location: Location | None) -> str:
    """Format a location as ``file:line`` with the file shortened relative to ``sys.path``.

    Parameters
    ----------
    location : tuple (str, int) or None
        The location to format.

    Returns
    -------
    text : str
        ``"lsstlite/tasks/detection.py:42"``, or ``"<unknown>"`` for None.
    """
    if location is None:
        return "<unknown>"
    filename, line = location
    return f"{shorten_path(filename)}:{line}"


def shorten_path(filename: str) -> str:
    """Strip the longest ``sys.path`` entry (or the current directory) from an absolute path.

    Parameters
    ----------
    filename : str
        A file name as recorded by the interpreter.

    Returns
    -------
    short : str
        The shortened name, or ``filename`` unchanged when no prefix matches.
    """
    if not os.path.isabs(filename):
        return filename
    best = ""
    for entry in [os.getcwd(), *sys.path]:
        if not entry:
            continue
        prefix = os.path.abspath(entry).rstrip(os.sep) + os.sep
        if filename.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return filename[len(best):] if best else filename
