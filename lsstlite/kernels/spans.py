"""Span kernels: rasterise ``(y, x1, x2)`` pixel spans (x range inclusive) into a boolean image."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["rasterize_spans"]


@njit(cache=True, nogil=True)
def _rasterize_spans(y, x1, x2, out):
    nrow, ncol = out.shape
    for i in range(y.size):
        row = y[i]
        if row < 0 or row >= nrow:
            continue
        lo = max(x1[i], 0)
        hi = min(x2[i], ncol - 1)
        for x in range(lo, hi + 1):
            out[row, x] = True
    return out


def rasterize_spans(y: np.ndarray, x1: np.ndarray, x2: np.ndarray,
                    shape: tuple[int, int]) -> np.ndarray:
    """Boolean image of the pixels covered by spans.

    Parameters
    ----------
    y, x1, x2 : `numpy.ndarray`
        Span row and first/last column (inclusive), equal lengths, integers.
    shape : (int, int)
        ``(nrow, ncol)`` of the output. Spans on rows outside it are dropped; columns are
        clipped to it; spans with ``x2 < x1`` (after clipping) are empty.

    Returns
    -------
    image : `numpy.ndarray`
        bool ``[y, x]``, True where any span covers the pixel.
    """
    y, x1, x2 = (np.ascontiguousarray(a, dtype=np.int64).ravel() for a in (y, x1, x2))
    if not (y.size == x1.size == x2.size):
        msg = f"rasterize_spans: y, x1, x2 lengths differ ({y.size}, {x1.size}, {x2.size})"
        raise ValueError(msg)
    nrow, ncol = (int(n) for n in shape)
    if nrow < 0 or ncol < 0:
        msg = f"rasterize_spans: negative shape {shape}"
        raise ValueError(msg)
    return _rasterize_spans(y, x1, x2, np.zeros((nrow, ncol), dtype=np.bool_))
