"""`Schema`: ordered catalogue fields (name, dtype, unit, doc) and name aliases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

#: Fields every `SourceCatalog` has: (name, dtype, unit, doc).
MINIMAL_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("id", "int64", "", "unique id of the source"),
    ("coord_ra", "float64", "rad", "right ascension (ICRS)"),
    ("coord_dec", "float64", "rad", "declination (ICRS)"),
    ("parent", "int64", "", "id of the parent source before deblending, 0 if none"),
)


def normalise_unit(unit: str, field: str = "") -> str:
    """FITS spelling of ``unit`` (``"pixel"`` -> ``"pix"``, ``"pixel^2"`` -> ``"pix2"``).

    Raises
    ------
    ValueError
        If astropy cannot parse the unit.
    """
    if not unit:
        return ""
    try:
        return _fits_unit(unit)
    except ValueError as err:
        msg = f"field {field!r}: unit {unit!r} is not a valid unit ({err})"
        raise ValueError(msg) from None


#: astropy's FITS spelling of the units lsstlite's schemas use (``tests/table`` checks each
#: against astropy): a run then needs no astropy.units, whose import takes ~0.1 s.
KNOWN_FITS_UNITS: dict[str, str] = {
    "rad": "rad", "deg": "deg", "arcsec": "arcsec", "arcsec2": "arcsec2", "deg2": "deg2",
    "pixel": "pix", "pix": "pix", "pixel2": "pix2", "pixel^2": "pix2", "pix2": "pix2",
    "count": "count", "count2": "count2", "ct": "count", "adu": "adu", "s": "s",
    "nJy": "nJy", "Jy": "Jy", "mag": "mag",
}


@lru_cache(maxsize=256)
def _fits_unit(unit: str) -> str:
    """astropy's FITS spelling of ``unit``, parsed once per spelling (schemas repeat a few)."""
    known = KNOWN_FITS_UNITS.get(unit)
    if known is not None:
        return known
    import astropy.units as u

    return u.Unit(unit).to_string("fits")


@dataclass(frozen=True)
class Field:
    """One catalogue column: ``name``, numpy ``dtype``, FITS ``unit`` string and ``doc``."""

    name: str
    dtype: np.dtype
    unit: str = ""
    doc: str = ""

    @property
    def isFlag(self) -> bool:
        """True for boolean (flag) fields."""
        return self.dtype == np.bool_

    @property
    def default(self):
        """Initial value of new rows: NaN for floats, False for flags, 0 or '' otherwise."""
        kind = self.dtype.kind
        if kind == "f":
            return np.nan
        if kind == "b":
            return False
        if kind in "US":
            return ""
        return 0


class Schema:
    """Ordered set of `Field` plus an alias map (afw ``Schema`` + ``AliasMap``).

    Parameters
    ----------
    minimal : bool
        Start with the `MINIMAL_FIELDS` (``id``, ``coord_ra``, ``coord_dec``, ``parent``);
        every `SourceCatalog` schema needs them.

    Notes
    -----
    Names are unique ignoring case (FITS column names are case-insensitive) and match
    ``[A-Za-z][A-Za-z0-9_]*``. Units are stored in their FITS spelling (see `normalise_unit`).
    An alias replaces a name prefix at an ``_`` boundary: with ``slot_Centroid ->
    base_SdssCentroid``, ``slot_Centroid_x`` resolves to ``base_SdssCentroid_x``; aliases may
    point to other aliases.
    """

    def __init__(self, minimal: bool = True) -> None:
        self._fields: dict[str, Field] = {}
        self._lower: dict[str, str] = {}
        self._aliases: dict[str, str] = {}
        if minimal:
            for name, dtype, unit, doc in MINIMAL_FIELDS:
                self.addField(name, dtype, unit, doc)

    def addField(self, name: str, dtype, unit: str = "", doc: str = "") -> Field:
        """Append a field.

        Parameters
        ----------
        name : str
            Field name, e.g. ``base_PsfFlux_instFlux``.
        dtype : numpy dtype or str
            ``bool`` for flags; ``float64``, ``float32``, ``int32``, ``int64``, ``U<n>`` ...
        unit : str
            Unit string parsable by astropy (``"pixel"``, ``"count"``, ``"nJy"``, ``"rad"``).
        doc : str
            One-line description (surrounding blanks are removed: FITS drops them).

        Returns
        -------
        field : `Field`

        Raises
        ------
        ValueError
            For an invalid name, a duplicate (ignoring case), an unsupported dtype or unit.
        """
        if not isinstance(name, str) or not _NAME_RE.match(name):
            msg = f"field name {name!r} is invalid: use letters, digits and '_', starting with a letter"
            raise ValueError(msg)
        clash = self._lower.get(name.lower())
        if clash is not None:
            msg = f"field {name!r} already exists in the schema" + (
                "" if clash == name else f" as {clash!r} (FITS names are case-insensitive)")
            raise ValueError(msg)
        try:
            dt = np.dtype(dtype).newbyteorder("=")
        except TypeError:
            msg = f"field {name!r}: dtype {dtype!r} is not a numpy dtype"
            raise ValueError(msg) from None
        if dt.kind not in "biufUS" or dt.shape:
            msg = f"field {name!r}: unsupported dtype {dt} (use bool, int, uint, float or str)"
            raise ValueError(msg)
        doc = str(doc).strip()
        if not (doc.isascii() and doc.isprintable()):
            msg = f"field {name!r}: doc {doc!r} must be printable ASCII (it goes into FITS headers)"
            raise ValueError(msg)
        field = Field(name, dt, normalise_unit(unit, name), doc)
        self._fields[name] = field
        self._lower[name.lower()] = name
        return field

    def setAlias(self, alias: str, target: str) -> None:
        """Define ``alias`` as another name (or name prefix) for ``target``."""
        if not _NAME_RE.match(alias):
            msg = f"alias name {alias!r} is invalid"
            raise ValueError(msg)
        if alias in self._fields:
            msg = f"alias {alias!r} would hide the field of the same name"
            raise ValueError(msg)
        self._aliases[alias] = target

    def removeAlias(self, alias: str) -> None:
        """Remove ``alias`` (KeyError if undefined)."""
        del self._aliases[alias]

    @property
    def aliases(self) -> dict[str, str]:
        """Copy of the alias map, alias -> target."""
        return dict(self._aliases)

    def resolve(self, name: str) -> str:
        """Apply aliases to ``name`` (longest matching prefix first, repeatedly).

        Returns the name unchanged when no alias applies; does not check that it is a field.
        """
        for _ in range(len(self._aliases) + 1):
            if name in self._fields:
                return name
            best = None
            for alias in self._aliases:
                if (name == alias or name.startswith(alias + "_")) and (best is None or len(alias) > len(best)):
                    best = alias
            if best is None:
                return name
            name = self._aliases[best] + name[len(best):]
        msg = f"alias cycle while resolving {name!r}"
        raise ValueError(msg)

    def find(self, name: str) -> Field:
        """`Field` for ``name`` after alias resolution; `KeyError` naming it if absent."""
        resolved = self.resolve(name)
        try:
            return self._fields[resolved]
        except KeyError:
            via = "" if resolved == name else f" (alias of {resolved!r})"
            msg = f"no field {name!r}{via} in the schema"
            raise KeyError(msg) from None

    def __getitem__(self, name: str) -> Field:
        return self.find(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) in self._fields

    @property
    def names(self) -> list[str]:
        """Field names in order."""
        return list(self._fields)

    @property
    def fields(self) -> list[Field]:
        """Fields in order."""
        return list(self._fields.values())

    def __iter__(self) -> Iterator[Field]:
        return iter(list(self._fields.values()))

    def __len__(self) -> int:
        return len(self._fields)

    def copy(self) -> Schema:
        """Independent copy (fields are immutable and shared)."""
        other = Schema(minimal=False)
        other._fields = dict(self._fields)
        other._lower = dict(self._lower)
        other._aliases = dict(self._aliases)
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schema):
            return NotImplemented
        return list(self._fields.values()) == list(other._fields.values()) and self._aliases == other._aliases

    def __repr__(self) -> str:
        return f"Schema({len(self)} fields, {len(self._aliases)} aliases)"

    def describe(self) -> str:
        """One line per field: name, dtype, unit, doc; then the aliases."""
        lines = [f"{f.name:<40s} {f.dtype.str[1:]:<5s} {f.unit:<8s} {f.doc}" for f in self]
        lines += [f"alias {a} -> {t}" for a, t in self._aliases.items()]
        return "\n".join(lines)
