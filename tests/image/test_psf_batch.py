"""`Psf.computeImages` (batched) against per-position references."""

import math

import numpy as np
import pytest

from lsstlite.algorithms.psf_pca import PcaPsfModel
from lsstlite.image import DoubleGaussianPsf, GaussianPsf, KernelImagePsf
from lsstlite.image.pca_psf import PcaPsf
from lsstlite.image.psf import lanczos_shift, lanczos_taps
from lsstlite.image.sdss_psf import SdssKlPsf

RNG = np.random.default_rng(11)
X = np.array([10.3, 5.5, 100.0, 1.25, 0.0, 700.49, 1500.5])
Y = np.array([20.7, 5.49, 3.2, -1.4, 0.0, 1200.51, 33.0])


def _gauss(size, sigma, shift):
    t = np.arange(size) - size // 2 - shift
    return np.exp(-0.5 * (t / sigma) ** 2)


def _kl_psf():
    yy, xx = np.mgrid[-12:13, -12:13]
    eigen = np.stack([np.exp(-(xx**2 + yy**2) / (2 * s**2)) for s in (1.5, 2.5, 4.0)])
    eigen /= eigen.sum(axis=(1, 2))[:, None, None]
    coeffs = RNG.normal(scale=0.05, size=(3, 2, 2))
    coeffs[0, 0, 0] = 1.0
    return SdssKlPsf(eigen, coeffs, size=21)


def _pca_psf():
    yy, xx = np.mgrid[-7:8, -7:8]
    comps = np.stack([np.exp(-(xx**2 + yy**2) / (2 * s**2)) for s in (1.8, 3.0)])
    coeffs = np.array([[1.0, 0.05, -0.02], [0.1, 0.03, 0.01]])
    return PcaPsf(PcaPsfModel(comps, coeffs, 1, (0.0, 2000.0, 0.0, 1400.0)))


@pytest.mark.parametrize("psf", [_kl_psf(), _pca_psf(),
                                 KernelImagePsf(GaussianPsf(1.5, 31).computeKernelImage())])
def test_pixelised_models_match_per_position_lanczos_shift(psf):
    stamps, x0, y0 = psf.computeImages(X, Y)
    for i, (x, y) in enumerate(zip(X, Y)):
        ix, iy = math.floor(x + 0.5), math.floor(y + 0.5)
        raw = lanczos_shift(psf._kernel_image(x, y), x - ix, y - iy)
        expected = raw / raw.sum()
        half = expected.shape[0] // 2
        assert (x0[i], y0[i]) == (ix - half, iy - half)
        np.testing.assert_allclose(stamps[i], expected, rtol=0, atol=1e-14 * expected.max())


@pytest.mark.parametrize("psf", [GaussianPsf(2.0, 21), DoubleGaussianPsf(1.5, 4.0, 0.1, 31)])
def test_gaussian_models_match_analytic_profiles(psf):
    stamps, x0, y0 = psf.computeImages(X, Y)
    for i, (x, y) in enumerate(zip(X, Y)):
        dx, dy = x - math.floor(x + 0.5), y - math.floor(y + 0.5)
        if isinstance(psf, GaussianPsf):
            expected = np.outer(_gauss(psf.size, psf.sigma, dy), _gauss(psf.size, psf.sigma, dx))
        else:
            expected = (np.outer(_gauss(psf.size, psf.sigma1, dy), _gauss(psf.size, psf.sigma1, dx))
                        + psf.ratio * np.outer(_gauss(psf.size, psf.sigma2, dy),
                                               _gauss(psf.size, psf.sigma2, dx)))
        np.testing.assert_allclose(stamps[i], expected / expected.sum(), rtol=1e-12, atol=1e-16)


def test_compute_images_empty_and_errors():
    psf = GaussianPsf(2.0, 11)
    stamps, x0, y0 = psf.computeImages([], [])
    assert stamps.shape[0] == 0 and x0.size == 0 and y0.size == 0
    with pytest.raises(ValueError, match="lengths differ"):
        psf.computeImages([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        psf.computeImages([np.nan], [1.0])


@pytest.mark.parametrize("shift", [-0.5, -0.31, 0.0, 0.12, 0.5])
def test_lanczos_taps_preserve_flux_and_centroid(shift):
    taps = lanczos_taps(np.array([shift]))[0]
    m = np.arange(-5, 6)
    assert taps.sum() == pytest.approx(1.0, abs=1e-14)
    assert (m * taps).sum() == pytest.approx(shift, abs=1e-14)
    if shift == 0.0:
        np.testing.assert_array_equal(taps, (m == 0).astype(float))
