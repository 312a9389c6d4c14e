"""Command-line tasks: `CmdLineTask`, its `ArgumentParser`, `TaskRunner` and output layout.

Importing this package imports no heavy module (numba, sep), so ``-h`` and
``--show`` answer fast.
"""

from .argparser import ArgumentParser, ConfigAlias
from .inputs import InputRef
from .outputs import FileRepo, OutputMismatchError
from .runner import TaskRunner
from .task import CmdLineTask

__all__ = ["ArgumentParser", "CmdLineTask", "ConfigAlias", "FileRepo", "InputRef",
           "OutputMismatchError", "TaskRunner"]
