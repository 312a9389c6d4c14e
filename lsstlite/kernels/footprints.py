"""Footprint kernels: 8-connected labelling, per-label statistics, peaks, dilation, pixel lists.

Labels are int32 images: 0 is background, footprint ``i`` (0-based) has label ``i + 1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "dilate",
    "find_peaks",
    "label_8",
    "label_pixel_index",
    "label_statistics",
    "relabel",
]


@njit(cache=True, nogil=True)
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(cache=True, nogil=True)
def _union(parent, a, b):
    ra = _find(parent, a)
    rb = _find(parent, b)
    if ra < rb:
        parent[rb] = ra
    elif rb < ra:
        parent[ra] = rb
    return min(ra, rb)


@njit(cache=True, nogil=True)
def _label_8(binary, labels):
    ny, nx = binary.shape
    parent = np.empty(((nx + 1) // 2) * ny + 1, dtype=np.int32)
    parent[0] = 0
    nprov = 0
    for y in range(ny):
        for x in range(nx):
            if not binary[y, x]:
                labels[y, x] = 0
                continue
            cur = 0
            if x > 0 and labels[y, x - 1] > 0:
                cur = labels[y, x - 1]
            if y > 0:
                for dx in (-1, 0, 1):
                    xx = x + dx
                    if 0 <= xx < nx:
                        lab = np.int64(labels[y - 1, xx])  # int64 throughout: one signature of _find
                        if lab > 0:
                            cur = lab if cur == 0 else _union(parent, cur, lab)
            if cur == 0:
                nprov += 1
                parent[nprov] = nprov
                cur = nprov
            labels[y, x] = cur
    # final labels in order of first appearance in raster order
    final = np.zeros(nprov + 1, dtype=np.int32)
    n = 0
    for y in range(ny):
        for x in range(nx):
            lab = labels[y, x]
            if lab > 0:
                root = _find(parent, np.int64(lab))
                if final[root] == 0:
                    n += 1
                    final[root] = n
                labels[y, x] = final[root]
    return n


def label_8(binary: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the 8-connected components of a boolean image.

    Parameters
    ----------
    binary : ndarray of bool, 2-D

    Returns
    -------
    labels : ndarray of int32
        0 for unset pixels, ``1..n`` numbered in raster order of each component's first pixel
        (the same numbering as ``scipy.ndimage.label`` with a 3x3 structure).
    n : int
        Number of components.
    """
    b = np.ascontiguousarray(binary, dtype=np.bool_)
    if b.ndim != 2:
        msg = f"label_8: image must be 2-D, got shape {b.shape}"
        raise ValueError(msg)
    labels = np.empty(b.shape, dtype=np.int32)
    n = _label_8(b, labels)
    return labels, int(n)


@njit(cache=True, nogil=True)
def _label_statistics(labels, n, values, npix, bbox, vmax, xmax, ymax):
    ny, nx = labels.shape
    for i in range(n):
        npix[i] = 0
        bbox[i, 0] = nx
        bbox[i, 1] = ny
        bbox[i, 2] = -1
        bbox[i, 3] = -1
        vmax[i] = -np.inf
        xmax[i] = -1
        ymax[i] = -1
    for y in range(ny):
        for x in range(nx):
            lab = labels[y, x]
            if lab <= 0:
                continue
            i = lab - 1
            npix[i] += 1
            if x < bbox[i, 0]:
                bbox[i, 0] = x
            if x > bbox[i, 2]:
                bbox[i, 2] = x
            if y < bbox[i, 1]:
                bbox[i, 1] = y
            bbox[i, 3] = y
            v = values[y, x]
            if v > vmax[i]:
                vmax[i] = v
                xmax[i] = x
                ymax[i] = y


def label_statistics(labels: np.ndarray, n: int, values: np.ndarray | None = None):
    """Pixel count, bounding box and maximum of ``values`` for every label ``1..n``.

    Returns
    -------
    npix : ndarray of int64, shape (n,)
    bbox : ndarray of int32, shape (n, 4)
        ``xmin, ymin, xmax, ymax``, inclusive.
    vmax : ndarray of float64, shape (n,)
        Largest value (``-inf`` if ``values`` is None).
    xmax, ymax : ndarray of int32, shape (n,)
        Position of the first (raster order) maximum.
    """
    lab = np.ascontiguousarray(labels, dtype=np.int32)
    vals = (np.zeros(lab.shape, np.float32) if values is None
            else np.ascontiguousarray(values, dtype=np.float32))
    if vals.shape != lab.shape:
        msg = f"label_statistics: values shape {vals.shape} differs from labels shape {lab.shape}"
        raise ValueError(msg)
    npix = np.empty(n, dtype=np.int64)
    bbox = np.empty((n, 4), dtype=np.int32)
    vmax = np.empty(n, dtype=np.float64)
    xmax = np.empty(n, dtype=np.int32)
    ymax = np.empty(n, dtype=np.int32)
    _label_statistics(lab, n, vals, npix, bbox, vmax, xmax, ymax)
    return npix, bbox, vmax, xmax, ymax


@njit(cache=True, nogil=True)
def _relabel(labels, mapping, out):
    ny, nx = labels.shape
    for y in range(ny):
        for x in range(nx):
            out[y, x] = mapping[labels[y, x]]


def relabel(labels: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """``mapping[labels]`` as int32 (``mapping[0]`` should be 0)."""
    lab = np.ascontiguousarray(labels, dtype=np.int32)
    out = np.empty_like(lab)
    _relabel(lab, np.ascontiguousarray(mapping, dtype=np.int32), out)
    return out


@njit(cache=True, nogil=True)
def _is_peak(labels, values, y, x):
    ny, nx = labels.shape
    lab = labels[y, x]
    v = values[y, x]
    for dy in (-1, 0, 1):
        yy = y + dy
        if yy < 0 or yy >= ny:
            continue
        for dx in (-1, 0, 1):
            xx = x + dx
            if (dy == 0 and dx == 0) or xx < 0 or xx >= nx or labels[yy, xx] != lab:
                continue
            w = values[yy, xx]
            if w > v:
                return False
            # flat maxima: only the first pixel in raster order of an equal pair is a peak
            if w == v and (dy < 0 or (dy == 0 and dx < 0)):
                return False
    return True


@njit(cache=True, nogil=True)
def _find_peaks(labels, values, fid, px, py, pv):
    ny, nx = labels.shape
    k = 0
    for y in range(ny):
        for x in range(nx):
            if labels[y, x] > 0 and _is_peak(labels, values, y, x):
                fid[k] = labels[y, x] - 1
                px[k] = x
                py[k] = y
                pv[k] = values[y, x]
                k += 1
    return k


@njit(cache=True, nogil=True)
def _thin_peaks(fid, px, py, min_sep2, keep):
    """Peaks sorted by (footprint, decreasing value): drop those within the separation of a kept one."""
    n = fid.shape[0]
    start = 0
    while start < n:
        end = start
        while end < n and fid[end] == fid[start]:
            end += 1
        for i in range(start, end):
            keep[i] = True
            for j in range(start, i):
                if keep[j]:
                    dx = px[i] - px[j]
                    dy = py[i] - py[j]
                    if dx * dx + dy * dy < min_sep2:
                        keep[i] = False
                        break
        start = end


def find_peaks(labels: np.ndarray, n: int, values: np.ndarray, min_separation: float = 0.0):
    """Local maxima of ``values`` inside every footprint.

    A pixel is a peak if none of its 8-neighbours in the same footprint is larger and none
    that precedes it in raster order is equal (so a flat maximum gives one peak, not several).
    Every footprint therefore has at least one peak (its first maximum in raster order).

    Parameters
    ----------
    labels : ndarray of int32, 2-D
        Footprint labels (0 = none).
    n : int
        Number of footprints.
    values : ndarray, 2-D
        Image whose maxima are wanted (the smoothed image).
    min_separation : float
        Peaks closer than this (pixels) to a brighter peak of the same footprint are dropped.

    Returns
    -------
    footprint, x, y : ndarray of int32
        Footprint index (0-based) and pixel position of every peak.
    value : ndarray of float32
        ``values`` at the peak.

    Peaks are sorted by footprint, then by decreasing value (ties: raster order).
    """
    lab = np.ascontiguousarray(labels, dtype=np.int32)
    vals = np.ascontiguousarray(values, dtype=np.float32)
    if vals.shape != lab.shape:
        msg = f"find_peaks: values shape {vals.shape} differs from labels shape {lab.shape}"
        raise ValueError(msg)
    size = int(np.count_nonzero(lab))
    fid = np.empty(size, np.int32)
    px = np.empty(size, np.int32)
    py = np.empty(size, np.int32)
    pv = np.empty(size, np.float32)
    k = _find_peaks(lab, vals, fid, px, py, pv)
    fid, px, py, pv = fid[:k], px[:k], py[:k], pv[:k]
    order = np.lexsort((-pv.astype(np.float64), fid))  # stable: ties stay in raster order
    fid, px, py, pv = fid[order], px[order], py[order], pv[order]
    if min_separation > 0:
        keep = np.empty(k, dtype=np.bool_)
        _thin_peaks(fid, px, py, float(min_separation) ** 2, keep)
        fid, px, py, pv = fid[keep], px[keep], py[keep], pv[keep]
    return fid, px, py, pv


@njit(cache=True, nogil=True, parallel=True)
def _row_distance(binary, cap, dist):
    ny, nx = binary.shape
    for y in prange(ny):
        d = cap
        for x in range(nx):
            d = 0 if binary[y, x] else min(d + 1, cap)
            dist[y, x] = d
        d = cap
        for x in range(nx - 1, -1, -1):
            d = 0 if binary[y, x] else min(d + 1, cap)
            if d < dist[y, x]:
                dist[y, x] = d


@njit(cache=True, nogil=True, parallel=True)
def _dilate(dist, widths, out):
    ny, nx = dist.shape
    r = widths.shape[0] - 1
    for y in prange(ny):
        orow = out[y]
        for x in range(nx):
            orow[x] = False
        for dy in range(-r, r + 1):
            yy = y + dy
            if yy < 0 or yy >= ny:
                continue
            w = widths[abs(dy)]
            drow = dist[yy]
            for x in range(nx):
                orow[x] |= drow[x] <= w


def dilate(binary: np.ndarray, radius: int, isotropic: bool = True) -> np.ndarray:
    """Dilate a boolean image by a disk (``dx**2 + dy**2 <= r**2``, as ``skimage.morphology.disk``)
    or, with ``isotropic=False``, by a diamond (``|dx| + |dy| <= r``, LSST's Manhattan growth).

    Parameters
    ----------
    binary : ndarray of bool, 2-D
    radius : int
        Growth radius in pixels (0 returns a copy).
    isotropic : bool
        Disk (True) or diamond (False).

    Returns
    -------
    grown : ndarray of bool
        Clipped to the image.
    """
    b = np.ascontiguousarray(binary, dtype=np.bool_)
    r = int(radius)
    if r < 0:
        msg = f"dilate: radius must be >= 0, got {radius}"
        raise ValueError(msg)
    if r == 0:
        return b.copy()
    dy = np.arange(r + 1)
    widths = (np.floor(np.sqrt(r * r - dy * dy)).astype(np.int32) if isotropic
              else (r - dy).astype(np.int32))
    dist = np.empty(b.shape, dtype=np.int32)
    _row_distance(b, r + 1, dist)
    out = np.empty_like(b)
    _dilate(dist, widths, out)
    return out


@njit(cache=True, nogil=True)
def _pixel_index(flat, n, offsets, index):
    counts = np.zeros(n + 1, dtype=np.int64)
    for p in range(flat.shape[0]):
        counts[flat[p]] += 1
    offsets[0] = 0
    for i in range(n):
        offsets[i + 1] = offsets[i] + counts[i + 1]
    fill = offsets[:-1].copy()
    for p in range(flat.shape[0]):
        lab = flat[p]
        if lab > 0:
            index[fill[lab - 1]] = p
            fill[lab - 1] += 1


def label_pixel_index(labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat pixel indices of every label, grouped (counting sort, raster order within a label).

    Returns
    -------
    offsets : ndarray of int64, shape (n + 1,)
        Pixels of footprint ``i`` are ``index[offsets[i]:offsets[i+1]]``.
    index : ndarray of int64
        Flat indices into ``labels.ravel()`` (``y = index // width``, ``x = index % width``).
    """
    flat = np.ascontiguousarray(labels, dtype=np.int32).ravel()
    offsets = np.empty(n + 1, dtype=np.int64)
    index = np.empty(int(np.count_nonzero(flat)), dtype=np.int64)
    _pixel_index(flat, n, offsets, index)
    return offsets, index
