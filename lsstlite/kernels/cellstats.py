"""Per-cell robust statistics of an image on a rectangular grid (background estimation).

For each cell ``[y_edges[j], y_edges[j+1]) x [x_edges[i], x_edges[i+1])`` the pixels that are
finite and whose mask has none of the ``ignore`` bits are used:

``MEANCLIP`` (afw's definition, ``numSigmaClip`` and ``numIter`` as StatisticsControl)
    start from the median with a half-width ``numSigmaClip * 0.741 * IQR`` (quartiles with
    numpy's default linear interpolation); then ``numIter`` times: mean and standard deviation
    (``n - 1`` denominator) of the pixels with ``|v - centre| <= half-width``, new centre = that
    mean, new half-width = ``numSigmaClip * stdev``. The value is the last mean, the error
    variance is ``stdev**2 / n`` with ``n`` the pixels in the last clipped mean.
``MEAN``
    plain mean, error variance ``stdev**2 / n``.
``MEDIAN``
    median, error variance ``(pi/2) stdev**2 / n``.

Quartiles and medians are exact (as ``numpy.percentile``) for cells of up to 1024 usable pixels;
for larger cells they come from two histogram passes and are accurate to about 0.003 of the
pixel standard deviation (see `_quartiles`), which only seeds the MEANCLIP clipping window.

Cells without usable pixels get NaN value and variance and ``n = 0``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["STATISTICS", "cell_statistics"]

STATISTICS = {"MEANCLIP": 0, "MEAN": 1, "MEDIAN": 2}

_IQR_TO_STDEV = 0.741


@njit(cache=True, nogil=True)
def _select(a, lo, hi, k):
    """Partially sort ``a[lo:hi+1]`` in place so that ``a[k]`` is its k-th smallest element.

    Quickselect with a median-of-three pivot and Hoare partitioning.
    """
    while hi > lo:
        mid = (lo + hi) >> 1
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while pivot < a[j]:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        # now a[lo..j] <= pivot <= a[i..hi], and j < i
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


@njit(cache=True, nogil=True)
def _min_range(a, lo, hi):
    m = a[lo]
    for j in range(lo + 1, hi + 1):
        if a[j] < m:
            m = a[j]
    return m


@njit(cache=True, nogil=True)
def _quantile(a, n, p, lo, hi):
    """Linear-interpolated ``p`` quantile of ``a[:n]``, selecting only inside ``a[lo:hi+1]``.

    The caller guarantees that the needed order statistics lie in ``[lo, hi]`` and that
    elements left of ``lo`` are <= and right of ``hi`` are >= those in the range.
    """
    pos = p * (n - 1)
    k = int(np.floor(pos))
    frac = pos - k
    _select(a, lo, hi, k)
    v = np.float64(a[k])
    if frac > 0.0 and k + 1 < n:
        v2 = np.float64(_min_range(a, k + 1, hi if k + 1 <= hi else n - 1))
        v = v + frac * (v2 - v)
    return v, k


@njit(cache=True, nogil=True)
def _quartiles_by_select(buf, n):
    # np.int64(0), not 0: a literal argument would compile _quantile a second time
    med, k50 = _quantile(buf, n, 0.5, np.int64(0), n - 1)
    q1, _ = _quantile(buf, n, 0.25, np.int64(0), k50)
    q3, _ = _quantile(buf, n, 0.75, k50, n - 1)
    return q1, med, q3


@njit(cache=True, nogil=True)
def _hist_quantiles(buf, n, lo, hi, nbins, ps, out):
    """Quantiles ``ps`` of ``buf[:n]`` from a histogram over ``[lo, hi)``, interpolated in-bin.

    Returns False (and leaves ``out``) when a quantile falls outside the histogram range.
    """
    scale = nbins / (hi - lo)
    hist = np.zeros(nbins + 2, dtype=np.int64)
    top = nbins + 1.0
    for j in range(n):
        t = (buf[j] - lo) * scale + 1.0
        t = min(max(t, 0.0), top)
        hist[int(t)] += 1
    # hist[0]: below lo; hist[nbins + 1]: at or above hi
    for q in range(ps.shape[0]):
        r = ps[q] * (n - 1) + 0.5  # continuous rank, in pixel units from the bottom
        c = hist[0]
        if r < c:
            return False
        b = 1
        while b <= nbins and c + hist[b] <= r:
            c += hist[b]
            b += 1
        if b > nbins:
            return False
        out[q] = lo + ((b - 1) + (r - c) / hist[b]) / scale
    return True


@njit(cache=True, nogil=True)
def _quartiles(buf, n, mean, sd):
    """Lower quartile, median and upper quartile of ``buf[:n]``.

    Up to 1024 values: exact (linear interpolation between order statistics, as
    ``numpy.percentile``). Above: two 1024-bin histogram passes, the first over
    ``mean +- 2 sd`` (which holds the quartiles of any distribution, by Cantelli's inequality),
    the second over ``[q1 - IQR/2, q3 + IQR/2]`` of the first; values are interpolated inside a
    bin of width ``IQR/512``, i.e. accurate to about 0.003 of the pixel stdev for Gaussian noise.
    """
    nbins = 1024
    if n <= nbins or not (sd > 0.0) or not np.isfinite(sd):
        return _quartiles_by_select(buf, n)
    ps = np.array([0.25, 0.5, 0.75])
    q = np.empty(3)
    if not _hist_quantiles(buf, n, mean - 2.0 * sd, mean + 2.0 * sd, nbins, ps, q):
        return _quartiles_by_select(buf, n)
    iqr = q[2] - q[0]
    if iqr > 0.0:
        q2 = np.empty(3)
        if _hist_quantiles(buf, n, q[0] - 0.5 * iqr, q[2] + 0.5 * iqr, nbins, ps, q2):
            return q2[0], q2[1], q2[2]
    return q[0], q[1], q[2]


# 'reassoc' lets LLVM vectorise the sums over the cell's pixels (they are summed in another
# order, which changes them by rounding only); no other fast-math assumption (NaN checks stay)
@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _cell_statistics(image, mask, ignore, x_edges, y_edges, stat, nsigma, niter,
                     value, variance, stdev, npix):
    ny = y_edges.shape[0] - 1
    nx = x_edges.shape[0] - 1
    for c in range(nx * ny):
        cj = c // nx
        ci = c - cj * nx
        ya, yb = y_edges[cj], y_edges[cj + 1]
        xa, xb = x_edges[ci], x_edges[ci + 1]
        # float32, as the image: the values are exact, and the passes below read half the bytes
        buf = np.empty((yb - ya) * (xb - xa), dtype=np.float32)
        n = np.int64(0)  # not the literal 0: the callees would be compiled for it too
        for y in range(ya, yb):
            irow = image[y, xa:xb]
            mrow = mask[y, xa:xb]
            for x in range(xb - xa):
                v = irow[x]
                # a branch, not a branch-free append: nearly every pixel is usable, so it is
                # predicted, while the append's store address waits on the previous test
                if (mrow[x] & ignore) == 0 and np.isfinite(v):
                    buf[n] = v
                    n += 1
        if n == 0:
            value[cj, ci] = np.nan
            variance[cj, ci] = np.nan
            stdev[cj, ci] = np.nan
            npix[cj, ci] = 0
            continue
        # plain mean / stdev of all usable pixels (one pass, shifted by the first value)
        b0 = np.float64(buf[0])
        s = 0.0
        ss = 0.0
        for j in range(n):
            d = buf[j] - b0
            s += d
            ss += d * d
        mean = b0 + s / n
        sd = np.sqrt(max(ss - s * s / n, 0.0) / (n - 1)) if n > 1 else np.nan
        if stat == 1:
            value[cj, ci] = mean
            stdev[cj, ci] = sd
            variance[cj, ci] = sd * sd / n
            npix[cj, ci] = n
            continue
        q1, med, q3 = _quartiles(buf, n, mean, sd)
        if stat == 2:
            value[cj, ci] = med
            stdev[cj, ci] = sd
            variance[cj, ci] = 0.5 * np.pi * sd * sd / n
            npix[cj, ci] = n
            continue
        centre = med
        hw = nsigma * _IQR_TO_STDEV * (q3 - q1)
        cmean = med
        csd = sd
        cn = n
        for _ in range(niter):
            # one pass: sums of deviations from the current centre (no cancellation problem,
            # the centre is within the clipped range)
            s = 0.0
            ss = 0.0
            m = 0
            for j in range(n):
                d = buf[j] - centre
                inside = abs(d) <= hw  # branch-free accumulation
                d = d * inside
                s += d
                ss += d * d
                m += inside
            if m == 0:
                break
            dm = s / m
            mu = centre + dm
            cmean = mu
            csd = np.sqrt(max(ss - m * dm * dm, 0.0) / (m - 1)) if m > 1 else 0.0
            cn = m
            centre = mu
            hw = nsigma * csd
        value[cj, ci] = cmean
        stdev[cj, ci] = csd
        variance[cj, ci] = csd * csd / cn
        npix[cj, ci] = cn


def cell_statistics(
    image: np.ndarray,
    mask: np.ndarray | None,
    ignore: int,
    x_edges: np.ndarray,
    y_edges: np.ndarray,
    statistic: str = "MEANCLIP",
    numSigmaClip: float = 3.0,
    numIter: int = 3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Robust statistic of every grid cell (see the module docstring for the definitions).

    Parameters
    ----------
    image : ndarray, 2-D
        Pixel values ``[y, x]``.
    mask : ndarray of int, 2-D, or None
        Mask plane; pixels with any bit of ``ignore`` set are not used. None: use all.
    ignore : int
        Bitmask of mask planes to ignore.
    x_edges, y_edges : ndarray of int
        Increasing cell boundaries (``n + 1`` values, first 0, last the image size).
    statistic : {"MEANCLIP", "MEAN", "MEDIAN"}
        Per-cell statistic.
    numSigmaClip, numIter : float, int
        Clipping parameters of MEANCLIP.

    Returns
    -------
    value, variance, stdev : ndarray of float64, shape (ny, nx)
        Cell statistic, its error variance and the (clipped) pixel standard deviation.
    npix : ndarray of int64, shape (ny, nx)
        Pixels entering the value.
    """
    if statistic not in STATISTICS:
        msg = f"cell_statistics: statistic must be one of {sorted(STATISTICS)}, got {statistic!r}"
        raise ValueError(msg)
    img = np.ascontiguousarray(image, dtype=np.float32)
    if img.ndim != 2:
        msg = f"cell_statistics: image must be 2-D, got shape {img.shape}"
        raise ValueError(msg)
    if mask is None:
        msk = np.zeros(img.shape, dtype=np.int32)
    else:
        msk = np.ascontiguousarray(mask, dtype=np.int32)
        if msk.shape != img.shape:
            msg = f"cell_statistics: mask shape {msk.shape} differs from image shape {img.shape}"
            raise ValueError(msg)
    xe = np.ascontiguousarray(x_edges, dtype=np.int64)
    ye = np.ascontiguousarray(y_edges, dtype=np.int64)
    if (xe[0] != 0 or xe[-1] != img.shape[1] or ye[0] != 0 or ye[-1] != img.shape[0]
            or np.any(np.diff(xe) <= 0) or np.any(np.diff(ye) <= 0)):
        msg = f"cell_statistics: cell edges must increase from 0 to the image size {img.shape}"
        raise ValueError(msg)
    shape = (ye.size - 1, xe.size - 1)
    value = np.empty(shape)
    variance = np.empty(shape)
    stdev = np.empty(shape)
    npix = np.empty(shape, dtype=np.int64)
    _cell_statistics(img, msk, np.int32(ignore), xe, ye, STATISTICS[statistic],
                     float(numSigmaClip), int(numIter), value, variance, stdev, npix)
    return value, variance, stdev, npix
