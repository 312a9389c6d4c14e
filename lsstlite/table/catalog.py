"""`SourceCatalog`: a columnar, numpy-backed catalogue described by a `Schema`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from .schema import MINIMAL_FIELDS, Schema


class SourceRecord:
    """View of one row of a `SourceCatalog`; ``rec[name]`` reads, ``rec[name] = v`` writes."""

    __slots__ = ("_catalog", "_index")

    def __init__(self, catalog: SourceCatalog, index: int) -> None:
        self._catalog = catalog
        self._index = index

    def __getitem__(self, name: str):
        return self._catalog[name][self._index]

    def __setitem__(self, name: str, value) -> None:
        self._catalog[name][self._index] = value

    def get(self, name: str):
        """Value of field ``name`` (aliases resolved)."""
        return self[name]

    def getId(self) -> int:
        """The ``id`` field."""
        return int(self["id"])

    def __repr__(self) -> str:
        return f"SourceRecord(id={self.getId()}, row={self._index})"


class SourceCatalog:
    """Columnar source catalogue: one numpy array per schema field, all of equal length.

    Parameters
    ----------
    schema : `Schema`, optional
        Field definitions; copied (later changes to ``schema`` do not affect the catalogue).
        Default: the minimal schema. It must contain ``id``, ``coord_ra``, ``coord_dec``
        (radians) and ``parent``.
    n : int
        Number of rows, initialised to the field defaults (NaN, False, 0, '').
    metadata : mapping, optional
        Catalogue metadata (written as header cards).

    Notes
    -----
    ``cat["name"]`` returns the column array (a view: writing into it changes the catalogue),
    resolving aliases; ``cat["name"] = values`` replaces a column (cast to the field dtype).
    ``cat[i]`` is a `SourceRecord`; ``cat[bool_mask]``, ``cat[index_array]`` and ``cat[slice]``
    return new catalogues (copies) with the same schema and metadata.
    """

    def __init__(self, schema: Schema | None = None, n: int = 0, metadata: Mapping | None = None) -> None:
        schema = Schema() if schema is None else schema.copy()
        missing = [name for name, *_ in MINIMAL_FIELDS if name not in schema]
        if missing:
            msg = f"SourceCatalog: schema lacks the required fields {', '.join(missing)}"
            raise ValueError(msg)
        n = int(n)
        if n < 0:
            msg = f"SourceCatalog: number of rows must be >= 0, not {n}"
            raise ValueError(msg)
        self._schema = schema
        self._columns: dict[str, np.ndarray] = {f.name: np.full(n, f.default, dtype=f.dtype) for f in schema}
        self._n = n
        self.metadata: dict = dict(metadata or {})

    @classmethod
    def from_columns(cls, schema: Schema, columns: Mapping[str, np.ndarray],
                     metadata: Mapping | None = None) -> SourceCatalog:
        """Build from arrays; fields without an array get their defaults.

        Raises
        ------
        ValueError
            If a column is not in the schema or the lengths differ.
        """
        lengths = {len(np.asarray(v)) for v in columns.values()}
        if len(lengths) > 1:
            msg = f"SourceCatalog.from_columns: columns have different lengths {sorted(lengths)}"
            raise ValueError(msg)
        cat = cls(schema, lengths.pop() if lengths else 0, metadata)
        for name, values in columns.items():
            cat[name] = values
        return cat

    # --- structure ----------------------------------------------------------------------------
    @property
    def schema(self) -> Schema:
        """The catalogue's `Schema` (do not add fields to it directly; use `addField`)."""
        return self._schema

    def addField(self, name: str, dtype, unit: str = "", doc: str = "", values=None) -> None:
        """Add a field to the schema and a column (defaults, or ``values``) to the catalogue."""
        field = self._schema.addField(name, dtype, unit, doc)
        self._columns[name] = np.full(self._n, field.default, dtype=field.dtype)
        if values is not None:
            self[name] = values

    def __len__(self) -> int:
        return self._n

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """Name -> column array (the catalogue's own arrays, in schema order)."""
        return dict(self._columns)

    # --- access -------------------------------------------------------------------------------
    def _column_name(self, name: str) -> str:
        return self._schema.find(name).name

    def __getitem__(self, key):
        if isinstance(key, str):
            return self._columns[self._column_name(key)]
        if isinstance(key, (int, np.integer)):
            index = int(key)
            if not -self._n <= index < self._n:
                msg = f"row {index} out of range for a catalogue of {self._n} rows"
                raise IndexError(msg)
            return SourceRecord(self, index % self._n)
        return self._subset(key)

    def __setitem__(self, name: str, values) -> None:
        if not isinstance(name, str):
            msg = f"SourceCatalog: assign whole columns by field name, not {type(name).__name__}"
            raise TypeError(msg)
        field = self._schema.find(name)
        array = np.asarray(values)
        if array.ndim == 0:
            array = np.full(self._n, array, dtype=field.dtype)
        if array.shape != (self._n,):
            msg = f"column {field.name!r}: {array.shape} values for a catalogue of {self._n} rows"
            raise ValueError(msg)
        self._columns[field.name] = np.ascontiguousarray(array, dtype=field.dtype)

    def get(self, name: str) -> np.ndarray:
        """Column ``name`` (aliases resolved)."""
        return self[name]

    def __contains__(self, name: object) -> bool:
        return name in self._schema

    def _subset(self, key) -> SourceCatalog:
        if isinstance(key, slice):
            index = key
        else:
            index = np.asarray(key)
            if index.dtype == bool:
                if index.shape != (self._n,):
                    msg = f"boolean row mask of shape {index.shape} for a catalogue of {self._n} rows"
                    raise IndexError(msg)
            elif index.dtype.kind not in "iu":
                msg = f"rows must be selected by int, slice, bool mask or int array, not {index.dtype}"
                raise IndexError(msg)
        out = SourceCatalog.__new__(SourceCatalog)
        out._schema = self._schema.copy()
        out._columns = {name: np.ascontiguousarray(col[index]) for name, col in self._columns.items()}
        out._n = len(out._columns["id"])
        out.metadata = dict(self.metadata)
        return out

    def __iter__(self) -> Iterator[SourceRecord]:
        return (SourceRecord(self, i) for i in range(self._n))

    # --- growing ------------------------------------------------------------------------------
    def addNew(self) -> SourceRecord:
        """Append one row of defaults and return it (O(n): prefer building columns in bulk)."""
        self.append(SourceCatalog(self._schema, 1))
        return SourceRecord(self, self._n - 1)

    def append(self, other: SourceCatalog) -> None:
        """Append the rows of ``other`` in place; its schema must have the same field names
        and dtypes."""
        self._check_compatible(other)
        for name in self._columns:
            self._columns[name] = np.concatenate([self._columns[name], other._columns[name]])
        self._n += len(other)

    def _check_compatible(self, other: SourceCatalog) -> None:
        mine = [(f.name, f.dtype) for f in self._schema]
        theirs = [(f.name, f.dtype) for f in other._schema]
        if mine != theirs:
            diff = sorted({n for n, _ in mine} ^ {n for n, _ in theirs}) or [
                a[0] for a, b in zip(mine, theirs, strict=False) if a != b]
            msg = f"catalogue schemas differ (first differing fields: {', '.join(diff[:5])})"
            raise ValueError(msg)

    @classmethod
    def concatenate(cls, catalogs: Iterable[SourceCatalog]) -> SourceCatalog:
        """New catalogue with the rows of all ``catalogs`` (same schema; metadata of the first)."""
        catalogs = list(catalogs)
        if not catalogs:
            msg = "SourceCatalog.concatenate: no catalogues given"
            raise ValueError(msg)
        first = catalogs[0]
        for other in catalogs[1:]:
            first._check_compatible(other)
        out = cls(first._schema, 0, first.metadata)
        out._columns = {name: np.concatenate([c._columns[name] for c in catalogs]) for name in first._columns}
        out._n = sum(len(c) for c in catalogs)
        return out

    def copy(self) -> SourceCatalog:
        """Deep copy of columns, schema and metadata."""
        return self._subset(slice(None))

    # --- export -------------------------------------------------------------------------------
    def to_table(self):
        """`astropy.table.Table` with units and descriptions; ``meta`` holds the metadata and
        an ``aliases`` mapping."""
        from astropy.table import Column, Table

        cols = [Column(self._columns[f.name], name=f.name, unit=f.unit or None, description=f.doc or None,
                       copy=True) for f in self._schema]
        table = Table(cols, copy=False)
        table.meta.update(self.metadata)
        if self._schema.aliases:
            table.meta["aliases"] = self._schema.aliases
        return table

    def __repr__(self) -> str:
        return f"SourceCatalog({self._n} rows, {len(self._schema)} fields)"
