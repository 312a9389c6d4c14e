"""`ConfigField`: a nested `Config` held by a parent config."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .config import Config
from .errors import FieldValidationError
from .field import Diff, Field, join_path
from .locations import Location


class ConfigField(Field):
    """A nested config of type ``dtype``; the sub-config object is created once and kept.

    Parameters
    ----------
    doc : str
        What the nested config configures.
    dtype : type
        A `Config` subclass.
    default : `Config`, optional
        An instance of ``dtype`` whose values are copied into the new sub-config.
    check : callable, optional
        ``check(subconfig) -> bool``, applied by `Config.validate`.
    deprecated : str, optional
        See `Field`.

    Notes
    -----
    Assigning an instance of ``dtype`` copies its values into the existing sub-config;
    assigning the class ``dtype`` resets the sub-config to its defaults.
    """

    supportedTypes = ()

    def __init__(self, doc: str, dtype: type, default: Config | None = None,
                 check: Callable[[Any], bool] | None = None, deprecated: str | None = None):
        if not (isinstance(dtype, type) and issubclass(dtype, Config)):
            msg = f"ConfigField dtype must be a Config subclass, not {dtype!r}"
            raise ValueError(msg)
        if default is not None and type(default) is not dtype:
            msg = f"ConfigField default must be an instance of {dtype.__name__}, not {default!r}"
            raise ValueError(msg)
        super().__init__(doc, dtype, default=default, check=check, optional=False,
                         deprecated=deprecated)

    def _setup(self, config: Config) -> None:
        sub = self.dtype._create(self.full_name(config))
        config._storage[self.name] = sub
        if self.default is not None:
            sub._copy_from(self.default, "default")

    def __set__(self, instance: Config, value: Any, at: Location | None = None,
                label: str | None = None) -> None:
        self._check_writable(instance)
        sub = instance._storage[self.name]
        if value is self.dtype:
            value = self.dtype()
        elif type(value) is not self.dtype:
            msg = (f"Value {value!r} is of incorrect type {type(value).__name__}; expected "
                   f"{self.dtype.__name__}")
            raise FieldValidationError(self, instance, msg)
        self._warn_if_deprecated(instance, label)
        if value is not sub:
            sub._copy_from(value, label if label is not None else "assignment")

    def _validate(self, config: Config) -> None:
        sub = config._storage[self.name]
        sub.validate()
        if self.check is not None and not self.check(sub):
            raise FieldValidationError(self, config, f"{sub!r} is not a valid value")

    def _is_default(self, config: Config) -> bool:
        return False

    def _save(self, config: Config, path: str | None, root: str) -> Iterator[tuple[str, str]]:
        yield from config._storage[self.name]._iter_chunks(join_path(path, self.name), root)

    def _to_dict(self, config: Config) -> dict:
        return config._storage[self.name].toDict()

    def _compare(self, this: Config, other: Config, path: str | None) -> list[Diff]:
        return this._storage[self.name]._compare_tree(other._storage[self.name],
                                                      join_path(path, self.name))

    def _copy(self, source: Config, target: Config, label: str) -> None:
        target._storage[self.name]._copy_from(source._storage[self.name], label)

    def _sub_configs(self, config: Config) -> Iterator[Config]:
        yield config._storage[self.name]
