"""``processFile.py``: single-frame processing of FITS images, as a command-line task.

``processFile.py fpC-004192-r4-0300.fit.gz --output out -c gain=2 doVariance=True``

The subtask tree is ``isr -> charImage -> calibrate``. The image-level settings users give on
the command line (``gain``, ``readNoise``, ``saturation``, ``doVariance``) live at the root of
the config and are passed to ``isr.run``. SDSS fpC inputs get ``config_overrides/sdss.py``
automatically (see `ProcessFileTask.cameraOverrides`) and are read with their companion files
(fpM mask, psField PSF and gain, tsField zero point).
"""

from __future__ import annotations

import time
from typing import Any

from lsstlite.config import Config, Field

from .base import Struct, timeMethod
from .calibrate import CalibrateTask
from .characterize import CharacterizeImageTask
from .cmdline import CmdLineTask, ConfigAlias, FileRepo, InputRef
from .cmdline.inputs import is_fits_name
from .isr import IsrTask

__all__ = ["ProcessFileConfig", "ProcessFileTask", "main"]


class ProcessFileConfig(Config):
    """Config of `ProcessFileTask`."""

    gain = Field(
        "Gain in electrons per ADU. 0 means: use the gain the reader found (SDSS psField, or the "
        "GAIN header keyword); if there is none, 1 with a warning.",
        dtype=float, default=0.0, check=lambda v: v >= 0)
    readNoise = Field(
        "Read noise in ADU, added in quadrature to the Poisson variance when doVariance is True. "
        "0 means: the RDNOISE header keyword (electrons) divided by the gain, else none.",
        dtype=float, default=0.0, check=lambda v: v >= 0)
    saturation = Field(
        "Saturation level in ADU: pixels at or above it are flagged SAT. 0 means: use the "
        "SATURATE header keyword, or flag nothing if there is none.",
        dtype=float, default=0.0, check=lambda v: v >= 0)
    doVariance = Field(
        "Compute the variance plane as max(image, 0)/gain + readNoise**2 (+ the camera's dark "
        "variance) in ADU**2. If False, keep the input's variance plane; an empty one is "
        "replaced by the clipped image variance, with a warning.",
        dtype=bool, default=True)
    doWrite = Field("Write the calexp, catalogues, background and metadata to --output.",
                    dtype=bool, default=True)
    isr = IsrTask.makeField("Instrument signature removal")
    charImage = CharacterizeImageTask.makeField("Image characterisation (background, PSF, "
                                                "cosmic rays, bright sources)")
    doCalibrate = Field("Detect, measure and calibrate all sources (src)", dtype=bool,
                        default=True)
    calibrate = CalibrateTask.makeField("Detection, measurement, astrometric and photometric "
                                        "calibration")


class ProcessFileTask(CmdLineTask):
    """Process one FITS image per input: ISR, characterisation, calibration; write the products.

    Parameters
    ----------
    config, name, parentTask, log
        As for `Task`.
    """

    ConfigClass = ProcessFileConfig
    _DefaultName = "processFile"
    configAliases = (
        ConfigAlias("--refcat", "calibrate.refcat.path", "PATH",
                    "reference catalogue for astrometric and photometric calibration: an HTM "
                    "shard directory or a FITS/CSV/ECSV table"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.makeSubtask("isr")
        self.makeSubtask("charImage")
        self.makeSubtask("calibrate", icSourceSchema=self.charImage.schema)

    @classmethod
    def isInputName(cls, name: str) -> bool:
        """Files of an input directory to process: not SDSS companion files (fpM, psField,
        tsField, asTrans, ...), which are read with their fpC frame."""
        from lsstlite.io.sdss.patterns import is_companion_name

        return not is_companion_name(name)

    @classmethod
    def cameraOverrides(cls, inputs: list[str]) -> list:
        """``config_overrides/sdss.py`` when every input is (or holds only) SDSS fpC frames.

        Decided from the file names alone, so ``--show config`` shows it without reading data.
        """
        import os
        from importlib import resources

        from lsstlite.io.sdss.patterns import is_fpc_name

        names = []
        for item in inputs:
            if os.path.isdir(item):
                names.extend(n for n in os.listdir(item) if is_fits_name(n) and cls.isInputName(n))
            else:
                names.append(item)
        if not names or not all(is_fpc_name(n) for n in names):
            return []
        return [resources.files("lsstlite.config_overrides") / "sdss.py"]

    @timeMethod
    def runFile(self, inputRef: InputRef, repo: FileRepo, **kwargs: Any) -> Struct:
        """Read one input, process it with `run`, and write the products into ``repo``.

        Parameters
        ----------
        inputRef : `InputRef`
            The input file and HDU.
        repo : `FileRepo`
            Output locations; ``repo.calib`` is the ``--calib`` directory.

        Returns
        -------
        result : `Struct`
            As `run`.
        """
        start = time.perf_counter()
        _announce_compilation(self.log, self.config.charImage.repair.doCosmicRay)
        exposure, camera = self.readExposure(inputRef)
        result = self.run(exposure, calibDir=repo.calib, **camera)
        if self.config.doWrite:
            self.writeOutputs(inputRef, repo, result)
        self.log.info("%s", self._summary(inputRef, result, time.perf_counter() - start))
        return result

    def readExposure(self, inputRef: InputRef) -> tuple[Any, dict]:
        """Read the input as an `lsstlite.image.Exposure`, with what the camera reader found.

        Returns
        -------
        exposure : `lsstlite.image.Exposure`
        camera : dict
            ``cameraGain`` and ``darkVariance`` for `IsrTask.run` (SDSS frames), else empty.
        """
        from lsstlite.io.sdss.patterns import is_fpc_name

        if inputRef.hdu is None and is_fpc_name(inputRef.path):
            from lsstlite.io.sdss import is_sdss_frame, read_sdss_frame

            if is_sdss_frame(inputRef.path):
                exposure, info = read_sdss_frame(inputRef.path)
                frame = info.frame
                self.log.info("Read SDSS frame %s (run %d, camcol %d, field %d, band %s); gain "
                              "%.3f and dark variance %.4g from %s", inputRef.path, frame.run,
                              frame.camcol, frame.field, frame.band, info.gain,
                              info.dark_variance, info.noise_source)
                return exposure, {"cameraGain": info.gain, "darkVariance": info.dark_variance}
        from lsstlite.io import read_image

        return read_image(inputRef.path, hdu=inputRef.hdu), {}

    @timeMethod
    def run(self, exposure: Any, calibDir: str | None = None, cameraGain: float | None = None,
            darkVariance: float = 0.0) -> Struct:
        """Process an exposure in memory: isr -> charImage -> calibrate.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            The raw image (modified in place).
        calibDir : str, optional
            Directory of calibration frames for ISR.
        cameraGain, darkVariance : float, optional
            From a camera reader (SDSS psField).

        Returns
        -------
        result : `Struct`
            ``exposure`` (the calexp), ``background``, ``icSourceCat``, ``sourceCat`` (None
            without calibrate), ``matches``, ``astrometry`` and ``photoCal`` results.
        """
        cfg = self.config
        self.metadata["width"] = exposure.width
        self.metadata["height"] = exposure.height
        self.isr.run(exposure, gain=cfg.gain, readNoise=cfg.readNoise,
                     saturation=cfg.saturation if cfg.saturation > 0 else float("nan"),
                     doVariance=cfg.doVariance, cameraGain=cameraGain,
                     darkVariance=darkVariance, calibDir=calibDir)
        char = self.charImage.run(exposure)
        result = Struct(exposure=exposure, background=char.background,
                        icSourceCat=char.sourceCat, sourceCat=None, matches=None,
                        astrometry=None, photoCal=None)
        if cfg.doCalibrate:
            calib = self.calibrate.run(exposure, background=char.background,
                                       icSourceCat=char.sourceCat, apCorrMap=char.apCorrMap)
            result.sourceCat = calib.sourceCat
            result.matches = calib.matches
            result.astrometry = calib.astrometry
            result.photoCal = calib.photoCal
        return result

    def writeOutputs(self, inputRef: InputRef, repo: FileRepo, result: Struct) -> None:
        """Write ``out/NAME.fits`` (calexp) and ``out/NAME/{background,icSrc,src,srcMatch}.fits``."""
        from lsstlite.io import write_catalog, write_exposure
        from lsstlite.io.fits_table import write_column_table

        name = inputRef.name
        write_exposure(result.exposure, repo.calexpPath(name))
        result.background.write(repo.datasetPath(name, "background"))
        write_catalog(result.icSourceCat, repo.datasetPath(name, "icSrc"))
        if result.sourceCat is not None:
            write_catalog(result.sourceCat, repo.datasetPath(name, "src"))
        if result.matches is not None:
            write_column_table(result.matches, repo.datasetPath(name, "srcMatch"))
        self.log.info("Wrote %s and %s/", repo.calexpPath(name), repo.datasetPath(name, "src").parent)

    @staticmethod
    def _summary(inputRef: InputRef, result: Struct, seconds: float) -> str:
        """One line: sources, PSF FWHM, astrometric rms, zero point, time."""
        exposure = result.exposure
        cat = result.sourceCat if result.sourceCat is not None else result.icSourceCat
        parts = [f"{inputRef.label}: {len(cat)} sources"]
        if exposure.psf is not None:
            parts.append(f"PSF FWHM {exposure.psf.fwhm():.2f} px")
        astrometry = result.astrometry
        if astrometry is not None and getattr(astrometry, "rmsArcsec", None) is not None:
            parts.append(f"astrometric rms {astrometry.rmsArcsec:.3f}\" "
                         f"({astrometry.numMatches} matches)")
        if exposure.photoCalib is not None:
            parts.append(f"zero point {exposure.photoCalib.zeroPoint:.3f} mag")
        parts.append(f"{seconds:.2f} s")
        return ", ".join(parts)


_compilation_checked = False


def _announce_compilation(log, cosmic_rays: bool) -> None:
    """Say once per process when the Numba kernels are about to be compiled (first run), and
    start the second compiling process (`lsstlite.tasks.precompile`); ``cosmic_rays``: the run
    searches for cosmic rays."""
    global _compilation_checked
    if _compilation_checked:
        return
    _compilation_checked = True
    from lsstlite.kernels.cache import kernels_cached
    from lsstlite.tasks.precompile import start_precompile

    if not kernels_cached():
        helper = start_precompile(cosmic_rays=cosmic_rays)
        log.info("First run: compiling the Numba kernels once (~15-25 s%s); later runs load "
                 "them from the cache", ", about half of them in a second process"
                 if helper is not None else "")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``processFile.py``: run `CmdLineTask.main` and return its exit status.

    Without ``argv`` (the program's own command line) the process ends here, with
    `lsstlite.tasks.cmdline.program_exit.exit_program`: atexit handlers and flushes run, the
    interpreter's teardown (~40 ms) is skipped.
    """
    status = ProcessFileTask.main(argv)
    if argv is None:
        from lsstlite.tasks.cmdline.program_exit import exit_program

        exit_program(status)
    return status
