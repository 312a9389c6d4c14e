"""Photometric calibration (LSST ``PhotoCalTask``): the zero point of *total* counts from
matched reference stars, the exposure's `PhotoCalib`, and calibrated flux/magnitude columns.

The calib flux (``slot_CalibFlux``, an aperture) misses the PSF wings; a curve of growth
from the larger apertures of the same stars gives the fraction ``f`` of the total flux inside
it. The zero point is fitted to ``calibFlux / f`` and is therefore the AB magnitude of one
*total* count, which is what ``exposure.photoCalib`` holds. Fluxes on the calib-aperture scale
(the calib flux itself and every aperture-corrected flux, i.e. one with ``<name>_apCorr``)
are divided by ``f`` too before calibration; the factor ``1/f`` is in the metadata
(``curveOfGrowthCorrection``) and the header (``APTOTCOR``).

Without a reference catalogue the zero point comes from an existing ``exposure.photoCalib``
(e.g. from an SDSS tsField), else a header ``MAGZERO``, ``PHOTZP`` or SDSS ``FLUX20``
(``ZP = 20 + 2.5 log10 FLUX20``), else the exposure stays uncalibrated.
"""

from __future__ import annotations

import math
import re

import numpy as np

from lsstlite.config import (ChoiceField, Config, ConfigError, ConfigField, Field, ListField,
                             RangeField)
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["PhotoCalConfig", "PhotoCalTask"]

_APERTURE = re.compile(r"^base_CircularApertureFlux_(\d+)_(\d+)_instFlux$")


class ColortermConfig(Config):
    """A colour term: ``refMag = mag(primary) + c0 + c1 * colour + c2 * colour**2`` with
    ``colour = mag(primary) - mag(secondary)`` (the reference catalogue's bands)."""

    primary = Field("Reference band closest to the exposure's (default: the exposure's band)",
                    str, optional=True)
    secondary = Field("Second reference band of the colour (load it with "
                      "calibrate.refcat.extraBands)", str, optional=True)
    c0 = Field("Constant term (mag)", float, default=0.0)
    c1 = Field("Linear colour coefficient", float, default=0.0)
    c2 = Field("Quadratic colour coefficient", float, default=0.0)


class PhotoCalConfig(Config):
    """Configuration of `PhotoCalTask` (LSST ``PhotoCalConfig``)."""

    fluxField = Field("Source flux (prefix of _instFlux) compared with the reference fluxes",
                      str, default="slot_CalibFlux")
    calibratedFluxes = ListField("Fluxes (prefixes of _instFlux) given calibrated _flux, "
                                 "_fluxErr (nJy), _mag and _magErr (AB) columns; the slot names "
                                 "resolve to their targets", str,
                                 default=["base_PsfFlux", "base_GaussianFlux", "slot_CalibFlux"])
    badFlags = ListField("Matched stars with any of these flags (when present) are not used",
                         str, default=["base_PixelFlags_flag_edge", "base_PixelFlags_flag_nodata",
                                       "base_PixelFlags_flag_interpolated",
                                       "base_PixelFlags_flag_saturated"])
    signalToNoiseMin = RangeField("Minimum S/N of the calib flux of a star used", float,
                                  default=10.0, min=0.0)
    extendednessMax = RangeField("Stars need base_ClassificationExtendedness_value at most this "
                                 "(when present)", float, default=0.5, min=0.0)
    doCurveOfGrowth = Field("Correct the calib flux to total with a curve of growth from the "
                            "larger apertures (needs slot_CalibFlux to be a "
                            "base_CircularApertureFlux radius)", bool, default=True)
    applyColorTerms = Field("Transform the reference magnitudes with colorterm before fitting",
                            bool, default=False)
    colorterm = ConfigField("The colour term applied when applyColorTerms is True",
                            ColortermConfig)
    totalFlux = ChoiceField("What 'total flux' is when correcting the calib aperture", str,
                            default="growth", optional=False,
                            allowed={"growth": "the stars' own curve of growth out to the "
                                               "largest reliable aperture, plus a Moffat tail",
                                     "psfModel": "the PSF model, normalised to unit flux: the "
                                                 "fraction of it inside the calib aperture "
                                                 "(SDSS photometry is tied to its psField "
                                                 "PSF model this way)"})
    curveOfGrowthMaxErr = RangeField("Largest error of the median growth ratio at a radius used",
                                     float, default=0.003, min=0.0, inclusiveMin=False)
    curveOfGrowthSignalToNoiseMin = RangeField("Minimum calib-flux S/N of the curve-of-growth "
                                               "stars", float, default=50.0, min=0.0)
    sigmaMax = RangeField("Largest clipping sigma of the zero-point estimator (mag)", float,
                          default=0.25, min=0.0, optional=True)
    nSigma = RangeField("Clip at this many sigma", float, default=3.0, min=0.0,
                        inclusiveMin=False)
    useMedian = Field("Centre later clipping passes on the median", bool, default=True)
    nIter = RangeField("Clipping passes at most", int, default=20, min=1)
    magErrFloor = RangeField("Added in quadrature to the source magnitude errors (mag)", float,
                             default=0.0, min=0.0)
    useRefFluxErr = Field("Include the reference flux errors in the weights. LSST weights by "
                          "the source errors alone, which lets a few bright stars with 1-2% "
                          "reference errors set the zero point and understates its error",
                          bool, default=True)
    headerZeroPointKeys = ListField("Header keys holding a zero point of total counts (AB mag "
                                    "of 1 count), tried in order when there is no reference "
                                    "catalogue; FLUX20 (SDSS: counts of a 20th mag star) is "
                                    "tried last", str, default=["MAGZERO", "PHOTZP"])

    def validate(self) -> None:
        """Colour terms need the secondary band."""
        if self.applyColorTerms and self.colorterm.secondary is None:
            msg = "photoCal.applyColorTerms needs photoCal.colorterm.secondary (a reference band)"
            raise ConfigError(msg)


def _aperture_columns(schema) -> dict[float, str]:
    """Radius -> ``base_CircularApertureFlux_<r>_instFlux`` for the apertures in ``schema``."""
    out = {}
    for name in schema.names:
        m = _APERTURE.match(name)
        if m:
            out[float(f"{m.group(1)}.{m.group(2)}")] = name
    return dict(sorted(out.items()))


class PhotoCalTask(Task):
    """Fit the zero point of an exposure and calibrate its fluxes.

    Parameters
    ----------
    schema : `lsstlite.table.Schema`, optional
        Schema of the catalogues; the calibrated columns (``<name>_flux``, ``_fluxErr``,
        ``_mag``, ``_magErr`` for each ``calibratedFluxes`` entry present, slots resolved) are
        added to it, else to each catalogue in `run`.
    """

    ConfigClass = PhotoCalConfig
    _DefaultName = "photoCal"

    def __init__(self, schema=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.schema = schema
        if schema is not None:
            for target in self._targets(schema):
                self._add_fields(schema.addField, schema, target)

    def _targets(self, schema) -> list[str]:
        out = []
        for name in self.config.calibratedFluxes:
            if f"{name}_instFlux" in schema:
                target = schema.resolve(f"{name}_instFlux")[:-len("_instFlux")]
                if target not in out:
                    out.append(target)
        return out

    @staticmethod
    def _add_fields(add, schema, target: str) -> None:
        for suffix, unit, doc in (("flux", "nJy", "calibrated flux"),
                                  ("fluxErr", "nJy", "error of the calibrated flux"),
                                  ("mag", "mag", "AB magnitude"),
                                  ("magErr", "mag", "error of the AB magnitude")):
            if f"{target}_{suffix}" not in schema:
                add(f"{target}_{suffix}", "float64", unit, f"{doc} of {target}")

    def _good_stars(self, catalog) -> np.ndarray:
        cfg = self.config
        good = np.ones(len(catalog), bool)
        for flag in cfg.badFlags:
            if flag in catalog.schema:
                good &= ~np.asarray(catalog[flag], bool)
        if f"{cfg.fluxField}_flag" in catalog.schema:
            good &= ~np.asarray(catalog[f"{cfg.fluxField}_flag"], bool)
        if "base_ClassificationExtendedness_value" in catalog.schema:
            good &= ~(np.asarray(catalog["base_ClassificationExtendedness_value"], float)
                      > cfg.extendednessMax)
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = np.asarray(catalog[f"{cfg.fluxField}_instFlux"], float) / \
                np.asarray(catalog[f"{cfg.fluxField}_instFluxErr"], float)
        return good & (snr >= cfg.signalToNoiseMin), snr

    def _reference_colour(self, matches, primary_col: str, ok, keep) -> np.ndarray:
        """``mag(primary) - mag(secondary)`` of the used matches (the colour-term argument)."""
        secondary_col = f"ref_{self.config.colorterm.secondary}_flux"
        if secondary_col not in matches.colnames:
            msg = (f"photoCal colour terms: the matches have no {secondary_col}; load the band "
                   f"with -c calibrate.refcat.extraBands={self.config.colorterm.secondary}")
            raise TaskError(msg)
        with np.errstate(divide="ignore", invalid="ignore"):
            colour = -2.5 * np.log10(np.asarray(matches[primary_col], float)
                                     / np.asarray(matches[secondary_col], float))
        return colour[ok][keep]

    def _calib_radius(self, catalog) -> float | None:
        """Radius of the calib aperture, or None (logged) when it is not a circular aperture."""
        calib = catalog.schema.resolve(f"{self.config.fluxField}_instFlux")
        m = _APERTURE.match(calib)
        if m is None:
            self.log.info("%s is not a circular aperture: no curve-of-growth correction", calib)
            return None
        return float(f"{m.group(1)}.{m.group(2)}")

    def psfModelCorrection(self, exposure, catalog) -> float:
        """Total / calib-aperture flux of the exposure's PSF model (1 without a PSF or an
        aperture calib flux): the mean over a 3x3 grid of positions of the model image measured
        with the same aperture algorithm as the sources."""
        from lsstlite.kernels.aperture import circular_aperture_flux

        radius = self._calib_radius(catalog)
        if radius is None or exposure.psf is None:
            return 1.0
        fractions = []
        for fy in (0.1, 0.5, 0.9):
            for fx in (0.1, 0.5, 0.9):
                kernel = exposure.psf.computeKernelImage(fx * (exposure.width - 1),
                                                         fy * (exposure.height - 1))
                c = (kernel.shape[0] - 1) / 2.0
                flux = circular_aperture_flux(kernel.astype(np.float32),
                                              np.ones(kernel.shape, np.float32), c, c, [radius],
                                              max_sinc_radius=0.0).instFlux[0, 0]
                fractions.append(flux / kernel.sum())
        fraction = float(np.mean(fractions))
        self.log.info("PSF model: %.4f of its flux inside the %g px calib aperture", fraction,
                      radius)
        return 1.0 / fraction

    def curveOfGrowth(self, catalog, stars: np.ndarray):
        """Curve-of-growth result for the calib aperture from the rows ``stars``, or None
        (logged) when the calib flux is not a circular aperture or too few stars qualify."""
        from lsstlite.photocal.growth import CurveOfGrowthError, curve_of_growth

        cfg = self.config
        apertures = _aperture_columns(catalog.schema)
        calib_radius = self._calib_radius(catalog)
        if calib_radius is None:
            return None
        radii = list(apertures)
        flux = np.column_stack([np.asarray(catalog[apertures[r]], float)[stars] for r in radii])
        for k, r in enumerate(radii):
            flag = apertures[r].replace("_instFlux", "_flag")
            if flag in catalog.schema:
                flux[np.asarray(catalog[flag], bool)[stars], k] = np.nan
        try:
            return curve_of_growth(radii, flux, calib_radius, max_growth_err=cfg.curveOfGrowthMaxErr)
        except CurveOfGrowthError as err:
            self.log.warning("No curve-of-growth correction: %s", err)
            return None

    def _fallback(self, exposure) -> tuple[object, str]:
        from lsstlite.image import PhotoCalib

        if exposure.photoCalib is not None:
            return exposure.photoCalib, "existing exposure photoCalib"
        header = exposure.metadata
        for key in self.config.headerZeroPointKeys:
            value = header.get(key) if header is not None else None
            if isinstance(value, (int, float)) and math.isfinite(value):
                return PhotoCalib.fromZeroPoint(float(value)), f"header {key}"
        flux20 = header.get("FLUX20") if header is not None else None
        if isinstance(flux20, (int, float)) and flux20 > 0:
            return PhotoCalib.fromZeroPoint(20.0 + 2.5 * math.log10(flux20)), "header FLUX20"
        return None, "none"

    @timeMethod
    def run(self, exposure, sourceCat, matches=None) -> Struct:
        """Calibrate ``exposure`` and ``sourceCat`` in place.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
        sourceCat : `lsstlite.table.SourceCatalog`
        matches : `lsstlite.table.ColumnTable`, optional
            `AstrometryTask` matches (``src_id`` and ``ref_<band>_flux``/``_fluxErr``);
            None: fall back to an existing or header zero point.

        Returns
        -------
        result : `Struct`
            ``photoCalib`` (or None), ``zeroPoint``, ``zeroPointErr`` (mag, total counts; None
            when uncalibrated), ``sigma`` (scatter of the used stars, mag), ``numStars``,
            ``curveOfGrowthCorrection`` (1 if none), ``origin`` ("refcat", "header ...",
            "existing exposure photoCalib" or "none").

        Raises
        ------
        TaskError
            When matches are given but no star is usable.
        """
        from lsstlite.image import PhotoCalib

        cfg = self.config
        good, snr = self._good_stars(sourceCat)
        stars = good
        ref_flux = ref_err = None
        if matches is not None and len(matches):
            flux_cols = [c for c in matches.colnames if c.startswith("ref_")
                         and c.endswith("_flux")]
            if not flux_cols:
                msg = "photoCal: the matches carry no reference flux column (ref_<band>_flux)"
                raise TaskError(msg)
            row_of = {int(i): k for k, i in enumerate(np.asarray(sourceCat["id"]))}
            rows = np.array([row_of.get(int(i), -1) for i in matches["src_id"]])
            ok = rows >= 0
            rows = rows[ok]
            keep = good[rows]
            rows = rows[keep]
            band = matches.meta.get("BAND")
            if cfg.applyColorTerms and cfg.colorterm.primary:
                band = cfg.colorterm.primary
            flux_col = f"ref_{band}_flux" if f"ref_{band}_flux" in flux_cols else flux_cols[0]
            ref_flux = np.asarray(matches[flux_col], float)[ok][keep]
            err_col = flux_col + "Err"
            ref_err = np.asarray(matches[err_col], float)[ok][keep] \
                if err_col in matches.colnames else None
            ref_color = color_terms = None
            if cfg.applyColorTerms:
                ref_color = self._reference_colour(matches, flux_col, ok, keep)
                color_terms = (cfg.colorterm.c0, cfg.colorterm.c1, cfg.colorterm.c2)
            stars = np.zeros(len(sourceCat), bool)
            stars[rows] = True
        correction, cog = 1.0, None
        if cfg.doCurveOfGrowth and cfg.totalFlux == "psfModel":
            correction = self.psfModelCorrection(exposure, sourceCat)
        elif cfg.doCurveOfGrowth:
            cog_stars = stars & (snr >= cfg.curveOfGrowthSignalToNoiseMin)
            cog = self.curveOfGrowth(sourceCat, cog_stars)
            if cog is not None:
                correction = cog.correction
                self.log.info("Curve of growth from %d stars: %.4f of the flux inside the calib "
                              "aperture (to r=%g px plus a %.4f model tail)", cog.n_stars,
                              cog.fraction, cog.max_radius, cog.tail_fraction)
        sigma, n_used = None, 0
        if ref_flux is not None:
            from lsstlite.photocal.zeropoint import ZeroPointError, compute_zero_point

            inst = np.asarray(sourceCat[f"{cfg.fluxField}_instFlux"], float)[rows] * correction
            inst_err = np.asarray(sourceCat[f"{cfg.fluxField}_instFluxErr"], float)[rows] * \
                correction
            try:
                zp = compute_zero_point(inst, inst_err, ref_flux,
                                        ref_flux_err=ref_err if cfg.useRefFluxErr else None,
                                        ref_color=ref_color, color_terms=color_terms,
                                        n_sigma=cfg.nSigma, sigma_max=cfg.sigmaMax,
                                        use_median=cfg.useMedian, n_iter=cfg.nIter,
                                        mag_err_floor=cfg.magErrFloor)
            except ZeroPointError as err:
                msg = f"photoCal: {err}"
                raise TaskError(msg) from None
            photo_calib = PhotoCalib(zp.calibration_mean, zp.calibration_err)
            origin, sigma, n_used = "refcat", zp.sigma, zp.n_used
            self.log.info("Photometric zero-point: %f +- %.4f (%d/%d stars, scatter %.3f mag)",
                          zp.zero_point, zp.zero_point_err, n_used, rows.size, sigma)
        else:
            photo_calib, origin = self._fallback(exposure)
            if photo_calib is None:
                self.log.info("No reference catalogue and no zero point in the header: the "
                              "exposure stays uncalibrated")
            else:
                self.log.info("No reference catalogue: zero point %.4f from the %s",
                              photo_calib.zeroPoint, origin)
        result = Struct(photoCalib=photo_calib, zeroPoint=None, zeroPointErr=None, sigma=sigma,
                        numStars=n_used, curveOfGrowthCorrection=correction, origin=origin)
        self.metadata.update(origin=origin, numStars=n_used, curveOfGrowthCorrection=correction)
        if photo_calib is None:
            return result
        exposure.photoCalib = photo_calib
        result.zeroPoint, result.zeroPointErr = photo_calib.zeroPoint, photo_calib.zeroPointErr
        self.metadata.update(zeroPoint=result.zeroPoint, zeroPointErr=result.zeroPointErr,
                             sigma=sigma)
        if exposure.metadata is not None:
            exposure.metadata["MAGZERO"] = (result.zeroPoint, "AB mag of 1 total count")
            if sigma is not None:
                exposure.metadata["MAGZRMS"] = (sigma, "scatter of the MAGZERO stars (LSST MAGZERO_RMS)")
            exposure.metadata["MAGZNOBJ"] = (n_used, "stars used for MAGZERO (LSST MAGZERO_NOBJ)")
            exposure.metadata["APTOTCOR"] = (correction, "calib aperture to total flux factor")
        self._calibrate_columns(sourceCat, photo_calib, correction)
        return result

    def _calibrate_columns(self, catalog, photo_calib, correction: float) -> None:
        calib_target = catalog.schema.resolve(f"{self.config.fluxField}_instFlux")
        for target in self._targets(catalog.schema):
            self._add_fields(lambda *a: catalog.addField(*a), catalog.schema, target)
            on_calib_scale = (f"{target}_instFlux" == calib_target
                              or f"{target}_apCorr" in catalog.schema)
            scale = correction if on_calib_scale else 1.0
            inst = np.asarray(catalog[f"{target}_instFlux"], float) * scale
            err = np.asarray(catalog[f"{target}_instFluxErr"], float) * scale
            flux, flux_err = photo_calib.instFluxToNanojansky(inst, err)
            mag, mag_err = photo_calib.instFluxToMagnitude(inst, err)
            catalog[f"{target}_flux"] = flux
            catalog[f"{target}_fluxErr"] = flux_err
            catalog[f"{target}_mag"] = mag
            catalog[f"{target}_magErr"] = mag_err
