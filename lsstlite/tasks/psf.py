"""PSF measurement: a star selector and PSF determiners, chosen from registries."""

from __future__ import annotations

import numpy as np

from lsstlite.config import Config, ListField, RangeField, makeRegistry, registerConfigurable
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["MeasurePsfConfig", "MeasurePsfTask", "ObjectSizeStarSelectorTask",
           "PcaPsfDeterminerTask", "GaussianPsfDeterminerTask", "starSelectorRegistry",
           "psfDeterminerRegistry"]

starSelectorRegistry = makeRegistry("Star selectors: choose PSF stars from a measured catalogue")
psfDeterminerRegistry = makeRegistry("PSF determiners: build a PSF model from PSF stars")


class ObjectSizeStarSelectorConfig(Config):
    """Configuration of the object-size star selector."""

    widthMin = RangeField("Minimum width sqrt((xx+yy)/2) of a star (pixels)", float, default=0.9,
                          min=0.0)
    widthMax = RangeField("Maximum width of a star (pixels)", float, default=10.0, min=0.0)
    signalToNoiseMin = RangeField("Minimum PSF-flux S/N of a PSF star (LSST: 50, matching the 50 "
                                  "sigma bright sample of characterisation)", float, default=50.0,
                                  min=0.0)
    widthStdAllowed = RangeField("Star-cluster clipping stops when the width scatter is below "
                                 "this (pixels)", float, default=0.15, min=0.0)
    nSigmaClip = RangeField("Clipping of the star cluster around its median (sigma)", float,
                            default=2.0, min=0.0)
    badFlags = ListField("Sources with any of these flags are not PSF stars", str,
                         default=["base_PixelFlags_flag_edge", "base_PixelFlags_flag_nodata",
                                  "base_PixelFlags_flag_interpolatedCenter",
                                  "base_PixelFlags_flag_saturatedCenter",
                                  "base_PixelFlags_flag_crCenter", "base_PixelFlags_flag_bad",
                                  "base_PixelFlags_flag_interpolated", "slot_Centroid_flag",
                                  "slot_Shape_flag"])


@registerConfigurable("objectSize", starSelectorRegistry)
class ObjectSizeStarSelectorTask(Task):
    """Select stars as the cluster of smallest adaptive-moment width (LSST ``objectSize``)."""

    ConfigClass = ObjectSizeStarSelectorConfig
    _DefaultName = "starSelector"

    def run(self, catalog) -> Struct:
        """Return ``Struct(selected=bool array)`` for ``catalog``."""
        from lsstlite.algorithms.star_selector import select_stars_by_size

        cfg = self.config
        bad = np.zeros(len(catalog), bool)
        for flag in cfg.badFlags:
            if flag in catalog.schema:
                bad |= np.asarray(catalog[flag], bool)
        flux = np.asarray(catalog["slot_PsfFlux_instFlux"], float)
        err = np.asarray(catalog["slot_PsfFlux_instFluxErr"], float)
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = flux / err
        selected = select_stars_by_size(catalog["slot_Shape_xx"], catalog["slot_Shape_yy"], snr,
                                        bad, width_min=cfg.widthMin, width_max=cfg.widthMax,
                                        snr_min=cfg.signalToNoiseMin,
                                        width_std_allowed=cfg.widthStdAllowed,
                                        n_sigma_clip=cfg.nSigmaClip)
        self.log.info("PSF star selector found %d candidates", int(selected.sum()))
        return Struct(selected=selected)


class PcaPsfDeterminerConfig(Config):
    """Configuration of the PCA PSF determiner."""

    stampSize = RangeField("Size of the PSF model image (odd, pixels)", int, default=25, min=5,
                           check=lambda v: v % 2 == 1)
    nEigenComponents = RangeField("Eigen-images kept", int, default=4, min=1)
    spatialOrder = RangeField("Polynomial order of the spatial variation", int, default=2, min=0)
    nIterForPsf = RangeField("Fit-and-reject rounds", int, default=3, min=1)
    rejectSigma = RangeField("Stars with reduced chi2 this many robust sigma above the median "
                             "are rejected", float, default=3.0, min=0.0)
    minStars = RangeField("Fewer usable stars than this is a failure", int, default=5, min=1)


@registerConfigurable("pca", psfDeterminerRegistry)
class PcaPsfDeterminerTask(Task):
    """Pixel-PCA PSF with spatially varying coefficients (LSST ``pca``)."""

    ConfigClass = PcaPsfDeterminerConfig
    _DefaultName = "psfDeterminer"

    def run(self, exposure, stars) -> Struct:
        """Fit the PSF of ``exposure`` from the catalogue rows ``stars``.

        Returns
        -------
        result : `Struct`
            ``psf`` (`lsstlite.image.pca_psf.PcaPsf`), ``used`` (bool per input star) and
            ``chi2`` (reduced chi² of each star against the model; NaN when not used).
        """
        from lsstlite.algorithms.psf_pca import extract_star_stamps, fit_pca_psf
        from lsstlite.image.pca_psf import PcaPsf

        cfg = self.config
        x = np.asarray(stars["slot_Centroid_x"], float)
        y = np.asarray(stars["slot_Centroid_y"], float)
        bad_bits = exposure.planes.bitmask(*[p for p in ("BAD", "SAT", "CR", "NO_DATA", "EDGE")
                                             if p in exposure.planes])
        stamps, weights, has_stamp = extract_star_stamps(exposure.image, exposure.variance,
                                                         (exposure.mask & bad_bits) != 0, x, y,
                                                         cfg.stampSize)
        if has_stamp.sum() < cfg.minStars:
            msg = (f"PSF determination: only {int(has_stamp.sum())} usable stars "
                   f"(psfDeterminer['pca'].minStars={cfg.minStars})")
            raise TaskError(msg)
        bbox = (0.0, exposure.width - 1.0, 0.0, exposure.height - 1.0)
        model, kept, chi2 = fit_pca_psf(stamps, weights, x[has_stamp], y[has_stamp], bbox,
                                        n_components=cfg.nEigenComponents,
                                        spatial_order=cfg.spatialOrder, n_iter=cfg.nIterForPsf,
                                        reject_sigma=cfg.rejectSigma)
        used = np.zeros(len(x), bool)
        used[np.flatnonzero(has_stamp)[kept]] = True
        all_chi2 = np.full(len(x), np.nan)
        all_chi2[np.flatnonzero(has_stamp)] = chi2
        return Struct(psf=PcaPsf(model), used=used, chi2=all_chi2)


class GaussianPsfDeterminerConfig(Config):
    """Configuration of the Gaussian PSF determiner."""

    stampSize = RangeField("Size of the PSF model image (odd, pixels); 0 = 8 sigma", int,
                           default=0, min=0)


@registerConfigurable("gaussian", psfDeterminerRegistry)
class GaussianPsfDeterminerTask(Task):
    """A constant circular Gaussian with the median adaptive-moment width of the PSF stars."""

    ConfigClass = GaussianPsfDeterminerConfig
    _DefaultName = "psfDeterminer"

    def run(self, exposure, stars) -> Struct:
        """Return ``Struct(psf, used, chi2)`` with a `GaussianPsf` of the stars' median width."""
        from lsstlite.image import GaussianPsf

        if len(stars) == 0:
            msg = "Gaussian PSF determination: no PSF stars"
            raise TaskError(msg)
        xx = np.asarray(stars["slot_Shape_xx"], float)
        yy = np.asarray(stars["slot_Shape_yy"], float)
        sigma = float(np.sqrt(np.nanmedian(0.5 * (xx + yy))))
        size = self.config.stampSize or None
        return Struct(psf=GaussianPsf(sigma, size), used=np.ones(len(stars), bool),
                      chi2=np.full(len(stars), np.nan))


class MeasurePsfConfig(Config):
    """Configuration of `MeasurePsfTask`."""

    starSelector = starSelectorRegistry.makeField("Star selector", default="objectSize")
    psfDeterminer = psfDeterminerRegistry.makeField("PSF determiner", default="pca")


class MeasurePsfTask(Task):
    """Select PSF stars from a measured catalogue and fit a PSF model to them.

    Sets ``calib_psf_candidate`` and ``calib_psf_used`` in the catalogue and installs the PSF
    on the exposure.
    """

    ConfigClass = MeasurePsfConfig
    _DefaultName = "measurePsf"

    def __init__(self, schema=None, **kwargs):
        super().__init__(**kwargs)
        self.makeSubtask("starSelector")
        self.makeSubtask("psfDeterminer")
        if schema is not None:
            for name, doc in (("calib_psf_candidate", "Selected as a PSF star candidate"),
                              ("calib_psf_used", "Used to build the PSF model")):
                if name not in schema:
                    schema.addField(name, dtype=bool, doc=doc)

    @timeMethod
    def run(self, exposure, catalog) -> Struct:
        """Measure the PSF of ``exposure`` from ``catalog``.

        Returns
        -------
        result : `Struct`
            ``psf``, ``numCandidates``, ``numUsed``.
        """
        selected = self.starSelector.run(catalog).selected
        result = self.psfDeterminer.run(exposure, catalog[selected])
        catalog["calib_psf_candidate"][...] = selected
        used = np.zeros(len(catalog), bool)
        used[np.flatnonzero(selected)[result.used]] = True
        catalog["calib_psf_used"][...] = used
        psf = result.psf
        exposure.psf = psf
        cx, cy = (exposure.width - 1) / 2, (exposure.height - 1) / 2
        fwhm = psf.fwhm(cx, cy)
        residual = float(np.nanmedian(result.chi2)) if np.isfinite(result.chi2).any() else None
        self.log.info("PSF determination using %d/%d stars; FWHM at centre %.3f px",
                      int(used.sum()), int(selected.sum()), fwhm)
        self.metadata.update(numAvailStars=int(selected.sum()), numGoodStars=int(used.sum()),
                             fwhmCentre=float(fwhm), medianReducedChi2=residual)
        return Struct(psf=psf, numCandidates=int(selected.sum()), numUsed=int(used.sum()))
