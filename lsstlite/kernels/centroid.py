"""SdssCentroid: centroids from the PSF-smoothed, binned image with quartic refinement.

Follows LSST ``SdssCentroid`` (Lupton's photo algorithm): around the integer peak, the image is
binned (binX × binY mean) and correlated with a Gaussian PSF kernel of the given σ; the 3×3
smoothed values around the peak give a parabolic offset, refined by a quartic interpolation of
each row and column; errors follow LSST's ``astrom_errors``. If the result is too wide or too far
for the bin, the bin is doubled in that axis (up to 16) and the measurement repeated.

Deviation: LSST correlates with the local PSF kernel image; this kernel uses a Gaussian of the
PSF's σ (determinant radius), sampled on ±max(2, ⌈3σ⌉) pixels and normalised to sum 1. The error
formula (photo's ``astrom_errors``) has a sky term and a source term with different weights; it
is fed what photo fed it: the sky variance, here the mean per-pixel variance of the ring of bins
≥ 3σ + 1 from the peak, and the source's Poisson variance at the peak, the central pixel's
variance above that sky. LSST passes the total centre variance as the sky, which counts the
source's variance in the (heavier) sky term and overestimates the error (Monte-Carlo pull std
0.84 instead of 1 for faint sources, ~0.85 for bright ones whose Poisson noise dominates).

Flag bits (``flags``, ``int32``):

=================================  =====  ==============================================
``CENTROID_FAILURE``               1      general failure (set with every bit below)
``CENTROID_EDGE``                  2      the box is off the image even with the small kernel
``CENTROID_NO_SECOND_DERIVATIVE``  4      a second derivative at the peak is zero
``CENTROID_ALMOST_NO_SECOND_DERIVATIVE`` 8  the parabolic offset exceeds 10 (binned) pixels
``CENTROID_NOT_AT_MAXIMUM``        16     a second derivative is negative (not a maximum)
``CENTROID_NEAR_EDGE``             32     measured with a 5×5, σ = 0.5 kernel near the edge
``CENTROID_RESET_TO_PEAK``         64     result > ``max_dist_to_peak`` from the peak: reset
``CENTROID_BAD_ERROR``             128    the error is not finite
=================================  =====  ==============================================

On every failure but ``CENTROID_NEAR_EDGE`` the centroid is the peak and the errors are NaN.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from lsstlite.kernels._measure_inputs import as_image, as_per_source, as_positions

__all__ = [
    "CENTROID_FAILURE", "CENTROID_EDGE", "CENTROID_NO_SECOND_DERIVATIVE",
    "CENTROID_ALMOST_NO_SECOND_DERIVATIVE", "CENTROID_NOT_AT_MAXIMUM", "CENTROID_NEAR_EDGE",
    "CENTROID_RESET_TO_PEAK", "CENTROID_BAD_ERROR", "Centroids", "sdss_centroid",
]

CENTROID_FAILURE = 1
CENTROID_EDGE = 2
CENTROID_NO_SECOND_DERIVATIVE = 4
CENTROID_ALMOST_NO_SECOND_DERIVATIVE = 8
CENTROID_NOT_AT_MAXIMUM = 16
CENTROID_NEAR_EDGE = 32
CENTROID_RESET_TO_PEAK = 64
CENTROID_BAD_ERROR = 128

_QUARTIC_K = 1.33
_BIN_MAX = 16
_EDGE_SIGMA = 0.5
_EDGE_HALF = 2


@njit(cache=True, nogil=True)
def _gaussian_kernel(sigma, half):
    k = np.empty(2 * half + 1)
    for i in range(2 * half + 1):
        d = i - half
        k[i] = math.exp(-0.5 * d * d / (sigma * sigma))
    return k / k.sum()


@njit(cache=True, nogil=True)
def _smoothed_3x3(image, variance, px, py, bx, by, kern, half, vals, pix_var):
    """Smoothed binned image at the 3×3 binned pixels around the peak's bin.

    The central bin covers x = px − (bx−1)//2 … + bx − 1. ``pix_var`` receives the per-pixel
    variance of the central bin and the mean per-pixel variance of the outermost ring of bins
    used (≥ 3σ + 1 bins from the peak: the sky's). Returns False if any needed pixel is off the
    image.
    """
    ny, nx = image.shape
    cx0 = px - (bx - 1) // 2
    cy0 = py - (by - 1) // 2
    reach = half + 1
    if cx0 - reach * bx < 0 or cy0 - reach * by < 0:
        return False
    if cx0 + (reach + 1) * bx > nx or cy0 + (reach + 1) * by > ny:
        return False
    nb = 2 * reach + 1
    binned = np.empty((nb, nb))
    bvar = np.empty((nb, nb))
    norm = 1.0 / (bx * by)
    for j in range(nb):
        ys = cy0 + (j - reach) * by
        for i in range(nb):
            xs = cx0 + (i - reach) * bx
            s = 0.0
            v = 0.0
            for yy in range(ys, ys + by):
                for xx in range(xs, xs + bx):
                    s += image[yy, xx]
                    v += variance[yy, xx]
            binned[j, i] = s * norm
            bvar[j, i] = v * norm * norm
    for a in range(3):
        for b in range(3):
            s = 0.0
            for j in range(2 * half + 1):
                for i in range(2 * half + 1):
                    s += kern[j] * kern[i] * binned[a + j, b + i]
            vals[a, b] = s
    ring = 0.0
    for k in range(nb - 1):
        ring += bvar[0, k] + bvar[k, nb - 1] + bvar[nb - 1, nb - 1 - k] + bvar[nb - 1 - k, 0]
    pix_var[0] = bvar[reach, reach] * bx * by
    pix_var[1] = ring / (4 * (nb - 1)) * bx * by
    return True


@njit(cache=True, nogil=True)
def _inter4(vm, v0, vp):
    """Quartic-corrected offset of the maximum of three samples; (ok, offset)."""
    sp = v0 - vp
    sm = v0 - vm
    d2 = sp + sm
    s = 0.5 * (vp - vm)
    if d2 <= 0.0 or v0 <= 0.0:
        return False, 0.0
    m = s / d2 * (1.0 + _QUARTIC_K * sp * sm / (d2 * v0))
    if not abs(m) < 1.0:
        return False, 0.0
    return True, m


@njit(cache=True, nogil=True)
def _astrom_error(sky_var, src_var, amp, s, d, sigma, quartic_bad):
    """LSST astrom_errors: centroid error along one axis of the smoothed image."""
    k = 0.0 if quartic_bad else _QUARTIC_K
    s2 = sigma * sigma
    var_s = (sky_var * (1.0 - math.exp(-1.0 / s2)) / (8.0 * math.pi * s2)
             + src_var * (math.exp(-1.0 / (3.0 * s2)) - math.exp(-1.0 / s2)) / (12.0 * math.pi * s2))
    var_d = (sky_var * (3.0 - 4.0 * math.exp(-1.0 / (4.0 * s2)) + math.exp(-1.0 / s2))
             / (2.0 * math.pi * s2)
             + src_var * (2.0 - 3.0 * math.exp(-1.0 / (3.0 * s2)) + math.exp(-1.0 / s2))
             / (3.0 * math.pi * s2))
    t1 = 1.0 / d + k / (4.0 * amp) * (1.0 - 12.0 * s * s / (d * d))
    t2 = s / (d * d) - k / (4.0 * amp) * 8.0 * s * s / (d * d * d)
    return math.sqrt(var_s * t1 * t1 + var_d * t2 * t2)


@njit(cache=True, nogil=True)
def _measure(vals, pix_var, sigma, bx, by, res):
    """One pass on the smoothed 3×3; fills res[0:6] = (xc, yc, xerr, yerr, sx2, sy2) in bins."""
    i0 = vals[1, 1]
    d2x = 2.0 * i0 - vals[1, 0] - vals[1, 2]
    sx = 0.5 * (vals[1, 2] - vals[1, 0])
    d2y = 2.0 * i0 - vals[0, 1] - vals[2, 1]
    sy = 0.5 * (vals[2, 1] - vals[0, 1])
    if d2x == 0.0 or d2y == 0.0:
        return CENTROID_NO_SECOND_DERIVATIVE
    if d2x < 0.0 or d2y < 0.0:
        return CENTROID_NOT_AT_MAXIMUM
    dx0 = sx / d2x
    dy0 = sy / d2y
    if abs(dx0) > 10.0 or abs(dy0) > 10.0:
        return CENTROID_ALMOST_NO_SECOND_DERIVATIVE
    vpk = i0 + 0.5 * (sx * dx0 + sy * dy0)
    ok0x, m0x = _inter4(vals[0, 0], vals[0, 1], vals[0, 2])
    ok1x, m1x = _inter4(vals[1, 0], vals[1, 1], vals[1, 2])
    ok2x, m2x = _inter4(vals[2, 0], vals[2, 1], vals[2, 2])
    ok0y, m0y = _inter4(vals[0, 0], vals[1, 0], vals[2, 0])
    ok1y, m1y = _inter4(vals[0, 1], vals[1, 1], vals[2, 1])
    ok2y, m2y = _inter4(vals[0, 2], vals[1, 2], vals[2, 2])
    quartic_bad = not (ok0x and ok1x and ok2x and ok0y and ok1y and ok2y)
    if quartic_bad:
        xc = dx0
        yc = dy0
        sx2 = vpk / d2x
        sy2 = vpk / d2y
    else:
        smx = 0.5 * (m2x - m0x)
        dm2x = m1x - 0.5 * (m0x + m2x)
        smy = 0.5 * (m2y - m0y)
        dm2y = m1y - 0.5 * (m0y + m2y)
        dx = m1x + dy0 * (smx - dy0 * dm2x)
        dy = m1y + dx0 * (smy - dx0 * dm2y)
        xc = m1x + dy * (smx - dy * dm2x)
        yc = m1y + dx * (smy - dx * dm2y)
        sx2 = vpk / d2x - (1.0 + 6.0 * dx0 * dx0) / 4.0
        sy2 = vpk / d2y - (1.0 + 6.0 * dy0 * dy0) / 4.0
    sky_var = pix_var[1]
    src_var = max(0.0, pix_var[0] - sky_var)
    res[0] = xc
    res[1] = yc
    res[2] = _astrom_error(sky_var, src_var, vpk * bx, sx, d2x, sigma, quartic_bad)
    res[3] = _astrom_error(sky_var, src_var, vpk * by, sy, d2y, sigma, quartic_bad)
    res[4] = sx2
    res[5] = sy2
    return 0


@njit(cache=True, nogil=True)
def _sdss_centroid(image, variance, xs, ys, sigmas, max_dist):
    n = xs.shape[0]
    out = np.full((n, 4), np.nan)
    flags = np.zeros(n, dtype=np.int32)
    vals = np.empty((3, 3))
    pix_var = np.empty(2)
    res = np.empty(6)
    edge_half = np.int64(_EDGE_HALF)
    for i in range(n):
        px = int(math.floor(xs[i] + 0.5))
        py = int(math.floor(ys[i] + 0.5))
        sigma = sigmas[i]
        half = max(2, int(math.ceil(3.0 * sigma)))
        kern = _gaussian_kernel(sigma, half)
        bx = np.int64(1)  # typed, not literal: callees compile once
        by = np.int64(1)
        fl = 0
        while True:
            if not _smoothed_3x3(image, variance, px, py, bx, by, kern, half, vals, pix_var):
                if bx == 1 and by == 1 and _smoothed_3x3(
                        image, variance, px, py, bx, by, _gaussian_kernel(_EDGE_SIGMA, edge_half),
                        edge_half, vals, pix_var):
                    fl |= CENTROID_NEAR_EDGE | CENTROID_FAILURE
                    sigma = _EDGE_SIGMA
                else:
                    fl |= CENTROID_EDGE | CENTROID_FAILURE
                    break
            bad = _measure(vals, pix_var, sigma, bx, by, res)
            if bad != 0:
                fl |= bad | CENTROID_FAILURE
                break
            fac = 1.5 * (1.0 + sigma * sigma)
            grow_x = not (res[4] < fac * bx * bx and res[0] * res[0] < fac * bx * bx)
            grow_y = not (res[5] < fac * by * by and res[1] * res[1] < fac * by * by)
            if (not grow_x and not grow_y) or fl & CENTROID_NEAR_EDGE:
                break
            if (not grow_x or bx >= _BIN_MAX) and (not grow_y or by >= _BIN_MAX):
                break
            if grow_x and bx < _BIN_MAX:
                bx *= 2
            if grow_y and by < _BIN_MAX:
                by *= 2
        if fl & (CENTROID_EDGE | CENTROID_NO_SECOND_DERIVATIVE | CENTROID_NOT_AT_MAXIMUM
                 | CENTROID_ALMOST_NO_SECOND_DERIVATIVE):
            out[i, 0] = px
            out[i, 1] = py
            flags[i] = fl
            continue
        cx0 = px - (bx - 1) // 2
        cy0 = py - (by - 1) // 2
        x = cx0 + (res[0] + 0.5) * bx - 0.5
        y = cy0 + (res[1] + 0.5) * by - 0.5
        xerr = res[2] * bx
        yerr = res[3] * by
        if not (math.isfinite(xerr) and math.isfinite(yerr)):
            fl |= CENTROID_BAD_ERROR | CENTROID_FAILURE
        if abs(x - px) > max_dist or abs(y - py) > max_dist:
            fl |= CENTROID_RESET_TO_PEAK | CENTROID_FAILURE
            x = px
            y = py
        out[i, 0] = x
        out[i, 1] = y
        out[i, 2] = xerr
        out[i, 3] = yerr
        flags[i] = fl
    return out, flags


class Centroids(NamedTuple):
    """Per-source centroids and errors (pixels) and flag bits."""

    x: np.ndarray
    y: np.ndarray
    xErr: np.ndarray
    yErr: np.ndarray
    flags: np.ndarray


def sdss_centroid(image: np.ndarray, variance: np.ndarray, x, y, psf_sigma, *,
                  max_dist_to_peak: float = 1.0) -> Centroids:
    """SdssCentroid of all sources from their peaks.

    Parameters
    ----------
    image, variance : ndarray of float32, shape (ny, nx)
        Background-subtracted image and its variance.
    x, y : array_like of float64, shape (n,)
        Peak positions; rounded to the nearest pixel.
    psf_sigma : float or array_like of float, shape (n,)
        Gaussian σ of the PSF (determinant radius, pixels), global or per source.
    max_dist_to_peak : float
        Results farther than this (pixels, per axis) from the peak are reset to the peak.

    Returns
    -------
    Centroids
        ``x, y`` (0-based pixels), ``xErr, yErr`` (pixels, LSST ``astrom_errors`` scaled by
        the bin), ``flags``: bits ``CENTROID_*`` (module docstring).
    """
    img = as_image(image, "image")
    var = as_image(variance, "variance", shape=img.shape)
    xs, ys = as_positions(x, y)
    sig = as_per_source(psf_sigma, xs.size, "psf_sigma")
    if not np.all(sig > 0):
        msg = f"psf_sigma: must be positive, got minimum {sig.min() if sig.size else None}"
        raise ValueError(msg)
    out, flags = _sdss_centroid(img, var, xs, ys, sig, float(max_dist_to_peak))
    return Centroids(np.ascontiguousarray(out[:, 0]), np.ascontiguousarray(out[:, 1]),
                     np.ascontiguousarray(out[:, 2]), np.ascontiguousarray(out[:, 3]), flags)
