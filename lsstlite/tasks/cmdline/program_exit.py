"""End a command-line program without tearing down the interpreter.

When a run is over, a normal exit deallocates every object of every module (numpy, astropy,
Numba's type registries, LLVM): ~40 ms of each ``processFile.py`` run, for a process that ends
anyway. `exit_program` does what a normal exit does that matters (the atexit handlers, among
them logging's flush and close and multiprocessing's clean-up, then the flush of stdout and
stderr) and ends the process with `os._exit`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

__all__ = ["exit_program"]


def _other_threads_running() -> bool:
    main = threading.main_thread()
    return any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())


def exit_program(status: int) -> NoReturn:
    """End the program with exit ``status``, skipping the interpreter's teardown.

    Parameters
    ----------
    status : int
        Exit status.

    Notes
    -----
    Falls back to a normal `sys.exit` while a non-daemon thread still runs (a normal exit
    waits for it). Output that cannot be flushed (a closed pipe: ``processFile.py ... |
    head``) is dropped silently, where a normal exit would print a traceback.
    """
    if _other_threads_running():
        sys.exit(status)
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # closed pipe, closed stream
                pass
        os._exit(status)
