"""Inverse of a small dense matrix inside Numba kernels, without LAPACK.

Numba's ``np.linalg`` calls LAPACK through SciPy, which would make SciPy a runtime
dependency for one 4x4 inverse (the SdssShape Fisher matrix); Gauss-Jordan elimination with
partial pivoting is exact enough for such well-scaled matrices.
"""

from __future__ import annotations

import math

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
    work = np.empty((n, n))
    inverse = np.empty((n, n))
    for i in range(n):
        for k in range(n):
            work[i, k] = matrix[i, k]
            inverse[i, k] = 1.0 if i == k else 0.0
    for col in range(n):
        pivot = col
        for row in range(col + 1, n):
            if abs(work[row, col]) > abs(work[pivot, col]):
                pivot = row
        scale = work[pivot, col]
        if not (scale != 0.0 and abs(scale) < math.inf):  # a zero, infinite or NaN pivot
            for i in range(n):
                for k in range(n):
                    inverse[i, k] = math.nan
            return inverse
        for k in range(n):
            a = work[col, k]
            b = inverse[col, k]
            work[col, k] = work[pivot, k] / scale
            inverse[col, k] = inverse[pivot, k] / scale
            if pivot != col:
                work[pivot, k] = a
                inverse[pivot, k] = b
        for row in range(n):
            factor = work[row, col]
            if row != col and factor != 0.0:
                for k in range(n):
                    work[row, k] -= factor * work[col, k]
                    inverse[row, k] -= factor * inverse[col, k]
    return inverse
