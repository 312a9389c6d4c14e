"""Separable Gaussian smoothing against scipy.ndimage references."""

from __future__ import annotations

import numpy as np
import pytest

ndi = pytest.importorskip("scipy.ndimage")

from lsstlite.kernels.smooth import gaussian_kernel_1d, gaussian_smooth, kernel_width  # noqa: E402


def _separable_reference(image, weights, mode="reflect"):
    tmp = ndi.correlate1d(image.astype(np.float64), weights, axis=1, mode=mode, cval=0.0)
    return ndi.correlate1d(tmp, weights, axis=0, mode=mode, cval=0.0)


@pytest.mark.parametrize(("sigma", "expected"), [(1.1, 9), (1.0, 7), (2.0, 15), (0.1, 1), (1.5, 11)])
def test_kernel_width_is_lsst(sigma, expected):
    assert kernel_width(sigma) == expected


def test_kernel_is_normalised_gaussian():
    w = gaussian_kernel_1d(1.3, 5)
    assert w.shape == (11,)
    assert w.sum() == pytest.approx(1.0, abs=1e-15)
    x = np.arange(-5, 6)
    assert np.allclose(w / w[5], np.exp(-0.5 * (x / 1.3) ** 2), rtol=1e-14)


@pytest.mark.parametrize("sigma", [0.7, 1.1, 2.5])
def test_interior_equals_correlate1d(sigma):
    rng = np.random.default_rng(3)
    image = (rng.normal(100.0, 5.0, size=(301, 257))).astype(np.float32)
    image[150, 100] += 5000.0
    smoothed, border = gaussian_smooth(image, sigma)
    assert border == kernel_width(sigma) // 2
    assert smoothed.dtype == np.float32 and smoothed.shape == image.shape
    ref = _separable_reference(image, gaussian_kernel_1d(sigma, border))
    inner = (slice(border, -border or None),) * 2
    np.testing.assert_allclose(smoothed[inner], ref[inner], rtol=1e-5, atol=0)


def test_zero_mean_noise_absolute_tolerance():
    rng = np.random.default_rng(4)
    image = rng.normal(0.0, 1.0, size=(200, 180)).astype(np.float32)
    smoothed, h = gaussian_smooth(image, 1.1)
    ref = _separable_reference(image, gaussian_kernel_1d(1.1, h))
    # float32 rounding of 2 x 9 products of O(1) numbers: ~1e-6
    assert np.abs(smoothed - ref)[h:-h, h:-h].max() < 1e-5


def test_normalize_edge_is_normalised_partial_sum():
    rng = np.random.default_rng(5)
    image = rng.normal(10.0, 1.0, size=(40, 33)).astype(np.float32)
    smoothed, h = gaussian_smooth(image, 1.5, edge="normalize")
    w = gaussian_kernel_1d(1.5, h)
    num = _separable_reference(image, w, mode="constant")
    den = _separable_reference(np.ones_like(image), w, mode="constant")
    np.testing.assert_allclose(smoothed, num / den, rtol=1e-5)
    # a flat image stays flat everywhere, edges included
    flat, _ = gaussian_smooth(np.full((20, 20), 7.0, np.float32), 1.5)
    np.testing.assert_allclose(flat, 7.0, rtol=1e-6)


def test_zero_and_copy_edges():
    rng = np.random.default_rng(6)
    image = rng.normal(size=(30, 40)).astype(np.float32)
    norm, h = gaussian_smooth(image, 1.1)
    zero, _ = gaussian_smooth(image, 1.1, edge="zero")
    copy, _ = gaussian_smooth(image, 1.1, edge="copy")
    border = np.ones(image.shape, bool)
    border[h:-h, h:-h] = False
    assert np.all(zero[border] == 0)
    assert np.array_equal(copy[border], image[border])
    assert np.array_equal(zero[~border], norm[~border])
    assert np.array_equal(copy[~border], norm[~border])


@pytest.mark.parametrize("shape", [(1, 1), (3, 50), (50, 3), (9, 9), (10, 11)])
def test_small_images(shape):
    rng = np.random.default_rng(7)
    image = rng.normal(size=shape).astype(np.float32)
    smoothed, h = gaussian_smooth(image, 1.1)
    w = gaussian_kernel_1d(1.1, h)
    ref = _separable_reference(image, w, mode="constant") / _separable_reference(
        np.ones_like(image), w, mode="constant")
    np.testing.assert_allclose(smoothed, ref, rtol=1e-5, atol=1e-6)


def test_explicit_half_width_and_input_coercion():
    rng = np.random.default_rng(8)
    image = rng.normal(50.0, 3.0, size=(64, 48)).astype(">f8")
    smoothed, h = gaussian_smooth(image, 1.1, half_width=2)
    assert h == 2
    ref = _separable_reference(image.astype(np.float32), gaussian_kernel_1d(1.1, 2))
    np.testing.assert_allclose(smoothed[2:-2, 2:-2], ref[2:-2, 2:-2], rtol=1e-5)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"sigma": 0.0}, "sigma"), ({"sigma": 1.0, "edge": "wrap"}, "edge"),
    ({"sigma": 1.0, "half_width": -1}, "half_width"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gaussian_smooth(np.zeros((5, 5), np.float32), **kwargs)
    with pytest.raises(ValueError, match="2-D"):
        gaussian_smooth(np.zeros(5, np.float32), 1.0)
