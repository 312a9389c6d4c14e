"""`TaskRunner`: runs a command-line task on every input, in order or in worker processes.

``-j 1`` runs the inputs in this process. ``-j N`` (or an explicit ``executor``) submits them to
a `concurrent.futures.Executor` (default: a `~concurrent.futures.ProcessPoolExecutor` with the
``spawn`` start method); the runner itself, holding the frozen config, is what is sent. A failing
input is logged as one line ``file: ExceptionType: message`` and the others continue.
When automatic garbage collection is off (`CmdLineTask.main` turns it off for the program's own
command line, and each ``-j`` worker process for itself), one collection runs before each input
after a process's first, to free the previous input's reference cycles.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import logging
import multiprocessing
import os
import sys
import time
import traceback

from ..base import Struct, Task, TaskError
from .inputs import InputRef
from .logsetup import configure_logging, input_label
from .outputs import FileRepo, write_config, write_metadata, write_schemas

__all__ = ["TaskRunner"]

_configured_pid: int | None = None
_inputs_run_here = 0  # inputs this process has run (`TaskRunner.__call__`)


class TaskRunner:
    """Run a `CmdLineTask` on the inputs of a parsed command line.

    Parameters
    ----------
    TaskClass : type
        The `CmdLineTask` subclass.
    parsedCmd : `argparse.Namespace`
        From `ArgumentParser.parse_args`.
    doReturnResults : bool
        Also return each input's result (must be picklable with ``-j > 1``).
    """

    def __init__(self, TaskClass: type, parsedCmd: argparse.Namespace,
                 doReturnResults: bool = False) -> None:
        self.TaskClass = TaskClass
        self.config = parsedCmd.config
        self.repo: FileRepo = parsedCmd.repo
        self.doReturnResults = doReturnResults
        self.doRaise = bool(parsedCmd.doraise)
        self.debug = bool(parsedCmd.debug)
        self.clobberConfig = bool(parsedCmd.clobber_config)
        self.doBackup = not parsedCmd.noBackupConfig
        self.timeout = parsedCmd.timeout
        self.numProcesses = int(parsedCmd.processes)
        self.logSettings = (tuple(parsedCmd.defaultLoggers), tuple(parsedCmd.logLevels),
                            bool(parsedCmd.longlog))
        if self.numProcesses > 1 and not getattr(TaskClass, "canMultiprocess", True):
            logging.getLogger(TaskClass._DefaultName).warning(
                "%s cannot run in several processes; ignoring -j %d",
                TaskClass.__name__, self.numProcesses)
            self.numProcesses = 1

    # --- hooks --------------------------------------------------------------------------------
    def getTargetList(self, parsedCmd: argparse.Namespace) -> list[tuple[InputRef, dict]]:
        """Return ``[(inputRef, kwargs for runFile)]``, one per input to process."""
        return [(ref, {}) for ref in parsedCmd.refs]

    def makeTask(self, log: logging.Logger | None = None) -> Task:
        """Build the task from the runner's config."""
        return self.TaskClass(config=self.config, log=log)

    def precall(self) -> None:
        """Write (or check) the config and schemas before any input is processed.

        Raises
        ------
        OutputMismatchError
            If the stored config or a schema differs, without ``--clobber-config``.
        """
        task = self.makeTask()
        write_config(self.config, self.repo.configPath(task.getName()),
                     clobber=self.clobberConfig, doBackup=self.doBackup, log=task.log)
        write_schemas(task.getAllSchemaCatalogs(), self.repo, clobber=self.clobberConfig,
                      doBackup=self.doBackup, log=task.log)

    # --- running ------------------------------------------------------------------------------
    def run(self, parsedCmd: argparse.Namespace,
            executor: concurrent.futures.Executor | None = None) -> list[Struct]:
        """Run `precall` then every target; return one `Struct` per target.

        Parameters
        ----------
        parsedCmd : `argparse.Namespace`
        executor : `concurrent.futures.Executor`, optional
            Where to run the inputs; default: in this process for ``-j 1``, else a spawn-context
            process pool of ``-j`` workers. It must be able to pickle the runner.

        Returns
        -------
        results : list of `Struct`
            Each with ``exitStatus`` (0 or 1), ``inputRef`` and, with ``doReturnResults``,
            ``metadata`` and ``result``.
        """
        self.precall()
        targets = self.getTargetList(parsedCmd)
        log = logging.getLogger(self.TaskClass._DefaultName)
        if not targets:
            log.warning("No input to process")
            return []
        if executor is None and self.numProcesses > 1:
            context = multiprocessing.get_context("spawn")
            workers = min(self.numProcesses, len(targets))
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
                return self._run_in(pool, targets, log)
        if executor is not None:
            return self._run_in(executor, targets, log)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        results = []
        for target in targets:
            if deadline is not None and time.monotonic() > deadline:
                results.append(self._timed_out(target[0], log))
            else:
                results.append(self(target))
        return results

    def _run_in(self, executor: concurrent.futures.Executor,
                targets: list[tuple[InputRef, dict]], log: logging.Logger) -> list[Struct]:
        futures = [executor.submit(self, target) for target in targets]
        done, _ = concurrent.futures.wait(futures, timeout=self.timeout,
                                          return_when=concurrent.futures.FIRST_EXCEPTION
                                          if self.doRaise else concurrent.futures.ALL_COMPLETED)
        results = []
        for future, (ref, _) in zip(futures, targets, strict=True):
            if future in done:
                results.append(future.result())  # re-raises only with --doraise
            else:
                future.cancel()
                results.append(self._timed_out(ref, log))
        if len(done) < len(futures):
            _stop_workers(executor)
        return results

    def _timed_out(self, ref: InputRef, log: logging.Logger) -> Struct:
        msg = f"{ref.label}: TimeoutError: not finished within --timeout {self.timeout:g} s"
        if self.doRaise:
            raise TimeoutError(msg)
        log.error("%s", msg)
        return Struct(exitStatus=1, inputRef=ref)

    def __call__(self, target: tuple[InputRef, dict]) -> Struct:
        """Process one input (in this process or a worker): run the task, write its metadata."""
        global _configured_pid, _inputs_run_here
        if _configured_pid is None and multiprocessing.parent_process() is not None:
            configure_logging(*self.logSettings[:2], longlog=self.logSettings[2])
            _configured_pid = os.getpid()
            gc.disable()  # a worker runs like the program's own process (CmdLineTask.main)
        if _inputs_run_here and not gc.isenabled():
            gc.collect()  # the previous input's reference cycles
        _inputs_run_here += 1
        ref, kwargs = target
        task = self.makeTask()
        exitStatus = 0
        result = None
        with input_label(ref.label):
            try:
                result = task.runFile(ref, self.repo, **kwargs)
            except Exception as exc:
                if self.doRaise:
                    raise
                exitStatus = 1
                message = " ".join(str(exc).split())
                task.log.error("%s: %s: %s", ref.label, type(exc).__name__, message)
                if self.debug and not isinstance(exc, TaskError):
                    task.log.error("%s", "".join(traceback.format_exception(exc)).rstrip())
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            try:
                write_metadata(task.getFullMetadata(), self.repo.metadataPath(ref.name))
            except OSError as exc:
                task.log.warning("%s: could not write the metadata: %s", ref.label, exc)
        struct = Struct(exitStatus=exitStatus, inputRef=ref)
        if self.doReturnResults:
            struct.metadata = task.getFullMetadata()
            struct.result = result
        return struct


def _stop_workers(executor: concurrent.futures.Executor) -> None:
    """Terminate the workers of a process pool still busy after a timeout."""
    executor.shutdown(wait=False, cancel_futures=True)
    processes = getattr(executor, "_processes", None) or {}  # no public API before 3.14
    for process in list(processes.values()):
        process.terminate()
