"""`ConfigurableField`: a sub-config together with the class (task) it configures."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

from .config import Config
from .errors import ConfigError, FieldValidationError
from .field import Diff, Field, doc_comment, join_path
from .history import Description, current_label
from .imports import describe, qualified_name
from .locations import Location, user_stacklevel


def _config_class_of(target: Any, ConfigClass: type | None) -> type:
    """Return the ConfigClass to use for ``target`` or raise `ConfigError`."""
    if not callable(target) or not hasattr(target, "__module__") or not hasattr(target, "__name__"):
        msg = f"target {target!r} must be a class or function defined at module level"
        raise ConfigError(msg)
    ConfigClass = ConfigClass if ConfigClass is not None else getattr(target, "ConfigClass", None)
    if ConfigClass is None:
        msg = f"target {target.__module__}.{target.__name__} has no ConfigClass; pass ConfigClass="
        raise ConfigError(msg)
    if not (isinstance(ConfigClass, type) and issubclass(ConfigClass, Config)):
        msg = f"ConfigClass {ConfigClass!r} of {target.__name__} is not a Config subclass"
        raise ConfigError(msg)
    return ConfigClass


def _copy_overrides(source: Config, target: Config, baseline: Config) -> None:
    """Copy into ``target`` the fields where ``source`` differs from ``baseline``."""
    from .config_field import ConfigField

    fields = type(target)._fields
    for name, field in type(source)._fields.items():
        if name not in fields:
            continue
        if isinstance(field, ConfigField) and isinstance(fields[name], ConfigField):
            _copy_overrides(source._storage[name], target._storage[name], baseline._storage[name])
        elif field._compare(source, baseline, None):
            fields[name]._copy(source, target, "retarget")
            target._history[name] = list(source._history.get(name, [])) + target._history.get(name, [])[-1:]


class ConfigurableInstance:
    """The value of a `ConfigurableField`: a target plus its config.

    Attribute reads and writes other than ``target``, ``ConfigClass``, ``value``,
    ``retarget`` and ``apply`` go to the wrapped config, so ``config.detection.thresholdValue``
    works as for a `ConfigField`.
    """

    def __init__(self, config: Config, field: ConfigurableField, target: Any, ConfigClass: type):
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_field", field)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_value", ConfigClass._create(field.full_name(config)))

    @property
    def target(self) -> Any:
        """The class or function configured (called by `apply`)."""
        return self._target

    @property
    def ConfigClass(self) -> type:
        """Type of the wrapped config."""
        return type(self._value)

    @property
    def value(self) -> Config:
        """The wrapped config."""
        return self._value

    def apply(self, *args: Any, **kwargs: Any) -> Any:
        """Call ``target(*args, config=self.value, **kwargs)`` and return the result."""
        return self._target(*args, config=self._value, **kwargs)

    def retarget(self, target: Any, ConfigClass: type | None = None) -> None:
        """Configure a different target.

        Parameters
        ----------
        target : class or callable
            The new target.
        ConfigClass : type, optional
            Its config class; default ``target.ConfigClass``.

        Notes
        -----
        If the new ConfigClass is the current one or a subclass of it, the overrides already
        made are kept (fields that differ from the defaults are copied into the new
        config). Otherwise the config starts from the new defaults, and a `UserWarning` lists
        the overrides discarded.
        """
        field, config = self._field, self._config
        field._check_writable(config)
        try:
            new_class = _config_class_of(target, ConfigClass)
        except ConfigError as err:
            raise FieldValidationError(field, config, str(err)) from None
        old = self._value
        if new_class is not type(old):
            new = new_class._create(old._name)
            baseline = type(old)._create(old._name)
            lost = old._compare_tree(baseline, None)
            if issubclass(new_class, type(old)):
                _copy_overrides(old, new, baseline)
            elif lost:
                names = ", ".join(name for name, _, _ in lost)
                msg = (f"retargeting '{field.full_name(config)}' to {describe(target)}: "
                       f"{new_class.__name__} is not a subclass of {type(old).__name__}, so "
                       f"earlier overrides are discarded: {names}")
                warnings.warn(msg, UserWarning, stacklevel=user_stacklevel())
            object.__setattr__(self, "_value", new)
        object.__setattr__(self, "_target", target)
        field._record(config, Description(field._retarget_text(self, describe)),
                      label=current_label("retarget"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._value, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._value, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._value, name)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(type(self))) | set(type(self._value)._fields))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} target={self._target.__name__} value={self._value!r}>"


class ConfigurableField(Field):
    """A sub-config together with the target (usually a `Task`) it configures.

    Parameters
    ----------
    doc : str
        What the target does.
    target : class or callable
        Default target; called as ``target(*args, config=subconfig, **kwargs)`` by ``apply``.
    ConfigClass : type, optional
        Config class; default ``target.ConfigClass``.
    default : `Config`, optional
        An instance of ConfigClass whose values are copied into the new sub-config.
    check : callable, optional
        ``check(subconfig) -> bool``, applied by `Config.validate`.
    deprecated : str, optional
        See `Field`.

    Notes
    -----
    The value is a `ConfigurableInstance`. Saved files write
    ``config.name.retarget(target=mod.Task, ConfigClass=mod.TaskConfig)`` when the target is
    not the default, then the sub-config's values.
    """

    supportedTypes = ()

    def __init__(self, doc: str, target: Any, ConfigClass: type | None = None,
                 default: Config | None = None, check: Callable[[Any], bool] | None = None,
                 deprecated: str | None = None):
        ConfigClass = _config_class_of(target, ConfigClass)
        if default is not None and not isinstance(default, ConfigClass):
            msg = f"ConfigurableField default must be an instance of {ConfigClass.__name__}"
            raise ValueError(msg)
        super().__init__(doc, ConfigClass, default=default, check=check, optional=False,
                         deprecated=deprecated)
        self.target = target
        self.ConfigClass = ConfigClass

    def _setup(self, config: Config) -> None:
        instance = ConfigurableInstance(config, self, self.target, self.ConfigClass)
        config._storage[self.name] = instance
        if self.default is not None:
            instance.value._copy_from(self.default, "default")

    def __set__(self, instance: Config, value: Any, at: Location | None = None,
                label: str | None = None) -> None:
        self._check_writable(instance)
        current = instance._storage[self.name]
        if isinstance(value, ConfigurableInstance):
            if value is current:
                return
            self._warn_if_deprecated(instance, label)
            current.retarget(value.target, value.ConfigClass)
            current.value._copy_from(value.value, label or "assignment")
            return
        if value is current.ConfigClass:
            value = current.ConfigClass()
        if type(value) is not current.ConfigClass:
            msg = (f"Value {value!r} is of incorrect type {type(value).__name__}; expected "
                   f"{current.ConfigClass.__name__} (use .retarget() to change the target)")
            raise FieldValidationError(self, instance, msg)
        self._warn_if_deprecated(instance, label)
        current.value._copy_from(value, label or "assignment")

    def _retarget_text(self, instance: ConfigurableInstance, name: Callable = qualified_name) -> str:
        return f"retarget(target={name(instance.target)}, ConfigClass={name(instance.ConfigClass)})"

    def _validate(self, config: Config) -> None:
        value = config._storage[self.name].value
        value.validate()
        if self.check is not None and not self.check(value):
            raise FieldValidationError(self, config, f"{value!r} is not a valid value")

    def _is_default(self, config: Config) -> bool:
        return False

    def _save(self, config: Config, path: str | None, root: str) -> Iterator[tuple[str, str]]:
        instance = config._storage[self.name]
        name = join_path(path, self.name)
        if instance.target is not self.target or instance.ConfigClass is not self.ConfigClass:
            yield name, f"{doc_comment(self.doc)}{root}.{name}.{self._retarget_text(instance)}"
        yield from instance.value._iter_chunks(name, root)

    def _to_dict(self, config: Config) -> dict:
        return config._storage[self.name].value.toDict()

    def _compare(self, this: Config, other: Config, path: str | None) -> list[Diff]:
        a, b = this._storage[self.name], other._storage[self.name]
        name = join_path(path, self.name)
        if a.target is not b.target:
            diffs = [(name, describe(a.target), describe(b.target))]
            if a.ConfigClass is not b.ConfigClass:
                return diffs
        elif a.ConfigClass is not b.ConfigClass:
            return [(name, describe(a.ConfigClass), describe(b.ConfigClass))]
        else:
            diffs = []
        return diffs + a.value._compare_tree(b.value, name)

    def _copy(self, source: Config, target: Config, label: str) -> None:
        self.__set__(target, source._storage[self.name], label=label)

    def _sub_configs(self, config: Config) -> Iterator[Config]:
        yield config._storage[self.name].value

    def _modules(self, config: Config) -> Iterator[str]:
        instance = config._storage[self.name]
        yield instance.target.__module__
        yield instance.ConfigClass.__module__

