"""Interpolation over masked pixels (cosmic rays, bad columns) as a Numba kernel."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit

__all__ = ["interpolate_masked"]


@njit(cache=True, nogil=True)
def _interp_line(values, bad, max_gap, out, done):
    """Linearly interpolate bad runs along one line between the nearest good pixels."""
    n = values.shape[0]
    i = 0
    while i < n:
        if not bad[i] or done[i]:
            i += 1
            continue
        start = i
        while i < n and bad[i]:
            i += 1
        stop = i  # first good pixel after the run, or n
        if start == 0 or stop == n or stop - start > max_gap:
            continue
        left = values[start - 1]
        right = values[stop]
        length = stop - start + 1
        for k in range(start, stop):
            t = (k - start + 1) / length
            out[k] = left + t * (right - left)
            done[k] = True


@njit(cache=True, nogil=True)
def _interpolate_masked(image, bad, max_gap):
    """(interpolated copy of ``image``, which bad pixels were interpolated, how many were not)."""
    ny, nx = image.shape
    out = image.copy()
    done = np.zeros((ny, nx), dtype=np.bool_)
    for y in range(ny):
        _interp_line(image[y, :], bad[y, :], max_gap, out[y, :], done[y, :])
    # the column pass only visits the columns where a bad pixel is left
    left = np.zeros(nx, dtype=np.bool_)
    for y in range(ny):
        for x in range(nx):
            if bad[y, x] and not done[y, x]:
                left[x] = True
    column = np.empty(ny, dtype=image.dtype)
    col_out = np.empty(ny, dtype=image.dtype)
    col_bad = np.empty(ny, dtype=np.bool_)
    col_done = np.empty(ny, dtype=np.bool_)
    for x in range(nx):
        if not left[x]:
            continue
        for y in range(ny):
            column[y] = image[y, x]
            col_bad[y] = bad[y, x]
            col_done[y] = done[y, x]
            col_out[y] = out[y, x]
        _interp_line(column, col_bad, max_gap, col_out, col_done)
        for y in range(ny):
            out[y, x] = col_out[y]
            done[y, x] = col_done[y]
    n_left = 0
    for y in range(ny):
        for x in range(nx):
            if bad[y, x] and not done[y, x]:
                n_left += 1
    return out, done, n_left


def interpolate_masked(image: np.ndarray, bad: np.ndarray, *, max_gap: int = 32,
                       fallback: float | Callable[[], float] = 0.0) -> np.ndarray:
    """Replace masked pixels by linear interpolation between the nearest good pixels.

    Each bad run along a row shorter than ``max_gap`` is interpolated between its two good
    neighbours; runs that cannot be bridged along the row (too long, touching the edge, e.g. a
    bad column) are interpolated along their column; anything left gets ``fallback``.

    Parameters
    ----------
    image : ndarray of float32, shape (ny, nx)
    bad : ndarray of bool, shape (ny, nx)
        Pixels to replace.
    max_gap : int
        Longest run that is bridged.
    fallback : float or callable
        Value for pixels that cannot be interpolated (e.g. the background level), or a function
        returning it, called only when such pixels are left (e.g. a median of the frame).

    Returns
    -------
    ndarray of float32
        A new image; ``image`` is not modified.
    """
    image = np.ascontiguousarray(image, dtype=np.float32)
    bad = np.ascontiguousarray(bad, dtype=np.bool_)
    if image.shape != bad.shape or image.ndim != 2:
        msg = f"interpolate_masked: image {image.shape} and bad {bad.shape} must be equal 2-D shapes"
        raise ValueError(msg)
    out, done, n_left = _interpolate_masked(image, bad, int(max_gap))
    if n_left:
        out[bad & ~done] = np.float32(fallback() if callable(fallback) else fallback)
    return out
