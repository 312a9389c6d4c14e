import numpy as np
import pytest

from lsstlite.kernels.spans import rasterize_spans


def _reference(y, x1, x2, shape):
    out = np.zeros(shape, bool)
    for row, lo, hi in zip(y, x1, x2):
        if 0 <= row < shape[0]:
            lo, hi = max(lo, 0), min(hi, shape[1] - 1)
            if hi >= lo:
                out[row, lo:hi + 1] = True
    return out


def test_rasterize_spans_matches_reference():
    rng = np.random.default_rng(3)
    shape = (37, 53)
    y = rng.integers(-5, 42, 400)
    x1 = rng.integers(-10, 60, 400)
    x2 = x1 + rng.integers(-3, 20, 400)
    np.testing.assert_array_equal(rasterize_spans(y, x1, x2, shape), _reference(y, x1, x2, shape))


def test_rasterize_spans_edges_and_empty():
    out = rasterize_spans(np.array([0, 2, 9]), np.array([-4, 3, 0]), np.array([1, 2, 9]), (3, 5))
    expected = np.zeros((3, 5), bool)
    expected[0, :2] = True   # clipped on the left; (2, 3, 2) is empty; row 9 is dropped
    np.testing.assert_array_equal(out, expected)
    assert rasterize_spans(np.empty(0), np.empty(0), np.empty(0), (2, 2)).sum() == 0
    with pytest.raises(ValueError, match="lengths differ"):
        rasterize_spans(np.zeros(2), np.zeros(1), np.zeros(2), (2, 2))
