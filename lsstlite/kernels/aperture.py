"""Circular aperture fluxes for many radii at once (LSST CircularApertureFlux).

Radii up to ``max_sinc_radius`` use sinc apertures (Bickerton & Lupton 2013; LSST SincCoeffs):
a coefficient image, the inverse DFT of the top-hat's transform ``r·J₁(2πrk)/k`` on a W×W grid
(``W = 2·2^max(3, ⌈log₂ 2r⌉) − 1``), gives the integral over the disc of the sinc-interpolated
image as a dot product. The coefficients are computed once per radius (cached); the sub-pixel
shift is applied to the image instead (Lanczos-5 interpolation of the patch at the source's
fractional offset, which equals shifting the coefficients). Larger radii use the exact
pixel-area-weighted overlap of circle and pixels (as ``sep.sum_circle(subpix=0)``; LSST sums
whole pixels whose centres are inside). For these, each row's run of pixels wholly inside the
circle is summed directly (vectorised); boundary pixels get their overlap as differences of
the area of the disc below-left of a point, built from primitives computed once per column
and per row edge, so there is no transcendental call per pixel.

Errors: σ² = Σ c²·V for sinc apertures (V at the unshifted pixels, exact for a smooth variance;
Σ c_shifted² = Σ c² for band-limited coefficients), σ² = Σ w²·V for exact apertures (w the
overlap fraction).

Flag bits per (source, radius) (``flags``, ``int32``): ``APERTURE_FAILURE`` (1) general failure;
``APERTURE_TRUNCATED`` (2) the circle extends off the image (failure set); ``SINC_COEFFS_TRUNCATED``
(4) the sinc coefficient box (plus interpolation taps) extends off the image, off-image pixels
count as zero.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numba import njit

from lsstlite.kernels._measure_inputs import as_image, as_positions

__all__ = [
    "APERTURE_FAILURE", "APERTURE_TRUNCATED", "SINC_COEFFS_TRUNCATED", "DEFAULT_RADII",
    "ApertureFluxes", "sinc_coefficients", "circular_aperture_flux",
]

APERTURE_FAILURE = 1
APERTURE_TRUNCATED = 2
SINC_COEFFS_TRUNCATED = 4
DEFAULT_RADII = (3.0, 4.5, 6.0, 9.0, 12.0, 17.0, 25.0, 35.0, 50.0, 70.0)
_LANCZOS_ORDER = 5
_TAPS = 2 * _LANCZOS_ORDER + 1
_VECTOR = 16  # patch columns are padded to a multiple of this (AVX-512: 2 x 8 doubles)


def _bessel_j1(x: np.ndarray) -> np.ndarray:
    """J₁(x) from Bessel's integral, (1/2π)∫₀^{2π} cos(τ − x sin τ) dτ, by the trapezoid rule.

    The integrand is periodic and analytic, so the rule converges exponentially; 512 nodes are
    accurate to double precision for |x| < 150.
    """
    tau = np.linspace(0.0, 2.0 * np.pi, 512, endpoint=False)
    flat = np.asarray(x, dtype=np.float64).ravel()
    out = np.empty_like(flat)
    for start in range(0, flat.size, 4096):
        chunk = flat[start: start + 4096, None]
        out[start: start + 4096] = np.cos(tau[None, :] - chunk * np.sin(tau)[None, :]).mean(axis=1)
    return out.reshape(np.shape(x))


@lru_cache(maxsize=64)
def _sinc_coefficients_cached(radius: float) -> np.ndarray:
    size = 2 * 2 ** max(3, math.ceil(math.log2(2.0 * radius))) - 1
    freq = np.fft.fftfreq(size)
    k = np.hypot(freq[None, :], freq[:, None])
    transform = np.empty_like(k)
    nonzero = k > 0
    # k takes each value up to 8 times on the grid (its symmetries): J1 once per distinct value
    distinct, where = np.unique(k[nonzero], return_inverse=True)
    transform[nonzero] = radius * _bessel_j1(2 * np.pi * radius * distinct)[where] / k[nonzero]
    transform[~nonzero] = np.pi * radius * radius
    coeffs = np.fft.fftshift(np.fft.ifft2(transform).real)
    coeffs.setflags(write=False)
    return coeffs


def sinc_coefficients(radius: float) -> np.ndarray:
    """Sinc aperture coefficient image of a circle of ``radius`` pixels, centred on its middle.

    Parameters
    ----------
    radius : float
        Aperture radius in pixels (> 0).

    Returns
    -------
    ndarray of float64, shape (W, W), W odd
        Read-only, cached. ``Σ coeffs·D`` over a patch centred on a pixel is the integral over
        the disc of the sinc-interpolated image; ``coeffs.sum() == π r²``.
    """
    if not radius > 0:
        msg = f"radius: must be positive, got {radius}"
        raise ValueError(msg)
    return _sinc_coefficients_cached(float(radius))


@lru_cache(maxsize=16)
def _sinc_stack(radii: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficient images of ``radii`` centred in one [n, Wmax, Wmax] array, their squares
    (for the variance sums) and half-widths; read-only, cached per radius set."""
    sinc = [sinc_coefficients(r) for r in radii]
    size = max((c.shape[0] for c in sinc), default=1)
    coeffs = np.zeros((len(sinc), size, size))
    for k, c in enumerate(sinc):
        off = (size - c.shape[0]) // 2
        coeffs[k, off: off + c.shape[0], off: off + c.shape[0]] = c
    squares = coeffs * coeffs
    halfwidths = np.array([(c.shape[0] - 1) // 2 for c in sinc], dtype=np.int64)
    for arr in (coeffs, squares, halfwidths):
        arr.setflags(write=False)
    return coeffs, squares, halfwidths


@njit(cache=True, nogil=True)
def _lanczos_weights(frac, out):
    """Normalised Lanczos-5 weights for samples at offsets m = −5..5 from x = frac."""
    total = 0.0
    for m in range(-_LANCZOS_ORDER, _LANCZOS_ORDER + 1):
        u = frac - m
        if u == 0.0:
            w = 1.0
        elif abs(u) >= _LANCZOS_ORDER:
            w = 0.0
        else:
            pu = math.pi * u
            w = _LANCZOS_ORDER * math.sin(pu) * math.sin(pu / _LANCZOS_ORDER) / (pu * pu)
        out[m + _LANCZOS_ORDER] = w
        total += w
    for m in range(2 * _LANCZOS_ORDER + 1):
        out[m] /= total


# Taylor coefficients of asin(s)/s in powers of s²: (2n)! / (4ⁿ (n!)² (2n + 1)); for |s| ≤ 1/2
# the terms beyond n = 24 sum to < 1e-17.
_ASIN_SERIES = np.array([math.comb(2 * n, n) / (4.0 ** n * (2 * n + 1)) for n in range(25)])


@njit(cache=True, nogil=True, inline="always")
def _asin(q):
    """asin(q) for |q| ≤ 1, to ~1e-16, without a libm call or a branch (so loops vectorise).

    The Taylor series on |s| ≤ 1/2, evaluated as four interleaved Horner chains in s⁸ (short
    dependency chains); above 1/2, asin(a) = π/2 − 2·asin(√((1 − a)/2)).
    """
    a = min(abs(q), 1.0)
    big = a > 0.5
    s_big = math.sqrt(0.5 * (1.0 - a))
    s = s_big if big else a
    z = s * s
    z2 = z * z
    u = z2 * z2
    p0 = _ASIN_SERIES[24]
    for i in range(5, -1, -1):
        p0 = p0 * u + _ASIN_SERIES[4 * i]
    p1 = _ASIN_SERIES[21]
    p2 = _ASIN_SERIES[22]
    p3 = _ASIN_SERIES[23]
    for i in range(4, -1, -1):
        p1 = p1 * u + _ASIN_SERIES[4 * i + 1]
        p2 = p2 * u + _ASIN_SERIES[4 * i + 2]
        p3 = p3 * u + _ASIN_SERIES[4 * i + 3]
    p = ((p0 + z * p1) + z2 * (p2 + z * p3)) * s
    p = 0.5 * math.pi - 2.0 * p if big else p
    return math.copysign(p, q)


@njit(cache=True, nogil=True, inline="always")
def _chord_primitive(u, r):
    """C(u) = ∫₀^u √(r² − X²) dX, u clamped to [−r, r] (odd in u; C(r) = πr²/4)."""
    q = min(max(u / r, -1.0), 1.0)
    return 0.5 * (u * r * math.sqrt(max(0.0, 1.0 - q * q)) + r * r * _asin(q))


@njit(cache=True, nogil=True, inline="always")
def _corner_area(e, ce, f, t, ct, cr):
    """Area of {X ≤ e, Y ≤ f} inside the disc X² + Y² ≤ r².

    ``ce = C(clamp(e, −r, r))``, ``t = √(r² − f²)`` (0 when |f| ≥ r), ``ct = C(t)``,
    ``cr = C(r)``: the primitives are computed once per column and per row edge, so the area is
    arithmetic only. At abscissa X the disc below Y = f is 2√(r²−X²) long outside |X| < t when
    f ≥ 0 (0 when f < 0) and f + √(r²−X²) long inside. Written with selects, not branches.
    """
    upper = f >= 0.0
    area = f * (e + t) + ce + ct if e < t else f * (t + t) + ct + ct
    area += 2.0 * (cr - ct) if upper else 0.0
    area += 2.0 * (ce - ct) if upper and e > t else 0.0
    left = 2.0 * (ce + cr) if upper else 0.0
    return left if e <= -t else area


@njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
def _run_sums(image, variance, iy, a, b):
    """Σ image[iy, a..b] and Σ variance[iy, a..b] in float64 (0 ≤ a).

    Reassociation and unsigned indices (no negative-index wraparound) let LLVM vectorise the
    two reductions; the order of the additions differs from a left-to-right sum only by
    rounding (~1e-16 relative). Element indexing (no row views) avoids reference counting.
    """
    f = 0.0
    v = 0.0
    row = np.uintp(iy)
    for k in range(b - a + 1):
        c = np.uintp(a + k)
        f += np.float64(image[row, c])
        v += np.float64(variance[row, c])
    return f, v


@njit(cache=True, nogil=True)
def _touch_rows(image, variance, iy0, iy1, cx0, cx1, scratch):
    """Load one value per cache line of image and variance rows iy0..iy1, columns cx0..cx1.

    The loads of different rows are independent, so the memory system fetches all the rows'
    lines at once instead of one row after another when the rows are summed (the row loops
    then hit the cache; exact radii ~25% faster on the SDSS frame). One sum per row lands in
    ``scratch[iy - iy0]`` (scratch space), so that the loads are not optimised away.
    """
    for iy in range(iy0, iy1 + 1):
        s = 0.0
        for ix in range(cx0, cx1 + 1, 16):
            s += image[iy, ix] + variance[iy, ix]
        scratch[iy - iy0] = s


@njit(cache=True, nogil=True)
def _exact_circles(image, variance, x, y, radii, flux, var, colc, rowt, rowc):
    """Exact-overlap sums of concentric circles (``radii`` ascending) into ``flux``, ``var``.

    The chord primitives of every column edge and row edge are computed first (vectorised
    loops); rows are then visited once for all radii. In each row the run of pixels wholly
    inside circle k contains that of circle k − 1, so its sums extend the previous run's by the
    pixels on either side: the largest circle's inside pixels are read once. Boundary pixels get
    the exact overlap w as a difference of corner areas and contribute w·D, w²·V. ``colc``,
    ``rowt``, ``rowc`` are scratch of shape ≥ (len(radii), 2·max(radii) + 3).
    """
    ny, nx = image.shape
    nr = radii.shape[0]
    rmax = radii[nr - 1]
    iy0 = max(0, int(math.floor(y - rmax + 0.5)))
    iy1 = min(ny - 1, int(math.ceil(y + rmax - 0.5)))
    cx0 = max(0, int(math.floor(x - rmax + 0.5)))
    cx1 = min(nx - 1, int(math.ceil(x + rmax - 0.5)))
    for k in range(nr):
        r = radii[k]
        cr = 0.5 * (r * r * (0.5 * math.pi))  # C(u) for u ≥ r
        # column edges: ±C(r) off the circle, the series only where |e| < r
        ncol = cx1 - cx0 + 2
        ja = min(ncol, max(0, int(math.floor(x - r + 0.5)) - cx0))
        jb = max(ja, min(ncol, int(math.ceil(x + r + 0.5)) - cx0 + 1))
        for j in range(ja):
            colc[k, j] = -cr
        for j in range(ja, jb):
            colc[k, j] = _chord_primitive(cx0 + j - 0.5 - x, r)
        for j in range(jb, ncol):
            colc[k, j] = cr
        # row edges: t = 0 and C(t) = 0 off the circle
        nrow = iy1 - iy0 + 2
        ja = min(nrow, max(0, int(math.floor(y - r + 0.5)) - iy0))
        jb = max(ja, min(nrow, int(math.ceil(y + r + 0.5)) - iy0 + 1))
        for j in range(nrow):
            rowt[k, j] = 0.0
            rowc[k, j] = 0.0
        for j in range(ja, jb):
            f = iy0 + j - 0.5 - y
            t = math.sqrt(max(0.0, r * r - f * f))
            rowt[k, j] = t
            rowc[k, j] = _chord_primitive(t, r)
        flux[k] = 0.0
        var[k] = 0.0
    for iy in range(iy0, iy1 + 1):
        j = iy - iy0
        f_lo = iy - 0.5 - y
        f_hi = iy + 0.5 - y
        centre_row = f_lo <= 0.0 <= f_hi
        run_a = 0
        run_b = -1
        run_f = 0.0
        run_v = 0.0
        for k in range(nr):
            r = radii[k]
            t_lo = rowt[k, j]
            t_hi = rowt[k, j + 1]
            # half-chords at the row's nearer and farther edge (the latter 0 past the circle)
            outer = r if centre_row else max(t_lo, t_hi)
            if outer <= 0.0:
                continue
            inner = min(t_lo, t_hi)
            inner = inner if inner > 0.0 else -1.0
            ct_lo = rowc[k, j]
            ct_hi = rowc[k, j + 1]
            cr = 0.5 * (r * r * (0.5 * math.pi))  # C(r)
            ix0 = max(cx0, int(math.floor(x - outer + 0.5)))
            ix1 = min(cx1, int(math.ceil(x + outer - 0.5)))
            # pixels with |dx| + 0.5 <= inner are wholly inside: one plain run
            ia = max(ix0, int(math.ceil(x - inner + 0.5))) if inner > 0.0 else ix1 + 1
            ib = min(ix1, int(math.floor(x + inner - 0.5))) if inner > 0.0 else ix1
            if ia > ib:
                ia = ix1 + 1
                ib = ix1
            else:
                if run_a > run_b:
                    run_f, run_v = _run_sums(image, variance, iy, ia, ib)
                else:
                    f_left, v_left = _run_sums(image, variance, iy, ia, run_a - 1)
                    f_right, v_right = _run_sums(image, variance, iy, run_b + 1, ib)
                    run_f += f_left + f_right
                    run_v += v_left + v_right
                run_a = ia
                run_b = ib
                flux[k] += run_f
                var[k] += run_v
            for seg in range(2):
                if seg == 0:
                    a = ix0
                    b = ia - 1
                else:
                    a = ib + 1
                    b = ix1
                if a > b:
                    continue
                e = a - 0.5 - x
                ce = colc[k, a - cx0]
                d_left = (_corner_area(e, ce, f_hi, t_hi, ct_hi, cr)
                          - _corner_area(e, ce, f_lo, t_lo, ct_lo, cr))
                f_seg = 0.0
                v_seg = 0.0
                for ix in range(a, b + 1):
                    e = ix + 0.5 - x
                    ce = colc[k, ix + 1 - cx0]
                    d_right = (_corner_area(e, ce, f_hi, t_hi, ct_hi, cr)
                               - _corner_area(e, ce, f_lo, t_lo, ct_lo, cr))
                    w = d_right - d_left
                    d_left = d_right
                    if w > 0.0:
                        f_seg += w * image[iy, ix]
                        v_seg += w * w * variance[iy, ix]
                flux[k] += f_seg
                var[k] += v_seg


@njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
def _box_dot(coeffs, s, cy, cx, data, y0, x0, nrows, ncols):
    """Σ coeffs[s, cy + j, cx + c] · data[y0 + j, x0 + c] over a box, in float64 (indices ≥ 0).

    Element indexing (no views) with unsigned indices and reassociation, so the column loop
    vectorises; the order of the additions differs from a sequential sum only by rounding.
    """
    total = 0.0
    for j in range(nrows):
        cr = np.uintp(cy + j)
        dr = np.uintp(y0 + j)
        for c in range(ncols):
            total += coeffs[s, cr, np.uintp(cx + c)] * np.float64(data[dr, np.uintp(x0 + c)])
    return total


@njit(cache=True, nogil=True, fastmath={"contract"})
def _interpolate_patch(src, wx, wy, tmp, patch):
    """Lanczos-interpolate ``src``: ``patch[r, c] = Σ_m Σ_n wy[m]·wx[n]·src[r+m, c+n]``.

    Separable, along x into ``tmp`` (``patch`` rows + taps − 1 rows) then along y. The tap
    loops are innermost with a constant count (unrolled), so the column loops vectorise (with
    fused multiply-adds); a column count that is a multiple of the vector width avoids a scalar
    remainder.
    """
    rows, cols = tmp.shape
    for rr in range(rows):
        for c in range(cols):
            acc = wx[0] * src[rr, c]
            for m in range(1, _TAPS):
                acc += wx[m] * src[rr, c + m]
            tmp[rr, c] = acc
    for rr in range(patch.shape[0]):
        for c in range(cols):
            acc = wy[0] * tmp[rr, c]
            for m in range(1, _TAPS):
                acc += wy[m] * tmp[rr + m, c]
            patch[rr, c] = acc


@njit(cache=True, nogil=True)
def _sinc_patch(image, ix, iy, hmax, wx, wy, tmp, patch, pad):
    """Interpolated patch around (ix, iy) at the weights' sub-pixel offset.

    ``patch[hmax + j, hmax + c]`` is the image interpolated at (iy + j + frac_y, ix + c + frac_x);
    columns beyond 2·hmax + 1 are padding for vectorisation. The taps are first copied into
    the float64 ``pad`` (off-image pixels count as zero).
    """
    ny, nx = image.shape
    reach = hmax + _LANCZOS_ORDER
    rows, width = pad.shape
    y0 = iy - reach
    x0 = ix - reach
    r0 = max(0, -y0)
    r1 = min(rows, ny - y0)
    c0 = max(0, -x0)
    c1 = min(width, nx - x0)
    if r0 > 0 or c0 > 0 or r1 < rows or c1 < width:
        pad[:, :] = 0.0
    if r0 < r1 and c0 < c1:
        for rr in range(r0, r1):
            yy = np.uintp(y0 + rr)
            for c in range(c0, c1):
                pad[rr, c] = image[yy, np.uintp(x0 + c)]
    _interpolate_patch(pad, wx, wy, tmp, patch)


@njit(cache=True, nogil=True)
def _aperture_fluxes(image, variance, xs, ys, radii, sinc_cols, coeffs, coeffs2, halfwidths,
                     exact_cols):
    """All apertures of all sources.

    ``sinc_cols``: output columns of the sinc radii, with centred coefficient images ``coeffs``
    [nsinc, Wmax, Wmax], their squares ``coeffs2`` and half-widths; ``exact_cols``: output
    columns of the exact radii, in ascending order of radius.
    """
    ny, nx = image.shape
    n = xs.shape[0]
    nr = radii.shape[0]
    nsinc = sinc_cols.shape[0]
    nexact = exact_cols.shape[0]
    flux = np.full((n, nr), np.nan)
    err = np.full((n, nr), np.nan)
    flags = np.zeros((n, nr), dtype=np.int32)
    hmax = np.int64(0)  # not the literal 0: callees compile once
    for k in range(nsinc):
        hmax = max(hmax, halfwidths[k])
    cmid = (coeffs.shape[1] - 1) // 2
    side = 2 * hmax + 1
    cols = -(-side // _VECTOR) * _VECTOR
    wx = np.empty(_TAPS)
    wy = np.empty(_TAPS)
    tmp = np.empty((side + _TAPS - 1, cols))
    patch = np.empty((side, cols))
    pad = np.empty((side + _TAPS - 1, cols + _TAPS - 1))
    exact_radii = np.empty(nexact)
    for k in range(nexact):
        exact_radii[k] = radii[exact_cols[k]]
    rmax_exact = exact_radii[nexact - 1] if nexact > 0 else 0.0
    colc = np.empty((nexact, int(2.0 * rmax_exact) + 4))
    rowt = np.empty_like(colc)
    rowc = np.empty_like(colc)
    exact_flux = np.empty(nexact)
    exact_var = np.empty(nexact)
    touched = np.empty(2 * max(int(math.ceil(rmax_exact)), hmax + _LANCZOS_ORDER + cols) + 1)
    for i in range(n):
        x = xs[i]
        y = ys[i]
        if not (math.isfinite(x) and math.isfinite(y)):
            flags[i, :] = APERTURE_FAILURE
            continue
        ix = int(math.floor(x + 0.5))
        iy = int(math.floor(y + 0.5))
        # every pixel this source's apertures read, fetched up front (see _touch_rows)
        reach = max(int(math.ceil(rmax_exact)), hmax + _LANCZOS_ORDER + cols - side + 1)
        if iy + reach >= 0 and iy - reach < ny and ix + reach >= 0 and ix - reach < nx:
            _touch_rows(image, variance, max(0, iy - reach), min(ny - 1, iy + reach),
                        max(0, ix - reach), min(nx - 1, ix + reach), touched)
        if nsinc > 0:
            _lanczos_weights(x - ix, wx)
            _lanczos_weights(y - iy, wy)
            _sinc_patch(image, ix, iy, hmax, wx, wy, tmp, patch, pad)
        for s in range(nsinc):
            k = sinc_cols[s]
            r = radii[k]
            h = halfwidths[s]
            f = _box_dot(coeffs, s, cmid - h, cmid - h, patch, hmax - h, hmax - h, 2 * h + 1,
                         2 * h + 1)
            # variance at the unshifted pixels, off-image pixels count as zero
            c0 = max(-h, -ix)
            c1 = min(h, nx - 1 - ix)
            j0 = max(-h, -iy)
            j1 = min(h, ny - 1 - iy)
            v = _box_dot(coeffs2, s, cmid + j0, cmid + c0, variance, iy + j0, ix + c0,
                         j1 - j0 + 1, c1 - c0 + 1)
            reach = h + _LANCZOS_ORDER
            if ix - reach < 0 or iy - reach < 0 or ix + reach >= nx or iy + reach >= ny:
                flags[i, k] |= SINC_COEFFS_TRUNCATED
            if x - r < -0.5 or y - r < -0.5 or x + r > nx - 0.5 or y + r > ny - 0.5:
                flags[i, k] |= APERTURE_TRUNCATED | APERTURE_FAILURE
            flux[i, k] = f
            err[i, k] = math.sqrt(v) if v >= 0.0 else np.nan
        if nexact > 0:
            _exact_circles(image, variance, x, y, exact_radii, exact_flux, exact_var, colc,
                           rowt, rowc)
            for s in range(nexact):
                k = exact_cols[s]
                r = exact_radii[s]
                if x - r < -0.5 or y - r < -0.5 or x + r > nx - 0.5 or y + r > ny - 0.5:
                    flags[i, k] |= APERTURE_TRUNCATED | APERTURE_FAILURE
                flux[i, k] = exact_flux[s]
                v = exact_var[s]
                err[i, k] = math.sqrt(v) if v >= 0.0 else np.nan
        for k in range(nr):
            if not (math.isfinite(flux[i, k]) and math.isfinite(err[i, k])):
                flags[i, k] |= APERTURE_FAILURE
    return flux, err, flags


class ApertureFluxes(NamedTuple):
    """Aperture fluxes, shape (n, nradii): counts, counts, flag bits; and the radii used."""

    instFlux: np.ndarray
    instFluxErr: np.ndarray
    flags: np.ndarray
    radii: np.ndarray


def circular_aperture_flux(image: np.ndarray, variance: np.ndarray, x, y,
                           radii=DEFAULT_RADII, *, max_sinc_radius: float = 10.0) -> ApertureFluxes:
    """Circular aperture fluxes of all sources for all radii in one kernel call.

    Parameters
    ----------
    image, variance : ndarray of float32, shape (ny, nx)
        Background-subtracted image (neighbours replaced by noise) and its variance.
    x, y : array_like of float64, shape (n,)
        Aperture centres (0-based, pixel centres at integers).
    radii : sequence of float
        Aperture radii in pixels (LSST default 3, 4.5, 6, 9, 12, 17, 25, 35, 50, 70).
    max_sinc_radius : float
        Radii up to this use sinc apertures, larger ones the exact circle/pixel overlap
        (LSST ``maxSincRadius``; 0 makes every aperture exact).

    Returns
    -------
    ApertureFluxes
        ``instFlux``, ``instFluxErr`` (counts) and ``flags`` (bits ``APERTURE_FAILURE`` 1,
        ``APERTURE_TRUNCATED`` 2, ``SINC_COEFFS_TRUNCATED`` 4), each of shape (n, len(radii)),
        and ``radii`` (float64).
    """
    img = as_image(image, "image")
    var = as_image(variance, "variance", shape=img.shape)
    xs, ys = as_positions(x, y)
    rad = np.ascontiguousarray(np.atleast_1d(np.asarray(radii, dtype=np.float64)))
    if rad.ndim != 1 or not np.all(rad > 0):
        msg = f"radii: must be a 1-D sequence of positive radii, got {radii!r}"
        raise ValueError(msg)
    use_sinc = rad <= max_sinc_radius
    coeffs, coeffs2, halfwidths = _sinc_stack(tuple(float(r) for r in rad[use_sinc]))
    sinc_cols = np.flatnonzero(use_sinc)
    exact_cols = np.flatnonzero(~use_sinc)
    exact_cols = exact_cols[np.argsort(rad[exact_cols], kind="stable")]
    flux, err, flags = _aperture_fluxes(img, var, xs, ys, rad, sinc_cols, coeffs, coeffs2,
                                        halfwidths, exact_cols)
    return ApertureFluxes(flux, err, flags, rad)
