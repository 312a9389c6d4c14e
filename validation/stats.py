"""Small robust statistics shared by the sections."""

from __future__ import annotations

import numpy as np

MAD_TO_SIGMA = 1.4826
CLIP_NSIGMA = 5.0


def clipped_std(values, nsigma: float = CLIP_NSIGMA) -> tuple[float, int, int]:
    """Standard deviation after removing points beyond ``nsigma`` robust sigmas of the median.

    Returns
    -------
    std, n_used, n_clipped : float, int, int
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 3:
        return float("nan"), int(v.size), 0
    med = np.median(v)
    robust = MAD_TO_SIGMA * np.median(np.abs(v - med))
    keep = np.abs(v - med) <= nsigma * robust if robust > 0 else np.ones(v.size, bool)
    return float(np.std(v[keep])), int(keep.sum()), int((~keep).sum())


def median_with_error(values) -> tuple[float, float]:
    """Median and its standard error (1.2533 sigma / sqrt(n) for a Gaussian)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    return float(np.median(v)), float(1.2533 * np.std(v) / np.sqrt(v.size))


def binned(x, y, edges, statistic) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``statistic(y[bin])`` in each bin of ``x``; returns bin centres, values, counts."""
    x, y = np.asarray(x), np.asarray(y)
    centres, values, counts = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (x >= lo) & (x < hi)
        centres.append(0.5 * (lo + hi) if np.isfinite(hi) else lo)
        counts.append(int(sel.sum()))
        values.append(statistic(y[sel]) if sel.any() else float("nan"))
    return np.array(centres), np.array(values, dtype=float), np.array(counts)
