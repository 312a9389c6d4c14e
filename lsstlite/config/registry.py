"""`Registry` of named configurables and `RegistryField`, a choice among them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .config import Config
from .config_choice_field import ConfigChoiceField, ConfigInstanceDict
from .errors import FieldValidationError


class Registry(Mapping):
    """Name -> configurable (a class or function taking ``config=``, with a ConfigClass).

    Parameters
    ----------
    configBaseType : type, optional
        Every registered ConfigClass must subclass it (default `Config`).

    Notes
    -----
    ``registry[name]`` is the registered target; `getConfigClass` its config class.
    """

    def __init__(self, configBaseType: type = Config):
        if not (isinstance(configBaseType, type) and issubclass(configBaseType, Config)):
            msg = f"configBaseType must be a Config subclass, not {configBaseType!r}"
            raise TypeError(msg)
        self.configBaseType = configBaseType
        self._entries: dict[str, tuple[Any, type]] = {}

    def register(self, name: str, target: Any = None, ConfigClass: type | None = None) -> Any:
        """Add ``target`` under ``name``; without ``target``, return a decorator that does.

        Parameters
        ----------
        name : str
            Registry name (what users select).
        target : class or callable, optional
            Called as ``target(*args, config=config, **kwargs)``.
        ConfigClass : type, optional
            Its config class; default ``target.ConfigClass``.

        Returns
        -------
        target : object
            ``target`` (or the decorator).

        Raises
        ------
        RuntimeError
            If another target is already registered under ``name``.
        TypeError
            If there is no ConfigClass or it does not subclass ``configBaseType``.
        """
        if target is None:
            def decorator(obj: Any) -> Any:
                return self.register(name, obj, ConfigClass)
            return decorator
        ConfigClass = ConfigClass if ConfigClass is not None else getattr(target, "ConfigClass", None)
        if not (isinstance(ConfigClass, type) and issubclass(ConfigClass, self.configBaseType)):
            msg = (f"cannot register {name!r}: ConfigClass {ConfigClass!r} is not a subclass "
                   f"of {self.configBaseType.__name__}")
            raise TypeError(msg)
        existing = self._entries.get(name)
        if existing is not None and not _same_object(existing[0], target):
            msg = f"An item with name {name!r} already exists"
            raise RuntimeError(msg)
        self._entries[name] = (target, ConfigClass)
        return target

    def __getitem__(self, name: str) -> Any:
        return self._entries[name][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def getConfigClass(self, name: str) -> type:
        """Return the config class registered with ``name``."""
        return self._entries[name][1]

    def makeField(self, doc: str, default: Any = None, optional: bool = False,
                  multi: bool = False, deprecated: str | None = None) -> RegistryField:
        """Return a `RegistryField` choosing among this registry's entries."""
        return RegistryField(doc, self, default=default, optional=optional, multi=multi,
                             deprecated=deprecated)

    def __deepcopy__(self, memo: dict) -> Registry:
        return self


def _same_object(a: Any, b: Any) -> bool:
    """Identity, or the same module-level name (a re-executed module re-registering)."""
    if a is b:
        return True
    names = [(getattr(x, "__module__", None), getattr(x, "__qualname__", None)) for x in (a, b)]
    return names[0] == names[1] and None not in names[0]


class RegistryTypemap(Mapping):
    """Live name -> ConfigClass view of a `Registry`."""

    def __init__(self, registry: Registry):
        self.registry = registry

    def __getitem__(self, name: str) -> type:
        return self.registry.getConfigClass(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.registry)

    def __len__(self) -> int:
        return len(self.registry)


class RegistryInstanceDict(ConfigInstanceDict):
    """The value of a `RegistryField`: a `ConfigInstanceDict` that can build its targets."""

    @property
    def registry(self) -> Registry:
        """The registry the choices come from."""
        return self._field.registry

    @property
    def target(self) -> Any:
        """The selected target (single selection)."""
        self._require(False, "target")
        return None if self._selection is None else self.registry[self._selection]

    @property
    def targets(self) -> list[Any]:
        """The selected targets, sorted by name (multi selection)."""
        self._require(True, "targets")
        return [self.registry[name] for name in self._selection]

    def apply(self, *args: Any, **kwargs: Any) -> Any:
        """Call the selected target(s) as ``target(*args, config=config, **kwargs)``.

        Returns
        -------
        result : object or list
            The result (single selection) or list of results in name order (multi).

        Raises
        ------
        FieldValidationError
            If nothing is selected.
        """
        if not self._selection:
            msg = f"No selection has been made. Options: {', '.join(self.types)}"
            raise FieldValidationError(self._field, self._config, msg)
        if self._field.multi:
            return [self.registry[n](*args, config=self[n], **kwargs) for n in self._selection]
        return self.registry[self._selection](*args, config=self.active, **kwargs)


class RegistryField(ConfigChoiceField):
    """A choice among the entries of a `Registry` (see `ConfigChoiceField`).

    Parameters
    ----------
    doc : str
        What is being chosen.
    registry : `Registry`
        The choices; entries registered later are available too.
    default : str or iterable of str, optional
        Default selection.
    optional : bool, optional
        Whether an empty selection passes `Config.validate`.
    multi : bool, optional
        Select several entries (``.names``) instead of one (``.name``).
    deprecated : str, optional
        See `Field`.
    """

    instanceDictClass = RegistryInstanceDict

    def __init__(self, doc: str, registry: Registry, default: Any = None, optional: bool = False,
                 multi: bool = False, deprecated: str | None = None):
        super().__init__(doc, RegistryTypemap(registry), default=default, optional=optional,
                         multi=multi, deprecated=deprecated)
        self.registry = registry

    def _modules(self, config: Config) -> Iterator[str]:
        instance = config._storage[self.name]
        selected = set(instance._selection or ()) if self.multi else {instance._selection}
        for name in (set(instance._dict) | selected) - {None}:
            module = getattr(self.registry.get(name), "__module__", None)
            if module is not None:
                yield module


def makeRegistry(doc: str, configBaseType: type = Config) -> Registry:
    """Return a new, empty `Registry` documented by ``doc``.

    Parameters
    ----------
    doc : str
        What the registry holds.
    configBaseType : type, optional
        Base class every registered ConfigClass must subclass.
    """
    registry = Registry(configBaseType)
    registry.__doc__ = doc
    return registry


def registerConfigurable(name: str, registry: Registry,
                         ConfigClass: type | None = None) -> Callable[[Any], Any]:
    """Decorator registering a class or function in ``registry`` under ``name``.

    Examples
    --------
    >>> @registerConfigurable("pca", psfDeterminerRegistry)  # doctest: +SKIP
    ... class PcaPsfDeterminerTask: ...
    """
    def decorator(target: Any) -> Any:
        registry.register(name, target, ConfigClass)
        return target
    return decorator


def registerConfig(name: str, registry: Registry, target: Any) -> Callable[[type], type]:
    """Decorator registering ``target`` under ``name`` with the decorated class as its ConfigClass."""
    def decorator(cls: type) -> type:
        registry.register(name, target, cls)
        return cls
    return decorator
