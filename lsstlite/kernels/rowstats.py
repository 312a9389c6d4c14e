"""Clipped statistics of the pixels at fixed offsets around many sources (e.g. an annulus).

One kernel call gathers each source's pixels and reduces them: no (sources x pixels) array
is built. The starting median and quartiles come from a branch-free radix sort.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from lsstlite.kernels._measure_inputs import as_image, as_positions

__all__ = ["clipped_stats_at_offsets"]

#: centres are clipped to this many pixels off the image before rounding (no int overflow)
_FAR = 1.0e9


@njit(cache=True, nogil=True)
def _radix_sort(values, n, keys, spare, counts):
    """Sort ``values[:n]`` (float32, no NaN) in place: LSD radix sort of order-preserving keys.

    Branch-free (histogram and scatter per byte), so its cost does not depend on the data,
    unlike a quicksort's mispredicted comparisons. ``keys``, ``spare``: uint32 work arrays of
    at least ``n``; ``counts``: int64 work array of 256.
    """
    bits = values.view(np.uint32)
    for i in range(n):
        u = bits[i]
        # negative floats: flip all bits; positive: flip the sign bit
        keys[i] = u ^ (np.uint32(0x80000000) | (np.uint32(0) - (u >> np.uint32(31))))
    src = keys
    dst = spare
    for shift in range(0, 32, 8):
        counts[:] = 0
        for i in range(n):
            counts[(src[i] >> np.uint32(shift)) & np.uint32(0xFF)] += 1
        total = 0
        for b in range(256):
            c = counts[b]
            counts[b] = total
            total += c
        for i in range(n):
            b = (src[i] >> np.uint32(shift)) & np.uint32(0xFF)
            dst[counts[b]] = src[i]
            counts[b] += 1
        src, dst = dst, src
    for i in range(n):  # four passes: the sorted keys are back in ``keys``
        u = src[i]
        bits[i] = u ^ (np.uint32(0x80000000) | ((u >> np.uint32(31)) - np.uint32(1)))


@njit(cache=True, nogil=True)
def _quantile_sorted(a, n, q):
    """Linear-interpolated quantile ``q`` of the first ``n`` sorted values (numpy's default)."""
    pos = q * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return a[lo] + (pos - lo) * (np.float64(a[hi]) - a[lo])


@njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
def _clip(buf, n, centre, sig, nsigma, niter):
    """``niter`` clipping passes over ``buf[:n]`` from ``(centre, sig)``.

    Branch-free, one pass per iteration: sums of ``d = value - centre`` over the kept values
    give the new centre and (population) sigma without cancellation.
    """
    for _ in range(niter):
        limit = nsigma * sig
        count = 0.0
        s1 = 0.0
        s2 = 0.0
        for k in range(n):
            d = buf[k] - centre
            keep = abs(d) <= limit
            kept = d if keep else 0.0
            count += 1.0 if keep else 0.0
            s1 += kept
            s2 += kept * kept
        if count == 0.0:
            return np.nan, np.nan
        shift = s1 / count
        centre = centre + shift
        sig = math.sqrt(max(s2 / count - shift * shift, 0.0))
    return centre, sig


@njit(cache=True, nogil=True)
def _clipped_stats(buf, n, nsigma, niter, keys, spare, counts):
    """Clipped mean and sigma of ``buf[:n]`` (sorted in place): start at the median and
    0.7413 IQR."""
    if n == 0:
        return np.nan, np.nan
    _radix_sort(buf, n, keys, spare, counts)
    med = _quantile_sorted(buf, n, 0.5)
    sig = 0.7413 * (_quantile_sorted(buf, n, 0.75) - _quantile_sorted(buf, n, 0.25))
    return _clip(buf, n, med, sig, nsigma, niter)


@njit(cache=True, nogil=True)
def _clipped_stats_at_offsets(image, mask, bad_bits, ix, iy, dx, dy, nsigma, niter, centre,
                              sigma):
    ny, nx = image.shape
    buf = np.empty(dx.size, dtype=np.float32)
    keys = np.empty(dx.size, dtype=np.uint32)
    spare = np.empty(dx.size, dtype=np.uint32)
    counts = np.empty(256, dtype=np.int64)
    for r in range(ix.size):
        n = np.int64(0)  # not the literal 0: callees compile once
        for k in range(dx.size):
            x = ix[r] + dx[k]
            y = iy[r] + dy[k]
            if 0 <= x < nx and 0 <= y < ny:
                # branch-free compaction: the loads of successive pixels overlap in flight
                v = image[y, x]
                buf[n] = v
                n += 1 if (mask[y, x] & bad_bits) == 0 and math.isfinite(v) else 0
        centre[r], sigma[r] = _clipped_stats(buf, n, nsigma, niter, keys, spare, counts)


def clipped_stats_at_offsets(image: np.ndarray, mask: np.ndarray, bad_bitmask: int, x, y,
                             dx: np.ndarray, dy: np.ndarray, nsigma: float = 3.0, niter: int = 3
                             ) -> tuple[np.ndarray, np.ndarray]:
    """Iteratively clipped mean and standard deviation of the pixels around each source.

    Source ``i`` samples the pixels ``(X_i + dx, Y_i + dy)``, ``X_i, Y_i`` the pixel nearest
    ``(x_i, y_i)``, that are on the image, free of ``bad_bitmask`` and finite. Its statistics start from the
    samples' median and ``0.7413 * IQR`` (numpy's linearly interpolated quantiles); then
    ``niter`` times the samples within ``nsigma`` of the centre give the new centre (mean) and
    sigma (population std). ``niter=0`` returns the median and the IQR sigma.

    Parameters
    ----------
    image : ndarray of float32, shape (ny, nx)
        Plane to sample.
    mask : ndarray of int32, shape (ny, nx)
        Mask plane.
    bad_bitmask : int
        Pixels with any of these mask bits are not used.
    x, y : array_like of float, shape (n,)
        Centres (a non-finite centre has no samples).
    dx, dy : ndarray of int, shape (m,)
        Pixel offsets of the samples (e.g. an annulus).
    nsigma : float
        Clipping threshold.
    niter : int
        Clipping iterations.

    Returns
    -------
    centre, sigma : ndarray, shape (n,)
        NaN for a source without samples (or when clipping removes every sample).
    """
    img = as_image(image, "image")
    msk = as_image(mask, "mask", dtype=np.int32, shape=img.shape)
    xs, ys = as_positions(x, y)
    offx = np.ascontiguousarray(dx, dtype=np.int64).ravel()
    offy = np.ascontiguousarray(dy, dtype=np.int64).ravel()
    if offx.shape != offy.shape:
        msg = f"dx, dy: lengths differ ({offx.size} != {offy.size})"
        raise ValueError(msg)
    far = -_FAR  # off the image whatever the offsets
    ix = np.floor(np.clip(np.where(np.isfinite(xs), xs, far), -_FAR, _FAR) + 0.5).astype(np.int64)
    iy = np.floor(np.clip(np.where(np.isfinite(ys), ys, far), -_FAR, _FAR) + 0.5).astype(np.int64)
    centre = np.empty(xs.size)
    sigma = np.empty(xs.size)
    _clipped_stats_at_offsets(img, msk, np.int32(bad_bitmask), ix, iy, offx, offy, float(nsigma),
                              int(niter), centre, sigma)
    return centre, sigma
