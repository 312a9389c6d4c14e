"""PSF model moments at many positions, without rendering the PSF at every source."""

from __future__ import annotations

import numpy as np

__all__ = ["PsfMomentsGrid", "psf_moments_grid"]


class PsfMomentsGrid:
    """Adaptive moments (xx, yy, xy) of a PSF model anywhere on a frame.

    A spatially constant PSF is measured once. A varying one is measured on a ``grid`` x
    ``grid`` lattice over the frame and interpolated bilinearly: PSF models vary smoothly
    (low-order polynomials), so this is exact to well below the moments' noise, and the
    lattice is measured once per PSF model however many sources or batches there are.

    Parameters
    ----------
    psf : `lsstlite.image.Psf`
        The model.
    width, height : int
        Frame size (pixels).
    grid : int
        Lattice points per axis.
    """

    def __init__(self, psf, width: int, height: int, grid: int = 6) -> None:
        self.width, self.height, self.grid = width, height, grid
        if psf.isSpatiallyConstant:
            self.table = np.array(psf.computeShape(), dtype=float)
        else:
            gx = np.linspace(0, width - 1, grid)
            gy = np.linspace(0, height - 1, grid)
            self.table = np.array([[psf.computeShape(a, b) for a in gx] for b in gy])

    def __call__(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Moments at each (x, y), as three arrays."""
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        if self.table.ndim == 1:
            return tuple(np.full(x.size, v) for v in self.table)
        g = self.grid
        fx = np.clip(x / max(self.width - 1, 1) * (g - 1), 0, g - 1 - 1e-9)
        fy = np.clip(y / max(self.height - 1, 1) * (g - 1), 0, g - 1 - 1e-9)
        fx = np.where(np.isfinite(fx), fx, 0.0)
        fy = np.where(np.isfinite(fy), fy, 0.0)
        ix, iy = fx.astype(int), fy.astype(int)
        tx, ty = (fx - ix)[:, None], (fy - iy)[:, None]
        t = self.table
        values = ((1 - tx) * (1 - ty) * t[iy, ix] + tx * (1 - ty) * t[iy, ix + 1]
                  + (1 - tx) * ty * t[iy + 1, ix] + tx * ty * t[iy + 1, ix + 1])
        return values[:, 0], values[:, 1], values[:, 2]


def psf_moments_grid(psf, width: int, height: int) -> PsfMomentsGrid:
    """The `PsfMomentsGrid` of ``psf`` over a ``width`` x ``height`` frame, built once per model.

    Kept on the PSF object (like its own shape cache), so every plugin and every batch that
    needs the PSF's moments or width at the sources shares one lattice.
    """
    cache = psf.__dict__.setdefault("_moments_grids", {})
    grid = cache.get((width, height))
    if grid is None:
        grid = cache[(width, height)] = PsfMomentsGrid(psf, width, height)
    return grid
