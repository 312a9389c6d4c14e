"""`ColumnTable`: named 1-d columns with units, descriptions and metadata.

A light stand-in for `astropy.table.Table` for the pipeline's small auxiliary tables (the
astrometric matches), so that a run does not import astropy's table machinery (~0.1 s).
`ColumnTable.to_table` converts when astropy's features are wanted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

__all__ = ["ColumnTable"]


class ColumnTable:
    """Equal-length 1-d numpy columns in insertion order.

    Parameters
    ----------
    meta : mapping, optional
        Table metadata (scalars; written as header cards).

    Notes
    -----
    ``table["name"]`` returns the column array; ``table.colnames`` lists the names (as does
    iterating, like a dict); ``table.unit(name)`` and ``table.description(name)`` give a
    column's unit (FITS spelling, ``""`` when none) and description. Rows are not selected
    here: `to_table` gives an astropy table for that.
    """

    def __init__(self, meta: Mapping | None = None) -> None:
        self._columns: dict[str, np.ndarray] = {}
        self._units: dict[str, str] = {}
        self._descriptions: dict[str, str] = {}
        self.meta: dict = dict(meta or {})

    def add_column(self, name: str, values, unit: str = "", description: str = "") -> None:
        """Append (or replace) column ``name``.

        Parameters
        ----------
        name : str
            Column name.
        values : array_like
            1-d values, as many as the table's rows.
        unit : str
            Unit in FITS spelling (``"rad"``, ``"nJy"``), ``""`` for none.
        description : str
            One-line description (written as ``TCOMMn``).

        Raises
        ------
        ValueError
            If ``values`` is not 1-d or its length differs from the table's.
        """
        array = np.asarray(values)
        if array.ndim != 1:
            msg = f"column {name!r} must be 1-d, not of shape {array.shape}"
            raise ValueError(msg)
        others = [n for n in self._columns if n != name]
        if others and len(array) != len(self._columns[others[0]]):
            msg = (f"column {name!r} has {len(array)} rows; the table has "
                   f"{len(self._columns[others[0]])}")
            raise ValueError(msg)
        self._columns[name] = array
        self._units[name] = unit
        self._descriptions[name] = description

    @property
    def colnames(self) -> list[str]:
        """Column names in order."""
        return list(self._columns)

    def unit(self, name: str) -> str:
        """Unit of column ``name`` (``""`` when none)."""
        return self._units[name]

    def description(self, name: str) -> str:
        """Description of column ``name`` (``""`` when none)."""
        return self._descriptions[name]

    def __getitem__(self, name: str) -> np.ndarray:
        if not isinstance(name, str):
            msg = (f"ColumnTable columns are selected by name, not by {type(name).__name__}; "
                   "use table.to_table() for row selections")
            raise TypeError(msg)
        try:
            return self._columns[name]
        except KeyError:
            msg = f"no column {name!r}; columns: {', '.join(self._columns)}"
            raise KeyError(msg) from None

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(next(iter(self._columns.values()))) if self._columns else 0

    def to_table(self):
        """`astropy.table.Table` with the same columns, units, descriptions and metadata."""
        from astropy.table import Column, Table

        table = Table([Column(values, name=name, unit=self._units[name] or None,
                              description=self._descriptions[name] or None)
                       for name, values in self._columns.items()])
        table.meta.update(self.meta)
        return table

    def __repr__(self) -> str:
        return f"ColumnTable({len(self)} rows: {', '.join(self._columns)})"
