"""Run the whole ProcessFileTask in-process on one file, as processFile.py would."""

from __future__ import annotations

from importlib import resources

from lsstlite.tasks.cmdline import InputRef
from lsstlite.tasks.processFile import ProcessFileConfig, ProcessFileTask


def process(path, refcat=None, overrides=(), **config_values):
    """Process ``path`` in memory; returns (task, result)."""
    config = ProcessFileConfig()
    for override in ProcessFileTask.cameraOverrides([str(path)]):
        config.load(str(override))
    for name in overrides:
        config.load(str(resources.files("lsstlite.config_overrides") / name))
    if refcat is not None:
        config.calibrate.refcat.path = str(refcat)
    for name, value in config_values.items():
        target = config
        *parents, leaf = name.split(".")
        for parent in parents:
            target = getattr(target, parent)
        setattr(target, leaf, value)
    task = ProcessFileTask(config=config)
    exposure, camera = task.readExposure(InputRef(str(path)))
    return task, task.run(exposure, **camera)
