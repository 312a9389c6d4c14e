"""Kron radius and flux of many sources in one call (SExtractor ``FLUX_AUTO`` convention).

Each source's ellipse comes from its adaptive second moments (xx, yy, xy): the elliptical
"radius" of an offset (dx, dy) is ρ = √(cxx dx² + cyy dy² + cxy dx dy) with
``cxx = yy/det``, ``cyy = xx/det``, ``cxy = −2 xy/det``, ``det = xx·yy − xy²``, so ρ = 1 on the
ellipse of semi-axes a, b (the square roots of the eigenvalues of the moment matrix; sep's
``a, b, theta`` with ``theta = ½ atan2(2xy, xx − yy)``).

1. First radial moment ``r1 = Σ ρ·I / Σ I`` over the pixels whose centres have
   ρ ≤ ``n_sigma_radius`` (6; SExtractor uses 6 × the isophotal ellipse), as ``sep.kron_radius``.
2. Kron "radius" (in units of a, b) ``k = r1``; the flux ellipse is ρ ≤ ``n_radius_flux``·k
   (2.5). As SExtractor's ``PHOT_AUTOPARAMS 2.5, 3.5``, the flux ellipse is at least
   ρ ≤ ``min_radius`` (3.5): k is raised to ``min_radius / n_radius_flux`` when smaller.
3. Flux ``Σ w·I`` with w the fraction of each pixel inside the flux ellipse: 1 or 0 for pixels
   wholly inside or outside (decided from ρ at the centre ± the largest change of ρ over half a
   pixel diagonal, 0.7072/b), otherwise ``subpix × subpix`` sub-pixel samples (as
   ``sep.sum_ellipse``); error ``√(Σ w²·V)``.

Pixels with any bit of ``bad_mask`` set count as zero in both steps.

Flag bits (``flags``, ``int32``): ``KRON_FAILURE`` (1) general failure; ``KRON_EDGE`` (2) an
ellipse extends off the image or contains bad pixels (failure set); ``KRON_BAD_RADIUS`` (4) the
moments are not a valid ellipse (no flux) or Σ I ≤ 0 / Σ ρ·I ≤ 0 within the radius ellipse (then
the minimum radius is used; failure set); ``KRON_USED_MINIMUM_RADIUS`` (8) the minimum radius was
used (not a failure by itself).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from lsstlite.kernels._measure_inputs import as_image, as_per_source, as_positions

__all__ = [
    "KRON_FAILURE", "KRON_EDGE", "KRON_BAD_RADIUS", "KRON_USED_MINIMUM_RADIUS",
    "KronFluxes", "kron_flux",
]

KRON_FAILURE = 1
KRON_EDGE = 2
KRON_BAD_RADIUS = 4
KRON_USED_MINIMUM_RADIUS = 8
_HALF_DIAGONAL = 0.7072  # √2/2 rounded up


@njit(cache=True, nogil=True)
def _rho2(cxx, cyy, cxy, dx, dy):
    """Squared elliptical radius of the offset (dx, dy)."""
    return cxx * dx * dx + cyy * dy * dy + cxy * dx * dy


@njit(cache=True, nogil=True)
def _span(cxx, cyy, cxy, x, dy, r2, strict, lo, hi):
    """First and last column in [lo, hi] of the row at offset dy with ρ² ≤ r2 (< r2 if strict).

    ρ² is convex along a row, so those columns are one run: its ends come from the roots of the
    quadratic, widened by a pixel and then moved inwards until the per-pixel test (the same
    expression as everywhere else) holds, so the run is exactly the pixels that pass the test.
    Empty when first > last.
    """
    bq = cxy * dy
    disc = bq * bq - 4.0 * cxx * (cyy * dy * dy - r2)
    centre = x - bq / (2.0 * cxx)
    half = math.sqrt(max(disc, 0.0)) / (2.0 * cxx)
    a = max(lo, int(math.floor(centre - half)) - 1)
    b = min(hi, int(math.ceil(centre + half)) + 1)
    while a <= b:
        rho2 = _rho2(cxx, cyy, cxy, a - x, dy)
        if rho2 < r2 or (rho2 == r2 and not strict):
            break
        a += 1
    while b >= a:
        rho2 = _rho2(cxx, cyy, cxy, b - x, dy)
        if rho2 < r2 or (rho2 == r2 and not strict):
            break
        b -= 1
    return a, b


@njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
def _radial_sums(row, mrow, bad_mask, a, b, x, dy, cxx, cyy, cxy):
    """Σ I and Σ ρ·I over columns a..b of a row (bad pixels count as zero), and the bad count.

    Reassociated sums over unsigned indices of contiguous slices, so that LLVM vectorises them.
    """
    vals = row[a: b + 1]
    bits = mrow[a: b + 1]
    dx0 = a - x
    s = 0.0
    rs = 0.0
    nbad = 0
    for k in range(vals.shape[0]):
        good = (bits[np.uintp(k)] & bad_mask) == 0
        v = np.float64(vals[np.uintp(k)]) if good else 0.0
        s += v
        rs += math.sqrt(_rho2(cxx, cyy, cxy, dx0 + k, dy)) * v
        nbad += 0 if good else 1
    return s, rs, nbad


@njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
def _inside_sums(row, vrow, mrow, bad_mask, a, b):
    """Σ I and Σ V over columns a..b of a row (bad pixels count as zero), and the bad count."""
    vals = row[a: b + 1]
    vars_ = vrow[a: b + 1]
    bits = mrow[a: b + 1]
    f = 0.0
    v = 0.0
    nbad = 0
    for k in range(vals.shape[0]):
        good = (bits[np.uintp(k)] & bad_mask) == 0
        f += np.float64(vals[np.uintp(k)]) if good else 0.0
        v += np.float64(vars_[np.uintp(k)]) if good else 0.0
        nbad += 0 if good else 1
    return f, v, nbad


@njit(cache=True, nogil=True)
def _kron(image, variance, mask, bad_mask, xs, ys, mxx, myy, mxy, n_sigma_radius, n_radius_flux,
          min_radius, subpix):
    ny, nx = image.shape
    n = xs.shape[0]
    flux = np.full(n, np.nan)
    err = np.full(n, np.nan)
    kron = np.full(n, np.nan)
    radius = np.full(n, np.nan)
    flags = np.zeros(n, dtype=np.int32)
    loose = np.bool_(False)  # a typed bool, not the literal False/True: _span compiles once
    for i in range(n):
        x = xs[i]
        y = ys[i]
        xx = mxx[i]
        yy = myy[i]
        xy = mxy[i]
        det = xx * yy - xy * xy
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(det) and xx > 0.0
                and yy > 0.0 and det > 0.0):
            flags[i] = KRON_BAD_RADIUS | KRON_FAILURE
            continue
        cxx = yy / det
        cyy = xx / det
        cxy = -2.0 * xy / det
        half = 0.5 * (xx + yy)
        b = math.sqrt(half - math.sqrt(0.25 * (xx - yy) ** 2 + xy * xy))
        a = math.sqrt(det) / b
        # step 1: first radial moment within rho <= n_sigma_radius (pixel centres)
        rr = n_sigma_radius
        hx = rr * math.sqrt(xx)
        hy = rr * math.sqrt(yy)
        if x - hx < -0.5 or y - hy < -0.5 or x + hx > nx - 0.5 or y + hy > ny - 0.5:
            flags[i] |= KRON_EDGE | KRON_FAILURE
        s = 0.0
        rs = 0.0
        nbad = 0
        lo = max(0, int(math.ceil(x - hx)))
        hi = min(nx - 1, int(math.floor(x + hx)))
        for iy in range(max(0, int(math.ceil(y - hy))), min(ny - 1, int(math.floor(y + hy))) + 1):
            dy = iy - y
            ia, ib = _span(cxx, cyy, cxy, x, dy, rr * rr, loose, lo, hi)
            if ia <= ib:
                s_row, rs_row, bad_row = _radial_sums(image[iy], mask[iy], bad_mask, ia, ib, x,
                                                      dy, cxx, cyy, cxy)
                s += s_row
                rs += rs_row
                nbad += bad_row
        if nbad > 0:
            flags[i] |= KRON_EDGE | KRON_FAILURE
        k_min = min_radius / n_radius_flux
        if s > 0.0 and rs > 0.0:
            k = rs / s
            kron[i] = k
            if k < k_min:
                k = k_min
                flags[i] |= KRON_USED_MINIMUM_RADIUS
        else:
            k = k_min
            flags[i] |= KRON_BAD_RADIUS | KRON_USED_MINIMUM_RADIUS | KRON_FAILURE
        if not k > 0.0:
            flags[i] |= KRON_BAD_RADIUS | KRON_FAILURE
            continue
        radius[i] = k * math.sqrt(a * b)
        # step 3: flux within rho <= n_radius_flux * k, exact in/out, sub-sampled boundary
        kk = n_radius_flux * k
        hx = kk * math.sqrt(xx)
        hy = kk * math.sqrt(yy)
        if x - hx < -0.5 or y - hy < -0.5 or x + hx > nx - 0.5 or y + hy > ny - 0.5:
            flags[i] |= KRON_EDGE | KRON_FAILURE
        delta = _HALF_DIAGONAL / b
        r_in2 = (kk - delta) ** 2 if kk > delta else -1.0
        r_out2 = (kk + delta) ** 2
        kk2 = kk * kk
        step = 1.0 / subpix
        f = 0.0
        var = 0.0
        nbad = 0
        lo = max(0, int(math.floor(x - hx + 0.5)))
        hi = min(nx - 1, int(math.ceil(x + hx - 0.5)))
        for iy in range(max(0, int(math.floor(y - hy + 0.5))),
                        min(ny - 1, int(math.ceil(y + hy - 0.5))) + 1):
            dy = iy - y
            oa, ob = _span(cxx, cyy, cxy, x, dy, r_out2, loose, lo, hi)
            if oa > ob:
                continue
            ia, ib = _span(cxx, cyy, cxy, x, dy, r_in2, not loose, oa, ob)
            row = image[iy]
            vrow = variance[iy]
            mrow = mask[iy]
            if ia <= ib:
                f_row, v_row, bad_row = _inside_sums(row, vrow, mrow, bad_mask, ia, ib)
                f += f_row
                var += v_row
                nbad += bad_row
            else:
                ia = ob + 1
                ib = ob
            # pixels cut by the ellipse (or too close to tell): sub-sampled
            for seg in range(2):
                sa, sb = (oa, ia - 1) if seg == 0 else (ib + 1, ob)
                for ix in range(sa, sb + 1):
                    dx = ix - x
                    count = 0
                    for sy in range(subpix):
                        ddy = dy - 0.5 + (sy + 0.5) * step
                        for sx in range(subpix):
                            ddx = dx - 0.5 + (sx + 0.5) * step
                            if _rho2(cxx, cyy, cxy, ddx, ddy) <= kk2:
                                count += 1
                    if count == 0:
                        continue
                    if mrow[ix] & bad_mask:
                        nbad += 1
                        continue
                    w = count * step * step
                    f += w * row[ix]
                    var += w * w * vrow[ix]
        if nbad > 0:
            flags[i] |= KRON_EDGE | KRON_FAILURE
        flux[i] = f
        err[i] = math.sqrt(var) if var >= 0.0 else np.nan
        if not (math.isfinite(f) and math.isfinite(err[i])):
            flags[i] |= KRON_FAILURE
    return flux, err, kron, radius, flags


class KronFluxes(NamedTuple):
    """Kron results per source.

    ``instFlux``, ``instFluxErr`` (counts); ``kronRadius`` the first radial moment r1 in units
    of the moments ellipse (as ``sep.kron_radius``; NaN when it could not be measured);
    ``radius`` the Kron radius used (after the minimum) in pixels, ``k·√(a·b)``; ``flags``.
    """

    instFlux: np.ndarray
    instFluxErr: np.ndarray
    kronRadius: np.ndarray
    radius: np.ndarray
    flags: np.ndarray


def kron_flux(image: np.ndarray, variance: np.ndarray, mask: np.ndarray | None, x, y, xx, yy, xy,
              *, bad_mask: int = 0, n_sigma_radius: float = 6.0, n_radius_flux: float = 2.5,
              min_radius: float = 3.5, subpix: int = 5) -> KronFluxes:
    """Kron radius and flux of all sources in one kernel call.

    Parameters
    ----------
    image, variance : ndarray of float32, shape (ny, nx)
        Background-subtracted image (neighbours replaced by noise) and its variance.
    mask : ndarray of int32, shape (ny, nx), or None
        Mask plane; pixels with any bit of ``bad_mask`` count as zero and set ``KRON_EDGE``.
    x, y : array_like of float64, shape (n,)
        Centres (0-based, pixel centres at integers).
    xx, yy, xy : array_like of float64, shape (n,)
        Adaptive second moments (pixels²) defining each source's ellipse.
    bad_mask : int
        Mask bits of unusable pixels.
    n_sigma_radius : float
        The first radial moment is taken within ρ ≤ this (6, SExtractor).
    n_radius_flux : float
        Kron factor: the flux ellipse is ρ ≤ ``n_radius_flux`` × Kron radius (2.5).
    min_radius : float
        Smallest flux ellipse, ρ ≤ ``min_radius`` (3.5, SExtractor's ``PHOT_AUTOPARAMS``).
    subpix : int
        Sub-pixel samples per axis for pixels cut by the flux ellipse (sep's default 5).

    Returns
    -------
    KronFluxes
        Per-source ``instFlux``, ``instFluxErr``, ``kronRadius``, ``radius``, ``flags`` (bits
        ``KRON_FAILURE`` 1, ``KRON_EDGE`` 2, ``KRON_BAD_RADIUS`` 4, ``KRON_USED_MINIMUM_RADIUS`` 8).
    """
    img = as_image(image, "image")
    var = as_image(variance, "variance", shape=img.shape)
    msk = (np.zeros(img.shape, np.int32) if mask is None
           else as_image(mask, "mask", dtype=np.int32, shape=img.shape))
    xs, ys = as_positions(x, y)
    n = xs.size
    mxx = as_per_source(xx, n, "xx")
    myy = as_per_source(yy, n, "yy")
    mxy = as_per_source(xy, n, "xy")
    for name, value in (("n_sigma_radius", n_sigma_radius), ("n_radius_flux", n_radius_flux)):
        if not value > 0:
            msg = f"{name}: must be positive, got {value}"
            raise ValueError(msg)
    if not min_radius >= 0:
        msg = f"min_radius: must be non-negative, got {min_radius}"
        raise ValueError(msg)
    if int(subpix) < 1:
        msg = f"subpix: must be a positive integer, got {subpix}"
        raise ValueError(msg)
    flux, err, kron, radius, flags = _kron(
        img, var, msk, int(bad_mask), xs, ys, mxx, myy, mxy, float(n_sigma_radius),
        float(n_radius_flux), float(min_radius), int(subpix))
    return KronFluxes(flux, err, kron, radius, flags)
