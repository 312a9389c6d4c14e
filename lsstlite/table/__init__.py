"""Catalogues: `Schema` (fields with dtype, unit, doc; aliases), the columnar `SourceCatalog`,
and `ColumnTable` for small auxiliary tables (the astrometric matches)."""

from .catalog import SourceCatalog, SourceRecord
from .columns import ColumnTable
from .schema import MINIMAL_FIELDS, Field, Schema, normalise_unit

__all__ = ["MINIMAL_FIELDS", "ColumnTable", "Field", "Schema", "SourceCatalog", "SourceRecord",
           "normalise_unit"]
