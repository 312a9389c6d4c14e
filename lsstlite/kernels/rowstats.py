"""Clipped statistics of the pixels at fixed offsets around many sources (e.g. an annulus).

One kernel call gathers each source's pixels and reduces them: no (sources x pixels) array
is built. The starting median and quartiles come from selection (O(n)), not a sort.
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
def _select(a, lo, hi, k):
    """Reorder ``a[lo:hi+1]`` so that ``a[k]`` is its (k-lo)-th smallest (Wirth's selection)."""
    while lo < hi:
        pivot = a[k]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while pivot < a[j]:
                j -= 1
            if i <= j:
                t = a[i]
                a[i] = a[j]
                a[j] = t
                i += 1
                j -= 1
        if j < k:
            lo = i
        if k < i:
            hi = j


@njit(cache=True, nogil=True)
def _quantile(a, n, q, lo, hi):
    """Quantile ``q`` (numpy's linear interpolation) of ``a[:n]``.

    ``a[lo:hi+1]`` must hold exactly the order statistics lo..hi, with
    ``lo <= floor(q * (n - 1)) <= hi``; only that range is reordered.
    """
    pos = q * (n - 1)
    k = int(math.floor(pos))
    _select(a, lo, hi, k)
    low = a[k]
    if k + 1 >= n:
        return low
    upper = np.inf
    for m in range(k + 1, hi + 1 if k < hi else n):
        upper = min(upper, a[m])
    return low + (pos - k) * (upper - low)


@njit(cache=True, nogil=True)
def _clipped_stats(buf, n, nsigma, niter):
    """Clipped mean and sigma of ``buf[:n]`` (reordered): start at the median and 0.7413 IQR."""
    if n == 0:
        return np.nan, np.nan
    k_mid = int(math.floor(0.5 * (n - 1)))
    med = _quantile(buf, n, 0.5, 0, n - 1)
    # the quartiles are selected within the halves the median's selection left
    if int(math.floor(0.75 * (n - 1))) > k_mid:
        q75 = _quantile(buf, n, 0.75, k_mid + 1, n - 1)
    else:
        q75 = _quantile(buf, n, 0.75, k_mid, k_mid)
    if int(math.floor(0.25 * (n - 1))) < k_mid:
        q25 = _quantile(buf, n, 0.25, 0, k_mid - 1)
    else:
        q25 = _quantile(buf, n, 0.25, k_mid, k_mid)
    sig = 0.7413 * (q75 - q25)
    for _ in range(niter):
        total = 0.0
        count = 0
        for k in range(n):
            if abs(buf[k] - med) <= nsigma * sig:
                total += buf[k]
                count += 1
        if count == 0:
            return np.nan, np.nan
        mean = total / count
        ss = 0.0
        for k in range(n):
            if abs(buf[k] - med) <= nsigma * sig:
                ss += (buf[k] - mean) ** 2
        med = mean
        sig = math.sqrt(ss / count)
    return med, sig


@njit(cache=True, nogil=True)
def _clipped_stats_at_offsets(image, good, ix, iy, dx, dy, nsigma, niter, centre, sigma):
    ny, nx = image.shape
    buf = np.empty(dx.size)
    for r in range(ix.size):
        n = 0
        for k in range(dx.size):
            x = ix[r] + dx[k]
            y = iy[r] + dy[k]
            if 0 <= x < nx and 0 <= y < ny and good[y, x]:
                v = image[y, x]
                if math.isfinite(v):
                    buf[n] = v
                    n += 1
        centre[r], sigma[r] = _clipped_stats(buf, n, nsigma, niter)


def clipped_stats_at_offsets(image: np.ndarray, good: np.ndarray, x, y, dx: np.ndarray,
                             dy: np.ndarray, nsigma: float = 3.0, niter: int = 3
                             ) -> tuple[np.ndarray, np.ndarray]:
    """Iteratively clipped mean and standard deviation of the pixels around each source.

    Source ``i`` samples the pixels ``(X_i + dx, Y_i + dy)``, ``X_i, Y_i`` the pixel nearest
    ``(x_i, y_i)``, that are on the image, ``good`` and finite. Its statistics start from the
    samples' median and ``0.7413 * IQR`` (numpy's linearly interpolated quantiles); then
    ``niter`` times the samples within ``nsigma`` of the centre give the new centre (mean) and
    sigma (population std). ``niter=0`` returns the median and the IQR sigma.

    Parameters
    ----------
    image : ndarray of float32, shape (ny, nx)
        Plane to sample.
    good : ndarray of bool, shape (ny, nx)
        Pixels that may be used.
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
    use = as_image(good, "good", dtype=np.bool_, shape=img.shape)
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
    _clipped_stats_at_offsets(img, use, ix, iy, offx, offy, float(nsigma), int(niter), centre,
                              sigma)
    return centre, sigma
