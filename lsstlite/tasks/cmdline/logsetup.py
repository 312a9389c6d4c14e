"""Logging set-up for command-line tasks (the library itself installs no handler).

One `logging.StreamHandler` on the root logger writes to stderr. The root logger stays at WARNING
(third-party chatter), the task loggers (``<task name>``, e.g. ``processFile``) and the library
loggers (``lsstlite``) default to INFO. ``-L LEVEL`` sets those two; ``-L name=LEVEL`` sets the
logger ``name`` (``-L processFile.charImage=DEBUG``, ``-L astropy=ERROR``).

Each record carries the input being processed (``%(inputLabel)s``), set by `input_label`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from collections.abc import Iterable, Iterator

__all__ = ["LEVELS", "configure_logging", "input_label", "parse_log_level"]

TRACE = 5
VERBOSE = 15
LEVELS = {"trace": TRACE, "debug": logging.DEBUG, "verbose": VERBOSE, "info": logging.INFO,
          "warn": logging.WARNING, "warning": logging.WARNING, "error": logging.ERROR,
          "fatal": logging.CRITICAL, "critical": logging.CRITICAL}
for _name, _level in (("TRACE", TRACE), ("VERBOSE", VERBOSE)):
    logging.addLevelName(_level, _name)

SHORT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(inputLabel)s%(message)s"
SHORT_DATEFMT = "%H:%M:%S"
LONG_FORMAT = ("%(levelname)-5s %(asctime)s.%(msecs)03d %(name)s (%(inputLabel)s)"
               "(%(filename)s:%(lineno)d)- %(message)s")
LONG_DATEFMT = "%Y-%m-%dT%H:%M:%S"

_levels_set: set[str] = set()
_current_input: contextvars.ContextVar[str] = contextvars.ContextVar("lsstlite_input", default="")


@contextlib.contextmanager
def input_label(label: str) -> Iterator[None]:
    """Tag every log record emitted inside the block with ``label`` (the input being processed)."""
    token = _current_input.set(label)
    try:
        yield
    finally:
        _current_input.reset(token)


class _InputLabelFilter(logging.Filter):
    def __init__(self, longlog: bool) -> None:
        super().__init__()
        self._longlog = longlog

    def filter(self, record: logging.LogRecord) -> bool:
        label = _current_input.get()
        record.inputLabel = label if self._longlog or not label else f"[{label}] "
        return True


def parse_log_level(text: str) -> tuple[str | None, int]:
    """Parse ``LEVEL`` or ``component=LEVEL`` (case-insensitive level name or an integer).

    Returns
    -------
    component, level : str or None, int

    Raises
    ------
    ValueError
        For an unknown level name.
    """
    component, sep, level_text = text.rpartition("=")
    key = level_text.strip().lower()
    if key in LEVELS:
        level = LEVELS[key]
    elif key.isdigit():
        level = int(key)
    else:
        msg = f"loglevel {level_text!r} not one of ({', '.join(LEVELS)})"
        raise ValueError(msg)
    if sep and not component:
        msg = f"loglevel {text!r}: empty logger name before '='"
        raise ValueError(msg)
    return (component or None), level


def configure_logging(default_loggers: Iterable[str], levels: Iterable[tuple[str | None, int]] = (),
                      longlog: bool = False, stream=None) -> None:
    """Install (or replace) the command-line log handler and apply the levels.

    Parameters
    ----------
    default_loggers : iterable of str
        Loggers set to INFO, and to a bare ``-L LEVEL``.
    levels : iterable of (str or None, int)
        From `parse_log_level`, applied in order.
    longlog : bool
        Use the long format (ISO time, file and line).
    stream : file, optional
        Where to write; default ``sys.stderr`` at call time.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_lsstlite_cli", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler._lsstlite_cli = True  # type: ignore[attr-defined]
    if longlog:
        handler.setFormatter(logging.Formatter(LONG_FORMAT, LONG_DATEFMT))
    else:
        handler.setFormatter(logging.Formatter(SHORT_FORMAT, SHORT_DATEFMT))
    handler.addFilter(_InputLabelFilter(longlog))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in _levels_set:  # forget the levels of a previous configuration
        logging.getLogger(name).setLevel(logging.NOTSET)
    _levels_set.clear()
    default_loggers = list(default_loggers)
    for name in default_loggers:
        logging.getLogger(name).setLevel(logging.INFO)
    levels = list(levels)
    for component, level in levels:
        for name in ([component] if component else default_loggers):
            logging.getLogger(name).setLevel(level)
    _levels_set.update(default_loggers)
    _levels_set.update(component for component, _ in levels if component)
    logging.captureWarnings(True)
