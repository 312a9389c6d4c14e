"""Small-matrix inverse of the kernels against numpy's LAPACK inverse."""

import numpy as np
import pytest

from lsstlite.kernels.linalg import invert


@pytest.mark.parametrize("n", [1, 2, 4, 6])
def test_invert_matches_numpy(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        a = rng.normal(size=(n, n))
        spd = a @ a.T + n * np.eye(n)  # Fisher-like: symmetric positive definite
        for matrix in (a, spd):
            expected = np.linalg.inv(matrix)
            scale = np.abs(expected).max()
            np.testing.assert_allclose(invert(matrix), expected, rtol=0, atol=1e-10 * scale)


def test_invert_needs_pivoting():
    matrix = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 4.0]])
    np.testing.assert_allclose(invert(matrix), np.linalg.inv(matrix), atol=1e-15)
    assert matrix[0, 0] == 0.0  # input not modified


@pytest.mark.parametrize("matrix", [np.array([[1.0, 2.0], [2.0, 4.0]]),
                                    np.array([[np.nan, 0.0], [0.0, 1.0]]),
                                    np.zeros((3, 3))])
def test_invert_singular_or_nonfinite_is_nan(matrix):
    assert np.isnan(invert(matrix)).all()
