"""`CmdLineTask`: a task that runs on FITS files from the command line."""

from __future__ import annotations

import cProfile
import concurrent.futures
import gc
import logging
import marshal
import shlex
import traceback
from typing import Any, ClassVar

from lsstlite.io.atomic import atomic_write

from ..base import Struct, Task, TaskError
from .argparser import ArgumentParser, ConfigAlias
from .inputs import InputRef
from .outputs import FileRepo, OutputMismatchError
from .runner import TaskRunner

__all__ = ["CmdLineTask"]


class CmdLineTask(Task):
    """Base class of tasks run on files from the command line (``processFile.py``).

    Subclasses set ``ConfigClass`` and ``_DefaultName`` and implement `runFile`. The command line
    is parsed by `ArgumentParser` (built by `_makeArgumentParser`), the inputs are run by
    ``RunnerClass`` (`TaskRunner`).

    Attributes
    ----------
    RunnerClass : type
        The runner; default `TaskRunner`.
    canMultiprocess : bool
        False makes ``-j N`` run in one process (with a warning).
    configAliases : tuple of `ConfigAlias`
        Short options setting config fields, e.g. ``--refcat`` for ``calibrate.refcat.path``.
    """

    RunnerClass: ClassVar[type] = TaskRunner
    canMultiprocess: ClassVar[bool] = True
    configAliases: ClassVar[tuple[ConfigAlias, ...]] = ()

    @classmethod
    def applyOverrides(cls, config: Any) -> None:
        """Hook: change ``config`` after the package override file and before ``-c``/``-C``."""

    @classmethod
    def cameraOverrides(cls, inputs: list[str]) -> list:
        """Hook: config override files for the cameras the ``inputs`` come from.

        Called with the input arguments before ``-c``/``-C`` are applied; must not read the
        files (``--show`` touches no input). Default: none.
        """
        return []

    @classmethod
    def isInputName(cls, name: str) -> bool:
        """Hook: whether a FITS file found in an input directory is an input. Default: all."""
        return True

    @classmethod
    def _makeArgumentParser(cls) -> ArgumentParser:
        """Build the argument parser (override to add options)."""
        return ArgumentParser(name=cls._DefaultName, aliases=cls.configAliases)

    @classmethod
    def parseAndRun(cls, args: list[str] | None = None, config: Any = None,
                    doReturnResults: bool = False,
                    executor: concurrent.futures.Executor | None = None) -> Struct:
        """Parse a command line and run the task on its inputs.

        Parameters
        ----------
        args : list of str, optional
            Command-line arguments; default ``sys.argv[1:]``.
        config : `lsstlite.config.Config`, optional
            Starting config; default ``ConfigClass()``.
        doReturnResults : bool
            Keep each input's result and metadata in the returned ``resultList``.
        executor : `concurrent.futures.Executor`, optional
            Run the inputs there (e.g. a Dask executor) instead of in-process / ``-j`` workers.

        Returns
        -------
        result : `Struct`
            ``argumentParser``, ``parsedCmd``, ``taskRunner``, ``resultList`` (one `Struct`
            per input) and ``exitStatus``: 0 all inputs succeeded (or only ``--show``, or failures
            with ``--noExit``), 1 an input failed or the task could not start, 2 the stored
            config or schema differs.

        Raises
        ------
        SystemExit
            Status 2 for a bad command line, 0 after ``-h``.
        """
        parser = cls._makeArgumentParser()
        if config is None:
            config = cls.ConfigClass()
        parsedCmd = parser.parse_args(config=config, args=args, override=cls.applyOverrides,
                                      cameraOverrides=cls.cameraOverrides,
                                      inputFilter=cls.isInputName)
        outcome = Struct(argumentParser=parser, parsedCmd=parsedCmd, taskRunner=None,
                         resultList=[], exitStatus=0)
        if parsedCmd.showOnly:
            return outcome
        log = logging.getLogger(cls._DefaultName)
        log.info("Running: %s %s", parser.prog, shlex.join(parsedCmd.argv))
        runner = cls.RunnerClass(TaskClass=cls, parsedCmd=parsedCmd,
                                 doReturnResults=doReturnResults)
        outcome.taskRunner = runner
        profiler = cProfile.Profile() if parsedCmd.profile else None
        if profiler is not None and (parsedCmd.processes > 1 or executor is not None):
            log.warning("--profile covers this process only, not the worker processes")
        try:
            if profiler is not None:
                profiler.enable()
            try:
                outcome.resultList = runner.run(parsedCmd, executor=executor)
            finally:
                if profiler is not None:
                    profiler.disable()
                    _write_profile(profiler, parsedCmd.profile)
                    log.info("Wrote profile statistics to %s", parsedCmd.profile)
        except Exception as exc:
            if parsedCmd.doraise:
                raise
            message = " ".join(str(exc).split()) if not isinstance(exc, OutputMismatchError) \
                else str(exc)
            log.error("Failed before processing any input: %s: %s", type(exc).__name__, message)
            if parsedCmd.debug and not isinstance(exc, TaskError):
                log.error("%s", "".join(traceback.format_exception(exc)).rstrip())
            outcome.exitStatus = 2 if isinstance(exc, OutputMismatchError) else 1
            return outcome
        n_failed = sum(1 for r in outcome.resultList if r.exitStatus != 0)
        n_total = len(outcome.resultList)
        if n_failed:
            if parsedCmd.noExit:
                log.error("%d of %d inputs failed; exit status 0 as --noExit was set",
                          n_failed, n_total)
            else:
                log.error("%d of %d inputs failed", n_failed, n_total)
                outcome.exitStatus = 1
        else:
            log.info("Processed %d input%s into %s", n_total, "" if n_total == 1 else "s",
                     parsedCmd.repo.root)
        return outcome

    @classmethod
    def main(cls, argv: list[str] | None = None) -> int:
        """Command-line entry point: run `parseAndRun` and return the exit status.

        Parameters
        ----------
        argv : list of str, optional
            Arguments (without the program name); default ``sys.argv[1:]``.

        Returns
        -------
        status : int
            0 success, 1 an input failed, 2 bad command line or config.

        Notes
        -----
        With ``argv`` None (the program's own command line; the process is about to exit),
        automatic cyclic garbage collection is off while the command runs; `TaskRunner`
        collects once between inputs instead. Its passes would walk the million objects numpy,
        astropy and Numba create at import, about 0.3 s of a one-frame run, for the few cycles
        a run makes (peak memory does not change measurably). At the end the objects alive are
        frozen (`gc.freeze`), so that the interpreter's final collections skip them (~0.4 s),
        and automatic collection is turned back on. atexit handlers and flushes run as usual.
        """
        own_command_line = argv is None
        if own_command_line:
            gc.disable()
        try:
            status = cls.parseAndRun(args=argv).exitStatus
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        finally:
            if own_command_line:
                gc.freeze()  # before enabling: the run's objects would be one huge collection
                gc.enable()
        return status

    def runFile(self, inputRef: InputRef, repo: FileRepo, **kwargs: Any) -> Struct:
        """Process one input and write its outputs into ``repo``; implemented by subclasses.

        Parameters
        ----------
        inputRef : `InputRef`
            The input file (and HDU).
        repo : `FileRepo`
            Output paths (``repo.calexpPath(inputRef.name)`` ...) and ``repo.calib``.
        **kwargs
            From `TaskRunner.getTargetList`.
        """
        msg = f"{type(self).__name__} does not implement runFile"
        raise NotImplementedError(msg)


def _write_profile(profiler: cProfile.Profile, path: str) -> None:
    """Write cProfile statistics in the format `pstats.Stats` reads."""
    profiler.create_stats()
    with atomic_write(path, "wb") as stream:
        marshal.dump(profiler.stats, stream)
