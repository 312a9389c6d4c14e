"""Validation and coercion of the array inputs shared by the measurement kernels."""

from __future__ import annotations

import numpy as np

__all__ = ["as_image", "as_positions", "as_per_source"]


def as_image(array: np.ndarray, name: str, dtype=np.float32, shape: tuple | None = None) -> np.ndarray:
    """Return ``array`` as a native-endian C-contiguous 2-D array of ``dtype``.

    Raises `ValueError` naming ``name`` when it is not 2-D or its shape differs from ``shape``.
    """
    arr = np.asarray(array)
    if arr.ndim != 2:
        msg = f"{name}: expected a 2-D array, got shape {arr.shape}"
        raise ValueError(msg)
    if shape is not None and arr.shape != tuple(shape):
        msg = f"{name}: shape {arr.shape} differs from the image shape {tuple(shape)}"
        raise ValueError(msg)
    return np.ascontiguousarray(arr, dtype=np.dtype(dtype).newbyteorder("="))


def as_positions(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Return per-source ``x, y`` as equal-length contiguous native float64 1-D arrays."""
    xs = np.ascontiguousarray(np.atleast_1d(np.asarray(x, dtype=np.float64)).ravel())
    ys = np.ascontiguousarray(np.atleast_1d(np.asarray(y, dtype=np.float64)).ravel())
    if xs.shape != ys.shape:
        msg = f"x, y: lengths differ ({xs.size} != {ys.size})"
        raise ValueError(msg)
    return xs, ys


def as_per_source(value, n: int, name: str, dtype=np.float64) -> np.ndarray:
    """Broadcast a scalar or a length-``n`` sequence to a contiguous native 1-D array."""
    arr = np.atleast_1d(np.asarray(value, dtype=dtype)).ravel()
    if arr.size == 1 and n != 1:
        arr = np.full(n, arr[0], dtype=dtype)
    if arr.size != n:
        msg = f"{name}: expected a scalar or {n} values, got {arr.size}"
        raise ValueError(msg)
    return np.ascontiguousarray(arr, dtype=np.dtype(dtype).newbyteorder("="))
