"""PSF flux: linear least-squares amplitude of per-source PSF model stamps (LSST PsfFlux).

Flag bits (``flags``, ``int32``): ``PSF_FLUX_FAILURE`` (1) general failure;
``PSF_FLUX_EDGE`` (2) the stamp is partly off the image (fit on the remaining pixels, failure set);
``PSF_FLUX_NO_GOOD_PIXELS`` (4) no stamp pixel on the image and free of the bad-pixel bitmask.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from lsstlite.kernels._measure_inputs import as_image, as_per_source

__all__ = ["PSF_FLUX_FAILURE", "PSF_FLUX_EDGE", "PSF_FLUX_NO_GOOD_PIXELS", "PsfFlux", "psf_flux"]

PSF_FLUX_FAILURE = 1
PSF_FLUX_EDGE = 2
PSF_FLUX_NO_GOOD_PIXELS = 4


@njit(cache=True, nogil=True)
def _psf_flux(image, variance, mask, bad_bits, stamps, x0s, y0s):
    ny, nx = image.shape
    n, ky, kx = stamps.shape
    out = np.full((n, 4), np.nan)
    npix = np.zeros(n, dtype=np.int32)
    flags = np.zeros(n, dtype=np.int32)
    for i in range(n):
        x0 = x0s[i]
        y0 = y0s[i]
        if x0 < 0 or y0 < 0 or x0 + kx > nx or y0 + ky > ny:
            flags[i] |= PSF_FLUX_EDGE | PSF_FLUX_FAILURE
        ja = max(0, -y0)
        jb = min(ky, ny - y0)
        ia = max(0, -x0)
        ib = min(kx, nx - x0)
        spd = 0.0
        spp = 0.0
        sppv = 0.0
        sp = 0.0
        count = 0
        for j in range(ja, jb):
            for k in range(ia, ib):
                if bad_bits != 0 and mask[y0 + j, x0 + k] & bad_bits:
                    continue
                p = stamps[i, j, k]
                spd += p * image[y0 + j, x0 + k]
                spp += p * p
                sppv += p * p * variance[y0 + j, x0 + k]
                sp += p
                count += 1
        npix[i] = count
        if count == 0 or not spp > 0.0:
            flags[i] |= PSF_FLUX_NO_GOOD_PIXELS | PSF_FLUX_FAILURE
            continue
        flux = spd / spp
        chi2 = 0.0
        for j in range(ja, jb):
            for k in range(ia, ib):
                if bad_bits != 0 and mask[y0 + j, x0 + k] & bad_bits:
                    continue
                r = image[y0 + j, x0 + k] - flux * stamps[i, j, k]
                chi2 += r * r / variance[y0 + j, x0 + k]
        out[i, 0] = flux
        out[i, 1] = math.sqrt(sppv) / spp
        out[i, 2] = chi2
        out[i, 3] = sp * sp / spp
        if not (math.isfinite(out[i, 0]) and math.isfinite(out[i, 1])):
            flags[i] |= PSF_FLUX_FAILURE
    return out, npix, flags


class PsfFlux(NamedTuple):
    """Per-source PSF fluxes (counts), fit statistics and flag bits."""

    instFlux: np.ndarray
    instFluxErr: np.ndarray
    chi2: np.ndarray
    area: np.ndarray
    npixels: np.ndarray
    flags: np.ndarray


def psf_flux(image: np.ndarray, variance: np.ndarray, mask: np.ndarray, stamps: np.ndarray,
             x0, y0, *, bad_bitmask: int = 0) -> PsfFlux:
    """Fit the amplitude of each source's PSF model stamp (LSST PsfFlux, unweighted fit).

    Parameters
    ----------
    image, variance : ndarray of float32, shape (ny, nx)
        Background-subtracted image (neighbours replaced by noise) and its variance.
    mask : ndarray of int32, shape (ny, nx)
        Mask plane; pixels with ``mask & bad_bitmask`` are left out of the fit.
    stamps : ndarray of float, shape (n, ky, kx)
        PSF model images, normalised to sum 1 and already shifted to each source's centroid.
    x0, y0 : array_like of int, shape (n,)
        Parent-image coordinates of stamp pixel ``[0, 0]`` of each stamp.
    bad_bitmask : int
        Mask bits excluded from the fit (LSST ``badMaskPlanes``, default none).

    Returns
    -------
    PsfFlux
        ``instFlux`` = ΣP·D/ΣP² (counts); ``instFluxErr`` = √(ΣP²·V)/ΣP²; ``chi2`` =
        Σ(D − F·P)²/V; ``area`` = (ΣP)²/ΣP² (pixels, effective area of the used pixels);
        ``npixels`` pixels used; ``flags`` bits ``PSF_FLUX_*`` (module docstring). Sums run
        over the stamp pixels on the image and not in ``bad_bitmask``.
    """
    img = as_image(image, "image")
    var = as_image(variance, "variance", shape=img.shape)
    msk = as_image(mask, "mask", dtype=np.int32, shape=img.shape)
    st = np.asarray(stamps)
    if st.ndim != 3:
        msg = f"stamps: expected a 3-D array (n, ky, kx), got shape {st.shape}"
        raise ValueError(msg)
    st = np.ascontiguousarray(st, dtype=np.dtype(np.float64).newbyteorder("="))
    n = st.shape[0]
    xs = as_per_source(x0, n, "x0", dtype=np.int64)
    ys = as_per_source(y0, n, "y0", dtype=np.int64)
    out, npix, flags = _psf_flux(img, var, msk, np.int32(bad_bitmask), st, xs, ys)
    return PsfFlux(np.ascontiguousarray(out[:, 0]), np.ascontiguousarray(out[:, 1]),
                   np.ascontiguousarray(out[:, 2]), np.ascontiguousarray(out[:, 3]), npix, flags)
