"""Task framework: `Task`, `Struct`, `timeMethod`, `TaskError`.

A task is a configurable unit of work. Tasks form a tree: a parent creates its subtasks with
`Task.makeSubtask` from the `ConfigurableField` or `RegistryField` of the same name in its config,
so that retargeting a field in the config replaces the subtask.

Logging
    Every task owns a standard `logging.Logger` named exactly by its task path, e.g.
    ``processFile.charImage.detection`` (a top-level task passed ``log=parent_logger`` is named
    ``<parent_logger.name>.<name>``). Library modules use ``logging.getLogger(__name__)``
    (``lsstlite.*``). The library installs no handler; the command line does.

Metadata
    ``task.metadata`` is a plain nested ``dict`` of YAML-writable values. `Task.getFullMetadata`
    returns ``{full task name: metadata}`` for the whole tree.

Timing
    `timeMethod` (and `Task.timer`) record, under ``metadata[<method name>]``, a dict
    ``{"calls", "startUtc", "wall", "cpu", "maxRss"}``: number of calls, ISO UTC time of the
    first call, total wall-clock and process CPU time in seconds over all calls, and the peak
    resident set size of the process in bytes after the latest call.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

__all__ = ["Struct", "Task", "TaskError", "timeMethod"]

_F = TypeVar("_F", bound=Callable[..., Any])


class TaskError(Exception):
    """An expected failure of a task: the runner logs its message without a traceback."""


class Struct:
    """A bag of named results, built from keyword arguments.

    Parameters
    ----------
    **kwargs
        The items. A name starting with ``__`` is refused.

    Examples
    --------
    >>> s = Struct(exposure=1, sources=2)
    >>> s.sources
    2
    >>> s
    Struct(exposure=1; sources=2)
    """

    def __init__(self, **kwargs: Any) -> None:
        for name, value in kwargs.items():
            self._addItem(name, value)

    def _addItem(self, name: str, value: Any) -> None:
        if name.startswith("__"):
            msg = f"Struct item name {name!r} must not begin with __"
            raise RuntimeError(msg)
        if name in self.__dict__:
            msg = f"Struct item {name!r} already exists"
            raise RuntimeError(msg)
        self.__dict__[name] = value

    def getDict(self) -> dict[str, Any]:
        """Return a shallow copy of the items as a dict."""
        return dict(self.__dict__)

    def mergeItems(self, struct: Struct, *names: str) -> None:
        """Copy the items ``names`` of ``struct`` into this struct (refusing existing names)."""
        for name in names:
            self._addItem(name, getattr(struct, name))

    def copy(self) -> Struct:
        """Return a shallow copy."""
        return Struct(**self.getDict())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Struct):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.__dict__)

    def __repr__(self) -> str:
        items = "; ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"Struct({items})"


def _resource_snapshot() -> tuple[float, float, int | None]:
    """Wall time, process CPU time and peak RSS in bytes (None where unavailable)."""
    try:
        import resource
    except ImportError:  # Windows
        max_rss = None
    else:
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        max_rss = int(usage if sys.platform == "darwin" else usage * 1024)
    return time.perf_counter(), time.process_time(), max_rss


def _record_timing(task: Task, name: str, start_utc: str,
                   start: tuple[float, float, int | None]) -> None:
    wall0, cpu0, _ = start
    wall1, cpu1, max_rss = _resource_snapshot()
    entry = task.metadata.get(name)
    if not isinstance(entry, dict):
        entry = task.metadata[name] = {"calls": 0, "startUtc": start_utc, "wall": 0.0, "cpu": 0.0,
                                       "maxRss": None}
    entry["calls"] += 1
    entry["wall"] += wall1 - wall0
    entry["cpu"] += cpu1 - cpu0
    entry["maxRss"] = max_rss
    task.log.debug("%s: wall=%.3f s cpu=%.3f s maxRss=%s", name, wall1 - wall0, cpu1 - cpu0,
                   "n/a" if max_rss is None else f"{max_rss / 2**20:.1f} MiB")


def _utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def timeMethod(func: _F) -> _F:
    """Decorate a `Task` method to record its wall, CPU time and peak RSS in ``self.metadata``.

    The record is ``self.metadata[func.__name__]``, see the module docstring; it is written even
    when the method raises.
    """

    @functools.wraps(func)
    def wrapper(self: Task, *args: Any, **kwargs: Any) -> Any:
        start_utc, start = _utc_now(), _resource_snapshot()
        try:
            return func(self, *args, **kwargs)
        finally:
            _record_timing(self, func.__name__, start_utc, start)

    return wrapper  # type: ignore[return-value]


class Task:
    """Base class of all tasks.

    Parameters
    ----------
    config : `lsstlite.config.Config`, optional
        The task's config. Default: for a subtask, the field ``name`` of the parent's config;
        for a top-level task, ``ConfigClass()``. It is validated here.
    name : str, optional
        Task name; required for a subtask, defaults to ``_DefaultName`` for a top-level task.
    parentTask : `Task`, optional
        The parent, for a subtask.
    log : `logging.Logger`, optional
        For a top-level task only: the task's logger becomes the child ``name`` of this logger.

    Raises
    ------
    RuntimeError
        If no name is given for a subtask, or for a top-level task without ``_DefaultName``.
    TypeError
        If ``config`` is not an instance of ``ConfigClass``.
    lsstlite.config.ConfigError
        If the config does not validate.
    """

    ConfigClass: ClassVar[type | None] = None
    _DefaultName: ClassVar[str | None] = None

    def __init__(self, config: Any = None, name: str | None = None,
                 parentTask: Task | None = None, log: logging.Logger | None = None) -> None:
        self.metadata: dict[str, Any] = {}
        if parentTask is not None:
            if name is None:
                msg = f"name is required for a subtask of {parentTask.getFullName()}"
                raise RuntimeError(msg)
            self._fullName = f"{parentTask.getFullName()}.{name}"
            if config is None:
                config = getattr(parentTask.config, name)
            self._taskDict = parentTask._taskDict
            logger_name = f"{parentTask.log.name}.{name}"
        else:
            if name is None:
                name = self._DefaultName
                if name is None:
                    msg = (f"name is required for task {type(self).__name__}: "
                           "it has no _DefaultName")
                    raise RuntimeError(msg)
            self._fullName = name
            if config is None:
                if self.ConfigClass is None:
                    msg = f"task {type(self).__name__} has no ConfigClass and no config was given"
                    raise RuntimeError(msg)
                config = self.ConfigClass()
            self._taskDict = {}
            logger_name = name if log is None else f"{log.name}.{name}"
        if self.ConfigClass is not None and not isinstance(config, self.ConfigClass):
            msg = (f"config of task {self._fullName} must be a {self.ConfigClass.__module__}."
                   f"{self.ConfigClass.__qualname__}, not {type(config).__module__}."
                   f"{type(config).__qualname__}")
            raise TypeError(msg)
        self._name = name
        self._parentTask = parentTask
        self.config = config
        self.log = logging.getLogger(logger_name)
        config.validate()
        self._taskDict[self._fullName] = self

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__qualname__} {self._fullName!r}>"

    # --- names and the tree -------------------------------------------------------------------
    def getName(self) -> str:
        """Return the task's name (the last component of its full name)."""
        return self._name

    def getFullName(self) -> str:
        """Return the dotted path of the task in the tree, e.g. ``processFile.charImage``."""
        return self._fullName

    def getTaskDict(self) -> dict[str, Task]:
        """Return ``{full name: task}`` for every task of the tree, in creation order (a copy)."""
        return dict(self._taskDict)

    def makeSubtask(self, name: str, **kwargs: Any) -> Task:
        """Create the subtask ``name`` from the config field of that name and store it as ``self.name``.

        Parameters
        ----------
        name : str
            Name of a `ConfigurableField` or (single-selection) `RegistryField` of ``self.config``.
        **kwargs
            Passed on to the subtask's constructor.

        Returns
        -------
        subtask : `Task`
        """
        try:
            field_value = getattr(self.config, name)
        except AttributeError:
            msg = f"{self._fullName}'s config does not have field {name!r}"
            raise KeyError(msg) from None
        if not hasattr(field_value, "apply"):
            msg = (f"{self._fullName}: config field {name!r} is not a ConfigurableField or "
                   f"RegistryField, so no subtask can be made from it")
            raise TypeError(msg)
        subtask = field_value.apply(name=name, parentTask=self, **kwargs)
        setattr(self, name, subtask)
        return subtask

    @classmethod
    def makeField(cls, doc: str) -> Any:
        """Return a `lsstlite.config.ConfigurableField` whose default target is this task."""
        from lsstlite.config import ConfigurableField

        return ConfigurableField(doc, target=cls)

    # --- metadata and schemas -----------------------------------------------------------------
    def getFullMetadata(self) -> dict[str, dict[str, Any]]:
        """Return ``{full task name: task.metadata}`` for this task and all its subtasks."""
        prefix = self._fullName + "."
        return {full_name: task.metadata for full_name, task in self._taskDict.items()
                if full_name == self._fullName or full_name.startswith(prefix)}

    def emptyMetadata(self) -> None:
        """Clear the metadata of this task and all its subtasks."""
        for metadata in self.getFullMetadata().values():
            metadata.clear()

    def getSchemaCatalogs(self) -> dict[str, Any]:
        """Return ``{dataset name: empty catalogue}`` for the catalogues this task writes.

        Override in tasks that write catalogues; the catalogue's schema is persisted to
        ``<output>/schema/<dataset name>.fits``.
        """
        return {}

    def getAllSchemaCatalogs(self) -> dict[str, Any]:
        """Return `getSchemaCatalogs` merged over this task and all its subtasks."""
        prefix = self._fullName + "."
        catalogs: dict[str, Any] = {}
        for full_name, task in self._taskDict.items():
            if full_name == self._fullName or full_name.startswith(prefix):
                catalogs.update(task.getSchemaCatalogs())
        return catalogs

    @contextlib.contextmanager
    def timer(self, name: str) -> Iterator[None]:
        """Context manager recording the timing of a block as ``metadata[name]`` (as `timeMethod`)."""
        start_utc, start = _utc_now(), _resource_snapshot()
        try:
            yield
        finally:
            _record_timing(self, name, start_utc, start)
