"""``--show config[=GLOB]``, ``--show history=GLOB`` and ``--show tasks``: read only the config.

Patterns are shell globs matched case-insensitively against the whole dotted field name
(``*detection*``, ``charImage.*.doSmooth``); a leading ``config.`` is ignored. Append
``:NOIGNORECASE`` to match case-sensitively.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["show_config", "show_config_items", "show_history", "show_tasks",
           "task_lines"]

def _matcher(pattern: str):
    case_sensitive = pattern.endswith(":NOIGNORECASE")
    if case_sensitive:
        pattern = pattern[: -len(":NOIGNORECASE")]
    if pattern.startswith("config."):
        pattern = pattern[len("config."):]
    regex = re.compile(fnmatch.translate(pattern), 0 if case_sensitive else re.IGNORECASE)
    return lambda name: regex.match(name) is not None


def show_config(config: Any, pattern: str | None, stream: TextIO) -> None:
    """Print the whole config in its saved form, or the chunks whose names match ``pattern``.

    Raises
    ------
    ValueError
        If ``pattern`` matches no field.
    """
    if pattern is None:
        config.saveToStream(stream)
        return
    from lsstlite.config import iter_saved_chunks

    matches = _matcher(pattern)
    selected = [text for name, text in iter_saved_chunks(config) if matches(name)]
    if not selected:
        msg = f"--show config={pattern}: no config field matches"
        raise ValueError(msg)
    for text in selected:
        stream.write(f"\n{text}\n")


def show_history(config: Any, pattern: str, stream: TextIO) -> None:
    """Print the history of every field whose name matches ``pattern``.

    Raises
    ------
    ValueError
        If ``pattern`` matches no field.
    """
    matches = _matcher(pattern)
    names = [name for name in config.names() if matches(name)]
    if not names:
        msg = f"--show history={pattern}: no config field matches"
        raise ValueError(msg)
    stream.write("\n\n".join(config.formatHistory(name) for name in names) + "\n")


def _is_task(target: Any) -> bool:
    from ..base import Task

    return isinstance(target, type) and issubclass(target, Task)


def _qualified(target: Any) -> str:
    return f"{target.__module__}.{target.__qualname__}"


def task_lines(config: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(subtask path, module.Class)`` for every subtask in the config tree.

    Covers `ConfigurableField` targets and the task classes selected in `RegistryField`
    (single selection: the field path; multiple: ``path['name']``), recursing into their configs
    and into `ConfigField`/`ConfigChoiceField` values.
    """
    from lsstlite.config import (Config, ConfigChoiceField, ConfigField, ConfigurableField,
                                 RegistryField)

    for name, field in type(config)._fields.items():
        full = f"{path}.{name}" if path else name
        value = getattr(config, name)
        if isinstance(field, ConfigurableField):
            yield full, _qualified(value.target)
            yield from task_lines(value.value, full)
        elif isinstance(field, RegistryField):
            selected = [value.name] if not field.multi else list(value.names)
            for key in selected:
                if key is None:
                    continue
                target = value.registry[key]
                sub = f"{full}['{key}']" if field.multi else full
                if _is_task(target):
                    yield sub, _qualified(target)
                yield from task_lines(value[key], sub)
        elif isinstance(field, ConfigChoiceField):
            selected = [value.name] if not field.multi else list(value.names)
            for key in selected:
                if key is not None:
                    yield from task_lines(value[key], f"{full}['{key}']")
        elif isinstance(field, ConfigField) and isinstance(value, Config):
            yield from task_lines(value, full)


def show_tasks(config: Any, stream: TextIO) -> None:
    """Print ``Subtasks:`` and one sorted ``path: module.Class`` line per subtask."""
    stream.write("Subtasks:\n")
    for path, target in sorted(task_lines(config)):
        stream.write(f"{path}: {target}\n")


def show_config_items(config: Any, items: list[str], stream: TextIO) -> None:
    """Print the ``config``, ``history`` and ``tasks`` items of ``--show``, in order.

    Raises
    ------
    ValueError
        If a pattern matches nothing.
    """
    for item in items:
        word, sep, pattern = item.partition("=")
        if word == "config":
            show_config(config, pattern if sep else None, stream)
        elif word == "history":
            show_history(config, pattern, stream)
        elif word == "tasks":
            show_tasks(config, stream)
