"""`ConfigChoiceField`: a choice among named config types, single or multiple selection."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, MutableSet
from typing import Any

from .config import Config
from .errors import FieldValidationError
from .field import Diff, Field, doc_comment, join_path
from .history import Description, current_label
from .locations import Location
from .pyrepr import value_repr


class SelectionSet(MutableSet):
    """The ``names`` of a multi-selection field: a set that checks names and records changes."""

    def __init__(self, instance: ConfigInstanceDict, names: Iterable[str] = ()):
        self._instance = instance
        self._set: set[str] = set()
        for name in names:
            instance._check_key(name)
            self._set.add(name)

    def __contains__(self, name: object) -> bool:
        return name in self._set

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._set))

    def __len__(self) -> int:
        return len(self._set)

    def add(self, name: str) -> None:
        self._instance._check_writable()
        self._instance._check_key(name)
        self._set.add(name)
        self._instance._record_selection(current_label("add"))

    def discard(self, name: str) -> None:
        self._instance._check_writable()
        self._set.discard(name)
        self._instance._record_selection(current_label("discard"))

    def __repr__(self) -> str:
        return "{" + ", ".join(repr(n) for n in self) + "}" if self._set else "set()"


class ConfigInstanceDict(Mapping):
    """The value of a `ConfigChoiceField`: every choice's config plus the selection.

    ``field['name']`` is the config of that choice (created on first use, so alternatives can
    be configured before one is selected). ``.name`` (single selection) or ``.names`` (multi
    selection) is the selection; ``.active`` the selected config(s).
    """

    def __init__(self, config: Config, field: ConfigChoiceField):
        self._config = config
        self._field = field
        self._dict: dict[str, Config] = {}
        self._selection: str | SelectionSet | None = SelectionSet(self) if field.multi else None

    @property
    def types(self) -> Mapping[str, type]:
        """Choice name -> config class."""
        return self._field._typemap

    def __iter__(self) -> Iterator[str]:
        return iter(self.types)

    def __len__(self) -> int:
        return len(self.types)

    def __contains__(self, name: object) -> bool:
        return name in self.types

    def _check_writable(self) -> None:
        self._field._check_writable(self._config)

    def _check_key(self, name: Any) -> None:
        if not isinstance(name, str) or name not in self.types:
            known = list(self.types)
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = f"Unknown key {name!r}; known keys: {', '.join(known) or '(none)'}{hint}"
            raise FieldValidationError(self._field, self._config, msg)

    def __getitem__(self, name: str) -> Config:
        self._check_key(name)
        sub = self._dict.get(name)
        if sub is None:
            path = self._field.full_name(self._config)
            sub = self.types[name]._create(f"{path}[{name!r}]")
            if self._config._frozen:
                sub.freeze()
            self._dict[name] = sub
        return sub

    def _peek(self, name: str) -> Config:
        """The config of choice ``name`` without creating it (a transient default if absent)."""
        sub = self._dict.get(name)
        if sub is None:
            path = self._field.full_name(self._config)
            sub = self.types[name]._create(f"{path}[{name!r}]")
        return sub

    def _selected(self) -> list[str]:
        if self._field.multi:
            return list(self._selection)
        return [] if self._selection is None else [self._selection]

    def __setitem__(self, name: str, value: Any) -> None:
        self._check_writable()
        self._check_key(name)
        cls = self.types[name]
        if value is cls:
            value = cls()
        if type(value) is not cls:
            msg = (f"Value {value!r} for key {name!r} is of incorrect type "
                   f"{type(value).__name__}; expected {cls.__name__}")
            raise FieldValidationError(self._field, self._config, msg)
        self[name]._copy_from(value, current_label("setitem"))

    # -- selection ------------------------------------------------------------------------------
    def _require(self, multi: bool, attribute: str) -> None:
        if self._field.multi != multi:
            other = "names" if multi is False else "name"
            msg = (f"'{attribute}' is not available on a {'multi' if self._field.multi else 'single'}"
                   f"-selection field; use '{other}'")
            raise FieldValidationError(self._field, self._config, msg)

    @property
    def name(self) -> str | None:
        """The selected choice (single selection)."""
        self._require(False, "name")
        return self._selection

    @name.setter
    def name(self, value: str | None) -> None:
        self._require(False, "name")
        self._select(value)

    @property
    def names(self) -> SelectionSet:
        """The selected choices (multi selection), iterated in sorted order."""
        self._require(True, "names")
        return self._selection

    @names.setter
    def names(self, value: Iterable[str] | None) -> None:
        self._require(True, "names")
        self._select(value)

    def _select(self, value: Any, label: str | None = None, at: Location | None = None) -> None:
        self._check_writable()
        field = self._field
        if field.multi:
            if isinstance(value, str) or not isinstance(value, Iterable | None):
                msg = f"Value {value!r} is not a collection of names; use e.g. ['a', 'b']"
                raise FieldValidationError(field, self._config, msg)
            self._selection = SelectionSet(self, value or ())
        else:
            if value is not None:
                self._check_key(value)
            self._selection = value
        field._warn_if_deprecated(self._config, label)
        self._record_selection(label or current_label("selection"), at)

    def _selection_value(self) -> str | list[str] | None:
        return sorted(self._selection) if self._field.multi else self._selection

    def _record_selection(self, label: str, at: Location | None = None) -> None:
        text = Description(f"selection {value_repr(self._selection_value())}")
        self._field._record(self._config, text, at=at, label=label)

    @property
    def active(self) -> Config | list[Config] | None:
        """The selected config (single selection) or list of configs (multi, sorted by name)."""
        if self._field.multi:
            return [self[name] for name in self._selection]
        return None if self._selection is None else self[self._selection]

    def __repr__(self) -> str:
        attribute = "names" if self._field.multi else "name"
        return f"<{type(self).__name__} {attribute}={self._selection_value()!r}>"


class ConfigChoiceField(Field):
    """A choice among several config types, each configurable independently.

    Parameters
    ----------
    doc : str
        What is being chosen.
    typemap : dict
        Choice name -> `Config` subclass.
    default : str or iterable of str, optional
        Default selection.
    optional : bool, optional
        Whether an empty selection passes `Config.validate`.
    multi : bool, optional
        Select several choices (``.names``) instead of one (``.name``).
    deprecated : str, optional
        See `Field`.

    Notes
    -----
    Assigning the field sets the selection: ``config.x = "a"`` or ``config.x = ["a", "b"]``.
    Saved files write every configured choice as ``config.x['a'].field=value``, then the
    selection as ``config.x.name='a'`` or ``config.x.names=['a', 'b']`` (sorted).
    """

    supportedTypes = ()
    instanceDictClass = ConfigInstanceDict

    def __init__(self, doc: str, typemap: Mapping[str, type], default: Any = None,
                 optional: bool = False, multi: bool = False, deprecated: str | None = None):
        super().__init__(doc, None, default=default, optional=optional, deprecated=deprecated)
        self.multi = multi
        self.typemap = typemap

    @property
    def _typemap(self) -> Mapping[str, type]:
        return self.typemap

    def _setup(self, config: Config) -> None:
        instance = self.instanceDictClass(config, self)
        config._storage[self.name] = instance
        if self.default is not None:
            instance._select(self.default, label="default", at=self.source)

    def __set__(self, instance: Config, value: Any, at: Location | None = None,
                label: str | None = None) -> None:
        current = instance._storage[self.name]
        if isinstance(value, ConfigInstanceDict):
            if value is current:
                return
            self._check_writable(instance)
            for name, sub in value._dict.items():
                current[name]._copy_from(sub, label or "assignment")
            value = value._selection_value()
        current._select(value, label)

    def _validate(self, config: Config) -> None:
        instance = config._storage[self.name]
        selection = instance._selection
        if not selection:
            if not self.optional:
                options = ", ".join(instance.types)
                msg = f"No selection has been made. Options: {options}"
                raise FieldValidationError(self, config, msg)
        else:
            active = instance.active
            for sub in active if self.multi else [active]:
                sub.validate()
        if self.check is not None and not self.check(instance):
            raise FieldValidationError(self, config, f"{instance!r} is not a valid value")

    def _is_default(self, config: Config) -> bool:
        return False

    def _save(self, config: Config, path: str | None, root: str) -> Iterator[tuple[str, str]]:
        instance = config._storage[self.name]
        name = join_path(path, self.name)
        selected = instance._selected()
        for key in sorted(set(instance._dict) | set(selected)):
            sub = instance._peek(key)
            if key in selected or sub._compare_tree(instance.types[key]._create(sub._name), None):
                yield from sub._iter_chunks(f"{name}[{key!r}]", root)
        attribute = "names" if self.multi else "name"
        value = value_repr(instance._selection_value())
        yield f"{name}.{attribute}", f"{doc_comment(self.doc)}{root}.{name}.{attribute}={value}"

    def _to_dict(self, config: Config) -> dict:
        instance = config._storage[self.name]
        keys = sorted(set(instance._dict) | set(instance._selected()))
        values = {key: instance._peek(key).toDict() for key in keys}
        return {"names" if self.multi else "name": instance._selection_value(), "values": values}

    def _compare(self, this: Config, other: Config, path: str | None) -> list[Diff]:
        a, b = this._storage[self.name], other._storage[self.name]
        name = join_path(path, self.name)
        selection_a, selection_b = a._selection_value(), b._selection_value()
        if selection_a != selection_b:
            return [(f"{name}.{'names' if self.multi else 'name'}", selection_a, selection_b)]
        diffs: list[Diff] = []
        for key in a._selected():
            diffs.extend(a._peek(key)._compare_tree(b._peek(key), f"{name}[{key!r}]"))
        return diffs

    def _copy(self, source: Config, target: Config, label: str) -> None:
        self.__set__(target, source._storage[self.name], label=label)

    def _sub_configs(self, config: Config) -> Iterator[Config]:
        return iter(list(config._storage[self.name]._dict.values()))
