"""SdssCentroid: numpy reference, Gaussian truth, Monte-Carlo pulls and Cramér-Rao bound, flags."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from lsstlite.kernels.centroid import (
    CENTROID_ALMOST_NO_SECOND_DERIVATIVE, CENTROID_EDGE, CENTROID_FAILURE, CENTROID_NEAR_EDGE,
    CENTROID_NO_SECOND_DERIVATIVE, CENTROID_NOT_AT_MAXIMUM, CENTROID_RESET_TO_PEAK, sdss_centroid,
)

SIGMA = 1.5


def star_grid(rng, flux, nside=12, spacing=40, sigma=SIGMA):
    n = nside * spacing
    yy, xx = np.mgrid[:n, :n].astype(float)
    img = np.zeros((n, n))
    xs, ys = [], []
    for i in range(nside):
        for j in range(nside):
            x0 = spacing * j + spacing // 2 + rng.uniform(-0.5, 0.5)
            y0 = spacing * i + spacing // 2 + rng.uniform(-0.5, 0.5)
            sl = (slice(i * spacing, (i + 1) * spacing), slice(j * spacing, (j + 1) * spacing))
            img[sl] += flux / (2 * np.pi * sigma ** 2) * np.exp(
                -((xx[sl] - x0) ** 2 + (yy[sl] - y0) ** 2) / (2 * sigma ** 2))
            xs.append(x0)
            ys.append(y0)
    return img, np.array(xs), np.array(ys)


def reference_bin1(image, px, py, sigma):
    """Numpy SdssCentroid at bin 1: smooth the whole image, parabola + quartic on the 3x3."""
    half = max(2, int(np.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    k /= k.sum()
    sm = ndimage.correlate1d(ndimage.correlate1d(image.astype(float), k, axis=0, mode="constant"),
                             k, axis=1, mode="constant")
    v = sm[py - 1: py + 2, px - 1: px + 2]
    d2x, d2y = 2 * v[1, 1] - v[1, 0] - v[1, 2], 2 * v[1, 1] - v[0, 1] - v[2, 1]
    sx, sy = 0.5 * (v[1, 2] - v[1, 0]), 0.5 * (v[2, 1] - v[0, 1])
    dx0, dy0 = sx / d2x, sy / d2y

    def inter4(vm, v0, vp):
        sp, smm = v0 - vp, v0 - vm
        d2 = sp + smm
        return 0.5 * (vp - vm) / d2 * (1 + 1.33 * sp * smm / (d2 * v0))

    mx = [inter4(*v[r, :]) for r in range(3)]
    my = [inter4(*v[:, c]) for c in range(3)]
    smx, dm2x = 0.5 * (mx[2] - mx[0]), mx[1] - 0.5 * (mx[0] + mx[2])
    smy, dm2y = 0.5 * (my[2] - my[0]), my[1] - 0.5 * (my[0] + my[2])
    dx = mx[1] + dy0 * (smx - dy0 * dm2x)
    dy = my[1] + dx0 * (smy - dx0 * dm2y)
    return px + mx[1] + dy * (smx - dy * dm2x), py + my[1] + dx * (smy - dx * dm2y)


def test_matches_numpy_reference_and_truth():
    rng = np.random.default_rng(3)
    img, xs, ys = star_grid(rng, 3000.0, nside=5)
    var = np.ones(img.shape, np.float32)
    res = sdss_centroid(img.astype(np.float32), var, np.round(xs), np.round(ys), SIGMA)
    assert np.all(res.flags == 0)
    # the quartic interpolation of a σ=1.5 star is biased by < 3e-3 px (Lupton's estimator)
    np.testing.assert_allclose(res.x, xs, atol=3e-3)
    np.testing.assert_allclose(res.y, ys, atol=3e-3)
    noisy = (img + rng.normal(0, 0.5, img.shape)).astype(np.float32)
    res = sdss_centroid(noisy, var, np.round(xs), np.round(ys), SIGMA)
    for i in range(xs.size):
        ref = reference_bin1(noisy, int(round(xs[i])), int(round(ys[i])), SIGMA)
        assert (res.x[i], res.y[i]) == pytest.approx(ref, abs=1e-6)


def test_pulls_and_cramer_rao_bound():
    rng = np.random.default_rng(8)
    flux, sky = 3000.0, 3.0
    img, xs, ys = star_grid(rng, flux)
    var = np.full(img.shape, sky ** 2, np.float32)
    dev, pulls = [], []
    for _ in range(8):
        noisy = (img + rng.normal(0, sky, img.shape)).astype(np.float32)
        res = sdss_centroid(noisy, var, np.round(xs), np.round(ys), SIGMA)
        assert np.all(res.flags == 0)
        dev.append(np.r_[res.x - xs, res.y - ys])
        pulls.append(np.r_[(res.x - xs) / res.xErr, (res.y - ys) / res.yErr])
    dev, pulls = np.concatenate(dev), np.concatenate(pulls)  # 2304 values
    crlb = np.sqrt(2) * SIGMA * sky * np.sqrt(4 * np.pi * SIGMA ** 2) / flux  # background limited
    assert dev.std() < 1.15 * crlb
    assert 0.9 < pulls.std() < 1.1


def test_binning_for_extended_source():
    rng = np.random.default_rng(1)
    img, xs, ys = star_grid(rng, 1e5, nside=2, spacing=80, sigma=6.0)
    res = sdss_centroid(img.astype(np.float32), np.ones(img.shape, np.float32), np.round(xs),
                        np.round(ys), SIGMA)
    assert np.all(res.flags == 0)
    np.testing.assert_allclose(res.x, xs, atol=0.05)
    np.testing.assert_allclose(res.y, ys, atol=0.05)


def test_flags():
    yy, xx = np.mgrid[:60, :60].astype(float)
    star = 1000 * np.exp(-((xx - 29.6) ** 2 + (yy - 30.0) ** 2) / (2 * SIGMA ** 2))
    edge_star = 1000 * np.exp(-((xx - 4.0) ** 2 + (yy - 30.0) ** 2) / (2 * SIGMA ** 2))
    var = np.ones((60, 60), np.float32)
    res = sdss_centroid((star + edge_star).astype(np.float32), var, [1.0, 4.0, 30.0],
                        [30.0, 30.0, 30.0], SIGMA)
    assert res.flags[0] == CENTROID_EDGE | CENTROID_FAILURE and res.x[0] == 1.0
    assert res.flags[1] == CENTROID_NEAR_EDGE | CENTROID_FAILURE
    assert res.x[1] == pytest.approx(4.0, abs=0.05)
    assert res.flags[2] == 0 and res.x[2] == pytest.approx(29.6, abs=0.01)
    res = sdss_centroid(star.astype(np.float32), var, 30.0, 30.0, SIGMA, max_dist_to_peak=0.3)
    assert res.flags[0] == CENTROID_RESET_TO_PEAK | CENTROID_FAILURE and res.x[0] == 30.0
    res = sdss_centroid(-star.astype(np.float32), var, 30.0, 30.0, SIGMA)
    assert res.flags[0] == CENTROID_NOT_AT_MAXIMUM | CENTROID_FAILURE and np.isnan(res.xErr[0])
    res = sdss_centroid(np.ones((60, 60), np.float32), var, 30.0, 30.0, SIGMA)
    assert res.flags[0] == CENTROID_NO_SECOND_DERIVATIVE | CENTROID_FAILURE
    ramp = 100 * xx - 0.01 * ((xx - 30) ** 2 + (yy - 30) ** 2)
    res = sdss_centroid(ramp.astype(np.float32), var, 30.0, 30.0, SIGMA)
    assert res.flags[0] == CENTROID_ALMOST_NO_SECOND_DERIVATIVE | CENTROID_FAILURE


def test_rejects_bad_sigma():
    img = np.ones((10, 10), np.float32)
    with pytest.raises(ValueError, match="psf_sigma"):
        sdss_centroid(img, img, [5.0], [5.0], 0.0)


def test_pulls_with_source_poisson_noise():
    """Errors stay calibrated when the source's own Poisson noise dominates the sky's."""
    rng = np.random.default_rng(11)
    img, xs, ys = star_grid(rng, 20000.0)
    gain, sky = 4.0, 20.0
    var = ((sky + img) / gain).astype(np.float32)
    pulls = []
    for _ in range(8):
        noisy = (img + rng.normal(0.0, 1.0, img.shape) * np.sqrt(var)).astype(np.float32)
        res = sdss_centroid(noisy, var, np.round(xs), np.round(ys), SIGMA)
        assert np.all(res.flags == 0)
        pulls.append(np.r_[(res.x - xs) / res.xErr, (res.y - ys) / res.yErr])
    pulls = np.concatenate(pulls)  # 2304 values: the std is known to 1.5%
    assert 0.93 < pulls.std() < 1.07
