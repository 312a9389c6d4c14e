"""Cramér-Rao bounds of PSF photometry and astrometry of a point source (algorithms.md §4).

Model per pixel ``mu_i = F P_i(x0, y0) + B`` with ``B`` known (the pipeline subtracts a
background fitted over many pixels) and Gaussian noise of variance
``V_i = sky_var + F P_i / gain`` (DN^2). The Fisher matrix of ``(F, x0, y0)`` is
``I_jk = sum_i d_j mu_i d_k mu_i / V_i``; the bound is ``Cov >= I^-1``. ``P`` is the true,
pixel-integrated PSF at the star's position and sub-pixel phase; its derivatives are central
differences of the rendered PSF.
"""

from __future__ import annotations

import numpy as np

from lsstlite.sim import true_psf_image

STAMP_SIZE = 31
STEP = 0.01  # pixels, for the derivatives of P


def point_source_bounds(psf, x, y, flux, sky_var, gain) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds on the standard deviations of flux and of the x, y centroid of point sources.

    Parameters
    ----------
    psf : `lsstlite.sim.SimPsf`
        The true PSF.
    x, y, flux : array_like
        True positions (0-based pixels) and fluxes (DN).
    sky_var : array_like
        Variance of the sky plus read noise at each position (DN^2).
    gain : float
        Electrons per DN (source Poisson noise is ``F P / gain``).

    Returns
    -------
    sigma_flux, sigma_x, sigma_y : ndarray
    """
    x, y, flux, sky_var = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x, y, flux, sky_var))
    c = STAMP_SIZE // 2
    out = np.empty((x.size, 3))
    for k in range(x.size):
        cx, cy = c + x[k] - np.rint(x[k]), c + y[k] - np.rint(y[k])
        p = true_psf_image(psf, x[k], y[k], STAMP_SIZE, center=(cx, cy))
        dpx = (true_psf_image(psf, x[k], y[k], STAMP_SIZE, center=(cx + STEP, cy))
               - true_psf_image(psf, x[k], y[k], STAMP_SIZE, center=(cx - STEP, cy))) / (2 * STEP)
        dpy = (true_psf_image(psf, x[k], y[k], STAMP_SIZE, center=(cx, cy + STEP))
               - true_psf_image(psf, x[k], y[k], STAMP_SIZE, center=(cx, cy - STEP))) / (2 * STEP)
        variance = sky_var[k] + flux[k] * p / gain
        grads = np.stack([p.ravel(), flux[k] * dpx.ravel(), flux[k] * dpy.ravel()])
        fisher = (grads / variance.ravel()) @ grads.T
        out[k] = np.sqrt(np.diag(np.linalg.inv(fisher)))
    return out[:, 0], out[:, 1], out[:, 2]
