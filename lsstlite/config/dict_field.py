"""`DictField`: a mapping of scalar keys to scalar values, checked on every change."""

from __future__ import annotations

import copy

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from .errors import FieldValidationError
from .field import Field
from .history import current_label
from .pyrepr import values_equal
from .scalars import SCALAR_TYPES, coerce_scalar, to_python


class Dict(MutableMapping):
    """The value of a `DictField`: a dict that checks keys and values on every change."""

    def __init__(self, config: Any, field: DictField, items: dict):
        self._config = config
        self._field = field
        self._dict = items

    def __len__(self) -> int:
        return len(self._dict)

    def __iter__(self):
        return iter(self._dict)

    def __getitem__(self, key: Any) -> Any:
        return self._dict[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        new = dict(self._dict)
        new[key] = value
        self._replace(new, "setitem")

    def __delitem__(self, key: Any) -> None:
        new = dict(self._dict)
        del new[key]
        self._replace(new, "delitem")

    def _replace(self, items: dict, label: str) -> None:
        field, config = self._field, self._config
        field._check_writable(config)
        self._dict = field._cast_items(config, items)
        field._record(config, dict(self._dict), label=current_label(label))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return values_equal(dict(self._dict), dict(other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._dict)

    def __reduce__(self) -> tuple:
        return dict, (self._dict,)

    def __deepcopy__(self, memo: dict) -> Dict:
        copied = Dict(copy.deepcopy(self._config, memo), self._field, dict(self._dict))
        memo[id(self)] = copied
        return copied


class DictField(Field):
    """A dict with keys of ``keytype`` and values of ``itemtype``.

    Parameters
    ----------
    doc : str
        Description of the value.
    keytype : type
        Key type (a scalar type).
    itemtype : type or None
        Value type (a scalar type); None allows any scalar.
    default : mapping, optional
        Default contents.
    optional : bool, optional
        Whether None passes `Config.validate`.
    dictCheck : callable, optional
        ``dictCheck(dict) -> bool``, applied by `Config.validate`.
    itemCheck : callable, optional
        ``itemCheck(value) -> bool``, applied to every value when it is set.
    deprecated : str, optional
        See `Field`.
    """

    def __init__(self, doc: str, keytype: type, itemtype: type | None, default: Mapping | None = None,
                 optional: bool = False, dictCheck: Callable[[dict], bool] | None = None,
                 itemCheck: Callable[[Any], bool] | None = None, deprecated: str | None = None):
        super().__init__(doc, keytype, default=default, optional=optional, deprecated=deprecated)
        if itemtype is not None and itemtype not in SCALAR_TYPES:
            msg = f"Unsupported DictField itemtype {itemtype!r}"
            raise ValueError(msg)
        self.keytype = keytype
        self.itemtype = itemtype
        self.dictCheck = dictCheck
        self.itemCheck = itemCheck

    def _cast(self, config: Any, value: Any) -> Dict | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            msg = f"Value {value!r} is of incorrect type {type(value).__name__}; expected a mapping"
            raise FieldValidationError(self, config, msg)
        return Dict(config, self, self._cast_items(config, dict(value)))

    def _cast_items(self, config: Any, items: dict) -> dict:
        result = {}
        for key, item in items.items():
            try:
                key = coerce_scalar(key, self.keytype)
            except TypeError:
                msg = (f"Key {key!r} is of incorrect type {type(key).__name__}; expected "
                       f"{self.keytype.__name__}")
                raise FieldValidationError(self, config, msg) from None
            item = self._cast_item(config, key, item)
            if self.itemCheck is not None and not self.itemCheck(item):
                msg = f"Item at key {key!r} with value {item!r} is not a valid value"
                raise FieldValidationError(self, config, msg)
            result[key] = item
        return result

    def _cast_item(self, config: Any, key: Any, item: Any) -> Any:
        if item is None:
            return None
        item = to_python(item)
        if self.itemtype is None:
            if type(item) not in SCALAR_TYPES:
                msg = (f"Value {item!r} at key {key!r} is of incorrect type "
                       f"{type(item).__name__}; expected a scalar")
                raise FieldValidationError(self, config, msg)
            return item
        try:
            return coerce_scalar(item, self.itemtype)
        except TypeError:
            msg = (f"Value {item!r} at key {key!r} is of incorrect type {type(item).__name__}; "
                   f"expected {self.itemtype.__name__}")
            raise FieldValidationError(self, config, msg) from None

    def _validate_value(self, config: Any, value: Dict) -> None:
        if self.dictCheck is not None and not self.dictCheck(dict(value)):
            raise FieldValidationError(self, config, f"{dict(value)!r} is not a valid value")

    def _history_value(self, value: Dict | None) -> dict | None:
        return None if value is None else dict(value)

    def _plain(self, value: Any) -> dict | None:
        return None if value is None else dict(value)
