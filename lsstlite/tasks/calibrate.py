"""Calibration of a characterised exposure: full-depth detection, deblending, measurement,
aperture correction, astrometry and photometric calibration (LSST's ``CalibrateTask``)."""

from __future__ import annotations

import numpy as np

from lsstlite.config import Config, ConfigurableField, Field, ListField, RangeField
from lsstlite.tasks.apcorr import ApplyApCorrTask
from lsstlite.tasks.astrometry import AstrometryTask
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod
from lsstlite.tasks.catalogCalculation import CatalogCalculationTask
from lsstlite.tasks.deblend import SourceDeblendTask
from lsstlite.tasks.detection import SourceDetectionTask
from lsstlite.tasks.measurement import SingleFrameMeasurementTask
from lsstlite.tasks.photocal import PhotoCalTask
from lsstlite.tasks.refcat import LoadReferenceObjectsTask

__all__ = ["CalibrateConfig", "CalibrateTask"]


class CalibrateConfig(Config):
    """Configuration of `CalibrateTask` (LSST 2020 single-frame defaults)."""

    refcat = ConfigurableField("Reference catalogue for astrometry and photometry "
                               "(processFile.py --refcat PATH)", LoadReferenceObjectsTask)
    detection = ConfigurableField("Detection of all sources (5 sigma)", SourceDetectionTask)
    doDeblend = Field("Deblend blended sources", bool, default=True)
    deblend = ConfigurableField("Deblender", SourceDeblendTask)
    measurement = ConfigurableField("Measurement of all sources", SingleFrameMeasurementTask)
    doApCorr = Field("Apply the aperture corrections measured by characterisation", bool,
                     default=True)
    applyApCorr = ConfigurableField("Aperture-correction application", ApplyApCorrTask)
    catalogCalculation = ConfigurableField("Star/galaxy classification",
                                           CatalogCalculationTask)
    icSourceFieldsToCopy = ListField("Fields copied from the matching characterisation source",
                                     str, default=["calib_psf_candidate", "calib_psf_used"])
    matchRadiusPix = RangeField("Radius for matching src to icSrc (pixels)", float, default=3.0,
                                min=0.0)
    doAstrometry = Field("Fit the WCS to the reference catalogue", bool, default=True)
    requireAstrometry = Field("Fail the frame when astrometry fails (False: warn and keep the "
                              "input WCS; lsstlite's default, unlike LSST's, so one bad frame "
                              "still gives a catalogue)", bool, default=False)
    astrometry = ConfigurableField("Astrometric calibration", AstrometryTask)
    doPhotoCal = Field("Fit the photometric zero point", bool, default=True)
    requirePhotoCal = Field("Fail the frame when photometric calibration fails (False: warn)",
                            bool, default=False)
    photoCal = ConfigurableField("Photometric calibration", PhotoCalTask)

    def setDefaults(self) -> None:
        """LSST's calibrate detection: 5 sigma, no threshold multiplier; deblend anything up to
        2000 pixels across."""
        super().setDefaults()
        self.detection.thresholdValue = 5.0
        self.detection.includeThresholdMultiplier = 1.0
        self.deblend.maxFootprintSize = 2000


class CalibrateTask(Task):
    """Detect, deblend and measure all sources, then calibrate astrometry and photometry.

    Parameters
    ----------
    icSourceSchema : `lsstlite.table.Schema`, optional
        Schema of the characterisation catalogue, for copying ``icSourceFieldsToCopy``.
    """

    ConfigClass = CalibrateConfig
    _DefaultName = "calibrate"

    def __init__(self, icSourceSchema=None, **kwargs) -> None:
        super().__init__(**kwargs)
        from lsstlite.table import Schema

        self.schema = Schema()
        self.makeSubtask("refcat")
        self.makeSubtask("detection", schema=self.schema)
        self.makeSubtask("deblend", schema=self.schema)
        self.makeSubtask("measurement", schema=self.schema)
        self.makeSubtask("applyApCorr", schema=self.schema)
        self.makeSubtask("catalogCalculation", schema=self.schema)
        self.makeSubtask("astrometry", refObjLoader=self.refcat, schema=self.schema)
        self.makeSubtask("photoCal", schema=self.schema)
        self.copiedFields = []
        for name in self.config.icSourceFieldsToCopy:
            if icSourceSchema is not None and name in icSourceSchema and name not in self.schema:
                field = icSourceSchema[name]
                self.schema.addField(name, field.dtype, field.unit, field.doc)
                self.copiedFields.append(name)
        if "calib_detected" not in self.schema:
            self.schema.addField("calib_detected", bool, doc="Also detected by characterisation")

    def getSchemaCatalogs(self) -> dict:
        """``{"src": empty catalogue}`` carrying the src schema."""
        from lsstlite.table import SourceCatalog

        return {"src": SourceCatalog(self.schema, 0)}

    @timeMethod
    def run(self, exposure, background=None, icSourceCat=None, apCorrMap=None) -> Struct:
        """Calibrate ``exposure`` in place and measure its sources.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            Characterised exposure (background subtracted, PSF).
        background : `lsstlite.tasks.background.BackgroundList`, optional
            Background list; detection appends its re-estimate.
        icSourceCat : `lsstlite.table.SourceCatalog`, optional
            Characterisation sources (flags copied by position).
        apCorrMap : `lsstlite.tasks.apcorr.ApCorrMap`, optional
            Aperture corrections from characterisation.

        Returns
        -------
        result : `Struct`
            ``exposure``, ``sourceCat``, ``background``, ``matches`` (table or None),
            ``astrometry`` and ``photoCal`` (the subtask results, or None).
        """
        cfg = self.config
        det = self.detection.run(exposure, background=background)
        sources, footprints = det.sources, det.footprints
        if cfg.doDeblend:
            deb = self.deblend.run(exposure, sources, footprints, det.smoothed)
            sources, footprints = deb.sources, deb.footprints
        self.measurement.run(sources, exposure, footprints)
        if cfg.doApCorr and apCorrMap is not None:
            self.applyApCorr.run(sources, apCorrMap)
        self.catalogCalculation.run(sources)
        if icSourceCat is not None:
            self._copy_ic_fields(sources, icSourceCat)
        astrometry = photo = matches = None
        if cfg.doAstrometry:
            astrometry = self._guarded("astrometric", cfg.requireAstrometry,
                                       lambda: self.astrometry.run(exposure, sources))
            matches = astrometry.matches if astrometry is not None else None
        if cfg.doPhotoCal:
            photo = self._guarded("photometric", cfg.requirePhotoCal,
                                  lambda: self.photoCal.run(exposure, sources, matches))
        self.metadata["numSources"] = len(sources)
        return Struct(exposure=exposure, sourceCat=sources, background=det.background,
                      matches=matches, astrometry=astrometry, photoCal=photo)

    def _guarded(self, what: str, required: bool, step):
        """Run a calibration step; without ``required`` a failure is a warning."""
        try:
            return step()
        except TaskError as error:
            if required:
                raise
            self.log.warning("Unable to perform %s calibration (%s): continuing without it",
                             what, error)
            return None

    def _copy_ic_fields(self, sources, icSourceCat) -> None:
        """Copy ``icSourceFieldsToCopy`` from the nearest icSrc within ``matchRadiusPix``."""
        if len(sources) == 0 or len(icSourceCat) == 0:
            return
        x = np.asarray(sources["slot_Centroid_x"], float)
        y = np.asarray(sources["slot_Centroid_y"], float)
        ix = np.asarray(icSourceCat["slot_Centroid_x"], float)
        iy = np.asarray(icSourceCat["slot_Centroid_y"], float)
        parent_ok = np.asarray(sources["parent"]) == 0
        # icSrc is small (bright sources): a dense distance matrix is cheap
        d2 = (x[:, None] - ix[None, :]) ** 2 + (y[:, None] - iy[None, :]) ** 2
        d2 = np.where(np.isfinite(d2), d2, np.inf)
        nearest = np.argmin(d2, axis=1)
        close = (d2[np.arange(len(x)), nearest] <= self.config.matchRadiusPix**2) & parent_ok
        sources["calib_detected"][close] = True
        for name in self.copiedFields:
            sources[name][close] = np.asarray(icSourceCat[name])[nearest[close]]
