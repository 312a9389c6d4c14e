"""FITS readers and writers: generic images, calexp exposures and source catalogues.

Names are imported lazily (PEP 562), so ``import lsstlite.io`` stays cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "read_image": "fits_image",
    "read_exposure": "exposure_io",
    "write_exposure": "exposure_io",
    "read_catalog": "catalog_io",
    "write_catalog": "catalog_io",
    "FitsReadError": "errors",
    "ImageReadError": "errors",
    "ImageFileNotFoundError": "errors",
    "CatalogReadError": "errors",
    "CatalogFileNotFoundError": "errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'lsstlite.io' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
