"""The simulator's PSF, Gaussian-mixture rendering and galaxy profiles against analytic truth."""

import numpy as np
import pytest
from scipy.special import erf

from lsstlite.sim import SimPsf, psf_fwhm, psf_moments, true_psf_image
from lsstlite.sim.profiles import SERSIC_B, TRUNCATION, sersic_mixture
from lsstlite.sim.render import add_objects, render_stamps


def _pixel_integrated_gaussian(size, dx, dy, sigma):
    edges = np.arange(size + 1) - size // 2 - 0.5
    cx = np.diff(0.5 * erf((edges - dx) / (np.sqrt(2) * sigma)))
    cy = np.diff(0.5 * erf((edges - dy) / (np.sqrt(2) * sigma)))
    return np.outer(cy, cx)


@pytest.mark.parametrize(("sigma", "tolerance"), [(0.9, 5e-5), (1.3, 1e-5), (3.0, 1e-6)])
def test_render_matches_analytic_pixel_integral(sigma, tolerance):
    cov = np.array([[[[sigma**2, 0.0], [0.0, sigma**2]]]])
    stamp = render_stamps(np.array([0.3]), np.array([-0.2]), np.array([[1.0]]), cov, 41, 3)[0]
    expected = _pixel_integrated_gaussian(41, 0.3, -0.2, sigma)
    assert np.abs(stamp - expected).max() < tolerance * expected.max()


def test_add_objects_conserves_flux_and_clips_at_edges():
    image = np.zeros((60, 80))
    cov = np.tile(np.diag([1.5, 2.0]), (2, 1, 1, 1))
    add_objects(image, np.array([40.2, 0.0]), np.array([30.7, 30.0]), np.array([[1000.0], [500.0]]), cov, 21, 3)
    assert image[:, 25:].sum() == pytest.approx(1000.0, rel=1e-10)
    # the star at x = 0 keeps only what falls right of the image edge x = -0.5
    on_image = 500.0 * 0.5 * (1 + erf(0.5 / np.sqrt(2 * 1.5)))
    assert image[:, :25].sum() == pytest.approx(on_image, rel=1e-6)


def test_true_psf_image_normalised_centred_and_moments():
    psf = SimPsf(2048, 1489)
    for x, y in [(0, 0), (1024, 744), (2047, 1488)]:
        image = true_psf_image(psf, x, y, 41)
        assert image.sum() == pytest.approx(1.0, abs=1e-12)
        yy, xx = np.mgrid[:41, :41] - 20.0
        assert abs((image * xx).sum()) < 1e-10 and abs((image * yy).sum()) < 1e-10
        mxx, myy, mxy = psf_moments(psf, x, y, pixelized=True)
        assert (image * xx * xx).sum() == pytest.approx(mxx, rel=1e-4)
        assert (image * yy * yy).sum() == pytest.approx(myy, rel=1e-4)
        assert (image * xx * yy).sum() == pytest.approx(mxy, abs=1e-4 * mxx)
    shifted = true_psf_image(psf, 500, 500, 41, center=(20.3, 19.6))
    yy, xx = np.mgrid[:41, :41]
    assert (shifted * xx).sum() == pytest.approx(20.3, abs=1e-8)
    assert (shifted * yy).sum() == pytest.approx(19.6, abs=1e-8)


def test_true_psf_image_from_header_equals_object():
    psf = SimPsf(1000, 800, fwhm0=3.0)
    header = {k: v for k, (v, _) in psf.to_header().items()}
    np.testing.assert_array_equal(true_psf_image(header, 10, 20, 25), true_psf_image(psf, 10, 20, 25))
    with pytest.raises(ValueError, match="odd"):
        true_psf_image(psf, 0, 0, 24)


def test_fwhm_is_half_maximum_width_and_varies_about_ten_percent():
    psf = SimPsf(2048, 1489)
    fractions, covs = psf.components(300.0, 1200.0)
    sigmas = np.linalg.det(covs) ** 0.25  # circularised widths
    half = psf_fwhm(psf, 300.0, 1200.0) / 2

    def profile(r):
        return np.sum(fractions / (2 * np.pi * sigmas**2) * np.exp(-0.5 * r**2 / sigmas**2))

    assert profile(half) == pytest.approx(0.5 * profile(0.0), rel=1e-9)
    gx, gy = np.meshgrid(np.linspace(0, 2047, 21), np.linspace(0, 1488, 21))
    fwhm = psf_fwhm(psf, gx, gy)
    spread = (fwhm.max() - fwhm.min()) / psf.fwhm0
    assert 0.05 < spread < 0.2
    assert 2.5 <= fwhm.min() and fwhm.max() <= 3.2


@pytest.mark.parametrize("n", [1, 4])
def test_sersic_mixture_reproduces_truncated_profile(n):
    fractions, variances = sersic_mixture(n)
    assert fractions.sum() == pytest.approx(1.0) and np.all(fractions > 0)
    r = np.linspace(1e-3, TRUNCATION[n], 4000)
    sersic = np.exp(-SERSIC_B[n] * (r ** (1.0 / n) - 1.0))
    mixture = np.sum(fractions / (2 * np.pi * variances) * np.exp(-0.5 * r[:, None] ** 2 / variances), axis=1)
    cum_s = np.cumsum(sersic * r)
    cum_m = np.cumsum(mixture * r)
    # compare the normalised curves of growth: the light distribution, not the normalisation
    assert np.abs(cum_m / cum_m[-1] - cum_s / cum_s[-1]).max() < 0.015
