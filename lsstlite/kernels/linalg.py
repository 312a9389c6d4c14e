"""Inverse of a small dense matrix inside Numba kernels, without LAPACK.

Numba's ``np.linalg`` calls LAPACK through SciPy, which would make SciPy a runtime
dependency for one 4x4 inverse (the SdssShape Fisher matrix); Gauss-Jordan elimination with
partial pivoting is exact enough for such well-scaled matrices.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["invert"]


@njit(cache=True, nogil=True)
def invert(matrix: np.ndarray) -> np.ndarray:
    """Inverse of the square ``matrix`` (float64, n x n) by Gauss-Jordan with partial pivoting.

    Parameters
    ----------
    matrix : ndarray of float64, shape (n, n)
        Not modified.

    Returns
    -------
    inverse : ndarray of float64, shape (n, n)
        All NaN when ``matrix`` is singular (a zero pivot) or holds non-finite values.
    """
    n = matrix.shape[0]
    work = matrix.copy()
    inverse = np.eye(n)
    for col in range(n):
        pivot = col
        for row in range(col + 1, n):
            if abs(work[row, col]) > abs(work[pivot, col]):
                pivot = row
        scale = work[pivot, col]
        if not (scale != 0.0 and np.isfinite(scale)):
            inverse[:, :] = np.nan
            return inverse
        if pivot != col:
            for k in range(n):
                work[col, k], work[pivot, k] = work[pivot, k], work[col, k]
                inverse[col, k], inverse[pivot, k] = inverse[pivot, k], inverse[col, k]
        for k in range(n):
            work[col, k] /= scale
            inverse[col, k] /= scale
        for row in range(n):
            if row != col:
                factor = work[row, col]
                if factor != 0.0:
                    for k in range(n):
                        work[row, k] -= factor * work[col, k]
                        inverse[row, k] -= factor * inverse[col, k]
    return inverse
