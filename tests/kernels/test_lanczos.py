import numpy as np
import pytest

from lsstlite.kernels.lanczos import shift_stamps


def _reference(image, tx, ty):
    """out[i, j] = sum_mn ty[m] tx[n] image[i - m, j - n], zero outside (plain loops)."""
    ny, nx = image.shape
    order = (len(tx) - 1) // 2
    out = np.zeros_like(image)
    for i in range(ny):
        for j in range(nx):
            for m in range(-order, order + 1):
                for n in range(-order, order + 1):
                    if 0 <= i - m < ny and 0 <= j - n < nx:
                        out[i, j] += ty[m + order] * tx[n + order] * image[i - m, j - n]
    return out


def test_shift_stamps_matches_reference():
    rng = np.random.default_rng(5)
    images = rng.normal(size=(3, 9, 9))
    tx, ty = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    out = shift_stamps(images, tx, ty)
    for s in range(3):
        np.testing.assert_allclose(out[s], _reference(images[s], tx[s], ty[s]), rtol=1e-12, atol=1e-12)


def test_shift_stamps_identity_and_errors():
    images = np.arange(50.0).reshape(2, 5, 5)
    delta = np.zeros((2, 3))
    delta[:, 1] = 1.0
    np.testing.assert_array_equal(shift_stamps(images, delta, delta), images)
    with pytest.raises(ValueError, match="taps"):
        shift_stamps(images, np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="images"):
        shift_stamps(np.zeros((5, 5)), delta, delta)
