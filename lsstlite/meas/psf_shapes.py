"""PSF model moments at many positions, without rendering the PSF at every source."""

from __future__ import annotations

import numpy as np

__all__ = ["psf_moments_at"]


def psf_moments_at(psf, x: np.ndarray, y: np.ndarray, width: int, height: int,
                   grid: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adaptive moments (xx, yy, xy) of the PSF model at each (x, y).

    A spatially constant PSF is measured once. A varying one is measured on a ``grid`` x
    ``grid`` lattice over the frame and interpolated bilinearly (PSF models vary smoothly —
    low-order polynomials — so this is exact to well below the moments' noise); with fewer
    sources than lattice points each source is measured directly.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if psf.isSpatiallyConstant:
        xx, yy, xy = psf.computeShape()
        return np.full(x.size, xx), np.full(x.size, yy), np.full(x.size, xy)
    if x.size <= grid * grid:
        shapes = np.array([psf.computeShape(a, b) for a, b in zip(x, y)]).reshape(-1, 3)
        return shapes[:, 0], shapes[:, 1], shapes[:, 2]
    gx = np.linspace(0, width - 1, grid)
    gy = np.linspace(0, height - 1, grid)
    table = np.array([[psf.computeShape(a, b) for a in gx] for b in gy])  # [iy, ix, 3]
    fx = np.clip(x / max(width - 1, 1) * (grid - 1), 0, grid - 1 - 1e-9)
    fy = np.clip(y / max(height - 1, 1) * (grid - 1), 0, grid - 1 - 1e-9)
    ix, iy = fx.astype(int), fy.astype(int)
    tx, ty = (fx - ix)[:, None], (fy - iy)[:, None]
    values = ((1 - tx) * (1 - ty) * table[iy, ix] + tx * (1 - ty) * table[iy, ix + 1]
              + (1 - tx) * ty * table[iy + 1, ix] + tx * ty * table[iy + 1, ix + 1])
    return values[:, 0], values[:, 1], values[:, 2]
