"""Curve of growth: the fraction of a star's total flux inside the calib aperture.

Photometric calibration is to *total* flux, but the calib aperture (12 px in LSST, 7 px for
SDSS) misses the PSF wings. From aperture fluxes ``F(r_k)`` of a set of stars:

1. Each star's fluxes are divided by its calib-aperture flux, ``G_k = F(r_k) / F(r_calib)``;
   the growth curve is the median over stars per radius, with error
   ``1.2533 * 1.4826 * MAD / sqrt(n)``.
2. The reliable apertures are the calib radius and those beyond it, out to the first one
   with fewer than ``min_stars`` stars or a growth error above ``max_growth_err`` (or beyond
   ``max_radius`` if given).
3. The light beyond a radius comes from a model of the enclosed fraction ``E(r)``: by default
   a Moffat profile, ``E(r) = 1 - (1 + (r/alpha)**2)**(1 - beta)``, fitted (weighted least
   squares on a dense ``(alpha, beta)`` grid) to the measured ``G(r) = E(r) / E(r_calib)``
   over the reliable radii; or a caller-supplied enclosed-fraction function (e.g. from the
   PSF model), or none (``tail="none"``: total = flux inside the largest reliable radius).
4. ``r_max`` is the reliable radius at which the fraction is most precise: the error of
   ``G(r_max)`` against 20 % of the model tail ``1 - E(r_max)`` (a Moffat against a double
   Gaussian or a real PSF wing disagree by about that much beyond a few FWHM). Going further
   out than the tail requires only adds sky noise and the light of faint neighbours, which
   biases the median growth upwards (on simulated frames with no light beyond the 12 px calib
   aperture, the largest reliable radius, 17-50 px, gave corrections of -0.4% to +0.4%).

The result: ``fraction = F(r_calib) / F_total = E(r_max) / G(r_max)``; multiply calib fluxes
by ``1 / fraction`` to get total fluxes. Its error is the one minimised in step 4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CurveOfGrowthError", "CurveOfGrowthResult", "curve_of_growth",
           "moffat_enclosed_fraction"]

_TAIL_MODEL_ERR = 0.2


class CurveOfGrowthError(RuntimeError):
    """Raised when too few stars have usable aperture fluxes."""


@dataclass(frozen=True)
class CurveOfGrowthResult:
    """Result of `curve_of_growth`.

    Attributes
    ----------
    fraction, fraction_err : float
        Fraction of the total flux inside the calib aperture, and its error.
    correction : float
        ``1 / fraction``: multiply calib-aperture fluxes by it to get total fluxes.
    radii, growth, growth_err : `numpy.ndarray`
        Radii, median ``F(r) / F(r_calib)`` and its error (NaN where unmeasured).
    max_radius : float
        The radius ``r_max`` used (the most precise reliable one; see the module docstring).
    tail_fraction : float
        Model fraction of the total flux outside ``r_max``.
    moffat_alpha, moffat_beta : float
        Fitted Moffat parameters (NaN when a caller-supplied model was used).
    n_stars : int
        Stars with a usable calib-aperture flux.
    """

    fraction: float
    fraction_err: float
    correction: float
    radii: np.ndarray
    growth: np.ndarray
    growth_err: np.ndarray
    max_radius: float
    tail_fraction: float
    moffat_alpha: float
    moffat_beta: float
    n_stars: int


def moffat_enclosed_fraction(r, alpha: float, beta: float):
    """Fraction of a Moffat profile ``(1 + (r/alpha)**2)**-beta`` within radius ``r``."""
    return 1.0 - (1.0 + (np.asarray(r, float) / alpha) ** 2) ** (1.0 - beta)


def _fit_moffat(radii, growth, err, calib_radius):
    """Grid least-squares fit of ``E(r)/E(r_calib)`` to the growth curve -> (alpha, beta)."""
    def search(alphas, betas):
        a = alphas[:, None, None]
        b = betas[None, :, None]
        model = moffat_enclosed_fraction(radii[None, None, :], a, b) / \
            moffat_enclosed_fraction(calib_radius, a, b)
        chi2 = np.sum(((model - growth) / err) ** 2, axis=-1)
        i, j = np.unravel_index(int(np.argmin(chi2)), chi2.shape)
        return alphas[i], betas[j]

    alpha, beta = search(calib_radius * np.geomspace(0.02, 5.0, 160), np.geomspace(1.05, 40.0, 160))
    for _ in range(3):  # zoom in around the minimum
        alpha, beta = search(alpha * np.geomspace(0.9, 1.1, 41), 1.0 + (beta - 1.0) *
                             np.geomspace(0.9, 1.1, 41))
    return float(alpha), float(beta)


def curve_of_growth(radii, aperture_flux, calib_radius: float, *,
                    max_radius: float | None = None, max_growth_err: float = 0.003,
                    min_stars: int = 3,
                    enclosed_fraction: Callable[[np.ndarray], np.ndarray] | None = None,
                    tail: str = "moffat") -> CurveOfGrowthResult:
    """Fraction of the total flux of a star that falls in the calib aperture.

    Parameters
    ----------
    radii : array_like, shape (n_radii,)
        Aperture radii (pixels); must include ``calib_radius``.
    aperture_flux : array_like, shape (n_stars, n_radii)
        Aperture fluxes of isolated, unsaturated stars; NaN where not measured.
    calib_radius : float
        Radius of the calib aperture.
    max_radius : float, optional
        Largest radius to trust; default no limit beyond the reliability test.
    max_growth_err : float
        Largest accepted error of the median growth ratio at a radius.
    min_stars : int
        Fewest stars needed at a radius.
    enclosed_fraction : callable, optional
        ``E(r)`` (vectorised over an array of radii), the model PSF's enclosed-flux fraction;
        replaces the Moffat fit for the tail.
    tail : {"moffat", "none"}
        ``"none"`` normalises to the flux inside ``r_max`` (no extrapolation; e.g. SDSS
        magnitudes are tied to a 7.43 arcsec aperture): set ``max_radius`` accordingly.

    Returns
    -------
    result : `CurveOfGrowthResult`

    Raises
    ------
    ValueError
        If ``calib_radius`` is not one of ``radii`` or the shapes disagree.
    CurveOfGrowthError
        If fewer than ``min_stars`` stars have a positive calib-aperture flux.
    """
    r = np.asarray(radii, float).ravel()
    flux = np.atleast_2d(np.asarray(aperture_flux, float))
    if flux.shape[1] != r.size:
        msg = f"aperture_flux has {flux.shape[1]} columns for {r.size} radii"
        raise ValueError(msg)
    hits = np.flatnonzero(np.isclose(r, calib_radius))
    if hits.size != 1:
        msg = f"calib_radius {calib_radius} is not one of the radii {r.tolist()}"
        raise ValueError(msg)
    if tail not in ("moffat", "none"):
        msg = f"tail must be 'moffat' or 'none', got {tail!r}"
        raise ValueError(msg)
    kc = int(hits[0])
    order = np.argsort(r)
    r, flux = r[order], flux[:, order]
    kc = int(np.flatnonzero(order == kc)[0])
    stars = np.isfinite(flux[:, kc]) & (flux[:, kc] > 0)
    n_stars = int(stars.sum())
    if n_stars < min_stars:
        msg = f"only {n_stars} stars have a positive calib aperture flux (need {min_stars})"
        raise CurveOfGrowthError(msg)
    ratio = flux[stars] / flux[stars, kc][:, None]

    growth = np.full(r.size, np.nan)
    growth_err = np.full(r.size, np.nan)
    for k in range(r.size):
        g = ratio[:, k][np.isfinite(ratio[:, k])]
        if g.size >= min_stars:
            growth[k] = np.median(g)
            mad = np.median(np.abs(g - growth[k]))
            growth_err[k] = 1.2533 * 1.4826 * mad / np.sqrt(g.size)
    growth_err[kc] = 0.0
    ok = np.isfinite(growth) & (growth_err <= max_growth_err)
    if max_radius is not None:
        ok &= r <= max_radius
    k_reach = kc
    while k_reach + 1 < r.size and ok[k_reach + 1]:
        k_reach += 1

    modelled = tail != "none" or enclosed_fraction is not None
    if not modelled:
        alpha = beta = float("nan")
        enclosed = np.ones(r.size)
    elif enclosed_fraction is None:
        fit = ok & (r <= r[k_reach])
        sig = np.maximum(growth_err[fit], 1e-4)
        alpha, beta = _fit_moffat(r[fit], growth[fit], sig, r[kc])
        enclosed = moffat_enclosed_fraction(r, alpha, beta)
    else:
        alpha = beta = float("nan")
        enclosed = np.asarray(enclosed_fraction(r), float)
    # the fraction and its error with every reliable radius as r_max; with a tail model the
    # most precise one is used (a larger r_max shrinks the model tail but adds the noise and
    # the neighbours' light of a larger aperture)
    candidates = np.arange(kc, k_reach + 1)
    fractions = enclosed[candidates] / growth[candidates]
    errors = fractions * np.hypot(growth_err[candidates] / growth[candidates],
                                  _TAIL_MODEL_ERR * (1.0 - enclosed[candidates]))
    best = int(np.argmin(errors)) if modelled else candidates.size - 1
    k_max = int(candidates[best])
    return CurveOfGrowthResult(fraction=float(fractions[best]), fraction_err=float(errors[best]),
                               correction=float(1.0 / fractions[best]), radii=r, growth=growth,
                               growth_err=growth_err, max_radius=float(r[k_max]),
                               tail_fraction=float(1.0 - enclosed[k_max]), moffat_alpha=alpha, moffat_beta=beta,
                               n_stars=n_stars)
