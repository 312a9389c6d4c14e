"""Astrometric calibration (LSST ``AstrometryTask`` with ``FitTanSipWcsTask``): select good
unresolved sources, match them to the reference objects on the frame through the input WCS
(offset/rotation search, then nearest neighbour with a shrinking radius), fit TAN-SIP with
symmetric sigma clipping, iterate, and write ``coord_ra``/``coord_dec`` of every source.
"""

from __future__ import annotations

import numpy as np

from lsstlite.config import ChoiceField, Config, ConfigField, Field, ListField, RangeField
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["AstrometryConfig", "AstrometryTask", "FitTanSipWcsConfig", "MatcherConfig",
           "SourceSelectorConfig", "setSkyCoords"]


class SourceSelectorConfig(Config):
    """Which sources take part in matching (LSST science source selector)."""

    badFlags = ListField("Sources with any of these flags (when present) are not matched", str,
                         default=["base_PixelFlags_flag_edge", "base_PixelFlags_flag_nodata",
                                  "base_PixelFlags_flag_saturatedCenter",
                                  "base_PixelFlags_flag_interpolatedCenter",
                                  "base_PixelFlags_flag_crCenter", "base_PixelFlags_flag_bad",
                                  "slot_Centroid_flag"])
    fluxField = Field("Flux (prefix of _instFlux/_instFluxErr) for S/N and brightness", str,
                      default="slot_PsfFlux")
    signalToNoiseMin = RangeField("Minimum S/N of matched sources", float, default=10.0,
                                  min=0.0)
    extendednessMax = RangeField("Sources with base_ClassificationExtendedness_value above this "
                                 "(when present) are not matched", float, default=0.5, min=0.0)
    excludeDeblendedParents = Field("Skip parents that were deblended (deblend_nChild > 0)",
                                    bool, default=True)


class MatcherConfig(Config):
    """Matcher options (`lsstlite.astrom.match.match_to_reference`).

    LSST's ``matchOptimisticB``/``matchPessimisticB`` are replaced by an offset/rotation vote;
    the search ranges play the role of ``maxOffsetPix`` and ``maxRotationDeg``.
    """

    maxOffsetArcsec = RangeField("Largest shift of the input WCS searched (arcsec; LSST "
                                 "maxOffsetPix=300 px ~ 60\" on LSST, 120\" on SDSS, but a vote "
                                 "over a wider range only costs time)", float, default=15.0,
                                 min=0.0, inclusiveMin=False)
    maxRotationDeg = RangeField("Largest rotation of the input WCS searched (deg)", float,
                                default=1.5, min=0.0)
    maxScaleError = RangeField("Largest fractional scale error of the input WCS searched",
                               float, default=0.02, min=0.0)
    voteBinPix = RangeField("Bin of the translation vote (pixels)", float, default=3.0, min=0.1)
    numBrightStars = RangeField("Brightest sources that vote", int, default=150, min=3)
    numBrightRefs = RangeField("Brightest reference objects that vote", int, default=450, min=3)
    maxMatchDistArcSec = RangeField("Radius of the first nearest-neighbour round (arcsec)",
                                    float, default=3.0, min=0.0, inclusiveMin=False)
    minVotes = RangeField("Fewest consistent pairs accepted by the vote", int, default=5, min=2)


class FitTanSipWcsConfig(Config):
    """TAN-SIP fitter options (LSST ``FitTanSipWcsConfig``)."""

    order = RangeField("Total order of the SIP polynomial (LSST: 4; 3 holds the cubic distortion "
                       "of an SDSS frame with ~50-100 matches, order 4 needs a few hundred)",
                       int, default=3, min=1)
    numIter = RangeField("Fit-and-reject rounds", int, default=3, min=1)
    numRejIter = RangeField("Rejection passes per round", int, default=1, min=0)
    rejSigma = RangeField("Reject matches with |residual| above this many sigma (in either axis; "
                          "LSST's test is one-sided, a bug)", float, default=3.0, min=0.0,
                          inclusiveMin=False)
    maxScatterArcsec = RangeField("Fail when the rms of the fit exceeds this (arcsec)", float,
                                  default=10.0, min=0.0, inclusiveMin=False)
    doWeight = Field("Weight the fit by the inverse variance of each match: the source's "
                     "centroid error plus refPositionErrArcsec in quadrature (LSST fits "
                     "unweighted, which lets faint stars bend the distortion at the corners)",
                     bool, default=True)
    refPositionErrArcsec = RangeField("Reference position error assumed for the weights "
                                      "(arcsec)", float, default=0.015, min=0.0)
    inputDistortion = ChoiceField(
        "What to do with the SIP distortion of a TAN-SIP input WCS (a plain TAN one is always "
        "refitted)", str, default="auto",
        allowed={"refit": "fit a new TAN-SIP of `order`; the input distortion only helps the "
                          "first match",
                 "keep": "keep it and fit CRVAL and CD only (LSST FitAffineWcsTask on a camera "
                         "distortion model): 6 parameters, not 20 for a cubic, so the frame "
                         "corners are not extrapolated",
                 "auto": "'keep' unless the matches reject it (F-test of the affine fit against "
                         "a TAN-SIP of `order`, or of the input distortion's order if higher, at "
                         "`distortionSignificance`), then 'refit'; 'keep' when the matches are "
                         "too few for that TAN-SIP"},
        optional=False)
    distortionSignificance = RangeField("Probability of wrongly rejecting a correct input "
                                        "distortion in the 'auto' test", float, default=0.01,
                                        min=0.0, max=1.0)


class AstrometryConfig(Config):
    """Configuration of `AstrometryTask` (LSST ``AstrometryConfig``)."""

    sourceSelector = ConfigField("Sources used for matching", SourceSelectorConfig)
    matcher = ConfigField("Source-reference matcher", MatcherConfig)
    wcsFitter = ConfigField("TAN-SIP fitter", FitTanSipWcsConfig)
    maxIter = RangeField("Match-and-fit iterations", int, default=3, min=1)
    matchDistanceSigma = RangeField("Next match radius = mean + this many std of the match "
                                    "distances", float, default=2.0, min=0.0)
    minMatchDistanceArcSec = RangeField("Floor of the match radius (arcsec; LSST 0.001, which "
                                        "lets the radius shrink below the centroid noise and "
                                        "drop faint true matches)", float, default=0.3, min=0.0)
    minMatches = RangeField("Fewer matches than this is a failure", int, default=6, min=1)
    forceKnownWcs = Field("Keep the input WCS: match only, no fit", bool, default=False)


def setSkyCoords(catalog, wcs) -> None:
    """Write ``coord_ra``/``coord_dec`` (radians) of every source from ``slot_Centroid``."""
    x = np.asarray(catalog["slot_Centroid_x"], float)
    y = np.asarray(catalog["slot_Centroid_y"], float)
    ok = np.isfinite(x) & np.isfinite(y)
    ra = np.full(len(catalog), np.nan)
    dec = np.full(len(catalog), np.nan)
    if ok.any():
        r, d = wcs.all_pix2world(x[ok], y[ok], 0)
        ra[ok], dec[ok] = np.deg2rad(r), np.deg2rad(d)
    catalog["coord_ra"] = ra
    catalog["coord_dec"] = dec


def _sip_distortion(wcs) -> dict | None:
    """The SIP distortion of a TAN-SIP WCS (lsstlite's or astropy's) as `solve_astrometry`
    keywords (``distortion``, ``distortion_inverse`` when it has AP/BP, 0-based ``crpix``),
    or None."""
    from lsstlite.image.wcs import TanSipWcs

    if isinstance(wcs, TanSipWcs):
        a, b, ap, bp, crpix = wcs.a, wcs.b, wcs.ap, wcs.bp, wcs.crpix
    else:
        sip = getattr(wcs, "sip", None)
        if sip is None or not str(wcs.wcs.ctype[0]).startswith("RA---TAN"):
            return None
        a, b, ap, bp, crpix = sip.a, sip.b, sip.ap, sip.bp, sip.crpix
    if a is None or b is None:
        return None
    inverse = (np.asarray(ap, float), np.asarray(bp, float)) if _usable_inverse(ap, bp) else None
    return {"distortion": (np.asarray(a, float), np.asarray(b, float)), "distortion_inverse": inverse,
            "crpix": (float(crpix[0]) - 1.0, float(crpix[1]) - 1.0)}


def _usable_inverse(ap, bp) -> bool:
    """Whether AP/BP can be kept as they are (else they are refitted): square, of order >= 2,
    finite."""
    if ap is None or bp is None:
        return False
    return all(np.ndim(m) == 2 and np.shape(m)[0] == np.shape(m)[1] >= 3
               and bool(np.all(np.isfinite(m))) for m in (ap, bp))


class AstrometryTask(Task):
    """Fit the WCS of an exposure to a reference catalogue.

    Parameters
    ----------
    refObjLoader : `lsstlite.tasks.refcat.LoadReferenceObjectsTask`, optional
        Loader of the reference objects; without one (or with no path configured) the input
        WCS is kept.
    schema : `lsstlite.table.Schema`, optional
        Accepted for the LSST calling convention; no fields are added (``coord_ra``/
        ``coord_dec`` are always present).
    """

    ConfigClass = AstrometryConfig
    _DefaultName = "astrometry"

    def __init__(self, refObjLoader=None, schema=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.refObjLoader = refObjLoader
        self.schema = schema

    def selectSources(self, catalog) -> np.ndarray:
        """Boolean mask of the good unresolved sources used for matching."""
        cfg = self.config.sourceSelector
        good = np.isfinite(catalog["slot_Centroid_x"]) & np.isfinite(catalog["slot_Centroid_y"])
        for flag in cfg.badFlags:
            if flag in catalog.schema:
                good &= ~np.asarray(catalog[flag], bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = np.asarray(catalog[f"{cfg.fluxField}_instFlux"], float) / \
                np.asarray(catalog[f"{cfg.fluxField}_instFluxErr"], float)
        good &= snr >= cfg.signalToNoiseMin
        if "base_ClassificationExtendedness_value" in catalog.schema:
            ext = np.asarray(catalog["base_ClassificationExtendedness_value"], float)
            good &= ~(ext > cfg.extendednessMax)
        if cfg.excludeDeblendedParents and "deblend_nChild" in catalog.schema:
            good &= np.asarray(catalog["deblend_nChild"]) == 0
        return good

    def _weights(self, catalog, rows: np.ndarray, wcs) -> np.ndarray | None:
        """Inverse position variance (1/arcsec²) of the selected sources, or None."""
        w = self.config.wcsFitter
        if not w.doWeight or "slot_Centroid_xErr" not in catalog.schema:
            return None
        from lsstlite.image.wcs import pixel_scale_matrix

        # mean length of the matrix columns: astropy's proj_plane_pixel_scales, for any WCS
        scale = float(np.mean(np.sqrt((pixel_scale_matrix(wcs) ** 2).sum(axis=0)))) * 3600.0
        x_err = np.asarray(catalog["slot_Centroid_xErr"], float)[rows]
        y_err = np.asarray(catalog["slot_Centroid_yErr"], float)[rows]
        var = 0.5 * (x_err**2 + y_err**2) * scale**2 + w.refPositionErrArcsec**2
        # a source without a centroid error gets the median weight
        var = np.where(np.isfinite(var) & (var > 0), var, np.nanmedian(var))
        return 1.0 / var

    @timeMethod
    def run(self, exposure, sourceCat) -> Struct:
        """Fit ``exposure.wcs`` and set the sky coordinates of ``sourceCat`` (both in place).

        Returns
        -------
        result : `Struct`
            ``wcs`` (the fitted or kept WCS), ``matches`` (`lsstlite.table.ColumnTable`,
            one row per match: ``src_id``, ``ref_id``, ``ref_coord_ra``, ``ref_coord_dec``
            (rad), ``src_coord_ra``, ``src_coord_dec`` (rad), ``separation`` (arcsec),
            ``ref_<band>_flux``/``ref_<band>_fluxErr`` (nJy) when the band is known; None
            without a reference catalogue), ``refCat``, ``band``, ``numMatches``,
            ``rmsArcsec``, ``medianArcsec`` (None without matches), ``fitted`` (bool),
            ``fit`` (the `lsstlite.astrom.sip.SipFitResult`, whose
            ``position_error_arcsec(x, y)`` is the predicted error of the WCS anywhere on the
            frame; None when nothing was fitted).

        Raises
        ------
        TaskError
            If the exposure has no WCS, the reference catalogue cannot be read, matching or
            fitting fails, or the fit scatter exceeds ``wcsFitter.maxScatterArcsec``.
        """
        cfg = self.config
        if exposure.wcs is None:
            msg = "astrometry: the exposure has no initial WCS"
            raise TaskError(msg)
        loader = self.refObjLoader
        if loader is None or not loader.enabled:
            self.log.info("No reference catalogue: keeping the input WCS")
            setSkyCoords(sourceCat, exposure.wcs)
            self.metadata.update(numMatches=0, fitted=False)
            return Struct(wcs=exposure.wcs, matches=None, refCat=None, band=None, numMatches=0,
                          rmsArcsec=None, medianArcsec=None, fitted=False, fit=None)
        loaded = loader.loadExposure(exposure)
        ref, band = loaded.refCat, loaded.band
        selected = np.flatnonzero(self.selectSources(sourceCat))
        self.log.info("Matching %d of %d sources to %d reference objects", selected.size,
                      len(sourceCat), len(ref))
        x = np.asarray(sourceCat["slot_Centroid_x"], float)[selected]
        y = np.asarray(sourceCat["slot_Centroid_y"], float)[selected]
        flux = np.asarray(sourceCat[f"{cfg.sourceSelector.fluxField}_instFlux"], float)[selected]
        ref_flux = ref.flux(band) if band is not None and f"{band}_flux" in ref else None
        shape = (exposure.height, exposure.width)
        m = cfg.matcher
        match_kw = dict(source_flux=flux, ref_flux=ref_flux, frame_shape=shape,
                        max_offset_arcsec=m.maxOffsetArcsec, max_rotation_deg=m.maxRotationDeg,
                        max_scale_error=m.maxScaleError, vote_bin_pix=m.voteBinPix,
                        num_bright_sources=m.numBrightStars, num_bright_refs=m.numBrightRefs,
                        max_match_dist_arcsec=m.maxMatchDistArcSec, min_votes=m.minVotes,
                        match_distance_sigma=cfg.matchDistanceSigma,
                        min_match_dist_arcsec=cfg.minMatchDistanceArcSec)
        from lsstlite.astrom.match import MatchError, match_to_reference
        from lsstlite.astrom.sip import SipFitError, sky_separation_arcsec

        try:
            if cfg.forceKnownWcs:
                match = match_to_reference(x, y, ref.ra, ref.dec, exposure.wcs, **match_kw)
                wcs, n_iter, fit = exposure.wcs, 0, None
                src_idx, ref_idx = match.source_index, match.ref_index
                used = np.ones(src_idx.size, bool)
            else:
                solution = self._solve(x, y, ref, exposure.wcs,
                                       self._weights(sourceCat, selected, exposure.wcs), match_kw)
                wcs, n_iter, fit = solution.wcs, solution.n_iter, solution.fit
                src_idx, ref_idx = solution.match.source_index, solution.match.ref_index
                used = fit.used
        except (MatchError, SipFitError) as err:
            msg = f"astrometry failed: {err}"
            raise TaskError(msg) from None
        src_idx, ref_idx = src_idx[used], ref_idx[used]
        mra, mdec = wcs.all_pix2world(x[src_idx], y[src_idx], 0)
        sep = sky_separation_arcsec(mra, mdec, ref.ra[ref_idx], ref.dec[ref_idx])
        n = int(src_idx.size)
        if n < cfg.minMatches:
            msg = f"astrometry failed: {n} matches (minMatches={cfg.minMatches})"
            raise TaskError(msg)
        rms = float(np.sqrt(np.mean(sep**2)))
        median = float(np.median(sep))
        if not cfg.forceKnownWcs and rms > cfg.wcsFitter.maxScatterArcsec:
            msg = (f"astrometry failed: rms {rms:.3f}\" of {n} matches exceeds "
                   f"wcsFitter.maxScatterArcsec={cfg.wcsFitter.maxScatterArcsec}")
            raise TaskError(msg)
        exposure.wcs = wcs
        setSkyCoords(sourceCat, wcs)
        rows = selected[src_idx]
        matches = self._match_table(sourceCat, rows, ref, ref_idx, sep, band)
        self.log.info("Astrometric %s: %d matches, rms %.3f\", median %.3f\" (%d iterations)",
                      "matching (forceKnownWcs)" if cfg.forceKnownWcs else "solution", n, rms,
                      median, n_iter)
        self.metadata.update(numMatches=n, rmsArcsec=rms, medianArcsec=median,
                             numIterations=n_iter, fitted=not cfg.forceKnownWcs)
        if fit is not None:
            gx, gy = np.meshgrid(np.linspace(-0.5, exposure.width - 0.5, 21),
                                 np.linspace(-0.5, exposure.height - 0.5, 21))
            worst = float(fit.position_error_arcsec(gx, gy).max())
            self.log.info("Predicted WCS error (1 sigma): %.3f\" at worst over the frame",
                          worst)
            self.metadata["maxPredictedErrorArcsec"] = worst
        return Struct(wcs=wcs, matches=matches, refCat=ref, band=band, numMatches=n,
                      rmsArcsec=rms, medianArcsec=median, fitted=not cfg.forceKnownWcs,
                      fit=fit)

    def _solve(self, x, y, ref, wcs, weights, match_kw):
        """Match and fit: affine on the input distortion, or a new TAN-SIP (`inputDistortion`)."""
        from lsstlite.astrom.match import MatchError
        from lsstlite.astrom.sip import SipFitError
        from lsstlite.astrom.solve import solve_astrometry

        cfg = self.config
        w = cfg.wcsFitter
        common = dict(max_iter=cfg.maxIter, num_iter=w.numIter, num_rej_iter=w.numRejIter,
                      rej_sigma=w.rejSigma, weights=weights, **match_kw)
        distortion = _sip_distortion(wcs)
        self.metadata["inputDistortionKept"] = False
        self.metadata.pop("inputDistortionPValue", None)
        if distortion is None or w.inputDistortion == "refit":
            return solve_astrometry(x, y, ref.ra, ref.dec, wcs, order=w.order, **common)
        kept = solve_astrometry(x, y, ref.ra, ref.dec, wcs, order=1, **distortion, **common)
        test = ""
        if w.inputDistortion == "auto":
            p, test = self._test_distortion(kept, x, y, ref, weights, distortion, match_kw)
            if p is not None and p < w.distortionSignificance:
                self.log.info("The %d matches reject the input WCS's distortion (%s < %g): "
                              "fitting a TAN-SIP of order %d", kept.fit.n_used, test,
                              w.distortionSignificance, w.order)
                try:
                    return solve_astrometry(x, y, ref.ra, ref.dec, wcs, order=w.order, **common)
                except (MatchError, SipFitError) as err:
                    self.log.warning("The TAN-SIP fit failed (%s): keeping the input WCS's "
                                     "distortion after all", err)
        self.log.info("Keeping the input WCS's distortion, fitting CRVAL and CD%s",
                      f" ({test})" if test else "")
        self.metadata["inputDistortionKept"] = True
        return kept

    def _test_distortion(self, kept, x, y, ref, weights, distortion, match_kw):
        """F-test of the affine fit on the input distortion against a free TAN-SIP of
        ``max(order, input order)`` on the same matches, which holds the affine model.

        Returns
        -------
        p : float or None
            The test's probability; None when the matches are too few for the free fit.
        text : str
            What was tested, for the log.
        """
        from lsstlite.astrom.f_test import nested_fit_p_value
        from lsstlite.astrom.sip import SipFitError, fit_tan_sip

        fit = kept.fit
        order = max(self.config.wcsFitter.order, *(m.shape[0] - 1 for m in distortion["distortion"]))
        n_terms = (order + 1) * (order + 2) // 2
        if fit.n_used <= n_terms:
            return None, (f"{fit.n_used} matches are too few to test it against a TAN-SIP of "
                          f"order {order}")
        src, refs = kept.match.source_index[fit.used], kept.match.ref_index[fit.used]
        try:
            full = fit_tan_sip(x[src], y[src], ref.ra[refs], ref.dec[refs], order=order,
                               num_iter=0, frame_shape=match_kw["frame_shape"],
                               weights=None if weights is None else weights[src])
        except SipFitError as err:
            return None, f"no TAN-SIP of order {order} to test it against: {err}"
        p = nested_fit_p_value(fit.chi2, full.chi2, 2 * (full.n_terms - fit.n_terms),
                               2 * (full.n_used - full.n_terms))
        self.metadata["inputDistortionPValue"] = p
        return p, f"F-test against a TAN-SIP of order {order}: p = {p:.2g}"

    @staticmethod
    def _match_table(sourceCat, rows, ref, ref_idx, sep, band):
        from lsstlite.table import ColumnTable

        table = ColumnTable()
        table.add_column("src_id", np.asarray(sourceCat["id"])[rows])
        table.add_column("ref_id", np.asarray(ref["id"])[ref_idx])
        table.add_column("ref_coord_ra", np.deg2rad(ref.ra[ref_idx]), "rad")
        table.add_column("ref_coord_dec", np.deg2rad(ref.dec[ref_idx]), "rad")
        table.add_column("src_coord_ra", np.asarray(sourceCat["coord_ra"])[rows], "rad")
        table.add_column("src_coord_dec", np.asarray(sourceCat["coord_dec"])[rows], "rad")
        table.add_column("separation", sep, "arcsec")
        for b in ref.bands:  # the exposure's band and any extra loaded (colour terms)
            table.add_column(f"ref_{b}_flux", ref.flux(b)[ref_idx], "nJy")
            table.add_column(f"ref_{b}_fluxErr", ref.fluxErr(b)[ref_idx], "nJy")
        if band is not None and f"{band}_flux" in ref:
            table.meta["BAND"] = band
        return table
