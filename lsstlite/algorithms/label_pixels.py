"""The pixels of every label of a label image, grouped by label."""

from __future__ import annotations

import numpy as np

__all__ = ["pixels_by_label"]


def pixels_by_label(labels: np.ndarray, n: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of all non-zero pixels of ``labels``, grouped by label.

    Parameters
    ----------
    labels : ndarray of int, 2-D
        0 is the background; labels are positive.
    n : int
        Labels ``1..n`` get an entry in ``starts`` even when absent from the image (default:
        up to ``labels.max()``).

    Returns
    -------
    order : ndarray of int64
        Flat (``labels.ravel()``) indices of every non-zero pixel, sorted by label, in raster
        order within a label.
    starts : ndarray of int64, shape (max(n, labels.max()) + 2,)
        Label ``k`` owns ``order[starts[k]:starts[k + 1]]`` (label 0 owns none).
    """
    flat = labels.ravel()
    order = np.flatnonzero(flat != 0)  # a bool scan is several times faster than an int one
    keys = flat[order]
    counts = np.bincount(keys, minlength=n + 1)
    counts[0] = 0  # the background is not in order
    if counts.size <= 2**16:
        keys = keys.astype(np.uint16)  # a stable sort of 16-bit keys is a radix sort
    order = order[np.argsort(keys, kind="stable")]
    return order, np.concatenate([[0], np.cumsum(counts)])
