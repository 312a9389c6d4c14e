"""Exceptions of the generic FITS readers: one line naming the file and the problem."""

from __future__ import annotations


class FitsReadError(ValueError):
    """A FITS file could not be read as requested."""


class ImageReadError(FitsReadError):
    """An image or exposure could not be read (not FITS, no 2-D image, bad HDU, ...)."""


class ImageFileNotFoundError(ImageReadError, FileNotFoundError):
    """The image file does not exist (also a `FileNotFoundError`)."""


class CatalogReadError(FitsReadError):
    """A catalogue file could not be read (not FITS, no binary table, ...)."""


class CatalogFileNotFoundError(CatalogReadError, FileNotFoundError):
    """The catalogue file does not exist (also a `FileNotFoundError`)."""
