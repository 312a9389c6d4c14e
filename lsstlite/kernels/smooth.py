"""Separable Gaussian smoothing (the detection filter of LSST's SourceDetectionTask).

The image is correlated with a normalised, sampled circular Gaussian of width ``sigma``,
first along rows (x) and then along columns (y). The kernel is truncated at a half-width
``h``; by default ``h = kernel_width(sigma) // 2`` with LSST's kernel width
``int(sigma * nSigmaForKernel + 0.5) // 2 * 2 + 1``.

Edges: pixels closer than ``h`` to an image edge cannot see the full kernel. ``edge`` chooses
what is returned there:

``"normalize"`` (default)
    the truncated kernel is renormalised per axis (partial sums divided by the sum of the
    weights that fall inside the image): a finite, unbiased value for a flat background.
``"zero"``
    the border is set to 0.
``"copy"``
    the border keeps the input pixel values (afw's ``doCopyEdge``).

Whatever the choice, these pixels are less reliable; the border width ``h`` is returned so that
the caller can mark them ``EDGE`` and exclude them from statistics and detection.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["gaussian_kernel_1d", "gaussian_smooth", "kernel_width"]

_EDGE_MODES = {"normalize": 0, "zero": 1, "copy": 2}


def kernel_width(sigma: float, nSigmaForKernel: float = 7.0) -> int:
    """Full width (odd) of LSST's detection kernel: ``int(sigma*nSigmaForKernel + 0.5)//2*2 + 1``.

    Parameters
    ----------
    sigma : float
        Gaussian sigma in pixels.
    nSigmaForKernel : float
        Kernel width in units of sigma (LSST default 7).

    Returns
    -------
    width : int
        Odd kernel width in pixels (1 for very small sigma).
    """
    return int(sigma * nSigmaForKernel + 0.5) // 2 * 2 + 1


def gaussian_kernel_1d(sigma: float, half_width: int) -> np.ndarray:
    """Sampled, normalised 1-D Gaussian ``exp(-x**2 / (2 sigma**2))`` for ``x = -h..h``.

    Parameters
    ----------
    sigma : float
        Gaussian sigma in pixels (> 0).
    half_width : int
        Half-width ``h`` (>= 0); the kernel has ``2h + 1`` taps.

    Returns
    -------
    weights : ndarray of float64, shape (2h + 1,)
        Weights summing to 1.
    """
    x = np.arange(-half_width, half_width + 1, dtype=np.float64)
    w = np.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


@njit(cache=True, nogil=True)
def _edge_pixel(row, weights, x, mode):
    """Row-pass value at column ``x`` that the full kernel does not cover."""
    if mode == 1:
        return 0.0
    if mode == 2:
        return row[x]
    nx = row.shape[0]
    h = weights.shape[0] // 2
    s = 0.0
    ws = 0.0
    for k in range(weights.shape[0]):
        j = x + k - h
        if 0 <= j < nx:
            s += weights[k] * row[j]
            ws += weights[k]
    return s / ws


@njit(cache=True, nogil=True, fastmath=True)
def _add_taps(dst, w32, k, s0, s1, s2):
    """``dst += w32[k]·s0 + w32[k+1]·s1 + w32[k+2]·s2``: three taps per pass over ``dst``
    (contiguous, vectorised; fewer passes than one tap at a time)."""
    w0 = w32[k]
    w1 = w32[k + 1]
    w2 = w32[k + 2]
    for i in range(dst.shape[0]):
        dst[i] += w0 * s0[i] + w1 * s1[i] + w2 * s2[i]


@njit(cache=True, nogil=True, fastmath=True)
def _add_tap(dst, w, src):
    """``dst += w·src``."""
    for i in range(dst.shape[0]):
        dst[i] += w * src[i]


@njit(cache=True, nogil=True, fastmath=True)
def _row_pass(row, weights, w32, dst, mode):
    """Correlate one row with the kernel into ``dst`` (edges per ``mode``)."""
    nx = row.shape[0]
    nk = w32.shape[0]
    h = nk // 2
    m = nx - 2 * h
    if m > 0:
        d = dst[h:h + m]
        for i in range(m):
            d[i] = 0.0
        # slices avoid negative-index checks
        k = np.int64(0)  # not the literal 0: _add_taps compiles once
        while k + 3 <= nk:
            _add_taps(d, w32, k, row[k:k + m], row[k + 1:k + 1 + m], row[k + 2:k + 2 + m])
            k += 3
        while k < nk:
            _add_tap(d, w32[k], row[k:k + m])
            k += 1
    for x in range(min(h, nx)):
        dst[x] = _edge_pixel(row, weights, x, mode)
    for x in range(max(nx - h, h), nx):
        dst[x] = _edge_pixel(row, weights, x, mode)


@njit(cache=True, nogil=True, fastmath=True)
def _smooth_interior_rows(image, weights, out, mode):
    """Rows ``h <= y < ny - h``: row pass into a ring buffer of ``2h + 1`` rows, then column pass."""
    ny, nx = image.shape
    nk = weights.shape[0]
    h = nk // 2
    w32 = weights.astype(np.float32)
    ring = np.empty((nk, nx), dtype=np.float32)
    for j in range(0, 2 * h):
        _row_pass(image[j], weights, w32, ring[j % nk], mode)
    for y in range(h, ny - h):
        _row_pass(image[y + h], weights, w32, ring[(y + h) % nk], mode)
        orow = out[y]
        for x in range(nx):
            orow[x] = 0.0
        k = np.int64(0)  # not the literal 0: _add_taps compiles once
        while k + 3 <= nk:
            _add_taps(orow, w32, k, ring[(y + k - h) % nk], ring[(y + k + 1 - h) % nk],
                      ring[(y + k + 2 - h) % nk])
            k += 3
        while k < nk:
            _add_tap(orow, w32[k], ring[(y + k - h) % nk])
            k += 1
        if mode != 0:
            for x in range(nx):
                if x < h or x >= nx - h:
                    orow[x] = 0.0 if mode == 1 else image[y, x]


@njit(cache=True, nogil=True)
def _smooth_edge_rows(image, weights, out, mode):
    """Rows within ``h`` of the top or bottom edge (and every row of a short image)."""
    ny, nx = image.shape
    nk = weights.shape[0]
    h = nk // 2
    w32 = weights.astype(np.float32)
    tmp = np.empty(nx, dtype=np.float32)
    acc = np.empty(nx, dtype=np.float64)
    for y in range(ny):
        if h <= y < ny - h:
            continue
        if mode == 1:
            out[y, :] = 0.0
            continue
        if mode == 2:
            # element loop: an array-to-array slice assignment compiles Numba's broadcasting
            # (with its error formatting), ~2 s of the first run
            for x in range(nx):
                out[y, x] = image[y, x]
            continue
        acc[:] = 0.0
        ws = 0.0
        for k in range(nk):
            j = y + k - h
            if 0 <= j < ny:
                _row_pass(image[j], weights, w32, tmp, mode)
                for x in range(nx):
                    acc[x] += weights[k] * tmp[x]
                ws += weights[k]
        for x in range(nx):
            out[y, x] = acc[x] / ws


def gaussian_smooth(
    image: np.ndarray,
    sigma: float,
    half_width: int | None = None,
    nSigmaForKernel: float = 7.0,
    edge: str = "normalize",
) -> tuple[np.ndarray, int]:
    """Smooth ``image`` with a separable, normalised circular Gaussian.

    Equivalent, away from the edges, to ``scipy.ndimage.correlate1d`` with
    `gaussian_kernel_1d` along axis 1 and then axis 0 (float32 arithmetic, so equal to about
    1e-6 relative). One thread: a ring buffer of row-smoothed lines, so the image is read and
    written once (a thread team costs more than it saves at this size, and more on a busy
    machine).

    Parameters
    ----------
    image : ndarray, 2-D
        Input image, indexed ``[y, x]``; converted to native float32 C-contiguous.
    sigma : float
        Gaussian sigma in pixels (> 0); for detection, the PSF determinant radius.
    half_width : int, optional
        Kernel half-width ``h``; default ``kernel_width(sigma, nSigmaForKernel) // 2``.
    nSigmaForKernel : float
        Kernel width in sigma when ``half_width`` is not given (LSST default 7).
    edge : {"normalize", "zero", "copy"}
        What to return in the border of width ``h`` (see the module docstring).

    Returns
    -------
    smoothed : ndarray of float32, same shape as ``image``
        The smoothed image.
    border : int
        Width ``h`` of the unreliable border on every side, in pixels.
    """
    arr = np.asarray(image)
    if arr.ndim != 2:
        msg = f"gaussian_smooth: image must be 2-D, got shape {arr.shape}"
        raise ValueError(msg)
    if not (np.isfinite(sigma) and sigma > 0):
        msg = f"gaussian_smooth: sigma must be a positive finite number, got {sigma!r}"
        raise ValueError(msg)
    if edge not in _EDGE_MODES:
        msg = f"gaussian_smooth: edge must be one of {sorted(_EDGE_MODES)}, got {edge!r}"
        raise ValueError(msg)
    if half_width is None:
        half_width = kernel_width(sigma, nSigmaForKernel) // 2
    half_width = int(half_width)
    if half_width < 0:
        msg = f"gaussian_smooth: half_width must be >= 0, got {half_width}"
        raise ValueError(msg)
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    weights = gaussian_kernel_1d(sigma, half_width)
    mode = _EDGE_MODES[edge]
    out = np.empty_like(arr)
    if arr.shape[0] > 2 * half_width:
        _smooth_interior_rows(arr, weights, out, mode)
    _smooth_edge_rows(arr, weights, out, mode)
    return out, half_width

