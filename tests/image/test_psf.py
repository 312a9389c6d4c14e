"""Psf models against analytic truth."""

import math

import numpy as np
import pytest

from lsstlite.image import DoubleGaussianPsf, GaussianPsf, KernelImagePsf, Psf
from lsstlite.kernels.moments import adaptive_moments_stamp

POSITIONS = [(10.3, 20.7), (5.5, 5.49), (100.0, 3.2), (1.25, -1.4), (0.0, 0.0)]


def _centroid(stamp, x0, y0):
    yy, xx = np.mgrid[: stamp.shape[0], : stamp.shape[1]]
    return (stamp * xx).sum() + x0, (stamp * yy).sum() + y0


@pytest.mark.parametrize("sigma", [1.2, 2.0, 3.5])
def test_gaussian_moments_and_fwhm(sigma):
    psf = GaussianPsf(sigma)
    xx, yy, xy = psf.computeShape(7.0, 9.0)
    assert xx == pytest.approx(sigma**2, rel=1e-3)
    assert yy == pytest.approx(sigma**2, rel=1e-3)
    assert abs(xy) < 1e-6
    assert psf.determinantRadius() == pytest.approx(sigma, rel=1e-3)
    assert psf.fwhm() == pytest.approx(2.3548 * sigma, rel=1e-4)


def test_kernel_image_is_normalised_odd_and_centred():
    k = GaussianPsf(2.0, 21).computeKernelImage(3.0, 4.0)
    assert k.shape == (21, 21)
    assert k.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.unravel_index(np.argmax(k), k.shape) == (10, 10)


@pytest.mark.parametrize("psf", [GaussianPsf(2.0), DoubleGaussianPsf(1.5, 4.0, 0.1),
                                 KernelImagePsf(GaussianPsf(1.5, 31).computeKernelImage())])
@pytest.mark.parametrize(("x", "y"), POSITIONS)
def test_compute_image_centroid(psf, x, y):
    stamp, x0, y0 = psf.computeImage(x, y)
    assert stamp.shape[0] == stamp.shape[1] and stamp.shape[0] % 2 == 1
    half = stamp.shape[0] // 2
    assert (x0 + half, y0 + half) == (math.floor(x + 0.5), math.floor(y + 0.5))
    assert stamp.sum() == pytest.approx(1.0, abs=1e-12)
    cx, cy = _centroid(stamp, x0, y0)
    assert cx == pytest.approx(x, abs=1e-3)
    assert cy == pytest.approx(y, abs=1e-3)


def test_lanczos_shift_matches_analytic_gaussian():
    sigma = 1.5
    image_psf = KernelImagePsf(GaussianPsf(sigma, 31).computeKernelImage())
    stamp, _, _ = image_psf.computeImage(10.3, 20.7)
    truth, _, _ = GaussianPsf(sigma, 31).computeImage(10.3, 20.7)
    # Lanczos-5 interpolation error of a sigma=1.5 px sampled Gaussian is ~0.1% of the peak
    assert np.abs(stamp - truth).max() < 2e-3 * truth.max()


def test_double_gaussian_ratio_zero_is_gaussian():
    a = DoubleGaussianPsf(1.7, 5.0, 0.0, 25).computeKernelImage()
    b = GaussianPsf(1.7, 25).computeKernelImage()
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)


def test_double_gaussian_is_wider_than_its_core():
    assert DoubleGaussianPsf(1.5, 4.0, 0.1).determinantRadius() > 1.5


def test_adaptive_moments_elliptical_gaussian():
    yy, xx = np.mgrid[:61, :61].astype(float)
    cov = np.array([[6.0, 1.5], [1.5, 3.0]])
    inv = np.linalg.inv(cov)
    dx, dy = xx - 30.4, yy - 29.8
    img = np.exp(-0.5 * (inv[0, 0] * dx**2 + 2 * inv[0, 1] * dx * dy + inv[1, 1] * dy**2))
    res = adaptive_moments_stamp(img, tol1=1e-9, tol2=1e-8)
    assert (res.x, res.y) == (pytest.approx(30.4, abs=1e-5), pytest.approx(29.8, abs=1e-5))
    assert (res.xx, res.yy, res.xy) == (pytest.approx(6.0, rel=1e-5), pytest.approx(3.0, rel=1e-5),
                                        pytest.approx(1.5, rel=1e-5))


@pytest.mark.parametrize("psf", [GaussianPsf(1.3, 15), DoubleGaussianPsf(1.1, 3.3, 0.08, 27),
                                 KernelImagePsf(np.outer([1, 3, 1], [1, 2, 1]))])
def test_hdu_round_trip(psf):
    back = Psf.from_hdus(psf.to_hdus())
    assert type(back) is type(psf)
    assert back == psf
    np.testing.assert_array_equal(back.computeKernelImage(), psf.computeKernelImage())
    assert psf.to_hdus()[0].header["EXTNAME"] == "PSF"


def test_from_hdus_errors():
    hdus = GaussianPsf(2.0).to_hdus()
    hdus[0].header["PSFTYPE"] = "NOPE"
    with pytest.raises(ValueError, match="unknown PSFTYPE 'NOPE'"):
        Psf.from_hdus(hdus)
    with pytest.raises(ValueError, match="no HDUs"):
        Psf.from_hdus([])


@pytest.mark.parametrize(("args", "message"), [((0.0,), "sigma must be positive"),
                                              ((2.0, 10), "size must be an odd integer")])
def test_gaussian_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        GaussianPsf(*args)


def test_kernel_image_psf_rejects_even_image():
    with pytest.raises(ValueError, match="odd and square"):
        KernelImagePsf(np.ones((4, 4)))
