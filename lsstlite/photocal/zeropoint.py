"""Photometric zero point from matched stars: LSST's clipped estimator, with the weights right.

For every matched star ``dmag = refMag - instMag`` where ``instMag = -2.5 log10(instFlux)``
(counts, ideally corrected to total flux) and ``refMag`` is the AB magnitude of the reference
flux in nJy (``-2.5 log10(f) + 31.4``), optionally with colour terms
``refMag + c0 + c1 colour + c2 colour**2``. The error of ``dmag`` is the source magnitude error
with ``mag_err_floor`` and, when given, the reference error added in quadrature (LSST
ignores reference errors).

Clipping (LSST ``PhotoCalTask.getZeroPoint``): the first pass centres on the mode of a 20-bin
histogram with ``sigma`` from its half-maximum width (``FWHM / 2.355``; here not below
``0.741 IQR`` of all stars: the width of a sparse histogram's peak is noisy, and a too narrow
first cut makes the later IQR of the truncated set collapse); later passes use the
median and ``0.741 IQR`` (``use_median=True``) or the inverse-variance weighted mean and the
standard deviation. Each pass keeps ``|dmag - centre| < n_sigma * min(sigma, sigma_max)``
(``sigma_max=None``: twice the first-pass sigma) and iteration stops when the kept set no
longer changes or would become empty (at most ``n_iter`` passes).

The zero point is the **inverse-variance** weighted mean of the kept ``dmag`` (LSST weights by
``1/err`` when ``use_median=False``: a bug not reproduced). Its error is the statistical
``(sum 1/err**2)**-1/2`` scaled by ``sqrt(chi2 / (n - 1))`` when that exceeds 1 (the Birge
ratio), so that unmodelled scatter between stars is not ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["NJY_AB_ZERO_MAG", "ZeroPointError", "ZeroPointResult", "compute_zero_point"]

NJY_AB_ZERO_MAG = 31.4
"""AB magnitude of a flux of 1 nJy (3631 Jy = 0 mag)."""

_MAG_PER_LN = 2.5 / np.log(10.0)
_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))
_IQR_TO_SIGMA = 0.741


class ZeroPointError(RuntimeError):
    """Raised when no star is usable for the zero point."""


@dataclass(frozen=True)
class ZeroPointResult:
    """Result of `compute_zero_point`.

    Attributes
    ----------
    zero_point, zero_point_err : float
        AB magnitude of one count and its error.
    calibration_mean, calibration_err : float
        nJy per count (``10**(-0.4 (zero_point - 31.4))``) and its error.
    n_used : int
        Stars kept by the clipping.
    used : `numpy.ndarray` of bool
        Kept stars, aligned with the inputs.
    sigma : float
        Standard deviation of the kept ``dmag`` (mag; LSST's ``MAGZERO_RMS``).
    n_passes : int
        Clipping passes made.
    """

    zero_point: float
    zero_point_err: float
    calibration_mean: float
    calibration_err: float
    n_used: int
    used: np.ndarray
    sigma: float
    n_passes: int


def _histogram_mode(dmag: np.ndarray, n_bins: int = 20) -> tuple[float, float]:
    """Centre of the modal bins and sigma from the half-maximum width of a histogram."""
    lo, hi = float(dmag.min()), float(dmag.max())
    if hi - lo <= 0:
        return lo, 0.0
    counts, edges = np.histogram(dmag, bins=n_bins, range=(lo, hi))
    width = edges[1] - edges[0]
    peak = np.flatnonzero(counts == counts.max())
    # contiguous run of modal bins containing the first maximum
    run_end = peak[0]
    while run_end + 1 < n_bins and counts[run_end + 1] == counts.max():
        run_end += 1
    centre = 0.5 * (edges[peak[0]] + edges[run_end + 1])
    above = counts >= 0.5 * counts.max()
    left, right = peak[0], run_end
    while left > 0 and above[left - 1]:
        left -= 1
    while right + 1 < n_bins and above[right + 1]:
        right += 1
    fwhm = (right - left + 1) * width
    return float(centre), float(fwhm / _FWHM_PER_SIGMA)


def compute_zero_point(inst_flux, inst_flux_err, ref_flux, *, ref_flux_err=None, ref_color=None,
                       color_terms: tuple[float, ...] | None = None, n_sigma: float = 3.0,
                       sigma_max: float | None = 0.25, use_median: bool = True, n_iter: int = 20,
                       mag_err_floor: float = 0.0) -> ZeroPointResult:
    """Zero point of an exposure from matched stars.

    Parameters
    ----------
    inst_flux, inst_flux_err : array_like
        Instrumental fluxes (counts, corrected to total) and their errors.
    ref_flux : array_like
        Reference fluxes (nJy) in the band of the exposure.
    ref_flux_err : array_like, optional
        Their errors (nJy); when given they enter the weights (LSST ignores them, which lets
        a few bright stars with tiny Poisson errors dominate the mean).
    ref_color : array_like, optional
        Reference colour (mag) for the colour terms, e.g. ``g - r``.
    color_terms : tuple of float, optional
        ``(c0, c1, c2)``: ``refMag += c0 + c1 colour + c2 colour**2`` (fewer terms allowed).
    n_sigma, sigma_max, use_median, n_iter, mag_err_floor
        Clipping parameters as LSST's ``PhotoCalConfig`` (see the module docstring).

    Returns
    -------
    result : `ZeroPointResult`

    Raises
    ------
    ZeroPointError
        If no star has positive, finite fluxes and errors.
    ValueError
        If array lengths differ or colour terms come without colours.
    """
    flux = np.asarray(inst_flux, float).ravel()
    err = np.asarray(inst_flux_err, float).ravel()
    ref = np.asarray(ref_flux, float).ravel()
    if not (flux.size == err.size == ref.size):
        msg = f"inst_flux, inst_flux_err, ref_flux lengths differ: {flux.size}, {err.size}, {ref.size}"
        raise ValueError(msg)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_mag = -2.5 * np.log10(ref) + NJY_AB_ZERO_MAG
        src_mag = -2.5 * np.log10(flux)
        mag_err = np.hypot(_MAG_PER_LN * err / flux, mag_err_floor)
        if ref_flux_err is not None:
            ref_err = np.asarray(ref_flux_err, float).ravel()
            if ref_err.size != ref.size:
                msg = f"ref_flux_err has {ref_err.size} elements, expected {ref.size}"
                raise ValueError(msg)
            mag_err = np.hypot(mag_err, _MAG_PER_LN * ref_err / ref)
    if color_terms is not None:
        if ref_color is None:
            msg = "color_terms given without ref_color"
            raise ValueError(msg)
        colour = np.asarray(ref_color, float).ravel()
        if colour.size != ref.size:
            msg = f"ref_color has {colour.size} elements, expected {ref.size}"
            raise ValueError(msg)
        ref_mag = ref_mag + sum(c * colour**k for k, c in enumerate(color_terms))
    dmag = ref_mag - src_mag
    good = np.isfinite(dmag) & np.isfinite(mag_err) & (mag_err > 0) & (flux > 0) & (ref > 0)
    if not good.any():
        msg = f"no usable star for the zero point among {flux.size} matches"
        raise ZeroPointError(msg)

    weight = np.where(good, 1.0 / np.where(good, mag_err, 1.0) ** 2, 0.0)
    used = good.copy()
    n_passes = 0
    for n_passes in range(1, n_iter + 1):
        d = dmag[used]
        if n_passes == 1:
            centre, sigma = _histogram_mode(d)
            q25, q75 = np.percentile(d, [25.0, 75.0])
            sigma = max(sigma, _IQR_TO_SIGMA * float(q75 - q25))
            sigma_max_pass = 2.0 * sigma if sigma_max is None else sigma_max
        elif use_median:
            centre = float(np.median(d))
            q25, q75 = np.percentile(d, [25.0, 75.0])
            sigma = _IQR_TO_SIGMA * float(q75 - q25)
        else:
            centre = float(np.average(d, weights=weight[used]))
            sigma = float(np.std(d))
        clip = n_sigma * min(sigma, sigma_max_pass)
        new = good & (np.abs(dmag - centre) < clip)
        if not new.any() or np.array_equal(new, used):
            break
        used = new

    w = weight[used]
    d = dmag[used]
    zp = float(np.sum(w * d) / np.sum(w))
    n = int(used.sum())
    stat = float(np.sum(w) ** -0.5)
    birge = float(np.sqrt(np.sum(w * (d - zp) ** 2) / (n - 1))) if n > 1 else 1.0
    zp_err = stat * max(1.0, birge)
    calib = 10.0 ** (-0.4 * (zp - NJY_AB_ZERO_MAG))
    return ZeroPointResult(zero_point=zp, zero_point_err=zp_err, calibration_mean=calib,
                           calibration_err=calib * zp_err / _MAG_PER_LN, n_used=n, used=used,
                           sigma=float(np.std(d)), n_passes=n_passes)
