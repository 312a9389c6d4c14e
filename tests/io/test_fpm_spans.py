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


def test_span_pixel_indices_cover_the_reference_pixels():
    from lsstlite.io.sdss.fpm import span_pixel_indices

    rng = np.random.default_rng(4)
    shape = (29, 41)
    y = rng.integers(-3, 32, 300)
    x1 = rng.integers(-8, 45, 300)
    spans = np.stack([y, x1, x1 + rng.integers(-3, 15, 300)], axis=1)
    index = span_pixel_indices(spans, shape)
    assert index.min() >= 0 and index.max() < shape[0] * shape[1]
    np.testing.assert_array_equal(np.unique(index), np.flatnonzero(_reference(spans, shape)))


def test_fpm_pixels_equal_the_planes(sdss_data):
    from lsstlite.io.sdss.fpm import read_fpm, read_fpm_pixels

    path = sdss_data / "run4192" / "fpM-004192-r4-0300.fit"
    planes = read_fpm(path, shape=(1361, 2048))
    pixels = read_fpm_pixels(path, shape=(1361, 2048))
    assert list(pixels) == list(planes) and planes["OBJECT"].any()
    for name, image in planes.items():
        np.testing.assert_array_equal(np.unique(pixels[name]), np.flatnonzero(image))
