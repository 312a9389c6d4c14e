"""Exceptions raised by `lsstlite.config`."""

from __future__ import annotations

from typing import Any

from .locations import format_location


class ConfigError(ValueError):
    """A configuration problem; the message names the field, the value and what is wrong."""


class UnknownFieldError(ConfigError, AttributeError):
    """A dotted name that does not exist in a config (also an `AttributeError`)."""


class FieldValidationError(ConfigError):
    """A value that a field refuses, at assignment or at `Config.validate`.

    Parameters
    ----------
    field : `Field` or str
        The field that failed, or (for user cross-field checks) the whole message.
    config : `Config`, optional
        The config holding the field.
    msg : str, optional
        What is wrong, e.g. ``"-1.0 is outside of valid range [0.0, inf)"``.

    Notes
    -----
    The message is one line::

        RangeField 'detection.thresholdValue' failed validation: -1.0 is outside of valid
        range [0.0, inf) (field defined at lsstlite/tasks/detection.py:42)

    The attributes ``fieldType``, ``fieldName``, ``fullname``, ``fieldSource`` and
    ``configSource`` carry the parts separately (None when built from a bare message).
    """

    def __init__(self, field: Any, config: Any = None, msg: str | None = None):
        if config is None and msg is None:
            self.fieldType = self.fieldName = self.fullname = None
            self.fieldSource = self.configSource = None
            super().__init__(str(field))
            return
        self.fieldType = type(field).__name__
        self.fieldName = field.name
        self.fullname = field.full_name(config)
        self.fieldSource = field.source
        self.configSource = getattr(type(config), "_source", None)
        message = f"{self.fieldType} '{self.fullname}' failed validation: {msg}"
        if field.source is not None:
            message += f" (field defined at {format_location(field.source)})"
        super().__init__(message)
