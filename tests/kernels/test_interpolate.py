"""Interpolation over masked pixels against a numpy reference and a linear truth."""

import numpy as np

from lsstlite.kernels.interpolate import interpolate_masked


def test_linear_ramp_is_recovered_exactly():
    y, x = np.mgrid[:50, :60]
    image = (3.0 * x + 0.5 * y).astype(np.float32)
    bad = np.zeros(image.shape, bool)
    bad[10, 20:25] = True          # a short run along a row
    bad[:, 40] = True              # a bad column: bridged along the row
    bad[0:50, 0] = True            # touches the edge: bridged along the column? no -> fallback
    out = interpolate_masked(image, bad, fallback=-1.0)
    good = bad & (x > 0)
    np.testing.assert_allclose(out[good], image[good], rtol=1e-5)
    assert (out[:, 0] == -1.0).all()
    np.testing.assert_array_equal(out[~bad], image[~bad])


def test_vertical_fallback_matches_numpy_reference():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(40, 30)).astype(np.float32)
    bad = np.zeros(image.shape, bool)
    bad[5, :] = True  # a full bad row cannot be bridged along the row
    out = interpolate_masked(image, bad)
    ref = 0.5 * (image[4, :] + image[6, :])
    np.testing.assert_allclose(out[5, :], ref, rtol=1e-6)


def test_fallback_function_is_called_only_when_pixels_are_left():
    image = np.arange(40 * 30, dtype=np.float32).reshape(40, 30)
    calls = []

    def fallback():
        calls.append(1)
        return -5.0

    bad = np.zeros(image.shape, bool)
    bad[10, 5:8] = True
    out = interpolate_masked(image, bad, fallback=fallback)
    assert calls == [] and np.allclose(out[10, 5:8], image[10, 5:8])
    bad[:, 0] = True  # the edge column cannot be bridged along rows, nor along itself
    out = interpolate_masked(image, bad, fallback=fallback)
    assert calls == [1] and (out[:, 0] == -5.0).all()
