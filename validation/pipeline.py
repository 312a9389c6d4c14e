"""Run `ProcessFileTask` in-process on one file, as ``processFile.py FILE --refcat DIR`` would."""

from __future__ import annotations

from pathlib import Path

from lsstlite.tasks.base import Struct
from lsstlite.tasks.cmdline import InputRef
from lsstlite.tasks.processFile import ProcessFileConfig, ProcessFileTask


def process(path: str | Path, refcat: str | Path | None = None) -> Struct:
    """Process ``path`` in memory with the camera overrides ``processFile.py`` would apply.

    Returns
    -------
    result : `Struct`
        The `ProcessFileTask.run` result (``exposure``, ``sourceCat``, ``matches``, ...).
    """
    config = ProcessFileConfig()
    for override in ProcessFileTask.cameraOverrides([str(path)]):
        config.load(str(override))
    if refcat is not None:
        config.calibrate.refcat.path = str(refcat)
    task = ProcessFileTask(config=config)
    exposure, camera = task.readExposure(InputRef(str(path)))
    return task.run(exposure, **camera)
