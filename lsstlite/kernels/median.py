"""Exact median of the selected pixels of a large image, without sorting them all.

`numpy.median` partitions a copy of every value (~0.2 s for a 4096 x 4096 frame). Here one pass
finds the range of the selected values, a second histograms them into 65536 bins, and only the
values of the bin(s) holding the middle rank(s) are gathered and partitioned: the same value as
`numpy.median`, bit for bit, at a few passes over the image.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["masked_median"]

_NBINS = 65536


@njit(cache=True, nogil=True)
def _selected_range(values, use):
    """(count, minimum, maximum, all finite) of ``values[use]``."""
    n = 0
    lo = np.inf
    hi = -np.inf
    finite = True
    for i in range(values.size):
        if use[i]:
            v = values[i]
            if not np.isfinite(v):
                finite = False
            n += 1
            lo = min(lo, v)
            hi = max(hi, v)
    return n, lo, hi, finite


@njit(cache=True, nogil=True)
def _bin(value, lo, scale):
    """Histogram bin of a finite value (monotonic in the value)."""
    return min(int((value - lo) * scale), _NBINS - 1)


@njit(cache=True, nogil=True)
def _bin_counts(values, use, lo, scale, counts):
    """Histogram of ``values[use]`` into ``counts`` (`_NBINS` bins)."""
    for i in range(values.size):
        if use[i]:
            counts[_bin(values[i], lo, scale)] += 1


@njit(cache=True, nogil=True)
def _gather_bins(values, use, lo, scale, first, stop, out):
    """Copy the selected values whose bin is in ``[first, stop)`` into ``out``."""
    k = 0
    for i in range(values.size):
        if use[i]:
            b = _bin(values[i], lo, scale)
            if first <= b < stop:
                out[k] = values[i]
                k += 1


def masked_median(values: np.ndarray, use: np.ndarray | None = None) -> float:
    """Median of ``values`` where ``use`` is true, equal to ``np.median(values[use])``.

    Parameters
    ----------
    values : ndarray
        Any shape; float32 or float64 of either byte order (used without a copy when native
        and contiguous), other types as float64.
    use : ndarray of bool, optional
        Same shape; default all values.

    Returns
    -------
    float
        NaN when nothing is selected or a selected value is NaN (as `numpy.median`).
    """
    flat = np.ascontiguousarray(values).ravel()
    if flat.dtype.kind == "f" and flat.dtype.itemsize in (4, 8):
        flat = flat.astype(flat.dtype.newbyteorder("="), copy=False)  # FITS data: big-endian
    else:
        flat = flat.astype(np.float64)
    sel = (np.ones(flat.size, dtype=np.bool_) if use is None
           else np.ascontiguousarray(use, dtype=np.bool_).ravel())
    if sel.size != flat.size:
        msg = f"masked_median: {sel.size} selection flags for {flat.size} values"
        raise ValueError(msg)
    n, lo, hi, finite = _selected_range(flat, sel)
    if n == 0 or not finite:  # infinities and NaN: numpy's own rules
        return float(np.median(flat[sel])) if n else float("nan")
    scale = (_NBINS - 1) / (float(hi) - float(lo)) if hi > lo else 0.0
    counts = np.zeros(_NBINS, dtype=np.int64)
    _bin_counts(flat, sel, lo, scale, counts)
    ranks = (n - 1) // 2, n // 2  # the middle rank(s), 0-based
    cumulative = np.cumsum(counts)
    first, last = (int(np.searchsorted(cumulative, r, side="right")) for r in ranks)
    below = int(cumulative[first - 1]) if first else 0
    out = np.empty(int(cumulative[last] - below), dtype=flat.dtype)
    _gather_bins(flat, sel, lo, scale, first, last + 1, out)
    low, high = ranks[0] - below, ranks[1] - below
    middle = np.partition(out, sorted({low, high}))
    if low == high:
        return float(middle[low])
    return float(np.mean(middle[[low, high]]))  # as numpy: in the values' own precision
