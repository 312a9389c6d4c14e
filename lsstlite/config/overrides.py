"""``NAME=VALUE`` overrides (``-c`` on the command line), parsed by the field's type.

Values are never passed to `eval`; literals in brackets or braces go through
`ast.literal_eval`.

=========================  ============================================================
field kind                 accepted VALUE text
=========================  ============================================================
bool                       ``True False true false yes no 1 0`` (any case; ``on``/``off``)
int                        ``3``, ``-87``, ``07``, ``0x1f``, ``1e3`` (integral floats only)
float                      ``2``, ``1.5``, ``1e3``, ``nan``, ``inf``, ``-inf``
str                        as given; ``'quoted'`` text is unquoted
any optional field         ``None``
ListField                  ``a,b,c`` or ``[a, b]`` or ``['a', 'b']`` (never split into chars)
DictField                  ``k=v,k2=v2`` or ``{'k': v}``
Registry/ConfigChoice      ``name.names=a,b``, ``name.name=x``, ``name=x``
ConfigurableField          ``name.retarget=package.module.Task``
=========================  ============================================================

Names may index registry choices and dict items: ``plugins['x'].radius=3``,
``name.active.x=1``.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from .config import Config
from .config_choice_field import ConfigChoiceField, ConfigInstanceDict
from .config_dict_field import ConfigDictField
from .config_field import ConfigField
from .configurable_field import ConfigurableField, ConfigurableInstance
from .dict_field import Dict, DictField
from .errors import ConfigError
from .field import Field
from .history import history_label
from .imports import import_object
from .list_field import List, ListField
from .paths import parse_path, walk

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def apply_override(config: Config, override: str, label: str = "command line") -> None:
    """Apply one ``NAME=VALUE`` override to ``config``.

    Parameters
    ----------
    config : `Config`
        The root config.
    override : str
        E.g. ``"detection.thresholdValue=5"``, ``"plugins.names=a,b"``,
        ``"plugins['x'].radius=3"``; see the module docstring for the value syntax.
    label : str, optional
        History label of the assignment.

    Raises
    ------
    UnknownFieldError
        If the name does not exist (with "did you mean ..." suggestions).
    ConfigError
        If the text is malformed or the value cannot be parsed for the field.
    FieldValidationError
        If the field refuses the parsed value.
    """
    name, text = split_override(override)
    tokens = parse_path(name)
    kind, attr = tokens[-1]
    parent = walk(config, tokens[:-1])
    with history_label(label):
        if isinstance(parent, ConfigurableInstance):
            if kind == "attr" and attr == "retarget":
                parent.retarget(import_object(text.strip()))
                return
            parent = parent.value
        if kind == "attr" and isinstance(parent, Config):
            field = type(parent)._fields.get(attr)
            if field is None:
                raise parent._unknown(attr)
            setattr(parent, attr, _parse(lambda: parse_for_field(field, text), text, name))
        elif kind == "attr" and isinstance(parent, ConfigInstanceDict) and attr in ("name", "names"):
            value = _parse(lambda: parse_selection(text, multi=attr == "names"), text, name)
            setattr(parent, attr, value)
        elif kind == "item" and isinstance(parent, Dict):
            field = parent._field
            parent[attr] = _parse(lambda: parse_scalar(text, field.itemtype or _any_scalar), text, name)
        elif kind == "item" and isinstance(parent, List):
            parent[attr] = _parse(lambda: parse_scalar(text, parent._field.dtype), text, name)
        else:
            msg = f"cannot set {name!r}: it does not name a config field"
            raise ConfigError(msg)


def split_override(override: str) -> tuple[str, str]:
    """Split ``NAME=VALUE`` at the first ``=`` outside brackets and quotes."""
    depth, quote = 0, None
    for i, char in enumerate(override):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "=" and depth == 0:
            name = override[:i].strip()
            if name:
                return name, override[i + 1:]
            break
    msg = f"override {override!r} must be in the form name=value"
    raise ConfigError(msg)


def _parse(parse: Any, text: str, name: str) -> Any:
    try:
        return parse()
    except ValueError as err:
        msg = f"cannot parse {text!r} as a value for {name!r}: {err}"
        raise ConfigError(msg) from None


def parse_for_field(field: Field, text: str) -> Any:
    """Parse override text for ``field``; raise `ValueError` with the reason."""
    if isinstance(field, ConfigChoiceField):
        return parse_selection(text, field.multi)
    if isinstance(field, ConfigurableField):
        msg = "it configures a subtask; set its fields, or retarget with NAME.retarget=module.Class"
        raise ValueError(msg)
    if isinstance(field, (ConfigField, ConfigDictField)):
        msg = "it is a nested config; set its fields (NAME.field=value)"
        raise ValueError(msg)
    if isinstance(field, ListField):
        return parse_list(text, field.dtype)
    if isinstance(field, DictField):
        return parse_dict(text, field.keytype, field.itemtype or _any_scalar)
    return parse_scalar(text, field.dtype)


def parse_scalar(text: str, dtype: Any) -> Any:
    """Parse one value of type ``dtype`` (``None`` gives None)."""
    stripped = text.strip()
    if stripped == "None":
        return None
    if dtype is str:
        return _unquote(text)
    if dtype is _any_scalar:
        return dtype(stripped)
    if dtype is bool:
        if stripped.lower() in _TRUE:
            return True
        if stripped.lower() in _FALSE:
            return False
        msg = "expected a bool (True/False, true/false, yes/no, 1/0)"
        raise ValueError(msg)
    if dtype is int:
        return _parse_int(stripped)
    if dtype is float:
        try:
            return float(stripped)
        except ValueError:
            msg = "expected a float (e.g. 2, 1.5, 1e3, nan, inf, -inf)"
            raise ValueError(msg) from None
    if dtype is complex:
        try:
            return complex(stripped.replace(" ", ""))
        except ValueError:
            msg = "expected a complex number (e.g. 1+2j)"
            raise ValueError(msg) from None
    msg = f"unsupported type {dtype!r}"
    raise ValueError(msg)


def _parse_int(text: str) -> int:
    for base in (10, 0):
        try:
            return int(text, base)
        except ValueError:
            pass
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number) and number == int(number):
        return int(number)
    msg = "expected an int (e.g. 3, -87, 1e3)"
    raise ValueError(msg)


def _unquote(text: str) -> str:
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            return text
        if isinstance(value, str):
            return value
    return text


def _any_scalar(text: str) -> Any:
    """A Python literal if the text is one (``1``, ``2.5``, ``True``, ``'a'``), else the text."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, (str, bool, int, float, complex)) else text


def _split_items(text: str, separator: str = ",") -> list[str]:
    """Split at separators outside quotes and brackets; a trailing separator is ignored."""
    items, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        elif char == separator and depth == 0:
            items.append(text[start:i])
            start = i + 1
    last = text[start:]
    if last.strip() or not items:
        items.append(last)
    return items


def parse_list(text: str, dtype: type) -> list | None:
    """Parse ``a,b,c``, ``[a, b]`` or a list literal into a list of ``dtype`` items."""
    stripped = text.strip()
    if stripped == "None":
        return None
    if stripped[:1] in "[(" and stripped[-1:] in "])":
        try:
            literal = ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            literal = None
        if isinstance(literal, (list, tuple)):
            return [parse_scalar(item, dtype) if isinstance(item, str) and dtype is not str
                    else item for item in literal]
        stripped = stripped[1:-1]
    if not stripped.strip():
        return []
    return [parse_scalar(item.strip(), dtype) if dtype is not str else _unquote(item.strip())
            for item in _split_items(stripped)]


def parse_dict(text: str, keytype: Any, itemtype: Any) -> dict | None:
    """Parse ``k=v,k2=v2`` or a dict literal, keys as ``keytype``, values as ``itemtype``."""
    stripped = text.strip()
    if stripped == "None":
        return None
    if stripped.startswith("{"):
        try:
            literal = ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            msg = "expected a mapping like {'k': 1} or k=1,k2=2"
            raise ValueError(msg) from None
        if not isinstance(literal, dict):
            msg = "expected a mapping like {'k': 1} or k=1,k2=2"
            raise ValueError(msg)
        return {_convert(k, keytype): _convert(v, itemtype) for k, v in literal.items()}
    result = {}
    for item in _split_items(stripped) if stripped else []:
        key, sep, value = item.partition("=")
        if not sep:
            msg = f"item {item.strip()!r} is not of the form key=value"
            raise ValueError(msg)
        result[parse_scalar(key.strip(), keytype)] = parse_scalar(value.strip(), itemtype)
    return result


def _convert(value: Any, dtype: Any) -> Any:
    if isinstance(value, str) and dtype is not str and dtype is not _any_scalar:
        return parse_scalar(value, dtype)
    return value


def parse_selection(text: str, multi: bool) -> Any:
    """Parse a registry / choice selection: a list of names (multi) or one name or None."""
    if multi:
        return parse_list(text, str)
    value = _unquote(text.strip())
    return None if value == "None" else value
