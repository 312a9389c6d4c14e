"""PSF flux: numpy reference, Gaussian truth, Monte-Carlo pulls against the Cramér-Rao bound, flags."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erf

from lsstlite.kernels.psf_flux import (
    PSF_FLUX_EDGE, PSF_FLUX_FAILURE, PSF_FLUX_NO_GOOD_PIXELS, psf_flux,
)


def pixel_gaussian(size, dx, dy, sigma):
    """Pixel-integrated unit Gaussian on a size x size stamp, centre offset (dx, dy) from the middle."""
    edges = np.arange(size + 1) - (size - 1) / 2 - 0.5
    gx = np.diff(erf((edges - dx) / (np.sqrt(2) * sigma))) / 2
    gy = np.diff(erf((edges - dy) / (np.sqrt(2) * sigma))) / 2
    stamp = np.outer(gy, gx)
    return stamp / stamp.sum()


@pytest.fixture(scope="module")
def field():
    rng = np.random.default_rng(9)
    size, sigma, k = 200, 1.6, 21
    cx = np.repeat(np.arange(20, 200, 30), 6) + rng.uniform(-0.5, 0.5, 36)
    cy = np.tile(np.arange(20, 200, 30), 6) + rng.uniform(-0.5, 0.5, 36)
    flux = rng.uniform(200, 5000, 36)
    stamps, x0, y0 = [], [], []
    img = np.zeros((size, size))
    for xc, yc, f in zip(cx, cy, flux):
        ix, iy = int(round(xc)), int(round(yc))
        st = pixel_gaussian(k, xc - ix, yc - iy, sigma)
        stamps.append(st)
        x0.append(ix - k // 2)
        y0.append(iy - k // 2)
        img[iy - k // 2: iy + k // 2 + 1, ix - k // 2: ix + k // 2 + 1] += f * st
    return img, np.array(stamps), np.array(x0), np.array(y0), flux, sigma


def test_noiseless_flux_exact_and_reference(field):
    img, stamps, x0, y0, flux, _ = field
    var = np.full(img.shape, 2.0, np.float32)
    mask = np.zeros(img.shape, np.int32)
    res = psf_flux(img.astype(np.float32), var, mask, stamps, x0, y0)
    assert np.all(res.flags == 0)
    np.testing.assert_allclose(res.instFlux, flux, rtol=1e-6)
    k = stamps.shape[1]
    for i in range(len(flux)):
        p = stamps[i]
        d = img.astype(np.float32)[y0[i]: y0[i] + k, x0[i]: x0[i] + k]
        f = np.sum(p * d) / np.sum(p * p)
        assert res.instFlux[i] == pytest.approx(f, rel=1e-9)
        assert res.instFluxErr[i] == pytest.approx(np.sqrt(np.sum(p * p * 2.0)) / np.sum(p * p))
        assert res.chi2[i] == pytest.approx(np.sum((d - f * p) ** 2 / 2.0), rel=1e-6, abs=1e-6)
        assert res.area[i] == pytest.approx(np.sum(p) ** 2 / np.sum(p * p))
    assert np.all(res.npixels == k * k)


def test_pulls_and_cramer_rao(field):
    img, stamps, x0, y0, flux, sigma = field
    rng = np.random.default_rng(10)
    sky = 4.0
    var = np.full(img.shape, sky ** 2, np.float32)
    mask = np.zeros(img.shape, np.int32)
    pulls, errs = [], []
    for _ in range(40):
        noisy = (img + rng.normal(0, sky, img.shape)).astype(np.float32)
        res = psf_flux(noisy, var, mask, stamps, x0, y0)
        pulls.append((res.instFlux - flux) / res.instFluxErr)
        errs.append(res.instFluxErr)
    pulls = np.concatenate(pulls)  # 1440
    assert 0.9 < pulls.std() < 1.1
    assert abs(pulls.mean()) < 0.1
    # known PSF, constant variance: the error is the Cramér-Rao bound σ_b/√ΣP²
    crlb = sky / np.sqrt((stamps ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose(errs[0], crlb, rtol=1e-6)


def test_flags_edge_and_masked(field):
    img, stamps, x0, y0, flux, _ = field
    img = img.astype(np.float32)
    var = np.ones_like(img)
    mask = np.zeros(img.shape, np.int32)
    k = stamps.shape[1]
    mask[y0[1]: y0[1] + k, x0[1]: x0[1] + k] = 1 << 3
    x0e = x0.copy()
    x0e[0] = -5
    res = psf_flux(img, var, mask, stamps, x0e, y0, bad_bitmask=1 << 3)
    assert res.flags[0] == PSF_FLUX_EDGE | PSF_FLUX_FAILURE
    assert res.npixels[0] == (k - 5) * k
    assert res.flags[1] == PSF_FLUX_NO_GOOD_PIXELS | PSF_FLUX_FAILURE and np.isnan(res.instFlux[1])
    assert np.all(res.flags[2:] == 0)
    # the same mask bit not in the bitmask is ignored
    assert psf_flux(img, var, mask, stamps, x0, y0).flags[1] == 0


def test_rejects_bad_stamps():
    img = np.zeros((10, 10), np.float32)
    with pytest.raises(ValueError, match="stamps"):
        psf_flux(img, img, np.zeros((10, 10), np.int32), np.zeros((3, 3)), [0], [0])
