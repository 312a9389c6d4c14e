"""A small Add/Mult task tree and a command-line task built on it, for the framework tests.

Importable (``tests.tasks.tree``) so config files and ``-j`` worker processes can name it.
"""

from __future__ import annotations

import gc
import time

import numpy as np

from lsstlite.config import Config, Field, makeRegistry, registerConfigurable
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod
from lsstlite.tasks.cmdline import CmdLineTask, ConfigAlias


class AddConfig(Config):
    addend = Field("Amount to add", dtype=float, default=3.0)


class AddTask(Task):
    ConfigClass = AddConfig
    _DefaultName = "add"

    @timeMethod
    def run(self, value):
        self.metadata["addend"] = self.config.addend
        return Struct(value=value + self.config.addend)


class AddTwiceTask(AddTask):
    """A user's subclass, retargeted into the tree."""

    @timeMethod
    def run(self, value):
        return Struct(value=value + 2 * self.config.addend)


class MultConfig(Config):
    multiplicand = Field("Factor", dtype=float, default=2.0)

    def validate(self):
        super().validate()
        if self.multiplicand == 0:
            msg = "multiplicand: must not be 0"
            raise ValueError(msg)


multRegistry = makeRegistry("Tasks that scale a value")


@registerConfigurable("mult", multRegistry)
class MultTask(Task):
    ConfigClass = MultConfig
    _DefaultName = "mult"

    @timeMethod
    def run(self, value):
        return Struct(value=value * self.config.multiplicand)


class PowerConfig(Config):
    exponent = Field("Exponent", dtype=int, default=2)


@registerConfigurable("power", multRegistry)
class PowerTask(Task):
    ConfigClass = PowerConfig
    _DefaultName = "power"

    @timeMethod
    def run(self, value):
        return Struct(value=value ** self.config.exponent)


class AddMultConfig(Config):
    add = AddTask.makeField("The adding subtask")
    mult = multRegistry.makeField("The scaling subtask", default="mult")


class AddMultTask(Task):
    ConfigClass = AddMultConfig
    _DefaultName = "addMult"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.makeSubtask("add")
        self.makeSubtask("mult")

    @timeMethod
    def run(self, value):
        value = self.add.run(value).value
        return Struct(value=self.mult.run(value).value)


class FileAddMultConfig(Config):
    addMult = AddMultTask.makeField("The computation")
    failBelow = Field("Raise TaskError if the image mean is below this", dtype=float,
                      default=-1e30)
    note = Field("A free string, set with --note", dtype=str, default="")
    sleep = Field("Seconds to sleep per input (for --timeout tests)", dtype=float, default=0.0)


class FileAddMultTask(CmdLineTask):
    """Command-line task: the mean of each image through addMult, written to metadata."""

    ConfigClass = FileAddMultConfig
    _DefaultName = "fileAddMult"
    configAliases = (ConfigAlias("--note", "note", "TEXT", "a note"),
                     ConfigAlias("--missing", "no.such.field", "X", "an alias to nothing"))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.makeSubtask("addMult")

    @timeMethod
    def runFile(self, inputRef, repo):
        from astropy.io import fits

        with fits.open(inputRef.path) as hdul:
            data = hdul[0 if inputRef.hdu is None else inputRef.hdu].data
            mean = float(np.mean(data))
        if mean < self.config.failBelow:
            msg = f"mean {mean} below failBelow {self.config.failBelow}"
            raise TaskError(msg)
        time.sleep(self.config.sleep)
        result = self.addMult.run(mean).value
        self.metadata["result"] = result
        self.metadata["gcEnabled"] = gc.isenabled()
        return Struct(value=result)

    def getSchemaCatalogs(self):
        from lsstlite.table import Schema, SourceCatalog

        schema = Schema()
        schema.addField("value", "f8", unit="", doc="the result")
        return {"values": SourceCatalog(schema, 0)}
