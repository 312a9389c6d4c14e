"""Saving configs as Python override files and executing such files."""

from __future__ import annotations

import builtins
import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .history import history_label
from .imports import qualified_name
from .locations import user_stacklevel


def iter_saved_chunks(config: Any, root: str = "config") -> Iterator[tuple[str, str]]:
    """Yield the chunks `Config.saveToStream` writes after its header.

    Parameters
    ----------
    config : `Config`
        The config to describe.
    root : str, optional
        Name of the config in the assignment lines.

    Yields
    ------
    name : str
        Dotted name assigned by the chunk (``"detection.thresholdValue"``,
        ``"plugins['x'].radius"``, ``"plugins.names"``; for a retarget the field's name).
    chunk : str
        The field's doc as ``#`` comment lines followed by one assignment line, without a
        trailing newline; select chunks with e.g. ``fnmatch(name, pattern)``.
    """
    yield from config._iter_chunks(None, root)


def saved_modules(config: Any) -> list[str]:
    """Return, sorted, the modules a saved config file imports."""
    modules = set(config._imports)
    for sub in config._iter_tree():
        modules.add(type(sub).__module__)
        for field in type(sub)._fields.values():
            modules.update(field._modules(sub))
    return sorted(m for m in modules if m in sys.modules)


def save_to_stream(config: Any, stream: IO[str], root: str = "config") -> None:
    """Write ``config`` as a Python override file (see `Config.saveToStream`)."""
    class_name = qualified_name(type(config))
    chunks = list(iter_saved_chunks(config, root))
    for module in saved_modules(config):
        stream.write(f"import {module}\n")
    stream.write(f"assert type({root}) is {class_name}, 'config is of type %s.%s instead of "
                 f"{class_name}' % (type({root}).__module__, type({root}).__qualname__)\n")
    for _, chunk in chunks:
        stream.write(f"\n{chunk}\n")


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then rename it onto ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def exec_config_text(config: Any, text: str, filename: str, root: str, label: str) -> None:
    """Execute override text with ``root`` bound to ``config`` and ``__file__`` = ``filename``.

    Modules the text imports are remembered so that a later save imports them too. Legacy
    text that names the config ``root`` (pex_config before 2015) is retried with ``root``
    and a `FutureWarning`.
    """
    code = compile(text, filename, "exec")
    imported: set[str] = set()

    def recording_import(name: str, globals: Any = None, locals: Any = None,
                         fromlist: Any = (), level: int = 0) -> Any:
        module = builtins.__import__(name, globals, locals, fromlist, level)
        if level == 0:
            imported.add(name)
        return module

    env_builtins = dict(vars(builtins))
    env_builtins["__import__"] = recording_import
    namespace = {"__builtins__": env_builtins, "__file__": filename, "__name__": "__config__",
                 root: config}
    try:
        with history_label(label):
            exec(code, namespace)
    except NameError as err:
        if root != "config" or getattr(err, "name", None) != "root":
            raise
        msg = (f"Config override file {filename!r} uses 'root' instead of 'config'; "
               f"rename it to 'config'")
        warnings.warn(msg, FutureWarning, stacklevel=user_stacklevel())
        exec_config_text(config, text, filename, "root", label)
        return
    config._imports.update(imported)


def load_python_file(config: Any, path: str, label: str) -> None:
    """Execute the Python override file ``path`` on ``config``."""
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    exec_config_text(config, text, path, "config", label)


def unpickle_config(cls: type, text: str, frozen: bool) -> Any:
    """Rebuild a pickled config from its saved text."""
    config = cls()
    config.loadFromString(text, label="unpickle")
    if frozen:
        config.freeze()
    return config
