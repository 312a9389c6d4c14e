"""Catalogue-level calculations after measurement and aperture correction: extendedness."""

from __future__ import annotations

import numpy as np

from lsstlite.config import Config, Field, RangeField
from lsstlite.tasks.base import Struct, Task, timeMethod

__all__ = ["CatalogCalculationConfig", "CatalogCalculationTask"]


class CatalogCalculationConfig(Config):
    """Configuration of `CatalogCalculationTask`."""

    doExtendedness = Field("Compute base_ClassificationExtendedness", bool, default=True)
    fluxRatio = RangeField("A source is extended when psfFlux < fluxRatio * modelFlux (LSST "
                           "2020: 0.95)", float, default=0.95, min=0.0)
    modelErrFactor = RangeField("Model-flux error multiple added to the model flux", float,
                                default=0.0, min=0.0)
    psfErrFactor = RangeField("PSF-flux error multiple added to the PSF flux", float,
                              default=0.0, min=0.0)


class CatalogCalculationTask(Task):
    """Star/galaxy classification from the PSF and model (Gaussian) fluxes.

    Adds ``base_ClassificationExtendedness_value`` (1 extended, 0 point-like, NaN unknown) and
    ``base_ClassificationExtendedness_flag``.
    """

    ConfigClass = CatalogCalculationConfig
    _DefaultName = "catalogCalculation"

    def __init__(self, schema, **kwargs) -> None:
        super().__init__(**kwargs)
        if self.config.doExtendedness:
            for name, dtype, doc in (
                    ("base_ClassificationExtendedness_value", float,
                     "1 if the source is extended, 0 if point-like"),
                    ("base_ClassificationExtendedness_flag", bool,
                     "Extendedness could not be computed")):
                if name not in schema:
                    schema.addField(name, dtype=dtype, doc=doc)

    @timeMethod
    def run(self, catalog) -> Struct:
        """Classify every source of ``catalog`` in place."""
        if not self.config.doExtendedness or len(catalog) == 0:
            return Struct()
        cfg = self.config
        psf = np.asarray(catalog["slot_PsfFlux_instFlux"], float)
        psf_err = np.asarray(catalog["slot_PsfFlux_instFluxErr"], float)
        model = np.asarray(catalog["slot_ModelFlux_instFlux"], float)
        model_err = np.asarray(catalog["slot_ModelFlux_instFluxErr"], float)
        bad = ~(np.isfinite(psf) & np.isfinite(model))
        for flag in ("slot_PsfFlux_flag", "slot_ModelFlux_flag"):
            if flag in catalog.schema:
                bad |= np.asarray(catalog[flag], bool)
        extended = (psf + cfg.psfErrFactor * psf_err
                    < cfg.fluxRatio * model + cfg.modelErrFactor * model_err)
        value = np.where(bad, np.nan, extended.astype(float))
        catalog["base_ClassificationExtendedness_value"] = value
        catalog["base_ClassificationExtendedness_flag"] = bad
        self.metadata["numExtended"] = int(np.nansum(value))
        return Struct()
