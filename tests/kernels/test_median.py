"""masked_median against numpy.median of the selected values."""

import numpy as np
import pytest

from lsstlite.kernels.median import masked_median


def _cases():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 10, 1001, 40000):
        yield rng.normal(0.0, 5.0, n).astype(np.float32)          # sky noise
        yield rng.integers(0, 4, n).astype(np.float32)             # heavy ties
        yield np.concatenate([rng.normal(0, 1, n), [3e4, -2e4]])   # outliers, float64
        yield (rng.exponential(1.0, n) ** 6).astype(np.float32)    # a long tail in one bin


@pytest.mark.parametrize("values", list(_cases()))
def test_equals_numpy_median_exactly(values):
    rng = np.random.default_rng(values.size)
    use = rng.random(values.size) < 0.6
    use[0] = True
    assert masked_median(values, use) == float(np.median(values[use]))
    assert masked_median(values) == float(np.median(values))


def test_constant_two_dimensional_and_empty():
    image = np.full((30, 40), 2.5, np.float32)
    assert masked_median(image) == 2.5
    use = np.zeros(image.shape, bool)
    assert np.isnan(masked_median(image, use))


def test_non_finite_values_follow_numpy():
    values = np.array([1.0, 2.0, np.inf, 3.0, -np.inf, 4.0], np.float32)
    assert masked_median(values) == float(np.median(values))
    values[2] = np.nan
    assert np.isnan(masked_median(values))
    assert masked_median(values, ~np.isnan(values)) == float(np.median(values[~np.isnan(values)]))


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="selection flags"):
        masked_median(np.zeros(4, np.float32), np.ones(5, bool))


def test_big_endian_and_integer_values():
    rng = np.random.default_rng(3)
    values = rng.normal(0.0, 3.0, 1000).astype(">f4")  # as FITS stores them
    assert masked_median(values) == float(np.median(values))
    counts = rng.integers(0, 50, 999)
    assert masked_median(counts) == float(np.median(counts))
