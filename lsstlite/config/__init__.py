"""pex_config-style configuration: typed, documented, validated, history-tracking config trees.

A `Config` subclass declares its values as fields (`Field`, `RangeField`, `ChoiceField`,
`ListField`, `DictField`, `ConfigField`, `ConfigurableField`, `RegistryField`,
`ConfigChoiceField`, `ConfigDictField`). Configs are saved as Python override files
(`Config.save`), loaded from Python or YAML override files (`Config.load`) and changed from
the command line with `apply_override`. This package knows nothing about astronomy and
imports nothing else from lsstlite.
"""

from .config import Config
from .config_choice_field import ConfigChoiceField
from .config_dict_field import ConfigDictField
from .config_field import ConfigField
from .configurable_field import ConfigurableField
from .choice_field import ChoiceField
from .dict_field import DictField
from .errors import ConfigError, FieldValidationError, UnknownFieldError
from .field import Field
from .history import HistoryEntry
from .list_field import ListField
from .overrides import apply_override
from .persistence import iter_saved_chunks
from .range_field import RangeField
from .registry import Registry, RegistryField, makeRegistry, registerConfig, registerConfigurable

__all__ = [
    "ChoiceField",
    "Config",
    "ConfigChoiceField",
    "ConfigDictField",
    "ConfigError",
    "ConfigField",
    "ConfigurableField",
    "DictField",
    "Field",
    "FieldValidationError",
    "HistoryEntry",
    "ListField",
    "RangeField",
    "Registry",
    "RegistryField",
    "UnknownFieldError",
    "apply_override",
    "iter_saved_chunks",
    "makeRegistry",
    "registerConfig",
    "registerConfigurable",
]
