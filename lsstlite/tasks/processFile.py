"""``processFile.py``: single-frame processing of FITS images, as a command-line task.

``processFile.py fpC-004192-r4-0300.fit.gz --output out -c gain=2 doVariance=True``

Subtasks are added as a `ConfigurableField` in `ProcessFileConfig` plus a `Task.makeSubtask`
call in `ProcessFileTask.__init__`; the image-level settings users give on the command line
(``gain``, ``readNoise``, ``saturation``, ``doVariance``) live at the root of the config and the
ISR subtask reads them from its parent's config.
"""

from __future__ import annotations

from typing import Any

from lsstlite.config import Config, Field

from .base import Struct, timeMethod
from .cmdline import CmdLineTask, ConfigAlias, FileRepo, InputRef

__all__ = ["ProcessFileConfig", "ProcessFileTask", "main"]


class ProcessFileConfig(Config):
    """Config of `ProcessFileTask`."""

    gain = Field(
        "Gain in electrons per ADU. 0 means: use the gain the reader found (the GAIN header "
        "keyword); if there is none, 1 with a warning.",
        dtype=float, default=0.0, check=lambda v: v >= 0)
    readNoise = Field(
        "Read noise in ADU, added in quadrature to the Poisson variance when doVariance is True.",
        dtype=float, default=0.0, check=lambda v: v >= 0)
    saturation = Field(
        "Saturation level in ADU: pixels at or above it are flagged SAT. 0 means: use the "
        "SATURATE header keyword, or flag nothing if there is none.",
        dtype=float, default=0.0, check=lambda v: v >= 0)
    doVariance = Field(
        "Compute the variance plane as image/gain + readNoise**2 (ADU**2). If False, keep the "
        "input's variance plane (all zero for a plain image).",
        dtype=bool, default=True)
    doWrite = Field("Write the calexp, catalogues, background and metadata to --output.",
                    dtype=bool, default=True)


class ProcessFileTask(CmdLineTask):
    """Process one FITS image per input: ISR, characterisation, calibration; write the products.

    Parameters
    ----------
    config, name, parentTask, log
        As for `Task`.

    Notes
    -----
    To add a pipeline step ``isr``: add ``isr = IsrTask.makeField("Instrument signature
    removal")`` to `ProcessFileConfig`, define ``__init__`` calling ``super().__init__(...)``
    then ``self.makeSubtask("isr")``, and call ``self.isr.run(...)`` in `run`. Catalogues a
    subtask writes are declared by its ``getSchemaCatalogs``; the runner persists their schemas.
    """

    ConfigClass = ProcessFileConfig
    _DefaultName = "processFile"
    configAliases = (
        ConfigAlias("--refcat", "calibrate.refcat.path", "PATH",
                    "reference catalogue for astrometric and photometric calibration"),
    )

    @timeMethod
    def runFile(self, inputRef: InputRef, repo: FileRepo, **kwargs: Any) -> Struct:
        """Read one input, process it with `run`, and write the products into ``repo``.

        Parameters
        ----------
        inputRef : `InputRef`
            The input file and HDU.
        repo : `FileRepo`
            Output locations.

        Returns
        -------
        result : `Struct`
            As `run`.
        """
        exposure = self.readExposure(inputRef)
        result = self.run(exposure)
        if self.config.doWrite:
            self.writeOutputs(inputRef, repo, result)
        return result

    def readExposure(self, inputRef: InputRef) -> Any:
        """Read the input image as an `lsstlite.image.Exposure`."""
        from lsstlite.io import read_image

        return read_image(inputRef.path, hdu=inputRef.hdu)

    @timeMethod
    def run(self, exposure: Any) -> Struct:
        """Process an exposure in memory.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            The raw image.

        Returns
        -------
        result : `Struct`
            ``exposure``: the processed exposure (calexp).
        """
        self.metadata["width"] = exposure.width
        self.metadata["height"] = exposure.height
        return Struct(exposure=exposure)

    def writeOutputs(self, inputRef: InputRef, repo: FileRepo, result: Struct) -> None:
        """Write the products of one input: ``out/NAME.fits`` (calexp) and ``out/NAME/*``."""
        from lsstlite.io import write_exposure

        path = repo.calexpPath(inputRef.name)
        write_exposure(result.exposure, path)
        self.log.info("Wrote %s", path)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``processFile.py``; returns the exit status (see `CmdLineTask.main`)."""
    return ProcessFileTask.main(argv)
