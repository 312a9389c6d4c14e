"""Adaptive second moments (SdssShape) and fixed-moment Gaussian flux as batched Numba kernels.

Adaptive moments follow Bernstein & Jarvis (2002) as implemented in LSST's ``SdssShape``: an
elliptical Gaussian weight, started at ``Σw = [[1.5, 0], [0, 1.5]]`` on the input centroid, is
replaced each iteration by ``(M⁻¹ − Σw⁻¹)⁻¹`` where ``M`` are the weighted moments, until the
ellipticity and size converge; at convergence ``M = Σw / 2`` and ``Σw`` is the object's
covariance for a Gaussian source. The Gaussian weight is zero where its exponent
``½ dᵀ Σw⁻¹ d`` exceeds 14. In the iteration and in `gaussian_flux` it is evaluated on the whole
±4σ box with multiplicative recurrences down the columns (two multiplications per pixel, a few
``exp`` per box, vectorised across the columns); a weight so elongated that the recurrences
could underflow in the box's corners falls back to a recurrence along each row started by ``exp``
at the row's first pixel inside the cut. Both evaluate the same weight to rounding.

Flag bits of `adaptive_moments` (``flags`` column, ``int32``):

=====================  =====  ======================================================
``SHAPE_FAILURE``      1      general failure (set with any of the bits below)
``SHAPE_UNWEIGHTED_BAD`` 2    weighted and unweighted moments failed; xx = yy = 1/12
``SHAPE_UNWEIGHTED``   4      weighted moments failed; unweighted moments reported
``SHAPE_SHIFT``        8      centroid moved more than ``max_shift``; reset to the input
``SHAPE_MAXITER``      16     no convergence within ``max_iter``; unweighted reported
=====================  =====  ======================================================

Deviations from LSST: the weighted moments M are central moments about the weighted centroid
of the iteration (LSST takes them about the weight centre), and the centre steps to the object's
centre implied by the Gaussian product, δ = (M⁻¹ − Σw⁻¹)⁻¹ M⁻¹ m (2m at convergence), instead of
to the weighted centroid m, which only halves the offset per iteration. Both reach the same
fixed point; these converge in a few iterations also from a start a pixel or two off the source,
and the centre is converged when the moments are.

A weight growing wider than sigma = 30 pixels (σ² > 900, FWHM > 70 px: e.g. on a plateau or in
a bright star's wings, where each iteration would cost a box of 10⁵ pixels) stops the iteration
as a failure (``SHAPE_UNWEIGHTED``); the unweighted moments are then taken in a box of at most
±120 pixels.

Flag bits of `gaussian_flux`: ``GAUSSIAN_FLUX_FAILURE`` (1): invalid shape or centre off image.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from lsstlite.kernels._measure_inputs import as_image, as_per_source, as_positions
from lsstlite.kernels.linalg import invert

__all__ = [
    "SHAPE_FAILURE", "SHAPE_UNWEIGHTED_BAD", "SHAPE_UNWEIGHTED", "SHAPE_SHIFT", "SHAPE_MAXITER",
    "GAUSSIAN_FLUX_FAILURE", "AdaptiveMoments", "StampMoments", "GaussianFlux",
    "adaptive_moments", "adaptive_moments_stamp", "gaussian_flux",
]

SHAPE_FAILURE = 1
SHAPE_UNWEIGHTED_BAD = 2
SHAPE_UNWEIGHTED = 4
SHAPE_SHIFT = 8
SHAPE_MAXITER = 16
GAUSSIAN_FLUX_FAILURE = 1

_MAX_EXPONENT = 14.0       # pixels with ½ dᵀ w d above this get zero weight
_MAX_SIGMA2 = 900.0        # a weight wider than sigma = 30 px is a divergence, not a source
_INITIAL_SIGMA2 = 1.5      # starting weight moments (pixels²)
_SMALL_SIGMA2 = 0.25       # below this (or det < 0.0625) the weight is sampled on 4x4 sub-pixels
_SMALL_DET = 0.0625
_UNWEIGHTED_BAD_MOMENT = 1.0 / 12.0
_MIN_WEIGHT = math.exp(-_MAX_EXPONENT)
_MAX_GRID_EXPONENT = 600.0  # column recurrences only where every factor stays above exp(-600)
_SUBSAMPLE = 4              # samples per pixel and axis for very small weights
# widest box of the iteration and of the unweighted fallback (±4σ at σ² ≤ _MAX_SIGMA2, ends
# rounded outwards), sub-sampled: the size of the scratch rows
_MAX_COLUMNS = _SUBSAMPLE * (2 * int(math.ceil(4.0 * math.sqrt(_MAX_SIGMA2))) + 3)


@njit(cache=True, nogil=True)
def _weighted_sums(image, xc, yc, w11, w12, w22, ix0, ix1, iy0, iy1, subsample):
    """Σ W·I and its first/second moments about (xc, yc); W = exp(−½ dᵀ w d), exponent ≤ 14.

    With ``subsample`` (very small weights) each pixel is sampled at 4x4 points, offsets
    (k − 1.5)/4, each of value I/16. The weight along a sample row is a Gaussian in x, so it is
    started by ``exp`` at the row's first sample inside the cut and advanced with the recurrence
    W(x+h) = W(x)·r(x), r(x+h) = r(x)·exp(−w11 h²), h the sample spacing.
    """
    sub = _SUBSAMPLE if subsample else 1
    h = 1.0 / sub
    off = 0.5 * (sub - 1) * h
    x0 = ix0 - off
    jmax = sub * (ix1 - ix0 + 1) - 1
    s = 0.0
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    q = math.exp(-w11 * h * h)
    cross = w22 - w12 * w12 / w11
    limit = 2.0 * _MAX_EXPONENT
    for iy in range(iy0, iy1 + 1):
        row = image[iy, ix0:ix1 + 1]
        for k in range(sub):
            dy = iy - yc + (k * h - off)
            rem = limit - cross * dy * dy
            if rem < 0.0:
                continue
            half = math.sqrt(rem / w11)
            mid = xc - w12 * dy / w11
            ja = max(0, int(math.ceil((mid - half - x0) * sub)))
            jb = min(jmax, int(math.floor((mid + half - x0) * sub)))
            if ja > jb:
                continue
            dx = x0 + ja * h - xc
            weight = math.exp(-0.5 * (w11 * dx * dx + 2.0 * w12 * dx * dy + w22 * dy * dy))
            ratio = math.exp(-0.5 * (w11 * (2.0 * dx + h) + 2.0 * w12 * dy) * h)
            rs = 0.0
            rsx = 0.0
            rsxx = 0.0
            for j in range(ja, jb + 1):
                wv = weight * row[j // _SUBSAMPLE if subsample else j]
                rs += wv
                rsx += wv * dx
                rsxx += wv * dx * dx
                weight *= ratio
                ratio *= q
                dx += h
            s += rs
            sx += rsx
            sy += rs * dy
            sxx += rsxx
            sxy += rsx * dy
            syy += rs * dy * dy
    scale = h * h
    return s * scale, sx * scale, sy * scale, sxx * scale, sxy * scale, syy * scale


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _grid_sums(image, xc, yc, w11, w12, w22, ix0, ix1, iy0, iy1, subsample, moments, work,
               vals):
    """Σ W·I and its first/second moments about (xc, yc) over the whole box (LSST's weight).

    W = exp(−½ dᵀ w d), zero where the exponent exceeds 14, on the samples of `_weighted_sums`
    (with ``subsample``: 4x4 per pixel, each of value I/16). W is seeded along the box's first
    sample row and carried down every column by W(y+h) = W(y)·C(x)·qⁿ, q = exp(−w22 h²), n the
    sample row: two multiplications per sample, independent across the columns, so the row loop
    vectorises. The sums are reassociated, which changes them only by rounding.

    Returns ``(ok, s, sx, sy, sxx, sxy, syy)``; ``ok`` is False (sums zero) when an exponent of
    these factors exceeds `_MAX_GRID_EXPONENT` in the box (a very elongated weight: a column's W
    could underflow before it enters the ellipse) or the box is wider than the scratch arrays.
    Without ``moments`` only ``s`` is summed (the others are zero). ``work`` (float64, 3 × the
    box's sample width or more) and ``vals`` (float32, as wide) are scratch.
    """
    sub = _SUBSAMPLE if subsample else 1
    h = 1.0 / sub
    off = 0.5 * (sub - 1) * h
    ncol = sub * (ix1 - ix0 + 1)
    nrow = sub * (iy1 - iy0 + 1)
    if ncol > vals.size:
        return False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    dx0 = ix0 - xc - off
    dy0 = iy0 - yc - off
    dx1 = dx0 + (ncol - 1) * h
    dy1 = dy0 + (nrow - 1) * h
    # the exponent is convex: its largest value in the box is at a corner; ln C is linear in x
    big = w22 * h * h * nrow
    for dx in (dx0, dx1):
        big = max(big, abs(0.5 * (w22 * (2.0 * dy0 + h) + 2.0 * w12 * dx) * h))
        for dy in (dy0, dy1):
            big = max(big, 0.5 * (w11 * dx * dx + 2.0 * w12 * dx * dy + w22 * dy * dy))
    if big > _MAX_GRID_EXPONENT:
        return False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    wgt = work[0, :ncol]
    rat = work[1, :ncol]
    dxs = work[2, :ncol]
    # first sample row: W(x+h) = W(x)·r, r(x+h) = r(x)·exp(−w11 h²); C(x+h) = C(x)·exp(−w12 h²)
    w = math.exp(-0.5 * (w11 * dx0 * dx0 + 2.0 * w12 * dx0 * dy0 + w22 * dy0 * dy0))
    r = math.exp(-0.5 * (w11 * (2.0 * dx0 + h) + 2.0 * w12 * dy0) * h)
    c = math.exp(-0.5 * (w22 * (2.0 * dy0 + h) + 2.0 * w12 * dx0) * h)
    qx = math.exp(-w11 * h * h)
    cx = math.exp(-w12 * h * h)
    qy = math.exp(-w22 * h * h)
    for j in range(ncol):
        wgt[j] = w
        rat[j] = c
        dxs[j] = dx0 + j * h
        w *= r
        r *= qx
        c *= cx
    scale = h * h
    s = 0.0
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    qn = 1.0
    for iy in range(iy0, iy1 + 1):
        if subsample:
            row = image[iy, ix0:ix1 + 1]
            for i in range(row.size):
                v = row[i] * scale
                for k in range(_SUBSAMPLE):
                    vals[i * _SUBSAMPLE + k] = v
            src = vals[:ncol]
        else:
            src = image[iy, ix0:ix1 + 1]
        for k in range(sub):
            dy = iy - yc + (k * h - off)
            rs = 0.0
            rsx = 0.0
            rsxx = 0.0
            for j in range(ncol):
                wj = wgt[j]
                wv = wj * src[j] if wj >= _MIN_WEIGHT else 0.0
                rs += wv
                if moments:
                    dx = dxs[j]
                    rsx += wv * dx
                    rsxx += wv * dx * dx
                wgt[j] = wj * (rat[j] * qn)
            qn *= qy
            s += rs
            if moments:
                sx += rsx
                sxx += rsxx
                sy += rs * dy
                sxy += rsx * dy
                syy += rs * dy * dy
    return True, s, sx, sy, sxx, sxy, syy


@njit(cache=True, nogil=True)
def _box(xc, yc, s11, s22, nx, ny):
    rad = 4.0 * math.sqrt(max(s11, s22))
    ix0 = max(0, int(math.floor(xc - rad)))
    ix1 = min(nx - 1, int(math.ceil(xc + rad)))
    iy0 = max(0, int(math.floor(yc - rad)))
    iy1 = min(ny - 1, int(math.ceil(yc + rad)))
    return ix0, ix1, iy0, iy1


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _unweighted_moments(image, xc, yc, ix0, ix1, iy0, iy1, dxs):
    """Unweighted central moments in the box; ok=False when the sum or moments are not positive.

    The row sums are reassociated (vectorised), which changes them only by rounding. ``dxs``
    (float64, at least the box width) is scratch.
    """
    ncol = ix1 - ix0 + 1
    for j in range(ncol):
        dxs[j] = ix0 + j - xc
    s = 0.0
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    for iy in range(iy0, iy1 + 1):
        dy = iy - yc
        row = image[iy, ix0:ix1 + 1]
        rs = 0.0
        rsx = 0.0
        rsxx = 0.0
        for j in range(ncol):
            v = row[j]
            dx = dxs[j]
            rs += v
            rsx += v * dx
            rsxx += v * dx * dx
        s += rs
        sx += rsx
        sxx += rsxx
        sy += rs * dy
        sxy += rsx * dy
        syy += rs * dy * dy
    if not s > 0.0:
        return False, 0.0, 0.0, 0.0
    mx = sx / s
    my = sy / s
    m11 = sxx / s - mx * mx
    m22 = syy / s - my * my
    m12 = sxy / s - mx * my
    ok = m11 > 0.0 and m22 > 0.0 and m11 * m22 - m12 * m12 > 0.0
    return ok, m11, m22, m12


@njit(cache=True, nogil=True)
def _fisher_errors(amp, s11, s22, s12, var_b):
    """LSST SdssShape Fisher-matrix errors: (instFluxErr, xxErr, yyErr, xyErr, xErr, yErr)."""
    det = s11 * s22 - s12 * s12
    f = math.pi * math.sqrt(det) / var_b
    g = 3.0 * f * amp * amp / (16.0 * det * det)
    fish = np.empty((4, 4))
    fish[0, 0] = f
    fish[0, 1] = f * amp * s22 / (4.0 * det)
    fish[0, 2] = f * amp * s11 / (4.0 * det)
    fish[0, 3] = -f * amp * s12 / (2.0 * det)
    fish[1, 1] = g * s22 * s22
    fish[2, 2] = g * s11 * s11
    fish[3, 3] = 4.0 * g * (s12 * s12 + det / 3.0)
    fish[1, 2] = fish[3, 3] / 4.0
    fish[1, 3] = -2.0 * g * s22 * s12
    fish[2, 3] = -2.0 * g * s11 * s12
    for i in range(4):
        for j in range(i):
            fish[i, j] = fish[j, i]
    cov = invert(fish)
    norm = 2.0 * math.pi * math.sqrt(det)
    # position: Fisher of a Gaussian model in (x0, y0) is A² π √D Σ⁻¹ / (2 σ_b²)
    pos = 2.0 * var_b / (amp * amp * math.pi * math.sqrt(det))
    return (math.sqrt(cov[0, 0]) * norm, math.sqrt(cov[1, 1]), math.sqrt(cov[2, 2]),
            math.sqrt(cov[3, 3]), math.sqrt(pos * s11), math.sqrt(pos * s22))


@njit(cache=True, nogil=True)
def _adaptive_one(image, variance, xc0, yc0, max_iter, tol1, tol2, max_shift, out, work,
                  vals):
    """Adaptive moments of one source; fills out[0:12] and returns the flag bits."""
    ny, nx = image.shape
    s11 = _INITIAL_SIGMA2
    s22 = _INITIAL_SIGMA2
    s12 = 0.0
    xc = xc0
    yc = yc0
    flags = 0
    subpixel = False
    e1_old = 1e30
    e2_old = 1e30
    m11_old = 1e30
    converged = False
    failed = False
    total = 0.0
    xn = xc0
    yn = yc0
    for it in range(max_iter):
        det = s11 * s22 - s12 * s12
        if not (det > 1e-12 and s11 > 0.0 and s22 > 0.0):
            failed = True
            break
        if s11 < _SMALL_SIGMA2 or s22 < _SMALL_SIGMA2 or det < _SMALL_DET:
            subpixel = True
        ix0, ix1, iy0, iy1 = _box(xc, yc, s11, s22, nx, ny)
        if ix0 > ix1 or iy0 > iy1:
            failed = True
            break
        w11 = s22 / det
        w12 = -s12 / det
        w22 = s11 / det
        ok, s, sx, sy, sxx, sxy, syy = _grid_sums(image, xc, yc, w11, w12, w22, ix0, ix1, iy0,
                                                  iy1, subpixel, True, work, vals)
        if not ok:
            s, sx, sy, sxx, sxy, syy = _weighted_sums(image, xc, yc, w11, w12, w22, ix0, ix1, iy0,
                                                      iy1, subpixel)
        if not s > 0.0:
            failed = True
            break
        mx = sx / s
        my = sy / s
        m11 = sxx / s - mx * mx
        m12 = sxy / s - mx * my
        m22 = syy / s - my * my
        detm = m11 * m22 - m12 * m12
        if not (m11 > 0.0 and m22 > 0.0 and detm > 0.0):
            failed = True
            break
        # object precision n = M⁻¹ − Σw⁻¹ (product of Gaussians); next weight Σw = n⁻¹
        n11 = m22 / detm - w11
        n12 = -m12 / detm - w12
        n22 = m11 / detm - w22
        detn = n11 * n22 - n12 * n12
        if not (detn > 0.0 and n11 > 0.0 and n22 > 0.0):
            failed = True
            break
        # the weighted centroid lies between the weight centre and the object's: step to the
        # object, δ = n⁻¹ M⁻¹ m (δ = 2m once the weight matches the object)
        ux = (m22 * mx - m12 * my) / detm
        uy = (m11 * my - m12 * mx) / detm
        xn = xc + (n22 * ux - n12 * uy) / detn
        yn = yc + (n11 * uy - n12 * ux) / detn
        if abs(xn - xc0) > max_shift or abs(yn - yc0) > max_shift:
            flags |= SHAPE_SHIFT
            xn = xc0
            yn = yc0
        e1 = (m11 - m22) / (m11 + m22)
        e2 = 2.0 * m12 / (m11 + m22)
        if (abs(e1 - e1_old) < tol1 and abs(e2 - e2_old) < tol1
                and abs(m11 / m11_old - 1.0) < tol2):
            converged = True
            total = s
            break
        e1_old = e1
        e2_old = e2
        m11_old = m11
        s11 = n22 / detn
        s12 = -n12 / detn
        s22 = n11 / detn
        if s11 > _MAX_SIGMA2 or s22 > _MAX_SIGMA2:
            failed = True
            break
        xc = xn
        yc = yn
    if converged:
        det = s11 * s22 - s12 * s12
        amp = total / (math.pi * math.sqrt(det))
        jx = min(max(int(math.floor(xn + 0.5)), 0), nx - 1)
        jy = min(max(int(math.floor(yn + 0.5)), 0), ny - 1)
        var_b = variance[jy, jx]
        out[0] = s11
        out[1] = s22
        out[2] = s12
        out[3] = xn
        out[4] = yn
        out[5] = 2.0 * total
        if var_b > 0.0 and amp > 0.0:
            errs = _fisher_errors(amp, s11, s22, s12, var_b)
            for k in range(6):
                out[6 + k] = errs[k]
        else:
            for k in range(6):
                out[6 + k] = np.nan
        if flags != 0:
            flags |= SHAPE_FAILURE
        return flags
    # fall back to unweighted moments about the input centroid
    flags |= SHAPE_FAILURE | (SHAPE_UNWEIGHTED if failed else SHAPE_MAXITER | SHAPE_UNWEIGHTED)
    rad_s = min(max(s11, s22), _MAX_SIGMA2) if (s11 > 0.0 and s22 > 0.0) else _INITIAL_SIGMA2
    ix0, ix1, iy0, iy1 = _box(xc0, yc0, rad_s, rad_s, nx, ny)
    ok = False
    m11 = 0.0
    m22 = 0.0
    m12 = 0.0
    if ix0 <= ix1 and iy0 <= iy1:
        ok, m11, m22, m12 = _unweighted_moments(image, xc0, yc0, ix0, ix1, iy0, iy1, work[2])
    if not ok:
        flags |= SHAPE_UNWEIGHTED_BAD
        m11 = _UNWEIGHTED_BAD_MOMENT
        m22 = _UNWEIGHTED_BAD_MOMENT
        m12 = 0.0
    out[0] = m11
    out[1] = m22
    out[2] = m12
    out[3] = xc0
    out[4] = yc0
    for k in range(5, 12):
        out[k] = np.nan
    return flags


@njit(cache=True, nogil=True)
def _adaptive_moments(image, variance, xs, ys, max_iter, tol1, tol2, max_shift):
    n = xs.shape[0]
    out = np.empty((n, 12))
    flags = np.zeros(n, dtype=np.int32)
    work = np.empty((3, _MAX_COLUMNS))
    vals = np.empty(_MAX_COLUMNS, dtype=np.float32)
    for i in range(n):
        flags[i] = _adaptive_one(image, variance, xs[i], ys[i], max_iter, tol1, tol2, max_shift,
                                 out[i], work, vals)
    return out, flags


@njit(cache=True, nogil=True)
def _gaussian_flux(image, variance, xs, ys, xx, yy, xy):
    ny, nx = image.shape
    n = xs.shape[0]
    flux = np.full(n, np.nan)
    err = np.full(n, np.nan)
    flags = np.zeros(n, dtype=np.int32)
    # scratch rows as wide as the image's samples: no box is too wide for the column recurrences
    work = np.empty((3, _SUBSAMPLE * nx))
    vals = np.empty(_SUBSAMPLE * nx, dtype=np.float32)
    for i in range(n):
        s11 = xx[i]
        s22 = yy[i]
        s12 = xy[i]
        det = s11 * s22 - s12 * s12
        jx = int(math.floor(xs[i] + 0.5))
        jy = int(math.floor(ys[i] + 0.5))
        if not (det > 0.0 and s11 > 0.0 and s22 > 0.0) or not (0 <= jx < nx and 0 <= jy < ny):
            flags[i] = GAUSSIAN_FLUX_FAILURE
            continue
        ix0, ix1, iy0, iy1 = _box(xs[i], ys[i], s11, s22, nx, ny)
        w11 = s22 / det
        w12 = -s12 / det
        w22 = s11 / det
        small = s11 < _SMALL_SIGMA2 or s22 < _SMALL_SIGMA2 or det < _SMALL_DET
        ok, s = _grid_sums(image, xs[i], ys[i], w11, w12, w22, ix0, ix1, iy0, iy1, small, False,
                           work, vals)[:2]
        if not ok:
            s = _weighted_sums(image, xs[i], ys[i], w11, w12, w22, ix0, ix1, iy0, iy1, small)[0]
        flux[i] = 2.0 * s
        var_c = variance[jy, jx]
        err[i] = 2.0 * math.sqrt(var_c * math.pi * math.sqrt(det)) if var_c >= 0.0 else np.nan
        if not (math.isfinite(flux[i]) and math.isfinite(err[i])):
            flags[i] = GAUSSIAN_FLUX_FAILURE
    return flux, err, flags


class AdaptiveMoments(NamedTuple):
    """Per-source adaptive moments (all arrays of length n; pixels, pixels², counts)."""

    xx: np.ndarray
    yy: np.ndarray
    xy: np.ndarray
    x: np.ndarray
    y: np.ndarray
    instFlux: np.ndarray
    instFluxErr: np.ndarray
    xxErr: np.ndarray
    yyErr: np.ndarray
    xyErr: np.ndarray
    xErr: np.ndarray
    yErr: np.ndarray
    flags: np.ndarray


class StampMoments(NamedTuple):
    """Adaptive moments of one image stamp (pixels², stamp pixel coordinates)."""

    xx: float
    yy: float
    xy: float
    x: float
    y: float
    instFlux: float
    flags: int


class GaussianFlux(NamedTuple):
    """Per-source fixed-moment Gaussian flux (counts) and flag bits."""

    instFlux: np.ndarray
    instFluxErr: np.ndarray
    flags: np.ndarray


def adaptive_moments(image: np.ndarray, variance: np.ndarray, x, y, *, max_iter: int = 100,
                     tol1: float = 1e-5, tol2: float = 1e-4,
                     max_shift: float = 2.0) -> AdaptiveMoments:
    """Adaptive (elliptical-Gaussian-weighted) second moments of all sources (LSST SdssShape).

    Parameters
    ----------
    image : ndarray of float32, shape (ny, nx)
        Background-subtracted image, neighbours already replaced by noise.
    variance : ndarray of float32, shape (ny, nx)
        Variance plane; the value at the centre pixel is the σ_b² of the Fisher errors.
    x, y : array_like of float64, shape (n,)
        Starting centroids (0-based, pixel centres at integers), normally the slot centroid.
    max_iter : int
        Iteration limit (LSST ``maxIter``); exceeding it sets ``SHAPE_MAXITER``.
    tol1 : float
        Convergence tolerance on the ellipticity components e1, e2 (LSST ``tol1``).
    tol2 : float
        Convergence tolerance on the relative change of the xx moment (LSST ``tol2``).
    max_shift : float
        Largest centroid shift (pixels, per axis) before ``SHAPE_SHIFT`` resets it to the input.

    Returns
    -------
    AdaptiveMoments
        ``xx, yy, xy``: the converged weight moments Σw (pixels²; equal to the covariance of a
        Gaussian source); ``x, y``: the weighted centroid; ``instFlux``: 2·ΣW·I, the flux of a
        Gaussian matched to the weight (counts); ``instFluxErr, xxErr, yyErr, xyErr``: LSST's
        Fisher-matrix errors in (amplitude, σ11, σ22, σ12) with σ_b² the centre-pixel
        variance; ``xErr, yErr``: the Fisher bound of the matched Gaussian's position
        (√(2σ_b²·xx/(A²π√D)), A the peak amplitude); ``flags``: int32 bits ``SHAPE_*`` (module
        docstring). On ``SHAPE_UNWEIGHTED`` the moments are unweighted central moments in a box
        of ±4σ around the input centroid, ``x, y`` the input and the flux and errors NaN.
    """
    img = as_image(image, "image")
    var = as_image(variance, "variance", shape=img.shape)
    xs, ys = as_positions(x, y)
    if max_iter < 1:
        msg = f"max_iter: must be at least 1, got {max_iter}"
        raise ValueError(msg)
    out, flags = _adaptive_moments(img, var, xs, ys, int(max_iter), float(tol1), float(tol2),
                                   float(max_shift))
    cols = [np.ascontiguousarray(out[:, k]) for k in range(12)]
    return AdaptiveMoments(cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6],
                           cols[7], cols[8], cols[9], cols[10], cols[11], flags)


def adaptive_moments_stamp(stamp: np.ndarray, *, max_iter: int = 100, tol1: float = 1e-5,
                           tol2: float = 1e-4, max_shift: float = 2.0) -> StampMoments:
    """Adaptive moments of a single stamp, e.g. a PSF model image (``Psf.computeShape``).

    Parameters
    ----------
    stamp : ndarray, shape (ny, nx)
        Image of one source centred near the central pixel ``((nx-1)/2, (ny-1)/2)``.
    max_iter, tol1, tol2, max_shift
        As `adaptive_moments`.

    Returns
    -------
    StampMoments
        ``xx, yy, xy`` (pixels²), ``x, y`` (stamp pixel coordinates), ``instFlux`` and ``flags``.
    """
    img = as_image(stamp, "stamp")
    ny, nx = img.shape
    res = adaptive_moments(img, np.ones_like(img), (nx - 1) / 2.0, (ny - 1) / 2.0,
                           max_iter=max_iter, tol1=tol1, tol2=tol2, max_shift=max_shift)
    return StampMoments(float(res.xx[0]), float(res.yy[0]), float(res.xy[0]), float(res.x[0]),
                        float(res.y[0]), float(res.instFlux[0]), int(res.flags[0]))


def gaussian_flux(image: np.ndarray, variance: np.ndarray, x, y, xx, yy, xy) -> GaussianFlux:
    """Fixed-moment Gaussian flux of all sources (LSST GaussianFlux, ``computeFixedMomentsFlux``).

    Parameters
    ----------
    image, variance : ndarray of float32, shape (ny, nx)
        Background-subtracted image and its variance.
    x, y : array_like of float64, shape (n,)
        Centroids (slot centroid).
    xx, yy, xy : array_like of float64, shape (n,) or scalars
        Weight moments Σ (pixels²): the slot shape or the PSF shape.

    Returns
    -------
    GaussianFlux
        ``instFlux`` = 2·ΣW·I with W = exp(−½ dᵀΣ⁻¹d) (cut at exponent 14, box ±4σ): the total
        flux of a Gaussian source of covariance Σ (counts); ``instFluxErr`` =
        2·√(σ²_c·π·√detΣ), σ²_c the centre-pixel variance; ``flags``: ``GAUSSIAN_FLUX_FAILURE``
        (1) for a non-positive-definite Σ, a centre off the image or non-finite results.
    """
    img = as_image(image, "image")
    var = as_image(variance, "variance", shape=img.shape)
    xs, ys = as_positions(x, y)
    n = xs.size
    return GaussianFlux(*_gaussian_flux(img, var, xs, ys, as_per_source(xx, n, "xx"),
                                        as_per_source(yy, n, "yy"), as_per_source(xy, n, "xy")))
