"""Random stars and galaxies: positions, power-law magnitudes, shapes, and their Gaussian mixtures."""

from __future__ import annotations

import numpy as np

from lsstlite.sim.profiles import sersic_mixture
from lsstlite.sim.psf import SimPsf

__all__ = ["power_law_magnitudes", "draw_galaxy_shapes", "galaxy_covariances", "star_colours",
           "mag_to_dn", "NJY_ZERO_POINT"]

#: AB magnitude of 1 nJy.
NJY_ZERO_POINT = 31.4


def mag_to_dn(mag, zero_point: float) -> np.ndarray:
    """Counts (DN) of an AB magnitude for a zero point (AB mag of 1 DN)."""
    return 10.0 ** (-0.4 * (np.asarray(mag, dtype=float) - zero_point))


def power_law_magnitudes(rng: np.random.Generator, n: int, bright: float, faint: float, slope: float) -> np.ndarray:
    """Draw ``n`` magnitudes with ``dN/dm ~ 10**(slope * m)`` on ``[bright, faint]``."""
    lo, hi = 10.0 ** (slope * bright), 10.0 ** (slope * faint)
    return np.log10(lo + rng.random(n) * (hi - lo)) / slope


def draw_galaxy_shapes(rng: np.random.Generator, mags: np.ndarray, pixel_scale: float,
                       devauc_fraction: float) -> dict[str, np.ndarray]:
    """Sersic index, half-light radius (pixels, major axis), axis ratio and angle of galaxies.

    ``r_e`` is log-normal around 1.2" at m = 21, growing by 0.15 dex per magnitude brighter,
    clipped to [0.5, 10] pixels; axis ratio uniform in [0.3, 1]; angle uniform.
    """
    n = mags.size
    median_re = 1.2 / pixel_scale * 10.0 ** (-0.15 * (mags - 21.0))
    r_e = np.clip(median_re * 10.0 ** rng.normal(0.0, 0.15, n), 0.5, 10.0)
    return {
        "sersic_n": np.where(rng.random(n) < devauc_fraction, 4, 1).astype(np.int16),
        "r_e": r_e,
        "q": rng.uniform(0.3, 1.0, n),
        "pa_deg": rng.uniform(0.0, 180.0, n),
    }


def galaxy_covariances(sersic_n: int, r_e, q, pa_deg) -> tuple[np.ndarray, np.ndarray]:
    """Intrinsic Gaussian components of galaxies of one Sersic index.

    Parameters
    ----------
    sersic_n : {1, 4}
    r_e, q, pa_deg : ndarray, shape (N,)
        Half-light radius along the major axis (pixels), axis ratio b/a, angle of the major
        axis from +x towards +y (degrees, pixel frame).

    Returns
    -------
    fractions : ndarray, shape (K,)
    covariances : ndarray, shape (N, K, 2, 2)
    """
    fractions, variances = sersic_mixture(sersic_n)
    r_e, q, pa = (np.asarray(a, dtype=float) for a in (r_e, q, np.radians(pa_deg)))
    c, s = np.cos(pa), np.sin(pa)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)          # (N, 2, 2)
    axes = np.zeros(r_e.shape + (2, 2))
    axes[:, 0, 0] = r_e**2
    axes[:, 1, 1] = (q * r_e) ** 2
    unit = rot @ axes @ np.swapaxes(rot, -1, -2)                                # (N, 2, 2)
    return fractions, variances[None, :, None, None] * unit[:, None]


def convolve_with_psf(fractions, covariances, psf: SimPsf, x, y, flux) -> tuple[np.ndarray, np.ndarray]:
    """Amplitudes (N, K*2) and covariances (N, K*2, 2, 2) of galaxies convolved with the PSF."""
    psf_fractions, psf_covs = psf.components(x, y)                              # (N, 2, 2, 2)
    amps = flux[:, None, None] * fractions[None, :, None] * psf_fractions[None, None, :]
    covs = covariances[:, :, None] + psf_covs[:, None, :]
    n = amps.shape[0]
    return amps.reshape(n, -1), covs.reshape(n, -1, 2, 2)


def star_colours(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Plausible main-sequence-like colours relative to r: ``{band: m_band - m_r}``."""
    g_r = rng.uniform(0.3, 1.4, n)
    return {"u": g_r + 1.0 + 0.8 * g_r, "g": g_r, "r": np.zeros(n), "i": -0.45 * g_r,
            "z": -0.45 * g_r - 0.25 * g_r}
