"""`ListField`: a list of scalars, checked item by item on every change."""

from __future__ import annotations

import copy

from collections.abc import Callable, Iterable, Mapping, MutableSequence
from typing import Any

from .errors import FieldValidationError
from .field import Field
from .history import current_label
from .pyrepr import values_equal
from .scalars import coerce_scalar


class List(MutableSequence):
    """The value of a `ListField`: a list that checks every item and records every change."""

    def __init__(self, config: Any, field: ListField, items: list):
        self._config = config
        self._field = field
        self._list = items

    def __len__(self) -> int:
        return len(self._list)

    def __getitem__(self, index: int | slice) -> Any:
        return self._list[index]

    def __setitem__(self, index: int | slice, value: Any) -> None:
        new = list(self._list)
        new[index] = value
        self._replace(new, "setitem")

    def __delitem__(self, index: int | slice) -> None:
        new = list(self._list)
        del new[index]
        self._replace(new, "delitem")

    def insert(self, index: int, value: Any) -> None:
        new = list(self._list)
        new.insert(index, value)
        self._replace(new, "insert")

    def _replace(self, items: list, label: str) -> None:
        field, config = self._field, self._config
        field._check_writable(config)
        self._list = field._cast_items(config, items)
        field._record(config, list(self._list), label=current_label(label))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, List)):
            return values_equal(list(self._list), list(other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._list)

    def __reduce__(self) -> tuple:
        return list, (self._list,)

    def __deepcopy__(self, memo: dict) -> List:
        copied = List(copy.deepcopy(self._config, memo), self._field, list(self._list))
        memo[id(self)] = copied
        return copied


class ListField(Field):
    """A list of ``dtype`` items.

    Parameters
    ----------
    doc : str
        Description of the value.
    dtype : type
        Item type (``str``, ``bool``, ``int``, ``float``, ``complex``).
    default : sequence, optional
        Default items.
    optional : bool, optional
        Whether None passes `Config.validate`.
    listCheck : callable, optional
        ``listCheck(list) -> bool``, applied by `Config.validate`.
    itemCheck : callable, optional
        ``itemCheck(item) -> bool``, applied to every item when it is set.
    length, minLength, maxLength : int, optional
        Length constraints checked by `Config.validate` (``length`` overrides the others).
    deprecated : str, optional
        See `Field`.

    Notes
    -----
    Any iterable except a string or a mapping is accepted; a string is never split into
    characters (assign ``["abc"]`` for a one-item list).
    """

    def __init__(self, doc: str, dtype: type, default: Iterable | None = None,
                 optional: bool = False, listCheck: Callable[[list], bool] | None = None,
                 itemCheck: Callable[[Any], bool] | None = None, length: int | None = None,
                 minLength: int | None = None, maxLength: int | None = None,
                 deprecated: str | None = None):
        super().__init__(doc, dtype, default=default, optional=optional, deprecated=deprecated)
        if length is not None:
            minLength = maxLength = None
        self.listCheck = listCheck
        self.itemCheck = itemCheck
        self.length = length
        self.minLength = minLength
        self.maxLength = maxLength

    def _cast(self, config: Any, value: Any) -> List | None:
        if value is None:
            return None
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            what = "a string is never split into items" if isinstance(value, str) else ""
            msg = (f"Value {value!r} is of incorrect type {type(value).__name__}; expected a "
                   f"sequence of {self.dtype.__name__}{' (' + what + ')' if what else ''}")
            raise FieldValidationError(self, config, msg)
        return List(config, self, self._cast_items(config, list(value)))

    def _cast_items(self, config: Any, items: list) -> list:
        result = []
        for i, item in enumerate(items):
            try:
                item = coerce_scalar(item, self.dtype)
            except TypeError:
                msg = (f"Item at position {i} with value {item!r} is of incorrect type "
                       f"{type(item).__name__}; expected {self.dtype.__name__}")
                raise FieldValidationError(self, config, msg) from None
            if self.itemCheck is not None and not self.itemCheck(item):
                msg = f"Item at position {i} with value {item!r} is not a valid value"
                raise FieldValidationError(self, config, msg)
            result.append(item)
        return result

    def _validate_value(self, config: Any, value: List) -> None:
        n = len(value)
        if self.length is not None and n != self.length:
            msg = f"Required list length={self.length}, got length={n}"
            raise FieldValidationError(self, config, msg)
        if self.minLength is not None and n < self.minLength:
            msg = f"Minimum allowed list length={self.minLength}, got length={n}"
            raise FieldValidationError(self, config, msg)
        if self.maxLength is not None and n > self.maxLength:
            msg = f"Maximum allowed list length={self.maxLength}, got length={n}"
            raise FieldValidationError(self, config, msg)
        if self.listCheck is not None and not self.listCheck(list(value)):
            raise FieldValidationError(self, config, f"{list(value)!r} is not a valid value")

    def _history_value(self, value: List | None) -> list | None:
        return None if value is None else list(value)

    def _plain(self, value: Any) -> list | None:
        return None if value is None else list(value)
