"""`Field`: the descriptor for one scalar config value, and the base of every field kind."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

from .errors import FieldValidationError
from .history import HistoryEntry, current_label
from .locations import Location, user_location, user_stacklevel
from .pyrepr import value_repr, values_equal
from .scalars import SCALAR_TYPES, coerce_scalar

Diff = tuple[str, Any, Any]


def doc_comment(doc: str) -> str:
    """Return ``doc`` as ``#`` comment lines (with a trailing newline), or ``""``."""
    lines = [line.rstrip() for line in doc.strip().splitlines()]
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


def join_path(path: str | None, name: str) -> str:
    """Append an attribute name to a dotted path (None or "" for the root)."""
    return f"{path}.{name}" if path else name


class Field:
    """A typed config value: a descriptor declared as a `Config` class attribute.

    Parameters
    ----------
    doc : str
        What the value means; written as comments when the config is saved.
    dtype : type
        ``str``, ``bool``, ``int``, ``float`` or ``complex``. ``True`` is not an int; ints are
        accepted by float fields; numpy scalars are accepted for their Python kind.
    default : object, optional
        The default value (checked when a config is constructed).
    check : callable, optional
        ``check(value) -> bool``; False makes the assignment fail.
    optional : bool, optional
        If False (default) `Config.validate` refuses None.
    deprecated : str, optional
        Why the field is deprecated and what to use instead; setting it warns
        (`FutureWarning`) and `Config.save` omits it while it holds its default.

    Raises
    ------
    ValueError
        If ``dtype`` is not supported.
    """

    supportedTypes: tuple[type, ...] = SCALAR_TYPES

    def __init__(self, doc: str, dtype: type | None = None, default: Any = None,
                 check: Callable[[Any], bool] | None = None, optional: bool = False,
                 deprecated: str | None = None):
        if not isinstance(doc, str):
            msg = f"{type(self).__name__}: doc must be a str (the first argument), not {doc!r}"
            raise TypeError(msg)
        if dtype is not None and self.supportedTypes and dtype not in self.supportedTypes:
            names = ", ".join(t.__name__ for t in self.supportedTypes)
            msg = f"Unsupported {type(self).__name__} dtype {dtype!r}; use one of {names}"
            raise ValueError(msg)
        self.dtype = dtype
        self.default = default
        self.check = check
        self.optional = optional
        self.deprecated = deprecated
        self.doc = doc if deprecated is None else f"{doc} Deprecated: {deprecated}"
        self.name: str | None = None
        self.source: Location | None = user_location()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __deepcopy__(self, memo: dict) -> Field:
        return self

    def full_name(self, config: Any) -> str:
        """Dotted name of this field inside ``config``'s tree (no ``config.`` prefix)."""
        return join_path(config._name, self.name)

    # -- descriptor protocol -------------------------------------------------------------
    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance._storage[self.name]

    def __set__(self, instance: Any, value: Any, at: Location | None = None,
                label: str | None = None) -> None:
        self._check_writable(instance)
        stored = self._cast(instance, value)
        self._warn_if_deprecated(instance, label)
        instance._storage[self.name] = stored
        self._record(instance, self._history_value(stored), at, label)

    def __delete__(self, instance: Any) -> None:
        self.__set__(instance, None, label=current_label("deletion"))

    # -- helpers for subclasses --------------------------------------------------------------
    def _check_writable(self, config: Any) -> None:
        if config._frozen:
            raise FieldValidationError(self, config, "cannot modify a frozen Config")

    def _record(self, config: Any, value: Any, at: Location | None = None,
                label: str | None = None) -> None:
        location = at if at is not None else user_location()
        entry = HistoryEntry(value, location, label if label is not None else current_label())
        config._history.setdefault(self.name, []).append(entry)

    def _warn_if_deprecated(self, config: Any, label: str | None) -> None:
        if self.deprecated is not None and label != "default":
            msg = f"Config field {self.full_name(config)!r} is deprecated: {self.deprecated}"
            warnings.warn(msg, FutureWarning, stacklevel=user_stacklevel())

    def _history_value(self, value: Any) -> Any:
        return value

    # -- value checks ------------------------------------------------------------------------
    def _cast(self, config: Any, value: Any) -> Any:
        """Return the value to store, or raise `FieldValidationError`."""
        if value is None:
            return None
        try:
            value = coerce_scalar(value, self.dtype)
        except TypeError as err:
            raise FieldValidationError(self, config, str(err)) from None
        self._check_value(config, value)
        return value

    def _check_value(self, config: Any, value: Any) -> None:
        if self.check is not None and not self.check(value):
            raise FieldValidationError(self, config, f"Value {value!r} is not a valid value")

    def _validate(self, config: Any) -> None:
        """Check the stored value (called by `Config.validate`)."""
        value = config._storage[self.name]
        if value is None:
            if not self.optional:
                raise FieldValidationError(self, config, "Required value cannot be None")
            return
        self._validate_value(config, value)

    def _validate_value(self, config: Any, value: Any) -> None:
        self._check_value(config, value)

    # -- tree operations used by Config --------------------------------------------------------
    def _setup(self, config: Any) -> None:
        """Store the default in a new config."""
        config._storage[self.name] = None
        self.__set__(config, self.default, at=self.source, label="default")

    def _is_default(self, config: Any) -> bool:
        return values_equal(self._plain(config._storage[self.name]), self._plain(self.default))

    def _plain(self, value: Any) -> Any:
        return value

    def _save(self, config: Any, path: str | None, root: str) -> Iterator[tuple[str, str]]:
        """Yield (dotted name, chunk text) for the saved config file."""
        if self.deprecated is not None and self._is_default(config):
            return
        name = join_path(path, self.name)
        value = self._plain(config._storage[self.name])
        yield name, f"{doc_comment(self.doc)}{root}.{name}={value_repr(value)}"

    def _to_dict(self, config: Any) -> Any:
        return self._plain(config._storage[self.name])

    def _compare(self, this: Any, other: Any, path: str | None) -> list[Diff]:
        a = self._plain(this._storage[self.name])
        b = self._plain(other._storage[self.name])
        if values_equal(a, b):
            return []
        return [(join_path(path, self.name), a, b)]

    def _copy(self, source: Any, target: Any, label: str) -> None:
        """Assign ``source``'s value of this field to ``target``."""
        self.__set__(target, self._plain(source._storage[self.name]), label=label)

    def _sub_configs(self, config: Any) -> Iterator[Any]:
        """Yield the configs nested in this field's value."""
        return iter(())

    def _modules(self, config: Any) -> Iterator[str]:
        """Yield the modules a saved file must import for this field."""
        return iter(())
