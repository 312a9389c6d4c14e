"""Separable shift of many stamps at once: each stamp is convolved along y and x with its own taps.

The taps (one row of ``2 * order + 1`` weights per stamp and axis) are computed by the caller
(`lsstlite.image.psf.lanczos_taps`); outside the stamp the signal is taken as zero.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["shift_stamps"]


@njit(cache=True, nogil=True)
def _shift_stamps(images, taps_x, taps_y, out):
    n, ny, nx = images.shape
    order = (taps_x.shape[1] - 1) // 2
    tmp = np.empty((ny, nx))
    for s in range(n):
        # along y: tmp[i, c] = sum_m taps_y[m + order] * image[i - m, c]
        for i in range(ny):
            for c in range(nx):
                tmp[i, c] = 0.0
            for k in range(2 * order + 1):
                j = i - (k - order)
                w = taps_y[s, k]
                if j < 0 or j >= ny or w == 0.0:
                    continue
                for c in range(nx):
                    tmp[i, c] += w * images[s, j, c]
        # along x: out[r, i] = sum_m taps_x[m + order] * tmp[r, i - m]; per tap, one
        # contiguous run of i (where i - m is inside the stamp), with unsigned indices (no
        # negative-index wraparound test) so that LLVM vectorises it
        for r in range(ny):
            for i in range(nx):
                out[s, r, i] = 0.0
            for k in range(2 * order + 1):
                m = k - order
                w = taps_x[s, k]
                if w == 0.0:
                    continue
                for i in range(max(0, m), min(nx, nx + m)):
                    out[s, r, np.uintp(i)] += w * tmp[r, np.uintp(i - m)]
    return out


def shift_stamps(images: np.ndarray, taps_x: np.ndarray, taps_y: np.ndarray) -> np.ndarray:
    """Shift each stamp with its own separable taps.

    Parameters
    ----------
    images : `numpy.ndarray`
        (n, ny, nx) stamps.
    taps_x, taps_y : `numpy.ndarray`
        (n, 2 * order + 1) weights ``w[m + order]`` of the signal ``m`` pixels before the output
        pixel, along x and y: ``out[s, i, j] = sum_mn wy[s, m] wx[s, n] image[s, i - m, j - n]``.

    Returns
    -------
    shifted : `numpy.ndarray`
        float64 (n, ny, nx).
    """
    images = np.ascontiguousarray(images, dtype=np.float64)
    taps_x = np.ascontiguousarray(taps_x, dtype=np.float64)
    taps_y = np.ascontiguousarray(taps_y, dtype=np.float64)
    if images.ndim != 3:
        msg = f"shift_stamps: images must be (n, ny, nx), got shape {images.shape}"
        raise ValueError(msg)
    n = images.shape[0]
    if (taps_x.ndim != 2 or taps_x.shape != taps_y.shape or taps_x.shape[0] != n
            or taps_x.shape[1] % 2 == 0):
        msg = (f"shift_stamps: taps must both be (n={n}, odd) arrays, got {taps_x.shape} "
               f"and {taps_y.shape}")
        raise ValueError(msg)
    return _shift_stamps(images, taps_x, taps_y, np.empty(images.shape))
