"""Image characterisation: background, cosmic rays, bright-source detection and measurement,
PSF model and aperture correction (LSST's ``CharacterizeImageTask``)."""

from __future__ import annotations

from lsstlite.config import Config, ConfigurableField, Field, RangeField
from lsstlite.tasks.apcorr import ApplyApCorrTask, MeasureApCorrTask
from lsstlite.tasks.background import BackgroundList, SubtractBackgroundTask
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod
from lsstlite.tasks.deblend import SourceDeblendTask
from lsstlite.tasks.detection import SourceDetectionTask
from lsstlite.tasks.measurement import SingleFrameMeasurementTask
from lsstlite.tasks.psf import MeasurePsfTask
from lsstlite.tasks.repair import RepairTask

__all__ = ["CharacterizeImageConfig", "CharacterizeImageTask"]

FWHM_PER_SIGMA = 2.3548200450309493


class CharacterizeImageConfig(Config):
    """Configuration of `CharacterizeImageTask` (LSST 2020 single-frame defaults)."""

    background = ConfigurableField("Initial background estimation and subtraction",
                                   SubtractBackgroundTask)
    doMeasurePsf = Field("Measure the PSF (False keeps the exposure's PSF, e.g. SDSS psField)",
                         bool, default=True)
    requirePsf = Field("Fail the frame when PSF determination fails (False: warn and keep the "
                       "current PSF model, e.g. the initial Gaussian, so sparse frames still "
                       "give a catalogue)", bool, default=False)
    psfIterations = RangeField("Detect/measure/fit-PSF rounds", int, default=2, min=1)
    useSimplePsf = Field("Start each characterisation from a simple Gaussian PSF when measuring "
                         "the PSF", bool, default=True)
    simplePsfFwhm = RangeField("FWHM of the initial Gaussian PSF (pixels); 0 = estimate it from "
                               "the adaptive moments of the brightest compact sources. LSST "
                               "fixes 3.5 px; a PSF much broader than the real one makes the "
                               "cosmic-ray finder take bright star cores for cosmic rays",
                               float, default=0.0, min=0.0)
    simplePsfSize = RangeField("Width of the initial Gaussian PSF image (odd, pixels)", int,
                               default=11, min=3, check=lambda v: v % 2 == 1)
    repair = ConfigurableField("Cosmic rays and interpolation", RepairTask)
    detection = ConfigurableField("Detection of bright sources", SourceDetectionTask)
    doDeblend = Field("Deblend the bright sources", bool, default=False)
    deblend = ConfigurableField("Deblender", SourceDeblendTask)
    measurement = ConfigurableField("Measurement of the bright sources",
                                    SingleFrameMeasurementTask)
    measurePsf = ConfigurableField("PSF star selection and modelling", MeasurePsfTask)
    doApCorr = Field("Measure and apply aperture corrections", bool, default=True)
    measureApCorr = ConfigurableField("Aperture-correction measurement", MeasureApCorrTask)
    applyApCorr = ConfigurableField("Aperture-correction application", ApplyApCorrTask)

    def setDefaults(self) -> None:
        """Bright-source detection (traced at 5 sigma, kept above 50 sigma) and the
        characterisation plugin set."""
        super().setDefaults()
        self.detection.thresholdValue = 5.0
        self.detection.includeThresholdMultiplier = 10.0
        self.measurement.plugins.names = ["base_PixelFlags", "base_SdssCentroid", "base_SdssShape",
                                          "base_GaussianFlux", "base_PsfFlux",
                                          "base_CircularApertureFlux", "base_FootprintArea",
                                          "base_KronFlux"]


class CharacterizeImageTask(Task):
    """Characterise an exposure: background, PSF, cosmic rays, aperture correction, icSrc.

    Parameters
    ----------
    schema : `lsstlite.table.Schema`, optional
        Schema of the icSrc catalogue (a new minimal one by default).
    """

    ConfigClass = CharacterizeImageConfig
    _DefaultName = "charImage"

    def __init__(self, schema=None, **kwargs) -> None:
        super().__init__(**kwargs)
        from lsstlite.table import Schema

        self.schema = Schema() if schema is None else schema
        self.makeSubtask("background")
        self.makeSubtask("repair")
        self.makeSubtask("detection", schema=self.schema)
        self.makeSubtask("deblend", schema=self.schema)
        self.makeSubtask("measurement", schema=self.schema)
        self.makeSubtask("measurePsf", schema=self.schema)
        self.makeSubtask("measureApCorr", schema=self.schema)
        self.makeSubtask("applyApCorr", schema=self.schema)

    def getSchemaCatalogs(self) -> dict:
        """``{"icSrc": empty catalogue}`` carrying the icSrc schema."""
        from lsstlite.table import SourceCatalog

        return {"icSrc": SourceCatalog(self.schema, 0)}

    @timeMethod
    def run(self, exposure) -> Struct:
        """Characterise ``exposure`` in place.

        Returns
        -------
        result : `Struct`
            ``exposure``, ``sourceCat`` (icSrc), ``background`` (`BackgroundList`),
            ``apCorrMap`` (or None).
        """
        from lsstlite.image import GaussianPsf

        cfg = self.config
        background = BackgroundList()
        self.background.run(exposure, background)
        if exposure.psf is None and not cfg.doMeasurePsf:
            self.log.warning("No PSF on the exposure and doMeasurePsf=False: using a Gaussian "
                             "PSF")
        result = None
        for iteration in range(cfg.psfIterations if cfg.doMeasurePsf else 1):
            if exposure.psf is None or (cfg.doMeasurePsf and cfg.useSimplePsf and iteration == 0):
                fwhm = cfg.simplePsfFwhm or self._estimate_fwhm(exposure)
                exposure.psf = GaussianPsf(fwhm / FWHM_PER_SIGMA, cfg.simplePsfSize)
            result = self._detect_and_measure(exposure, background, keepCRs=True)
            if cfg.doMeasurePsf:
                try:
                    self.measurePsf.run(exposure, result.sources)
                except TaskError as error:
                    if cfg.requirePsf:
                        raise
                    self.log.warning("PSF determination failed (%s): keeping the current PSF "
                                     "model, FWHM %.2f px", error, exposure.psf.fwhm())
                    break
                self.log.info("iteration %d: PSF FWHM %.3f px", iteration + 1, exposure.psf.fwhm())
        repaired = self.repair.run(exposure, keepCRs=False)
        if cfg.doMeasurePsf or repaired.numInterpolated:
            # the sources were last measured with the previous PSF model, or on pixels the
            # final repair has since interpolated
            self.measurement.run(result.sources, exposure, result.footprints)
        ap_corr_map = None
        if cfg.doApCorr:
            try:
                ap_corr_map = self.measureApCorr.run(exposure=exposure,
                                                     catalog=result.sources).apCorrMap
            except TaskError as error:
                self.log.warning("No aperture correction (%s)", error)
            else:
                self.applyApCorr.run(catalog=result.sources, apCorrMap=ap_corr_map)
        self.metadata["numSources"] = len(result.sources)
        self.metadata["psfFwhm"] = float(exposure.psf.fwhm())
        return Struct(exposure=exposure, sourceCat=result.sources, background=background,
                      apCorrMap=ap_corr_map)

    def _estimate_fwhm(self, exposure, default: float = 3.5) -> float:
        """FWHM of the brightest compact sources: a starting PSF close to the real one.

        Peaks above 50 sigma of the image smoothed by a ``default``-FWHM Gaussian are measured
        with adaptive moments and the stars picked by the object-size selector: cosmic rays are
        narrower than its minimum width, galaxies fall in wider clusters. The exposure is not
        modified.
        """
        import numpy as np

        from lsstlite.algorithms.detection import detect_footprints
        from lsstlite.algorithms.star_selector import select_stars_by_size
        from lsstlite.kernels.moments import adaptive_moments
        from lsstlite.kernels.smooth import gaussian_smooth
        from lsstlite.algorithms.clipped_stats import clipped_mean_std

        planes = exposure.planes
        bad = (exposure.mask & planes.bitmask("BAD", "SAT", "NO_DATA", "EDGE")) != 0
        smoothed, border = gaussian_smooth(exposure.image, default / FWHM_PER_SIGMA)
        inner = smoothed[border:-border or None, border:-border or None]
        _, stdev = clipped_mean_std(inner, mask=~bad[border:-border or None, border:-border or None])
        peaks = detect_footprints(smoothed, 50.0 * stdev, border=border, bad=bad).peaks
        if len(peaks) == 0:
            return default
        res = adaptive_moments(exposure.image, exposure.variance, peaks["x"].astype(float),
                               peaks["y"].astype(float))
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = res.instFlux / res.instFluxErr
        stars = select_stars_by_size(res.xx, res.yy, snr, res.flags != 0, snr_min=20.0)
        if stars.sum() < 3:
            self.log.info("Too few compact sources to estimate the PSF width: initial FWHM "
                          "%.2f px", default)
            return default
        fwhm = float(FWHM_PER_SIGMA * np.sqrt(np.median(0.5 * (res.xx + res.yy)[stars])))
        self.log.info("Initial PSF: FWHM %.2f px from %d compact sources", fwhm, int(stars.sum()))
        return fwhm

    def _detect_and_measure(self, exposure, background, keepCRs: bool) -> Struct:
        self.repair.run(exposure, keepCRs=keepCRs)
        det = self.detection.run(exposure, background=background)
        sources, footprints = det.sources, det.footprints
        if self.config.doDeblend:
            deb = self.deblend.run(exposure, sources, footprints, det.smoothed)
            sources, footprints = deb.sources, deb.footprints
        self.measurement.run(sources, exposure, footprints)
        return Struct(sources=sources, footprints=footprints)
