"""`ConfigDictField`: a dict of sub-configs keyed by scalars."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from .config import Config
from .errors import FieldValidationError
from .field import Diff, Field, doc_comment, join_path
from .history import Description, current_label
from .imports import qualified_name
from .locations import Location
from .pyrepr import value_repr
from .scalars import SCALAR_TYPES, coerce_scalar


class ConfigDict(MutableMapping):
    """The value of a `ConfigDictField`: key -> sub-config; items are copied in, never shared."""

    def __init__(self, config: Config, field: ConfigDictField):
        self._config = config
        self._field = field
        self._dict: dict[Any, Config] = {}

    def __len__(self) -> int:
        return len(self._dict)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._dict)

    def __getitem__(self, key: Any) -> Config:
        return self._dict[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        field, config = self._field, self._config
        field._check_writable(config)
        try:
            key = coerce_scalar(key, field.keytype)
        except TypeError:
            msg = (f"Key {key!r} is of incorrect type {type(key).__name__}; expected "
                   f"{field.keytype.__name__}")
            raise FieldValidationError(field, config, msg) from None
        if isinstance(value, type) and issubclass(value, field.itemtype):
            value = value()
        if not isinstance(value, field.itemtype):
            msg = (f"Value {value!r} at key {key!r} is of incorrect type {type(value).__name__}; "
                   f"expected {field.itemtype.__name__}")
            raise FieldValidationError(field, config, msg)
        if field.itemCheck is not None and not field.itemCheck(value):
            msg = f"Item at key {key!r} is not a valid value"
            raise FieldValidationError(field, config, msg)
        existed = key in self._dict
        sub = type(value)._create(f"{field.full_name(config)}[{key!r}]")
        label = current_label("setitem")
        sub._copy_from(value, label)
        self._dict[key] = sub
        action = "Modified" if existed else "Added"
        field._record(config, Description(f"{action} item at key {key!r}"), label=label)

    def __delitem__(self, key: Any) -> None:
        self._field._check_writable(self._config)
        del self._dict[key]
        self._field._record(self._config, Description(f"Removed item at key {key!r}"),
                            label=current_label("delitem"))

    def __repr__(self) -> str:
        return repr(self._dict)


class ConfigDictField(Field):
    """A dict whose values are configs of type ``itemtype``.

    Parameters
    ----------
    doc : str
        What the entries are.
    keytype : type
        Key type (a scalar type).
    itemtype : type
        `Config` subclass of the values (instances of subclasses are accepted).
    default : mapping, optional
        Default entries (configs are copied).
    optional : bool, optional
        Whether None passes `Config.validate`.
    dictCheck : callable, optional
        ``dictCheck(dict) -> bool``, applied by `Config.validate`.
    itemCheck : callable, optional
        ``itemCheck(config) -> bool``, applied when an item is set.
    deprecated : str, optional
        See `Field`.

    Notes
    -----
    Saved as ``config.d={}``, then per key (sorted) ``config.d['k']=mod.Cls()`` followed by
    the item's values as ``config.d['k'].x=1``.
    """

    supportedTypes = ()

    def __init__(self, doc: str, keytype: type, itemtype: type, default: Mapping | None = None,
                 optional: bool = False, dictCheck: Callable[[dict], bool] | None = None,
                 itemCheck: Callable[[Any], bool] | None = None, deprecated: str | None = None):
        if keytype not in SCALAR_TYPES:
            msg = f"Unsupported ConfigDictField keytype {keytype!r}"
            raise ValueError(msg)
        if not (isinstance(itemtype, type) and issubclass(itemtype, Config)):
            msg = f"ConfigDictField itemtype must be a Config subclass, not {itemtype!r}"
            raise ValueError(msg)
        super().__init__(doc, None, default=default, optional=optional, deprecated=deprecated)
        self.keytype = keytype
        self.itemtype = itemtype
        self.dictCheck = dictCheck
        self.itemCheck = itemCheck

    def __set__(self, instance: Config, value: Any, at: Location | None = None,
                label: str | None = None) -> None:
        self._check_writable(instance)
        if value is not None and not isinstance(value, Mapping):
            msg = f"Value {value!r} is of incorrect type {type(value).__name__}; expected a mapping"
            raise FieldValidationError(self, instance, msg)
        self._warn_if_deprecated(instance, label)
        if value is None:
            instance._storage[self.name] = None
            self._record(instance, None, at, label)
            return
        items = dict(value)
        new = ConfigDict(instance, self)
        instance._storage[self.name] = new
        self._record(instance, Description("{}"), at, label)
        for key, item in items.items():
            new[key] = item

    def _validate(self, config: Config) -> None:
        value = config._storage[self.name]
        if value is None:
            if not self.optional:
                raise FieldValidationError(self, config, "Required value cannot be None")
            return
        for sub in value.values():
            sub.validate()
        if self.dictCheck is not None and not self.dictCheck(dict(value)):
            raise FieldValidationError(self, config, f"{dict(value)!r} is not a valid value")

    def _is_default(self, config: Config) -> bool:
        return False

    def _save(self, config: Config, path: str | None, root: str) -> Iterator[tuple[str, str]]:
        value = config._storage[self.name]
        name = join_path(path, self.name)
        if value is None:
            yield name, f"{doc_comment(self.doc)}{root}.{name}=None"
            return
        yield name, f"{doc_comment(self.doc)}{root}.{name}={{}}"
        for key in _sorted_keys(value):
            item = f"{name}[{value_repr(key)}]"
            yield item, f"{root}.{item}={qualified_name(type(value[key]))}()"
            yield from value[key]._iter_chunks(item, root)

    def _to_dict(self, config: Config) -> dict | None:
        value = config._storage[self.name]
        return None if value is None else {k: v.toDict() for k, v in value.items()}

    def _compare(self, this: Config, other: Config, path: str | None) -> list[Diff]:
        a, b = this._storage[self.name], other._storage[self.name]
        name = join_path(path, self.name)
        if a is None or b is None:
            return [] if a is b else [(name, self._to_dict(this), self._to_dict(other))]
        if set(a) != set(b):
            return [(name, _sorted_keys(a), _sorted_keys(b))]
        diffs: list[Diff] = []
        for key in _sorted_keys(a):
            diffs.extend(a[key]._compare_tree(b[key], f"{name}[{value_repr(key)}]"))
        return diffs

    def _copy(self, source: Config, target: Config, label: str) -> None:
        self.__set__(target, source._storage[self.name], label=label)

    def _sub_configs(self, config: Config) -> Iterator[Config]:
        value = config._storage[self.name]
        return iter(() if value is None else list(value.values()))

    def _setup(self, config: Config) -> None:
        config._storage[self.name] = None
        self.__set__(config, self.default if self.default is not None else {}, at=self.source,
                     label="default")


def _sorted_keys(mapping: Mapping) -> list:
    try:
        return sorted(mapping)
    except TypeError:
        return list(mapping)
