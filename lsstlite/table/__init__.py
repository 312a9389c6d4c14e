"""Catalogues: `Schema` (fields with dtype, unit, doc; aliases) and the columnar `SourceCatalog`."""

from .catalog import SourceCatalog, SourceRecord
from .schema import MINIMAL_FIELDS, Field, Schema, normalise_unit

__all__ = ["MINIMAL_FIELDS", "Field", "Schema", "SourceCatalog", "SourceRecord", "normalise_unit"]
