"""FITS readers and writers: generic images, calexp exposures and source catalogues.

Names are imported lazily (PEP 562), so ``import lsstlite.io`` stays cheap.
"""

from lsstlite._lazy import lazy_exports

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

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
