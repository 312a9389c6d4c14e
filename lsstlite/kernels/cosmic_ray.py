"""Cosmic-ray finder (the SDSS/LSST ``CR.cc`` conditions) as Numba kernels.

A pixel is a cosmic-ray candidate when it is significantly above its neighbours (condition 2)
and sharper than the PSF allows (condition 3), and it is not already bad (condition 4).
Candidates are grouped into 8-connected cosmic rays, kept when their summed flux above the
background reaches ``min_dn`` (condition 1), and grown over ``niteration`` passes that re-test the
neighbours of each cosmic ray with relaxed conditions against an image in which the cosmic-ray
pixels have been replaced by their provisional values.

Pixel coordinates are 0-based ``[y, x]``; the outermost one-pixel border is never tested.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from lsstlite.kernels.footprints import _label_8

__all__ = ["find_cosmic_rays", "psf_sharpness_thresholds"]

# Offsets of the four opposite-neighbour pairs: N-S, W-E, SW-NE, NW-SE.
_PAIRS = np.array([[-1, 0, 1, 0], [0, -1, 0, 1], [-1, -1, 1, 1], [1, -1, -1, 1]], dtype=np.int64)


@njit(cache=True, nogil=True)
def _is_candidate(image, variance, y, x, bkg, thresholds, min_sigma, cond3_fac):
    """Return (is_cr, replacement) for one pixel (conditions 2 and 3)."""
    v0 = image[y, x]
    var0 = variance[y, x]
    if not (var0 > 0.0):
        return False, 0.0
    sigma0 = math.sqrt(var0)
    significant = False
    sharp = False
    replacement = 0.0
    best = -1.0e300
    for p in range(4):
        dy1 = _PAIRS[p, 0]
        dx1 = _PAIRS[p, 1]
        dy2 = _PAIRS[p, 2]
        dx2 = _PAIRS[p, 3]
        a = image[y + dy1, x + dx1]
        b = image[y + dy2, x + dx2]
        mean = 0.5 * (a + b)
        if v0 > mean + min_sigma * sigma0:
            significant = True
        var_pair = variance[y + dy1, x + dx1] + variance[y + dy2, x + dx2]
        sigma_mean = 0.5 * math.sqrt(var_pair) if var_pair > 0.0 else 0.0
        thres = thresholds[p]
        if thres * (v0 - bkg - cond3_fac * sigma0) > (mean - bkg) + cond3_fac * sigma_mean:
            sharp = True
            # the largest pair mean is the most conservative replacement value
            if mean > best:
                best = mean
                replacement = mean
    return significant and sharp, replacement


@njit(cache=True, nogil=True)
def _surely_not_significant(image, variance, y, x, min_sigma):
    """True when pixel (y, x) cannot pass condition 2 (v0 above a pair mean by ``min_sigma``
    sigma0), decided without a square root; a 1% margin keeps `_is_candidate`'s outcome exact
    under rounding. NaN pair means are skipped (they can never make v0 significant)."""
    if min_sigma < 0.0:
        return False
    up = image[y - 1]
    row = image[y]
    down = image[y + 1]
    lowest = 1.0e300
    for mean in (0.5 * (up[x] + down[x]), 0.5 * (row[x - 1] + row[x + 1]),
                 0.5 * (up[x - 1] + down[x + 1]), 0.5 * (down[x - 1] + up[x + 1])):
        if mean < lowest:
            lowest = mean
    d = row[x] - lowest
    if min_sigma > 0.0 and not d > 0.0:
        return True
    return d * d < 0.98 * min_sigma * min_sigma * variance[y, x]


@njit(cache=True, nogil=True)
def _touches_bits(mask, y, x, bits):
    for dy in range(-1, 2):
        for dx in range(-1, 2):
            if mask[y + dy, x + dx] & bits:
                return True
    return False


@njit(cache=True, nogil=True)
def cr_candidates(image, variance, mask, bad_bits, intrp_bits, bkg, thresholds, min_sigma,
                  cond3_fac):
    """First pass: candidate mask and provisional replacement values (conditions 2-4).

    Parameters
    ----------
    image, variance : ndarray of float32, shape (ny, nx)
    mask : ndarray of int32, shape (ny, nx)
    bad_bits : int
        Pixels with any of these bits are never candidates (BAD, SAT, INTRP, NO_DATA).
    intrp_bits : int
        Pixels with a neighbour carrying these bits are never candidates (INTRP).
    bkg : float
        Background level of ``image``.
    thresholds : ndarray of float64, shape (4,)
        PSF sharpness thresholds for the N-S, W-E, SW-NE and NW-SE pairs.
    min_sigma, cond3_fac : float
        Condition-2 significance and condition-3 noise allowance.

    Returns
    -------
    candidate : ndarray of bool
    replacement : ndarray of float32
    """
    ny, nx = image.shape
    candidate = np.zeros((ny, nx), dtype=np.bool_)
    replacement = np.zeros((ny, nx), dtype=np.float32)
    for y in range(1, ny - 1):
        for x in range(1, nx - 1):
            if _surely_not_significant(image, variance, y, x, min_sigma):
                continue
            if mask[y, x] & bad_bits:
                continue
            if intrp_bits != 0 and _touches_bits(mask, y, x, intrp_bits):
                continue
            ok, value = _is_candidate(image, variance, y, x, bkg, thresholds, min_sigma, cond3_fac)
            if ok:
                candidate[y, x] = True
                replacement[y, x] = value
    return candidate, replacement


@njit(cache=True, nogil=True)
def _find_cosmic_rays(image, variance, mask, bad_bits, intrp_bits, bkg, thresholds, min_sigma,
                      cond3_fac, min_dn, niteration):
    ny, nx = image.shape
    candidate, replacement = cr_candidates(image, variance, mask, bad_bits, intrp_bits, bkg,
                                           thresholds, min_sigma, cond3_fac)
    labels = np.empty((ny, nx), dtype=np.int32)
    n = _label_8(candidate, labels)
    excess = np.zeros(n + 1, dtype=np.float64)
    for y in range(ny):
        for x in range(nx):
            lab = labels[y, x]
            if lab > 0:
                excess[lab] += image[y, x] - bkg
    is_cr = np.zeros((ny, nx), dtype=np.bool_)
    work = image.copy()
    for y in range(ny):
        for x in range(nx):
            lab = labels[y, x]
            if lab > 0 and excess[lab] >= min_dn:
                is_cr[y, x] = True
                work[y, x] = replacement[y, x]
    # Grow: re-test neighbours of cosmic rays with relaxed conditions on the repaired image.
    # Each pass tests every pixel next to a cosmic ray once, against the cosmic rays and `work`
    # as they were at the start of the pass (the pixels it adds are applied after it).
    tested = np.zeros((ny, nx), dtype=np.bool_)
    for _ in range(niteration):
        n_cr = 0
        for y in range(ny):
            for x in range(nx):
                if is_cr[y, x]:
                    n_cr += 1
        seen_y = np.empty(8 * n_cr, dtype=np.int64)
        seen_x = np.empty(8 * n_cr, dtype=np.int64)
        is_new = np.empty(8 * n_cr, dtype=np.bool_)
        new_value = np.empty(8 * n_cr, dtype=np.float32)
        n_seen = 0
        for y in range(1, ny - 1):
            for x in range(1, nx - 1):
                if not is_cr[y, x]:
                    continue
                for yy in range(max(y - 1, 1), min(y + 2, ny - 1)):
                    for xx in range(max(x - 1, 1), min(x + 2, nx - 1)):
                        if is_cr[yy, xx] or tested[yy, xx] or (mask[yy, xx] & bad_bits):
                            continue
                        tested[yy, xx] = True
                        if _surely_not_significant(work, variance, yy, xx, 0.5 * min_sigma):
                            ok, value = False, 0.0
                        else:
                            ok, value = _is_candidate(work, variance, yy, xx, bkg, thresholds,
                                                      0.5 * min_sigma, 0.0)
                        seen_y[n_seen] = yy
                        seen_x[n_seen] = xx
                        is_new[n_seen] = ok
                        new_value[n_seen] = value
                        n_seen += 1
        added = 0
        for k in range(n_seen):
            tested[seen_y[k], seen_x[k]] = False
            if is_new[k]:
                is_cr[seen_y[k], seen_x[k]] = True
                work[seen_y[k], seen_x[k]] = new_value[k]
                added += 1
        if added == 0:
            break
    return is_cr


def psf_sharpness_thresholds(psf_kernel: np.ndarray, cond3_fac2: float) -> np.ndarray:
    """Condition-3 thresholds from a centred PSF kernel image.

    Parameters
    ----------
    psf_kernel : ndarray
        Odd-sized PSF image with its centre on the central pixel.
    cond3_fac2 : float
        Scale factor (``cond3_fac2`` in LSST's configuration).

    Returns
    -------
    thresholds : ndarray of float64, shape (4,)
        For the N-S, W-E, SW-NE and NW-SE neighbour pairs: ``cond3_fac2 * mean(P(pair)) / P(0)``.
    """
    k = np.asarray(psf_kernel, dtype=np.float64)
    cy, cx = k.shape[0] // 2, k.shape[1] // 2
    p0 = k[cy, cx]
    if not p0 > 0:
        msg = "PSF kernel has a non-positive central pixel; cannot derive cosmic-ray thresholds"
        raise ValueError(msg)
    pairs = [
        0.5 * (k[cy - 1, cx] + k[cy + 1, cx]),
        0.5 * (k[cy, cx - 1] + k[cy, cx + 1]),
        0.5 * (k[cy - 1, cx - 1] + k[cy + 1, cx + 1]),
        0.5 * (k[cy + 1, cx - 1] + k[cy - 1, cx + 1]),
    ]
    return cond3_fac2 * np.array(pairs) / p0


def find_cosmic_rays(image: np.ndarray, variance: np.ndarray, mask: np.ndarray, *,
                     thresholds: np.ndarray, bkg: float, bad_bits: int, intrp_bits: int = 0,
                     min_sigma: float = 6.0, cond3_fac: float = 2.5, min_dn: float = 150.0,
                     niteration: int = 3) -> np.ndarray:
    """Find cosmic-ray pixels.

    Parameters
    ----------
    image, variance : ndarray, shape (ny, nx)
        Pixel values and their variance (same units, DN and DN²).
    mask : ndarray of int32
        Mask plane; pixels with ``bad_bits`` are never cosmic rays.
    thresholds : ndarray, shape (4,)
        From :func:`psf_sharpness_thresholds`.
    bkg : float
        Background level of ``image`` (e.g. its median).
    bad_bits, intrp_bits : int
        Mask bits excluding a pixel itself / excluding pixels next to them.
    min_sigma, cond3_fac, min_dn : float
        LSST's ``minSigma``, ``cond3_fac`` and ``min_DN``.
    niteration : int
        Growth passes over the neighbours of each cosmic ray.

    Returns
    -------
    is_cr : ndarray of bool, shape (ny, nx)
    """
    image = np.ascontiguousarray(image, dtype=np.float32)
    variance = np.ascontiguousarray(variance, dtype=np.float32)
    mask = np.ascontiguousarray(mask, dtype=np.int32)
    if image.ndim != 2 or image.shape != variance.shape or image.shape != mask.shape:
        msg = (f"find_cosmic_rays: image {image.shape}, variance {variance.shape} and mask "
               f"{mask.shape} must be 2-D arrays of the same shape")
        raise ValueError(msg)
    thresholds = np.ascontiguousarray(thresholds, dtype=np.float64)
    return _find_cosmic_rays(image, variance, mask, int(bad_bits), int(intrp_bits), float(bkg),
                             thresholds, float(min_sigma), float(cond3_fac), float(min_dn),
                             int(niteration))
