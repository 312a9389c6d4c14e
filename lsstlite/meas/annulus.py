"""Gather the pixels of an annulus around many sources at once (vectorised)."""

from __future__ import annotations

import numpy as np

__all__ = ["annulus_values"]


def annulus_values(arrays: list[np.ndarray], good: np.ndarray, x: np.ndarray, y: np.ndarray,
                   inner: float, outer: float) -> list[np.ndarray]:
    """Pixel values in the annulus ``inner < r <= outer`` around each (x, y).

    Parameters
    ----------
    arrays : list of ndarray, shape (ny, nx)
        Planes to sample (e.g. image and variance).
    good : ndarray of bool, shape (ny, nx)
        Pixels that may be used; others (and pixels off the image) come back NaN.
    x, y : ndarray, shape (n,)
        Centres.
    inner, outer : float
        Radii in pixels.

    Returns
    -------
    list of ndarray, shape (n, m)
        For each plane, the m annulus samples of each source (NaN where unusable).
    """
    r = int(np.ceil(outer))
    dy, dx = np.mgrid[-r: r + 1, -r: r + 1]
    ring = (dx**2 + dy**2 > inner**2) & (dx**2 + dy**2 <= outer**2)
    dx, dy = dx[ring], dy[ring]
    ny, nx = good.shape
    ix = np.floor(np.asarray(x) + 0.5).astype(np.int64)[:, None] + dx[None, :]
    iy = np.floor(np.asarray(y) + 0.5).astype(np.int64)[:, None] + dy[None, :]
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    ixc, iyc = np.clip(ix, 0, nx - 1), np.clip(iy, 0, ny - 1)
    usable = inside & good[iyc, ixc]
    return [np.where(usable, a[iyc, ixc], np.nan) for a in arrays]
