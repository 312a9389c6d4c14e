"""Footprint kernels: 8-connected labelling, per-label statistics, peaks, dilation, pixel lists.

Detection works on runs (maximal horizontal segments ``[x0, x1)`` of one row, in raster
order): one pass over the image finds them; labelling, peaks, growth and statistics then
cost in proportion to the footprint pixels, not to the image.

Labels are int32 images: 0 is background, footprint ``i`` (0-based) has label ``i + 1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "find_peaks",
    "grow_runs",
    "label_8",
    "label_runs",
    "label_statistics",
    "or_runs",
    "paint_runs",
    "run_statistics",
    "threshold_runs",
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
def _grown(a, cap):
    # an element loop: Numba compiles an array-to-array slice assignment in ~2 s
    out = np.empty(cap, a.dtype)
    for i in range(a.shape[0]):
        out[i] = a[i]
    return out


@njit(cache=True, nogil=True)
def _threshold_runs(work, thr, per_pixel, bad, has_bad, border, high):
    ny, nx = work.shape
    cap = 1024
    ry = np.empty(cap, np.int32)
    rx0 = np.empty(cap, np.int32)
    rx1 = np.empty(cap, np.int32)
    rhigh = np.empty(cap, np.int32)  # int32 like the others: one signature of _grown
    k = 0
    t = thr[0, 0]
    h = high[0, 0]
    x_end = nx - border
    for y in range(border, ny - border):
        wrow = work[y]
        trow = thr[y if per_pixel else 0]
        hrow = high[y if per_pixel else 0]
        brow = bad[y if has_bad else 0]
        x = border
        while x < x_end:
            # skip the pixels below the threshold (most of the image) in a tight loop
            while x < x_end:
                if per_pixel:
                    t = trow[x]
                if wrow[x] >= t and not (has_bad and brow[x]):
                    break
                x += 1
            if x == x_end:
                break
            if k == cap:
                cap *= 2
                ry = _grown(ry, cap)
                rx0 = _grown(rx0, cap)
                rx1 = _grown(rx1, cap)
                rhigh = _grown(rhigh, cap)
            ry[k] = y
            rx0[k] = x
            reached = 0
            while x < x_end:
                if per_pixel:
                    t = trow[x]
                    h = hrow[x]
                v = wrow[x]
                if not (v >= t) or (has_bad and brow[x]):
                    break
                reached |= np.int32(v >= h)
                x += 1
            rx1[k] = x
            rhigh[k] = reached
            k += 1
    return ry[:k], rx0[:k], rx1[:k], rhigh[:k]


def _threshold_arrays(work, threshold, bad):
    """Kernel inputs: float32 image, 2-D threshold (1x1 when scalar), bad mask (1x1 dummy)."""
    w = np.ascontiguousarray(work, dtype=np.float32)
    t = np.asarray(threshold, dtype=np.float32)
    per_pixel = t.ndim == 2
    thr = np.ascontiguousarray(t if per_pixel else t.reshape(1, 1))
    has_bad = bad is not None
    b = np.ascontiguousarray(bad, dtype=np.bool_) if has_bad else np.zeros((1, 1), np.bool_)
    if (per_pixel and thr.shape != w.shape) or (has_bad and b.shape != w.shape):
        msg = f"threshold {thr.shape} or bad {b.shape} differs from the image shape {w.shape}"
        raise ValueError(msg)
    return w, thr, per_pixel, b, has_bad


def threshold_runs(work: np.ndarray, threshold, *, border: int = 0, bad: np.ndarray | None = None,
                   multiplier: float = 1.0):
    """Runs of footprint pixels: ``work >= threshold`` outside a border and ``bad`` pixels.

    Parameters
    ----------
    work : ndarray of float32, 2-D
        Image to threshold (NaN is never above).
    threshold : float or ndarray of float32
        Scalar or per-pixel threshold (compared in float32).
    border : int
        Pixels closer than this to an edge are never footprint pixels.
    bad : ndarray of bool, optional
        Pixels that are never footprint pixels.
    multiplier : float
        ``high`` tells whether a run has a pixel with ``work >= threshold * multiplier``
        (the product in float32).

    Returns
    -------
    y, x0, x1 : ndarray of int32
        Row and columns ``[x0, x1)`` of every maximal horizontal run, in raster order.
    high : ndarray of bool
    """
    w, thr, per_pixel, b, has_bad = _threshold_arrays(work, threshold, bad)
    high = np.ascontiguousarray(thr * np.float32(multiplier), dtype=np.float32)
    y, x0, x1, reached = _threshold_runs(w, thr, per_pixel, b, has_bad, max(int(border), 0), high)
    return y, x0, x1, reached != 0


@njit(cache=True, nogil=True)
def _label_runs(ry, rx0, rx1, out):
    nrun = ry.shape[0]
    parent = np.arange(nrun + 1).astype(np.int32)  # run i is node i + 1
    prev = 0  # first run of the previous row still to compare
    start = 0  # first run of the current row
    for i in range(nrun):
        y = ry[i]
        if i > 0 and ry[i - 1] != y:
            prev = start if ry[i - 1] == y - 1 else i
            start = i
        # runs of row y - 1 touching run i (8-connected): x0' <= x1 and x0 <= x1'
        j = prev
        while j < start:
            if rx1[j] < rx0[i]:
                prev = j + 1  # it ends before every later run of this row starts
            elif rx0[j] > rx1[i]:
                break
            else:
                _union(parent, np.int64(i + 1), np.int64(j + 1))
            j += 1
    final = np.zeros(nrun + 1, dtype=np.int32)
    n = 0
    for i in range(nrun):
        root = _find(parent, np.int64(i + 1))
        if final[root] == 0:
            n += 1
            final[root] = n
        out[i] = final[root]
    return n


def label_runs(y: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a set of runs (raster order, as `threshold_runs` gives).

    Returns
    -------
    label : ndarray of int32
        Component ``1..n`` of every run, numbered in raster order of each component's first
        pixel (the numbering of `label_8` and ``scipy.ndimage.label``).
    n : int
    """
    out = np.empty(len(y), dtype=np.int32)
    n = _label_runs(*_runs(y, x0, x1), out)
    return out, int(n)


def _runs(y, x0, x1):
    return tuple(np.ascontiguousarray(a, dtype=np.int32) for a in (y, x0, x1))


@njit(cache=True, nogil=True)
def _run_statistics(ry, rx0, rx1, label, n, npix, bbox):
    for i in range(n):
        npix[i] = 0
        bbox[i, 0] = np.iinfo(np.int32).max
        bbox[i, 1] = np.iinfo(np.int32).max
        bbox[i, 2] = -1
        bbox[i, 3] = -1
    for r in range(ry.shape[0]):
        i = label[r] - 1
        if i < 0:
            continue
        npix[i] += rx1[r] - rx0[r]
        bbox[i, 0] = min(bbox[i, 0], rx0[r])
        bbox[i, 1] = min(bbox[i, 1], ry[r])
        bbox[i, 2] = max(bbox[i, 2], rx1[r] - 1)
        bbox[i, 3] = max(bbox[i, 3], ry[r])


def run_statistics(y, x0, x1, label, n: int):
    """Pixel count and inclusive bounding box of the labels ``1..n`` of runs (label 0: ignored).

    Returns
    -------
    npix : ndarray of int64, shape (n,)
    bbox : ndarray of int32, shape (n, 4)
        ``xmin, ymin, xmax, ymax``, inclusive (as `label_statistics`).
    """
    npix = np.empty(n, dtype=np.int64)
    bbox = np.empty((n, 4), dtype=np.int32)
    _run_statistics(*_runs(y, x0, x1), np.ascontiguousarray(label, dtype=np.int32), n, npix, bbox)
    return npix, bbox


@njit(cache=True, nogil=True)
def _paint_runs(ry, rx0, rx1, label, out):
    for r in range(ry.shape[0]):
        row = out[ry[r]]
        for x in range(rx0[r], rx1[r]):
            row[x] = label[r]


def paint_runs(shape: tuple[int, int], y, x0, x1, label) -> np.ndarray:
    """Label image (int32, 0 outside the runs) holding ``label[i]`` on the pixels of run ``i``."""
    out = np.zeros(shape, dtype=np.int32)
    _paint_runs(*_runs(y, x0, x1), np.ascontiguousarray(label, dtype=np.int32), out)
    return out


@njit(cache=True, nogil=True)
def _or_runs(mask, ry, rx0, rx1, value):
    for r in range(ry.shape[0]):
        row = mask[ry[r]]
        for x in range(rx0[r], rx1[r]):
            row[x] |= value


def or_runs(mask: np.ndarray, y, x0, x1, value: int) -> None:
    """OR ``value`` into ``mask`` (int32, C-contiguous, modified in place) on the runs' pixels."""
    if mask.dtype != np.int32 or not mask.flags.c_contiguous:
        msg = f"or_runs: mask must be C-contiguous int32, got {mask.dtype}"
        raise ValueError(msg)
    _or_runs(mask, *_runs(y, x0, x1), np.int32(value))


@njit(cache=True, nogil=True)
def _run_peaks(work, thr, per_pixel, bad, has_bad, border, ry, rx0, rx1, label,
               fid, px, py, pv):
    ny, nx = work.shape
    k = 0
    t = thr[0, 0]
    for r in range(ry.shape[0]):
        if label[r] <= 0:
            continue
        y = ry[r]
        for x in range(rx0[r], rx1[r]):
            v = work[y, x]
            peak = True
            # the 8-neighbours that are footprint pixels (inside the border, not bad, at the
            # threshold) are those of the same footprint
            for dy in range(-1, 2):
                yy = y + dy
                if not peak or yy < border or yy >= ny - border:
                    continue
                for dx in range(-1, 2):
                    xx = x + dx
                    if (dy == 0 and dx == 0) or xx < border or xx >= nx - border:
                        continue
                    if has_bad and bad[yy, xx]:
                        continue
                    if per_pixel:
                        t = thr[yy, xx]
                    w = work[yy, xx]
                    if not (w >= t):
                        continue
                    # flat maxima: only the first pixel in raster order of an equal pair is a peak
                    if w > v or (w == v and (dy < 0 or (dy == 0 and dx < 0))):
                        peak = False
                        break
            if peak:
                fid[k] = label[r] - 1
                px[k] = x
                py[k] = y
                pv[k] = v
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


def find_peaks(work: np.ndarray, threshold, runs, label, *, border: int = 0,
               bad: np.ndarray | None = None, min_separation: float = 0.0):
    """Local maxima of ``work`` inside every footprint given as labelled `threshold_runs`.

    A pixel is a peak if none of its 8-neighbours in the same footprint is larger and none
    that precedes it in raster order is equal (so a flat maximum gives one peak, not several).
    Every footprint therefore has at least one peak (its first maximum in raster order).
    A footprint is a whole 8-connected component of the pixels above ``threshold`` (same
    ``border`` and ``bad`` as `threshold_runs`), so the neighbours above the threshold of its
    pixels are its own.

    Parameters
    ----------
    work : ndarray of float32, 2-D
        The thresholded image (the smoothed image, or its negative).
    threshold, border, bad
        As given to `threshold_runs`.
    runs : tuple of ndarray
        ``(y, x0, x1)`` from `threshold_runs`.
    label : ndarray of int
        Footprint ``1..n`` of every run, or 0 for the runs of dropped components.
    min_separation : float
        Peaks closer than this (pixels) to a brighter peak of the same footprint are dropped.

    Returns
    -------
    footprint, x, y : ndarray of int32
        Footprint index (0-based) and pixel position of every peak.
    value : ndarray of float32
        ``work`` at the peak.

    Peaks are sorted by footprint, then by decreasing value (ties: raster order).
    """
    w, thr, per_pixel, b, has_bad = _threshold_arrays(work, threshold, bad)
    ry, rx0, rx1 = _runs(*runs)
    lab = np.ascontiguousarray(label, dtype=np.int32)
    size = int(np.sum((rx1 - rx0)[lab > 0]))
    fid = np.empty(size, np.int32)
    px = np.empty(size, np.int32)
    py = np.empty(size, np.int32)
    pv = np.empty(size, np.float32)
    k = _run_peaks(w, thr, per_pixel, b, has_bad, max(int(border), 0), ry, rx0, rx1, lab,
                   fid, px, py, pv)
    fid, px, py, pv = fid[:k], px[:k], py[:k], pv[:k]
    order = np.lexsort((-pv.astype(np.float64), fid))  # stable: ties stay in raster order
    fid, px, py, pv = fid[order], px[order], py[order], pv[order]
    if min_separation > 0:
        keep = np.empty(k, dtype=np.bool_)
        _thin_peaks(fid, px, py, float(min_separation) ** 2, keep)
        fid, px, py, pv = fid[keep], px[keep], py[keep], pv[keep]
    return fid, px, py, pv


@njit(cache=True, nogil=True)
def _grow_runs(ry, rx0, rx1, widths, ny, nx):
    r = widths.shape[0] - 1
    nrun = ry.shape[0]
    row_start = np.zeros(ny + 1, np.int64)  # runs of row y: row_start[y]:row_start[y + 1]
    for i in range(nrun):
        row_start[ry[i] + 1] += 1
    for y in range(ny):
        row_start[y + 1] += row_start[y]
    cap = nrun * (2 * r + 1)
    oy = np.empty(cap, np.int32)
    o0 = np.empty(cap, np.int32)
    o1 = np.empty(cap, np.int32)
    t0 = np.empty(cap, np.int32)
    t1 = np.empty(cap, np.int32)
    n = 0
    for y in range(ny):
        ylo = max(y - r, 0)
        yhi = min(y + r, ny - 1)
        if row_start[yhi + 1] == row_start[ylo]:
            continue
        # the widened runs of rows y - r .. y + r, sorted by start (insertion: few per row)
        c = 0
        for yy in range(ylo, yhi + 1):
            w = widths[abs(yy - y)]
            for i in range(row_start[yy], row_start[yy + 1]):
                a = max(rx0[i] - w, 0)
                b = min(rx1[i] + w, nx)
                j = c
                while j > 0 and t0[j - 1] > a:
                    t0[j] = t0[j - 1]
                    t1[j] = t1[j - 1]
                    j -= 1
                t0[j] = a
                t1[j] = b
                c += 1
        # merge overlapping or adjacent intervals into maximal runs
        first = n
        for j in range(c):
            if n > first and t0[j] <= o1[n - 1]:
                o1[n - 1] = max(o1[n - 1], t1[j])
            else:
                oy[n] = y
                o0[n] = t0[j]
                o1[n] = t1[j]
                n += 1
    return oy[:n], o0[:n], o1[:n]


def grow_runs(y, x0, x1, radius: int, isotropic: bool, shape: tuple[int, int]):
    """Dilate a set of runs by a disk (``dx**2 + dy**2 <= r**2``, as
    ``skimage.morphology.disk``) or, with ``isotropic=False``, a diamond (``|dx| + |dy| <= r``,
    LSST's Manhattan growth), clipped to an image of ``shape``.

    Returns
    -------
    y, x0, x1 : ndarray of int32
        The maximal runs of the dilated set, in raster order.
    """
    r = int(radius)
    if r < 0:
        msg = f"grow_runs: radius must be >= 0, got {radius}"
        raise ValueError(msg)
    dy = np.arange(r + 1)
    widths = (np.floor(np.sqrt(r * r - dy * dy)).astype(np.int32) if isotropic
              else (r - dy).astype(np.int32))
    return _grow_runs(*_runs(y, x0, x1), widths, int(shape[0]), int(shape[1]))
