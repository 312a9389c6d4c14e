"""The clipping-pass kernel against plain numpy."""

import numpy as np
import pytest

from lsstlite.kernels.clipped import clipped_sums


def test_matches_numpy_reference():
    rng = np.random.default_rng(0)
    values = rng.normal(50.0, 4.0, 200_001).astype(np.float32)
    values[::97] = np.nan
    values[::101] += 300.0
    use = rng.random(values.size) < 0.8
    centre, half = 49.5, 12.0
    n, s, ss = clipped_sums(values, use, centre, half)
    d = values.astype(np.float64) - centre
    kept = use & (np.abs(d) <= half)
    assert n == kept.sum()
    assert s == pytest.approx(d[kept].sum(), rel=1e-9)
    assert ss == pytest.approx((d[kept] ** 2).sum(), rel=1e-9)


def test_rejects_mismatched_mask():
    with pytest.raises(ValueError, match="use: shape"):
        clipped_sums(np.zeros(5, np.float32), np.ones(4, bool), 0.0, 1.0)
