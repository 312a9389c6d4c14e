"""fpM span rasterisation against a plain per-span loop."""

import numpy as np

from lsstlite.io.sdss.fpm import rasterize_spans


def _reference(spans, shape):
    out = np.zeros(shape, bool)
    for row, lo, hi in spans:
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
    spans = np.stack([y, x1, x1 + rng.integers(-3, 20, 400)], axis=1)
    np.testing.assert_array_equal(rasterize_spans(spans, shape), _reference(spans, shape))


def test_rasterize_spans_edges_and_empty():
    out = rasterize_spans(np.array([[0, -4, 1], [2, 3, 2], [9, 0, 9]]), (3, 5))
    expected = np.zeros((3, 5), bool)
    expected[0, :2] = True   # clipped on the left; (2, 3, 2) is empty; row 9 is dropped
    np.testing.assert_array_equal(out, expected)
    assert rasterize_spans(np.empty((0, 3), np.int64), (2, 2)).sum() == 0
    assert rasterize_spans(np.array([[5, 0, 1]]), (2, 2)).sum() == 0
