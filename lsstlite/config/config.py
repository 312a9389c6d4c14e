"""`Config`: a tree of typed, documented, validated and history-tracking values."""

from __future__ import annotations

import copy
import difflib
import functools
import os
from collections.abc import Callable, Iterator
from typing import IO, Any

from .errors import UnknownFieldError
from .field import Diff, Field, join_path
from .history import HistoryEntry, format_history, history_label
from .imports import describe
from .locations import Location, user_location


def _wrap_validate(user_validate: Callable[[Config], None]) -> Callable[[Config], None]:
    """Make ``validate`` always check every field before running the user's checks.

    The outermost call checks every field (and so every nested config, hooks included) and
    then calls the user's method; calls made through ``super().validate()`` inside it only
    run the user code of the base classes.
    """

    @functools.wraps(user_validate)
    def validate(self: Config) -> None:
        if self._validating:
            user_validate(self)
            return
        object.__setattr__(self, "_validating", True)
        try:
            for field in type(self)._fields.values():
                field._validate(self)
            user_validate(self)
        finally:
            object.__setattr__(self, "_validating", False)

    validate._validates_fields = True
    return validate


class ConfigMeta(type):
    """Collects the `Field` class attributes of a `Config` class (bases first) into ``_fields``."""

    def __init__(cls, name: str, bases: tuple, namespace: dict):
        super().__init__(name, bases, namespace)
        type.__setattr__(cls, "_source", user_location())
        fields: dict[str, Field] = {}
        for base in reversed(cls.__mro__[1:]):
            fields.update(base.__dict__.get("_fields", {}))
        for key, value in namespace.items():
            if isinstance(value, Field):
                fields[key] = value
        type.__setattr__(cls, "_fields", fields)
        user_validate = namespace.get("validate")
        if callable(user_validate) and not getattr(user_validate, "_validates_fields", False):
            type.__setattr__(cls, "validate", _wrap_validate(user_validate))

    def __setattr__(cls, name: str, value: Any) -> None:
        if isinstance(value, Field):
            value.__set_name__(cls, name)
            type.__setattr__(cls, "_fields", {**cls._fields, name: value})
        type.__setattr__(cls, name, value)


class Config(metaclass=ConfigMeta):
    """Base class of every config: fields declared as class attributes, values per instance.

    Parameters
    ----------
    **kwargs
        Field values applied after the defaults and `setDefaults` (history label ``update``).

    Notes
    -----
    Construction sets every field to its default, then calls `setDefaults`, then applies
    ``kwargs``. Subclasses override `setDefaults` (calling ``super().setDefaults()``) to
    change defaults, and `validate` (calling ``super().validate()`` is optional) to add
    cross-field checks: `validate` always checks every field and every nested config first,
    whatever a subclass's override does.

    Attribute names starting with ``_`` are reserved for the implementation.
    """

    _fields: dict[str, Field] = {}
    _source: Location | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Config:
        if args:
            msg = f"{cls.__name__}() takes field values as keyword arguments only"
            raise TypeError(msg)
        self = cls._create(None)
        with history_label("update"):
            self.update(**kwargs)
        return self

    def __init__(self, *args: Any, **kwargs: Any):
        pass

    @classmethod
    def _create(cls, name: str | None) -> Config:
        """Make an instance holding defaults, named ``name`` inside its tree."""
        self = object.__new__(cls)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_storage", {})
        object.__setattr__(self, "_history", {})
        object.__setattr__(self, "_frozen", False)
        object.__setattr__(self, "_imports", set())
        object.__setattr__(self, "_validating", False)
        for field in cls._fields.values():
            field._setup(self)
        with history_label("setDefaults"):
            self.setDefaults()
        return self

    def setDefaults(self) -> None:
        """Hook: change the defaults of this config and its sub-configs (call super first)."""

    @_wrap_validate
    def validate(self) -> None:
        """Check every field and nested config, then the class's cross-field checks.

        Raises
        ------
        FieldValidationError
            For the first value that is invalid.
        """

    def update(self, **kwargs: Any) -> None:
        """Set several fields at once.

        Parameters
        ----------
        **kwargs
            Field name -> value.

        Raises
        ------
        UnknownFieldError
            For a name that is not a field.
        """
        for name, value in kwargs.items():
            field = type(self)._fields.get(name)
            if field is None:
                raise self._unknown(name)
            field.__set__(self, value, label=None)

    # -- attribute access ------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        field = type(self)._fields.get(name)
        if field is not None:
            field.__set__(self, value)
        elif name.startswith("_") or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            raise self._unknown(name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise self._unknown(name)

    def __delattr__(self, name: str) -> None:
        field = type(self)._fields.get(name)
        if field is None:
            raise self._unknown(name)
        field.__delete__(self)

    def _unknown(self, name: str) -> UnknownFieldError:
        full = join_path(self._name, name)
        matches = difflib.get_close_matches(name, list(type(self)._fields), n=3, cutoff=0.6)
        if matches:
            options = " or ".join(f"'{join_path(self._name, m)}'" for m in matches)
            msg = f"no config field '{full}'; did you mean {options}?"
        else:
            cls = type(self)
            msg = f"no config field '{full}' in {cls.__module__}.{cls.__qualname__}"
        return UnknownFieldError(msg)

    # -- mapping-like access -------------------------------------------------------------------
    def keys(self) -> list[str]:
        """Field names, in definition order."""
        return list(type(self)._fields)

    def values(self) -> list[Any]:
        """Field values, in definition order."""
        return [getattr(self, name) for name in type(self)._fields]

    def items(self) -> list[tuple[str, Any]]:
        """(name, value) pairs, in definition order."""
        return [(name, getattr(self, name)) for name in type(self)._fields]

    def __iter__(self) -> Iterator[str]:
        return iter(type(self)._fields)

    def __contains__(self, name: object) -> bool:
        return name in type(self)._fields

    def toDict(self) -> dict[str, Any]:
        """Return the values as nested plain dicts, lists and scalars."""
        return {name: field._to_dict(self) for name, field in type(self)._fields.items()}

    def names(self) -> list[str]:
        """Return every dotted name written by `saveToStream`, in file order.

        Returns
        -------
        names : list of str
            E.g. ``["detection.thresholdValue", "plugins['x'].radius", "plugins.names"]``
            (a retargeted field appears under its own dotted name).
        """
        from .persistence import iter_saved_chunks

        return list(dict.fromkeys(name for name, _ in iter_saved_chunks(self)))

    # -- history -------------------------------------------------------------------------------
    @property
    def history(self) -> dict[str, list[HistoryEntry]]:
        """Field name -> list of `HistoryEntry`, oldest first."""
        return self._history

    def formatHistory(self, name: str) -> str:
        """Return the history of one field as text.

        Parameters
        ----------
        name : str
            Dotted name relative to this config, e.g. ``"detection.thresholdValue"`` or
            ``"plugins['x'].radius"`` or ``"plugins.names"``.

        Returns
        -------
        text : str
            The name, then one line per assignment: value, ``file:line``, label.
        """
        from .paths import resolve_field

        owner, field = resolve_field(self, name)
        return format_history(name, owner._history.get(field.name, []))

    # -- tree operations ---------------------------------------------------------------------
    def _iter_tree(self) -> Iterator[Config]:
        yield self
        for field in type(self)._fields.values():
            for sub in field._sub_configs(self):
                yield from sub._iter_tree()

    def _iter_chunks(self, path: str | None, root: str) -> Iterator[tuple[str, str]]:
        for field in type(self)._fields.values():
            yield from field._save(self, path, root)

    def _copy_from(self, source: Config, label: str) -> None:
        """Assign every field value of ``source`` (fields both classes have) to this config."""
        mine = type(self)._fields
        for name, field in type(source)._fields.items():
            if name in mine:
                mine[name]._copy(source, self, label)

    def _compare_tree(self, other: Config, path: str | None) -> list[Diff]:
        if type(self) is not type(other):
            return [(path or "", describe(type(self)), describe(type(other)))]
        diffs: list[Diff] = []
        for field in type(self)._fields.values():
            diffs.extend(field._compare(self, other, path))
        return diffs

    def compare(self, other: Config) -> list[tuple[str, Any, Any]]:
        """Return every difference between this config and ``other``.

        Parameters
        ----------
        other : `Config`
            The config to compare with.

        Returns
        -------
        differences : list of (str, object, object)
            (dotted name, this value, other value), in file order; NaN equals NaN. A
            retarget appears as (name, qualified target name, other qualified target name),
            registry selections as ``name.name``/``name.names``; empty if equal.
        """
        return self._compare_tree(other, None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return type(self) is type(other) and not self.compare(other)

    __hash__ = None

    def freeze(self) -> None:
        """Make this config and everything nested in it read-only (writes raise)."""
        for config in self._iter_tree():
            object.__setattr__(config, "_frozen", True)

    def copy(self) -> Config:
        """Return an unfrozen deep copy, history included."""
        copied = copy.deepcopy(self)
        for config in copied._iter_tree():
            object.__setattr__(config, "_frozen", False)
        return copied

    def __deepcopy__(self, memo: dict) -> Config:
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        for key, value in self.__dict__.items():
            object.__setattr__(copied, key, copy.deepcopy(value, memo))
        return copied

    # -- persistence --------------------------------------------------------------------------
    def saveToStream(self, stream: IO[str], root: str = "config") -> None:
        """Write this config as a Python override file.

        Parameters
        ----------
        stream : text file
            Where to write.
        root : str, optional
            Name the file uses for the config (``config``).

        Notes
        -----
        The format: sorted ``import`` lines, a line asserting the config type, then one chunk
        per value separated by blank lines; a chunk is the field's doc as ``#`` lines and
        one assignment (``config.a.b=1.0``, ``config.sub.retarget(...)``,
        ``config.plugins.names=['a', 'b']``). Same config, same bytes. Loading it executes it:
        override files are Python code.
        """
        from .persistence import save_to_stream

        save_to_stream(self, stream, root)

    def saveToString(self, root: str = "config") -> str:
        """Return what `saveToStream` writes."""
        import io

        stream = io.StringIO()
        self.saveToStream(stream, root)
        return stream.getvalue()

    def save(self, path: str | os.PathLike, root: str = "config") -> None:
        """Write `saveToStream` output to ``path`` atomically (temporary file, then rename)."""
        from .persistence import atomic_write_text

        atomic_write_text(path, self.saveToString(root))

    def load(self, path: str | os.PathLike, label: str | None = None) -> None:
        """Apply an override file.

        Parameters
        ----------
        path : str or path-like
            A ``.py`` file (executed with ``config`` bound to this config and ``__file__``
            set; legacy files using ``root.`` are retried with ``root``) or a ``.yaml``/
            ``.yml`` file (a nested mapping, see below).
        label : str, optional
            History label of the assignments; default the file path.

        Notes
        -----
        A YAML file mirrors the config tree; string values for non-string fields are parsed
        like ``-c`` values (``gain: nan``)::

            detection:
              thresholdValue: 5.0
              background:
                retarget: pkg.module.OtherBackgroundTask   # or {target: ..., ConfigClass: ...}
                binSize: 64
            psfDeterminer:                  # RegistryField / ConfigChoiceField
              name: pca                     # or names: [a, b] for a multi selection
              values: {pca: {nEigenComponents: 3}}
            plugins: [base_SdssCentroid]    # shorthand: just the selection
            apertures: {a: {radius: 3.0}}   # ConfigDictField: key -> item fields

        Override files are code: load only files you trust.
        """
        path = os.fspath(path)
        label = path if label is None else label
        if path.endswith((".yaml", ".yml")):
            from .yaml_loader import load_yaml_file

            load_yaml_file(self, path, label)
        else:
            from .persistence import load_python_file

            load_python_file(self, path, label)

    def loadFromString(self, text: str, root: str = "config", filename: str = "<string>",
                       label: str | None = None) -> None:
        """Execute Python override text (as written by `saveToStream`) on this config."""
        from .persistence import exec_config_text

        exec_config_text(self, text, filename, root, filename if label is None else label)

    def loadFromStream(self, stream: IO[str], root: str = "config", filename: str | None = None,
                       label: str | None = None) -> None:
        """Execute Python override text read from ``stream`` on this config."""
        name = filename or getattr(stream, "name", "<stream>")
        self.loadFromString(stream.read(), root=root, filename=name, label=label)

    def __reduce__(self) -> tuple:
        from .persistence import unpickle_config

        return unpickle_config, (type(self), self.saveToString(), self._frozen)

    # -- display -------------------------------------------------------------------------------
    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.toDict().items() if v is not None)
        return f"{describe(type(self))}({values})"

    def __str__(self) -> str:
        return str(self.toDict())
