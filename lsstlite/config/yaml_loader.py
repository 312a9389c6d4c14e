"""Applying YAML override files (nested mappings) to a config.

A YAML override file is a mapping that mirrors the config tree::

    detection:
      thresholdValue: 5.0          # scalar fields take YAML scalars
      includeThresholdMultiplier: 1.0
    doVariance: true
    badMaskPlanes: [BAD, SAT]      # ListField: a YAML list (or "BAD,SAT")
    gains: {a: 1.0}                # DictField: a YAML mapping
    gain: nan                      # strings are parsed like -c values for typed fields
    charImage:
      detection:
        retarget: pkg.module.OtherDetectionTask   # ConfigurableField: retarget first ...
        thresholdValue: 4.0                      # ... then set its fields
    psfDeterminer:                 # RegistryField / ConfigChoiceField
      name: pca                    # selection (``names: [a, b]`` for multi selection)
      values:                      # configure any choice by name
        pca: {nEigenComponents: 3}
    plugins: [base_SdssCentroid, base_PsfFlux]   # shorthand: the selection only
    apertures:                     # ConfigDictField: key -> fields of the item
      a: {radius: 3.0}

``retarget`` may also be a mapping ``{target: pkg.mod.Task, ConfigClass: pkg.mod.Config}``.
Unknown names raise `UnknownFieldError` with suggestions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import Config
from .config_choice_field import ConfigChoiceField
from .config_dict_field import ConfigDictField
from .config_field import ConfigField
from .configurable_field import ConfigurableField
from .dict_field import DictField
from .errors import ConfigError
from .field import join_path
from .history import history_label
from .imports import import_object
from .list_field import ListField
from .overrides import parse_for_field


def load_yaml_file(config: Config, path: str, label: str) -> None:
    """Apply the YAML override file ``path`` to ``config``."""
    import yaml

    with open(path, encoding="utf-8") as stream:
        try:
            data = yaml.safe_load(stream)
        except yaml.YAMLError as err:
            msg = f"cannot read YAML config file {path!r}: {err}".replace("\n", " ")
            raise ConfigError(msg) from None
    if data is None:
        return
    if not isinstance(data, Mapping):
        msg = f"YAML config file {path!r} must hold a mapping of field names, not {type(data).__name__}"
        raise ConfigError(msg)
    with history_label(label):
        apply_mapping(config, data)


def apply_mapping(config: Config, data: Mapping[str, Any]) -> None:
    """Apply a nested mapping of field values to ``config`` (the YAML override format).

    Parameters
    ----------
    config : `Config`
        The config to change.
    data : mapping
        Field name -> value or nested mapping, as described in the module docstring.
    """
    for name, value in data.items():
        field = type(config)._fields.get(name)
        if field is None:
            raise config._unknown(str(name))
        full = join_path(config._name, name)
        if isinstance(field, ConfigurableField):
            _apply_configurable(config, name, _mapping(value, full))
        elif isinstance(field, ConfigField):
            apply_mapping(getattr(config, name), _mapping(value, full))
        elif isinstance(field, ConfigChoiceField):
            _apply_choice(config, name, field, value, full)
        elif isinstance(field, ConfigDictField):
            _apply_config_dict(config, name, field, value, full)
        else:
            if isinstance(value, str) and (field.dtype is not str or isinstance(field, (ListField, DictField))):
                value = _parse_text(field, value, full)
            setattr(config, name, value)


def _parse_text(field: Any, text: str, full: str) -> Any:
    try:
        return parse_for_field(field, text)
    except ValueError as err:
        msg = f"cannot parse {text!r} as a value for {full!r}: {err}"
        raise ConfigError(msg) from None


def _mapping(value: Any, full: str) -> Mapping:
    if not isinstance(value, Mapping):
        msg = f"{full!r} is a nested config: expected a mapping of its fields, got {value!r}"
        raise ConfigError(msg)
    return value


def _apply_configurable(config: Config, name: str, data: Mapping) -> None:
    instance = getattr(config, name)
    data = dict(data)
    retarget = data.pop("retarget", None)
    if isinstance(retarget, Mapping):
        ConfigClass = retarget.get("ConfigClass")
        instance.retarget(import_object(retarget["target"]),
                          import_object(ConfigClass) if ConfigClass else None)
    elif retarget is not None:
        instance.retarget(import_object(retarget))
    apply_mapping(instance.value, data)


def _apply_choice(config: Config, name: str, field: ConfigChoiceField, value: Any, full: str) -> None:
    instance = getattr(config, name)
    if not isinstance(value, Mapping) or not set(value) <= {"name", "names", "values"}:
        if isinstance(value, str):
            value = _parse_text(field, value, full)
        setattr(config, name, value)
        return
    for key, sub in _mapping(value.get("values", {}), f"{full}.values").items():
        apply_mapping(instance[key], _mapping(sub, f"{full}[{key!r}]"))
    for attribute in ("name", "names"):
        if attribute in value:
            setattr(instance, attribute, value[attribute])


def _apply_config_dict(config: Config, name: str, field: ConfigDictField, value: Any, full: str) -> None:
    if value is None:
        setattr(config, name, None)
        return
    items = getattr(config, name)
    if items is None:
        setattr(config, name, {})
        items = getattr(config, name)
    for key, sub in _mapping(value, full).items():
        if key not in items:
            items[key] = field.itemtype
        apply_mapping(items[key], _mapping(sub, f"{full}[{key!r}]"))
