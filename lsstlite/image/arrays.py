"""Coercion of pixel arrays to the layout every lsstlite kernel expects."""

from __future__ import annotations

import numpy as np


def as_native(array, dtype, name: str = "array") -> np.ndarray:
    """Return ``array`` as a native-endian, C-contiguous 2-D array of ``dtype``.

    Copies only when needed (byte order, dtype or layout differ).

    Parameters
    ----------
    array : array_like
        Input pixels.
    dtype : numpy dtype
        Wanted dtype (its native-endian form is used).
    name : str
        Used in the error message.

    Raises
    ------
    ValueError
        If the array is not 2-D.
    """
    a = np.asarray(array)
    if a.ndim != 2:
        msg = f"{name} must be 2-D, got shape {a.shape}"
        raise ValueError(msg)
    want = np.dtype(dtype).newbyteorder("=")
    return np.ascontiguousarray(a, dtype=want)
