"""LSST's astrometry loop: match, fit TAN-SIP, re-match through the fitted WCS.

Iteration 1 matches through the initial WCS with the full offset/rotation search; each later
iteration matches through the previous fit with a small search range and a first radius of
``mean + match_distance_sigma * std`` of the previous fit's separations (LSST's
``matchDistanceSigma``), then refits. A failed later iteration keeps the previous solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .match import MatchError, MatchResult, match_to_reference
from .sip import SipFitError, SipFitResult, fit_tan_sip

__all__ = ["AstrometrySolution", "solve_astrometry"]


@dataclass(frozen=True)
class AstrometrySolution:
    """Result of `solve_astrometry`: the fitted WCS, the matches it used, and the fit."""

    wcs: object
    match: MatchResult
    fit: SipFitResult
    n_iter: int


def solve_astrometry(x, y, ref_ra, ref_dec, wcs, *, source_flux=None, ref_flux=None,
                     frame_shape: tuple[int, int] | None = None, order: int = 3,
                     max_iter: int = 3, match_distance_sigma: float = 2.0,
                     min_match_dist_arcsec: float = 0.3, num_iter: int = 3,
                     num_rej_iter: int = 1, rej_sigma: float = 3.0, weights=None,
                     distortion=None, distortion_inverse=None, crpix=None,
                     **match_kwargs) -> AstrometrySolution:
    """Match sources to references and fit a TAN-SIP WCS, ``max_iter`` times.

    Parameters
    ----------
    x, y, ref_ra, ref_dec, wcs, source_flux, ref_flux, frame_shape
        As `lsstlite.astrom.match.match_to_reference`.
    order, num_iter, num_rej_iter, rej_sigma, distortion, distortion_inverse, crpix
        As `lsstlite.astrom.sip.fit_tan_sip` (``distortion`` with ``order=1``: an affine fit
        on a fixed distortion).
    weights : array_like, optional
        Inverse position variance of each source (``x, y``), for the weighted fit.
    max_iter : int
        Match/fit iterations (LSST ``maxIter=3``).
    match_distance_sigma : float
        Next first match radius = mean + this many std of the separations of the used matches.
    min_match_dist_arcsec : float
        Floor of every match radius.
    **match_kwargs
        Further options of the first `match_to_reference` call (search ranges, bins, ...).

    Returns
    -------
    solution : `AstrometrySolution`

    Raises
    ------
    MatchError, SipFitError
        If the first iteration fails.
    """
    xs = np.asarray(x, float)
    ys = np.asarray(y, float)
    ra = np.asarray(ref_ra, float)
    dec = np.asarray(ref_dec, float)
    common = dict(source_flux=source_flux, ref_flux=ref_flux, frame_shape=frame_shape,
                  min_match_dist_arcsec=min_match_dist_arcsec,
                  match_distance_sigma=match_distance_sigma)
    fit_kw = dict(order=order, num_iter=num_iter, num_rej_iter=num_rej_iter,
                  rej_sigma=rej_sigma, frame_shape=frame_shape, distortion=distortion,
                  distortion_inverse=distortion_inverse, crpix=crpix)
    ws = np.ones(xs.size) if weights is None else np.asarray(weights, float)
    match = match_to_reference(xs, ys, ra, dec, wcs, **common, **match_kwargs)
    fit = fit_tan_sip(xs[match.source_index], ys[match.source_index], ra[match.ref_index],
                      dec[match.ref_index], weights=ws[match.source_index], **fit_kw)
    n_done = 1
    for _ in range(1, max_iter):
        sep = fit.separation_arcsec[fit.used]
        radius = max(min_match_dist_arcsec, float(sep.mean() + match_distance_sigma * sep.std()))
        try:
            new_match = match_to_reference(xs, ys, ra, dec, fit.wcs, **common,
                                           max_offset_arcsec=max(3 * radius, 1.0),
                                           max_rotation_deg=0.05, max_scale_error=0.002,
                                           max_match_dist_arcsec=radius)
            new_fit = fit_tan_sip(xs[new_match.source_index], ys[new_match.source_index],
                                  ra[new_match.ref_index], dec[new_match.ref_index],
                                  weights=ws[new_match.source_index], **fit_kw)
        except (MatchError, SipFitError):
            break
        match, fit = new_match, new_fit
        n_done += 1
    return AstrometrySolution(wcs=fit.wcs, match=match, fit=fit, n_iter=n_done)
