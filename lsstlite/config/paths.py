"""Dotted config paths with index syntax: ``a.b``, ``plugins['x'].radius``, ``sel.active.x``."""

from __future__ import annotations

import ast
from typing import Any

from .errors import ConfigError

Token = tuple[str, Any]


def parse_path(text: str) -> list[Token]:
    """Split a dotted path into ``("attr", name)`` and ``("item", key)`` tokens.

    Parameters
    ----------
    text : str
        E.g. ``"plugins['base_PsfFlux'].radius"``; an item key is a Python literal or a bare
        word (read as a string).

    Returns
    -------
    tokens : list of (str, object)

    Raises
    ------
    ConfigError
        If the path is malformed.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    expect_name = True
    while i < n:
        char = text[i]
        if char == "[":
            end = _closing_bracket(text, i)
            tokens.append(("item", _parse_key(text[i + 1:end].strip(), text)))
            i = end + 1
            expect_name = False
        elif char == ".":
            if expect_name:
                break
            i += 1
            expect_name = True
        elif expect_name and (char.isalpha() or char == "_"):
            start = i
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(("attr", text[start:i]))
            expect_name = False
        else:
            break
    if i < n or not tokens or expect_name:
        msg = f"invalid config name {text!r}: expected names like 'a.b' or \"plugins['x'].radius\""
        raise ConfigError(msg)
    return tokens


def _closing_bracket(text: str, start: int) -> int:
    quote = None
    for i in range(start + 1, len(text)):
        char = text[i]
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "]":
            return i
    msg = f"invalid config name {text!r}: unclosed '['"
    raise ConfigError(msg)


def _parse_key(key_text: str, text: str) -> Any:
    if not key_text:
        msg = f"invalid config name {text!r}: empty []"
        raise ConfigError(msg)
    try:
        return ast.literal_eval(key_text)
    except (ValueError, SyntaxError):
        return key_text


def format_path(tokens: list[Token]) -> str:
    """Inverse of `parse_path`."""
    text = ""
    for kind, value in tokens:
        text += f"[{value!r}]" if kind == "item" else (f".{value}" if text else value)
    return text


def walk(config: Any, tokens: list[Token]) -> Any:
    """Follow ``tokens`` from ``config`` with attribute and item access."""
    obj = config
    for i, (kind, value) in enumerate(tokens):
        if kind == "attr":
            obj = getattr(obj, value)
        else:
            try:
                obj = obj[value]
            except TypeError:
                msg = f"{format_path(tokens[:i])!r} cannot be indexed"
                raise ConfigError(msg) from None
    return obj


def resolve_field(config: Any, name: str) -> tuple[Any, Any]:
    """Return (owning config, field) for a dotted name.

    Parameters
    ----------
    config : `Config`
        The root of the lookup.
    name : str
        Dotted name, e.g. ``"a.b"``, ``"plugins['x'].radius"``, ``"plugins.names"``.

    Returns
    -------
    owner : `Config`
        The config that stores the value and its history.
    field : `Field`
        The field.

    Raises
    ------
    UnknownFieldError, ConfigError
        If the name does not lead to a field.
    """
    from .config import Config
    from .config_choice_field import ConfigInstanceDict
    from .config_dict_field import ConfigDict
    from .configurable_field import ConfigurableInstance

    tokens = parse_path(name)
    kind, attr = tokens[-1]
    parent = walk(config, tokens[:-1])
    if isinstance(parent, ConfigurableInstance):
        parent = parent.value
    if kind == "attr" and isinstance(parent, Config):
        field = type(parent)._fields.get(attr)
        if field is None:
            raise parent._unknown(attr)
        return parent, field
    if kind == "attr" and isinstance(parent, ConfigInstanceDict) and attr in ("name", "names"):
        return parent._config, parent._field
    if kind == "item" and isinstance(parent, ConfigDict):
        return parent._config, parent._field
    msg = f"{name!r} does not name a config field"
    raise ConfigError(msg)
