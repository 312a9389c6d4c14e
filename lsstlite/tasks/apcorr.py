"""Aperture corrections: measure ``calibFlux / algFlux`` over stars as a smooth 2-D field,
then apply it to the aperture-corrected fluxes (LSST ``MeasureApCorrTask`` and
``ApplyApCorrTask``).

A PSF or Gaussian flux of a star differs from the flux in the calib aperture by a factor that
varies slowly over the frame with the PSF. `MeasureApCorrTask` fits that factor, for every
flux named in ``fluxNames``, as a Chebyshev polynomial in ``(x, y)`` over the frame, with
iterative symmetric sigma clipping; `ApplyApCorrTask` multiplies each source's flux by the
field at its position, so that PSF, Gaussian and calib fluxes of stars agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from lsstlite.config import ChoiceField, Config, Field, ListField, RangeField
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["ApCorrField", "ApCorrMap", "ApplyApCorrConfig", "ApplyApCorrTask",
           "MeasureApCorrConfig", "MeasureApCorrTask"]

_IQR_TO_SIGMA = 0.7413


def _chebyshev_terms(order: int, triangular: bool) -> list[tuple[int, int]]:
    return [(i, j) for i in range(order + 1) for j in range(order + 1)
            if not triangular or i + j <= order]


class ApCorrField:
    """A Chebyshev polynomial field over a pixel box, with the error of the fit.

    Parameters
    ----------
    coefficients : `numpy.ndarray`
        One coefficient per term of ``terms``.
    terms : list of (int, int)
        Orders ``(i, j)`` of ``T_i(u) T_j(v)``.
    bbox : tuple of float
        ``(x0, y0, x1, y1)``: the box mapped to ``[-1, 1]``.
    covariance : `numpy.ndarray`
        Covariance of the coefficients (from the fit residuals).
    """

    def __init__(self, coefficients: np.ndarray, terms: list[tuple[int, int]],
                 bbox: tuple[float, float, float, float], covariance: np.ndarray) -> None:
        self.coefficients = np.asarray(coefficients, float)
        self.terms = [tuple(t) for t in terms]
        self.bbox = tuple(float(b) for b in bbox)
        self.covariance = np.asarray(covariance, float)

    @property
    def order(self) -> int:
        """Highest total order of the polynomial."""
        return max(i + j for i, j in self.terms)

    def _design(self, x, y) -> np.ndarray:
        from numpy.polynomial import chebyshev

        x0, y0, x1, y1 = self.bbox
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        u = (2.0 * x.ravel() - (x0 + x1)) / (x1 - x0)
        v = (2.0 * y.ravel() - (y0 + y1)) / (y1 - y0)
        n = max(max(i for i, _ in self.terms), max(j for _, j in self.terms))
        full = chebyshev.chebvander2d(u, v, [n, n])
        design = full[:, [i * (n + 1) + j for i, j in self.terms]]
        return design.reshape(x.shape + (len(self.terms),))

    def evaluate(self, x, y):
        """Value of the field at pixel positions ``(x, y)``."""
        return self._design(x, y) @ self.coefficients

    def evaluateErr(self, x, y):
        """1-sigma error of the fitted field at ``(x, y)``."""
        design = self._design(x, y)
        return np.sqrt(np.einsum("...i,ij,...j->...", design, self.covariance, design))

    def __repr__(self) -> str:
        return f"ApCorrField(order={self.order}, n_terms={len(self.terms)})"


class ApCorrMap(Mapping):
    """Aperture corrections by flux name (``"base_PsfFlux"`` -> `ApCorrField`)."""

    def __init__(self, fields: Mapping[str, ApCorrField] | None = None) -> None:
        self._fields: dict[str, ApCorrField] = dict(fields or {})

    def __getitem__(self, name: str) -> ApCorrField:
        try:
            return self._fields[name]
        except KeyError:
            msg = f"no aperture correction for {name!r}; have {', '.join(self._fields) or 'none'}"
            raise KeyError(msg) from None

    def __setitem__(self, name: str, field: ApCorrField) -> None:
        self._fields[name] = field

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"ApCorrMap({', '.join(self._fields)})"


def fit_ap_corr_field(x, y, ratio, bbox, *, order: int, triangular: bool, num_iter: int,
                      num_sigma_clip: float, min_degrees_of_freedom: int, ratio_err=None,
                      min_stars_per_term: float = 0.0):
    """Fit ``ratio`` as a Chebyshev field with iterative symmetric sigma clipping.

    The order is lowered until the stars left leave at least ``min_degrees_of_freedom``
    degrees of freedom and number at least ``min_stars_per_term`` per fitted term. With
    ``ratio_err`` the fit is weighted by ``1 / ratio_err**2``. The clipping sigma is
    ``0.741 IQR`` of the residuals scaled by the errors (robust against the outliers being
    clipped). Returns ``(field, used)`` or raises `ValueError` when even a constant cannot be
    fitted.
    """
    x, y, ratio = (np.asarray(a, float) for a in (x, y, ratio))
    err = np.ones_like(ratio) if ratio_err is None else np.asarray(ratio_err, float)
    used = np.isfinite(x) & np.isfinite(y) & np.isfinite(ratio) & np.isfinite(err) & (err > 0)
    field = None
    for _ in range(num_iter + 1):
        n = int(used.sum())
        fit_order = order
        while fit_order >= 0 and (
                n - len(_chebyshev_terms(fit_order, triangular)) < min_degrees_of_freedom
                or (fit_order > 0 and n < min_stars_per_term * len(_chebyshev_terms(fit_order,
                                                                                   triangular)))):
            fit_order -= 1
        if fit_order < 0:
            msg = (f"{n} stars leave fewer than minDegreesOfFreedom={min_degrees_of_freedom} "
                   "degrees of freedom even for a constant")
            raise ValueError(msg)
        terms = _chebyshev_terms(fit_order, triangular)
        field = ApCorrField(np.zeros(len(terms)), terms, bbox, np.zeros((len(terms),) * 2))
        design = field._design(x[used], y[used]) / err[used, None]
        coeffs, *_ = np.linalg.lstsq(design, ratio[used] / err[used], rcond=None)
        field.coefficients = coeffs
        resid = ratio - field.evaluate(np.where(np.isfinite(x), x, 0), np.where(np.isfinite(y), y, 0))
        scaled = resid / err
        dof = max(n - len(terms), 1)
        # reduced chi² scales the covariance (never below the stated errors' 1)
        variance = float(np.sum(scaled[used] ** 2) / dof)
        if ratio_err is not None:
            variance = max(variance, 1.0)
        field.covariance = variance * np.linalg.pinv(design.T @ design)
        q25, q75 = np.percentile(scaled[used], [25.0, 75.0])
        sigma = max(_IQR_TO_SIGMA * float(q75 - q25), 1e-12)
        new = used & (np.abs(scaled) <= num_sigma_clip * sigma)
        if np.array_equal(new, used) or new.sum() == 0:
            break
        used = new
    return field, used


class MeasureApCorrConfig(Config):
    """Configuration of `MeasureApCorrTask` (LSST ``MeasureApCorrConfig``)."""

    refFluxName = Field("Flux (prefix of _instFlux) the corrections scale to", str,
                        default="slot_CalibFlux")
    fluxNames = ListField("Fluxes to correct (prefixes of _instFlux); those absent from the "
                          "catalogue are skipped", str,
                          default=["base_PsfFlux", "base_GaussianFlux", "base_KronFlux"])
    starSelection = ChoiceField(
        "Stars used for the fit. LSST uses 'flagged' (the PSF stars); 'auto' (lsstlite default) "
        "falls back to 'psfLike' when no star carries the flag, e.g. with a psField PSF and "
        "doMeasurePsf=False, where obs_sdss switched to its size-based selector", str,
        default="auto",
        allowed={"flagged": "sources with the starFlag field set",
                 "psfLike": "unflagged, S/N >= signalToNoiseMin, second moments within "
                            "psfSizeTolerance of the PSF model's",
                 "auto": "'flagged' if any source is flagged, else 'psfLike'"},
        optional=False)
    starFlag = Field("Flag marking the stars of 'flagged'", str, default="calib_psf_used")
    signalToNoiseMin = RangeField("Minimum S/N of the reference flux for 'psfLike' stars",
                                  float, default=50.0, min=0.0)
    psfSizeTolerance = RangeField("'psfLike' stars have Ixx+Iyy within this fraction of the "
                                  "PSF model's", float, default=0.1, min=0.0)
    badFlags = ListField("Stars with any of these flags (when present) are not used", str,
                         default=["base_PixelFlags_flag_edge", "base_PixelFlags_flag_nodata",
                                  "base_PixelFlags_flag_saturatedCenter",
                                  "base_PixelFlags_flag_interpolatedCenter",
                                  "base_PixelFlags_flag_crCenter", "base_PixelFlags_flag_bad"])
    fitOrder = RangeField("Order of the Chebyshev field (LSST ChebyshevBoundedFieldConfig "
                          "orderX=orderY=2)", int, default=2, min=0)
    triangular = Field("Keep only terms of total order <= fitOrder", bool, default=True)
    minDegreesOfFreedom = RangeField("The order is lowered until the fit has at least this many "
                                     "degrees of freedom", int, default=1, min=0)
    minStarsPerTerm = RangeField("The order is also lowered until there are this many stars per "
                                 "fitted term (LSST has no such rule; with the ~30-50 PSF stars "
                                 "of a frame an order-2 field fits their aperture noise and "
                                 "adds ~2% scatter to every corrected flux)", float, default=10.0,
                                 min=0.0)
    doWeight = Field("Weight the fit by the inverse variance of each star's ratio (from the "
                     "two fluxes' errors, plus ratioErrFloor in quadrature)", bool, default=True)
    ratioErrFloor = RangeField("Fractional error added in quadrature to each star's ratio "
                               "error, so that a few very bright stars do not decide the field",
                               float, default=0.003, min=0.0)
    numIter = RangeField("Rounds of clipping and refitting", int, default=4, min=0)
    numSigmaClip = RangeField("Clip stars this many sigma from the fit (both sides)", float,
                              default=3.0, min=0.0, inclusiveMin=False)
    allowFailure = ListField("Fluxes for which a failed fit is logged and skipped instead of "
                             "raising", str, default=[])


class MeasureApCorrTask(Task):
    """Fit the aperture correction ``refFlux / flux`` of each flux over stars.

    Parameters
    ----------
    schema : `lsstlite.table.Schema`, optional
        Accepted for the LSST calling convention; the task adds no fields.
    """

    ConfigClass = MeasureApCorrConfig
    _DefaultName = "measureApCorr"

    def __init__(self, schema=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.schema = schema

    def _select_stars(self, exposure, catalog) -> np.ndarray:
        cfg = self.config
        n = len(catalog)
        good = np.ones(n, bool)
        for flag in cfg.badFlags:
            if flag in catalog.schema:
                good &= ~np.asarray(catalog[flag], bool)
        ref_flag = f"{cfg.refFluxName}_flag"
        if ref_flag in catalog.schema:
            good &= ~np.asarray(catalog[ref_flag], bool)
        mode = cfg.starSelection
        flagged = (np.asarray(catalog[cfg.starFlag], bool) if cfg.starFlag in catalog.schema
                   else np.zeros(n, bool))
        if mode == "flagged" or (mode == "auto" and flagged.any()):
            return good & flagged
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = np.asarray(catalog[f"{cfg.refFluxName}_instFlux"], float) / \
                np.asarray(catalog[f"{cfg.refFluxName}_instFluxErr"], float)
        good &= snr >= cfg.signalToNoiseMin
        if "slot_Shape_xx" in catalog.schema and exposure.psf is not None:
            size = np.asarray(catalog["slot_Shape_xx"], float) + \
                np.asarray(catalog["slot_Shape_yy"], float)
            xx, yy, _ = exposure.psf.computeShape((exposure.width - 1) / 2,
                                                  (exposure.height - 1) / 2)
            good &= np.abs(size / (xx + yy) - 1.0) <= cfg.psfSizeTolerance
        return good

    @timeMethod
    def run(self, exposure, catalog) -> Struct:
        """Measure the aperture corrections of ``catalog`` on ``exposure``.

        Returns
        -------
        result : `Struct`
            ``apCorrMap`` (`ApCorrMap`, name -> `ApCorrField`), ``numStars`` (dict name ->
            stars kept by the fit).

        Raises
        ------
        TaskError
            When a fit fails for a flux not in ``allowFailure``.
        """
        cfg = self.config
        stars = self._select_stars(exposure, catalog)
        x = np.asarray(catalog["slot_Centroid_x"], float)
        y = np.asarray(catalog["slot_Centroid_y"], float)
        ref = np.asarray(catalog[f"{cfg.refFluxName}_instFlux"], float)
        bbox = (-0.5, -0.5, exposure.width - 0.5, exposure.height - 0.5)
        ap_corr_map = ApCorrMap()
        used_counts: dict[str, int] = {}
        self.log.info("Measuring aperture corrections for %d fluxes from %d stars",
                      len(cfg.fluxNames), int(stars.sum()))
        for name in cfg.fluxNames:
            if f"{name}_instFlux" not in catalog.schema:
                self.log.debug("%s not measured: no aperture correction", name)
                continue
            flux = np.asarray(catalog[f"{name}_instFlux"], float)
            sel = stars & np.isfinite(flux) & (flux > 0) & np.isfinite(ref) & (ref > 0)
            if f"{name}_flag" in catalog.schema:
                sel &= ~np.asarray(catalog[f"{name}_flag"], bool)
            ratio = ref[sel] / flux[sel]
            ratio_err = None
            if cfg.doWeight:
                ref_err = np.asarray(catalog[f"{cfg.refFluxName}_instFluxErr"], float)[sel]
                flux_err = np.asarray(catalog[f"{name}_instFluxErr"], float)[sel]
                ratio_err = ratio * np.sqrt((ref_err / ref[sel]) ** 2 + (flux_err / flux[sel]) ** 2
                                            + cfg.ratioErrFloor**2)
            try:
                field, used = fit_ap_corr_field(x[sel], y[sel], ratio, bbox,
                                                order=cfg.fitOrder, triangular=cfg.triangular,
                                                num_iter=cfg.numIter,
                                                num_sigma_clip=cfg.numSigmaClip,
                                                min_degrees_of_freedom=cfg.minDegreesOfFreedom,
                                                ratio_err=ratio_err,
                                                min_stars_per_term=cfg.minStarsPerTerm)
            except ValueError as err:
                msg = f"aperture correction for {name}: {err}"
                if name in cfg.allowFailure:
                    self.log.warning("%s (allowFailure)", msg)
                    continue
                raise TaskError(msg) from None
            ap_corr_map[name] = field
            used_counts[name] = int(used.sum())
            centre = float(field.evaluate((exposure.width - 1) / 2, (exposure.height - 1) / 2))
            self.log.info("Aperture correction for %s: %.4f at the centre (order %d, %d/%d stars)",
                          name, centre, field.order, int(used.sum()), int(sel.sum()))
            self.metadata[f"{name}_apCorrCentre"] = centre
        self.metadata["numStars"] = dict(used_counts)
        return Struct(apCorrMap=ap_corr_map, numStars=used_counts)


class ApplyApCorrConfig(Config):
    """Configuration of `ApplyApCorrTask` (LSST ``ApplyApCorrConfig``)."""

    fluxNames = ListField("Fluxes to correct (prefixes of _instFlux); the apCorr columns are "
                          "added for those in the schema", str,
                          default=["base_PsfFlux", "base_GaussianFlux", "base_KronFlux"])
    ignoreList = ListField("Fluxes not to correct even when a correction exists", str, default=[])
    doFlagApCorrFailures = Field("Set <name>_flag_apCorr (and <name>_flag) where no finite "
                                 "correction exists", bool, default=True)
    addErrorInQuadrature = Field("Add flux * apCorrErr to the flux error in quadrature "
                                 "(the correction's own uncertainty)", bool, default=True)


class ApplyApCorrTask(Task):
    """Multiply fluxes and errors by the aperture correction at each source.

    Parameters
    ----------
    schema : `lsstlite.table.Schema`
        Schema of the catalogues to correct; ``<name>_apCorr``, ``<name>_apCorrErr`` (float)
        and ``<name>_flag_apCorr`` (bool) are added for every ``fluxNames`` entry present.
    """

    ConfigClass = ApplyApCorrConfig
    _DefaultName = "applyApCorr"

    def __init__(self, schema=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.schema = schema
        if schema is not None:
            for name in self.config.fluxNames:
                if f"{name}_instFlux" in schema:
                    self._add_fields(schema, name)

    @staticmethod
    def _add_fields(schema, name: str) -> None:
        for suffix, dtype, doc in (
                ("apCorr", "float64", f"Aperture correction applied to {name}_instFlux"),
                ("apCorrErr", "float64", f"Error of {name}_apCorr"),
                ("flag_apCorr", bool, f"No aperture correction could be applied to {name}")):
            if f"{name}_{suffix}" not in schema:
                schema.addField(f"{name}_{suffix}", dtype, "", doc)

    @timeMethod
    def run(self, catalog, apCorrMap: ApCorrMap) -> Struct:
        """Correct ``catalog`` in place with ``apCorrMap``.

        Returns
        -------
        result : `Struct`
            ``corrected``: names of the fluxes corrected.
        """
        cfg = self.config
        x = np.asarray(catalog["slot_Centroid_x"], float)
        y = np.asarray(catalog["slot_Centroid_y"], float)
        done = []
        for name in cfg.fluxNames:
            if name in cfg.ignoreList or f"{name}_instFlux" not in catalog.schema:
                continue
            for suffix, dtype in (("apCorr", "float64"), ("apCorrErr", "float64"),
                                  ("flag_apCorr", bool)):
                if f"{name}_{suffix}" not in catalog.schema:
                    catalog.addField(f"{name}_{suffix}", dtype, "",
                                     f"{suffix} of {name} (added by applyApCorr)")
            if name not in apCorrMap:
                self.log.warning("No aperture correction for %s: flagged", name)
                if cfg.doFlagApCorrFailures:
                    catalog[f"{name}_flag_apCorr"][:] = True
                continue
            field = apCorrMap[name]
            inside = np.isfinite(x) & np.isfinite(y)
            corr = np.full(len(catalog), np.nan)
            corr_err = np.full(len(catalog), np.nan)
            corr[inside] = field.evaluate(x[inside], y[inside])
            corr_err[inside] = field.evaluateErr(x[inside], y[inside])
            bad = ~(np.isfinite(corr) & (corr > 0))
            flux = catalog[f"{name}_instFlux"]
            err = catalog[f"{name}_instFluxErr"]
            ok = ~bad
            if cfg.addErrorInQuadrature:
                err[ok] = np.hypot(err[ok] * corr[ok], flux[ok] * corr_err[ok])
            else:
                err[ok] = err[ok] * corr[ok]
            flux[ok] = flux[ok] * corr[ok]
            catalog[f"{name}_apCorr"][:] = corr
            catalog[f"{name}_apCorrErr"][:] = corr_err
            if cfg.doFlagApCorrFailures and bad.any():
                catalog[f"{name}_flag_apCorr"][bad] = True
                if f"{name}_flag" in catalog.schema:
                    catalog[f"{name}_flag"][bad] = True
            done.append(name)
        self.log.info("Applied aperture corrections to %s for %d sources",
                      ", ".join(done) or "nothing", len(catalog))
        return Struct(corrected=done)
