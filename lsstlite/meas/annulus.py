"""Pixel offsets of an annulus (or disc) around a source's nearest pixel."""

from __future__ import annotations

import numpy as np

__all__ = ["annulus_offsets"]


def annulus_offsets(inner: float, outer: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets ``(dx, dy)`` of the pixels with ``inner < r <= outer`` from a pixel centre.

    Parameters
    ----------
    inner, outer : float
        Radii in pixels (a negative ``inner`` gives a disc, centre included).

    Returns
    -------
    dx, dy : ndarray of int64
        Row-major order (by ``dy``, then ``dx``).
    """
    r = int(np.ceil(outer))
    dy, dx = np.mgrid[-r: r + 1, -r: r + 1]
    r2 = dx**2 + dy**2
    ring = (r2 <= outer**2) & ((r2 > inner**2) | (inner < 0))
    return dx[ring].astype(np.int64), dy[ring].astype(np.int64)
