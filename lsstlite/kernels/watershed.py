"""Marker watershed (priority flood) of a 2-D image, 8-connected, restricted to a mask.

Each marker pixel (non-zero marker inside the mask) keeps its label. The other mask pixels
are flooded from the markers through 8-connected mask pixels, lowest first: a priority queue
holds the flooded pixels whose neighbours are still to be visited, and the first labelled
neighbour to leave the queue gives an unlabelled pixel its label. A pixel enters the queue at
its *flood level*, the larger of its own value and the level of the pixel that reached it
(water that crossed a ridge does not run back below it). Ties of level leave the queue in the
order they entered it (markers first, in raster order; neighbours in the order up, left,
right, down, up-left, up-right, down-left, down-right). Mask pixels that no marker reaches
stay 0, as do all pixels outside the mask.

This is the flooding of ``skimage.segmentation.watershed(image, markers, mask=mask,
connectivity=2)``: the labels are the same whenever no two markers have the same image
value (scikit-image gives all markers the same age, so for markers of equal value the
order depends on its heap's layout).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["watershed"]

# neighbour offsets (dy, dx): the four edge neighbours, then the four corners, each in
# raster order
_DY = np.array([-1, 0, 0, 1, -1, -1, 1, 1], dtype=np.int64)
_DX = np.array([0, -1, 1, 0, -1, 1, -1, 1], dtype=np.int64)


@njit(cache=True, nogil=True)
def _before(level, age, i, j):
    """Whether heap entry ``i`` leaves the queue before entry ``j``: lower level, then older."""
    if level[i] != level[j]:
        return level[i] < level[j]
    return age[i] < age[j]


@njit(cache=True, nogil=True)
def _swap(level, age, where, i, j):
    level[i], level[j] = level[j], level[i]
    age[i], age[j] = age[j], age[i]
    where[i], where[j] = where[j], where[i]


@njit(cache=True, nogil=True)
def _push(level, age, where, n, value, stamp, index):
    """Add (``value``, ``stamp``, ``index``) to the binary heap of ``n`` entries; returns n + 1."""
    child = n
    level[child] = value
    age[child] = stamp
    where[child] = index
    while child > 0:
        parent = (child - 1) // 2
        if not _before(level, age, child, parent):
            break
        _swap(level, age, where, child, parent)
        child = parent
    return n + 1


@njit(cache=True, nogil=True)
def _pop(level, age, where, n):
    """Remove the first entry of the binary heap of ``n`` entries (moved to position ``n - 1``)."""
    last = n - 1
    i = np.int64(0)
    _swap(level, age, where, i, last)
    while True:
        first = i
        left = 2 * i + 1
        right = left + 1
        if left < last and _before(level, age, left, first):
            first = left
        if right < last and _before(level, age, right, first):
            first = right
        if first == i:
            break
        _swap(level, age, where, i, first)
        i = first
    return last


@njit(cache=True, nogil=True)
def _watershed(image, markers, mask, dy, dx):
    ny, nx = image.shape
    labels = np.zeros((ny, nx), dtype=np.int32)
    capacity = 0
    for y in range(ny):
        for x in range(nx):
            if mask[y, x]:
                capacity += 1
    # every mask pixel enters the queue at most once (it is labelled as it enters)
    level = np.empty(capacity, dtype=np.float32)
    age = np.empty(capacity, dtype=np.int64)
    where = np.empty(capacity, dtype=np.int64)
    n = np.int64(0)
    stamp = np.int64(0)
    for y in range(ny):
        for x in range(nx):
            if mask[y, x] and markers[y, x] != 0:
                labels[y, x] = markers[y, x]
                n = _push(level, age, where, n, image[y, x], stamp, y * nx + x)
                stamp += 1
    while n > 0:
        n = _pop(level, age, where, n)
        here = level[n]
        y = where[n] // nx
        x = where[n] - y * nx
        label = labels[y, x]
        for k in range(dy.shape[0]):
            yy = y + dy[k]
            xx = x + dx[k]
            if yy < 0 or yy >= ny or xx < 0 or xx >= nx:
                continue
            if not mask[yy, xx] or labels[yy, xx] != 0:
                continue
            labels[yy, xx] = label
            value = max(image[yy, xx], here)
            n = _push(level, age, where, n, value, stamp, yy * nx + xx)
            stamp += 1
    return labels


def watershed(image: np.ndarray, markers: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Flood ``image`` from ``markers`` within ``mask`` (8-connected marker watershed).

    Parameters
    ----------
    image : ndarray, 2-D
        Values to flood, lowest first; compared as float32. Should be finite (NaN pixels are
        flooded in an unspecified order).
    markers : ndarray of int, 2-D
        Seeds: non-zero pixels inside ``mask`` keep their value as label; values must fit
        in int32. Markers outside ``mask`` are ignored.
    mask : ndarray of bool, 2-D
        Pixels that may be labelled.

    Returns
    -------
    labels : ndarray of int32, 2-D
        The label of the marker each mask pixel was flooded from; 0 outside ``mask`` and
        for mask pixels not connected to any marker.

    Raises
    ------
    ValueError
        If the arrays are not 2-D with one shape, or ``markers`` is not an integer array
        with values that fit in int32.
    """
    markers = np.asarray(markers)
    if markers.dtype.kind not in "iu":
        msg = f"watershed: markers must be an integer array, got dtype {markers.dtype}"
        raise ValueError(msg)
    if markers.dtype != np.int32 and markers.size:
        low, high = int(markers.min()), int(markers.max())
        info = np.iinfo(np.int32)
        if low < info.min or high > info.max:
            msg = f"watershed: marker values {low}..{high} do not fit in int32"
            raise ValueError(msg)
    image = np.ascontiguousarray(image, dtype=np.float32)
    markers = np.ascontiguousarray(markers, dtype=np.int32)
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    if image.ndim != 2 or markers.shape != image.shape or mask.shape != image.shape:
        msg = (f"watershed: image {image.shape}, markers {markers.shape} and mask {mask.shape} "
               "must be 2-D arrays of one shape")
        raise ValueError(msg)
    return _watershed(image, markers, mask, _DY, _DX)
