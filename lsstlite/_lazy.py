"""Lazy package exports (PEP 562): names are imported from submodules on first use, so that
importing a package stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: dict[str, str]
                 ) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__all__``, ``__getattr__`` and ``__dir__`` for lazily exported names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict of str to str
        Exported name -> submodule (relative to ``package``) that defines it.

    Examples
    --------
    >>> __all__, __getattr__, __dir__ = lazy_exports(__name__, {"fit_tan_sip": "sip"})
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return sorted(exports), __getattr__, __dir__
