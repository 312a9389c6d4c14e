"""Qualified names of classes and functions, and importing objects by such names."""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConfigError


def qualified_name(obj: Any) -> str:
    """Return ``module.QualName`` for a class or function defined at module level.

    Parameters
    ----------
    obj : class or function
        The object to name.

    Returns
    -------
    name : str

    Raises
    ------
    ConfigError
        If the object is defined inside a function and so cannot be imported back.
    """
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module is None or qualname is None:
        msg = f"{obj!r} has no module-level name and cannot be written to a config file"
        raise ConfigError(msg)
    if "<locals>" in qualname:
        msg = (f"{module}.{qualname} is defined inside a function and cannot be written to a "
               f"config file; define it at module level")
        raise ConfigError(msg)
    return f"{module}.{qualname}"


def describe(obj: Any) -> str:
    """Return ``module.QualName`` of a class or function, importable or not (for messages)."""
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def import_object(name: str) -> Any:
    """Import ``package.module.Object`` (attribute chains after the module are allowed).

    Parameters
    ----------
    name : str
        A dotted name such as ``"lsstlite.tasks.detection.SourceDetectionTask"``.

    Returns
    -------
    obj : object

    Raises
    ------
    ConfigError
        If no prefix of the name is an importable module or an attribute is missing.
    """
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name is not None and not module_name.startswith(err.name):
                raise
            continue
        try:
            for attr in parts[split:]:
                obj = getattr(obj, attr)
        except AttributeError:
            attribute = ".".join(parts[split:])
            msg = f"cannot import {name!r}: module {module_name!r} has no attribute {attribute!r}"
            raise ConfigError(msg) from None
        return obj
    msg = f"cannot import {name!r}: no module found (expected 'package.module.Name')"
    raise ConfigError(msg)
