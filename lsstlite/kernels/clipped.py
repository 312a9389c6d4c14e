"""One sigma-clipping pass over many pixel values: count, sum and sum of squares kept."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["clipped_sums"]


@njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
def _clipped_sums(values, use, centre, halfwidth):
    # branch-free (selects, not ifs) so that LLVM vectorises the loop
    n = 0.0
    s = 0.0
    ss = 0.0
    for i in range(values.shape[0]):
        d = np.float64(values[i]) - centre
        keep = use[i] and abs(d) <= halfwidth  # NaN never passes
        wd = d if keep else 0.0
        n += 1.0 if keep else 0.0
        s += wd
        ss += wd * wd
    return n, s, ss


def clipped_sums(values: np.ndarray, use: np.ndarray, centre: float,
                 halfwidth: float) -> tuple[int, float, float]:
    """Count, sum and sum of squares of ``values - centre`` over the kept values.

    A value is kept when ``use`` is true and ``|value - centre| <= halfwidth`` (so never when
    it is NaN). The sums are in float64, relative to ``centre``: the mean of the kept values is
    ``centre + s / n`` and their variance ``ss / n - (s / n)**2`` without cancellation.

    Parameters
    ----------
    values : ndarray of float32, shape (n,)
        Contiguous pixel values.
    use : ndarray of bool, shape (n,)
        Which values may be kept.
    centre, halfwidth : float
        Clipping window.

    Returns
    -------
    n : int
    s, ss : float
    """
    if values.dtype != np.float32 or values.ndim != 1 or not values.flags.c_contiguous:
        values = np.ascontiguousarray(values, dtype=np.float32).ravel()
    use = np.ascontiguousarray(use, dtype=np.bool_).ravel()
    if use.shape != values.shape:
        msg = f"use: shape {use.shape} differs from values' {values.shape}"
        raise ValueError(msg)
    n, s, ss = _clipped_sums(values, use, float(centre), float(halfwidth))
    return int(n), float(s), float(ss)
