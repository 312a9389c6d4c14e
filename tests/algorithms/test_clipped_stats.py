"""Sigma-clipped statistics against a plain-numpy reference and a Gaussian truth."""

import numpy as np

from lsstlite.algorithms.clipped_stats import clipped_mean_std


def numpy_reference(values, nsigma=3.0, niter=3):
    q25, centre, q75 = np.percentile(values, [25, 50, 75])
    sigma = 0.741 * (q75 - q25)
    for _ in range(niter):
        kept = values[np.abs(values - centre) <= nsigma * sigma]
        centre, sigma = kept.mean(), kept.std()
    return centre, sigma


def test_matches_numpy_and_ignores_outliers():
    rng = np.random.default_rng(0)
    values = rng.normal(100.0, 5.0, 100_000)
    values[:1000] += 500.0                      # bright sources
    mean, std = clipped_mean_std(values.astype(np.float32))
    ref_mean, ref_std = numpy_reference(values.astype(np.float32).astype(np.float64))
    # the window starts from a 5e4-value subsample: equal to the reference to 2% of the noise
    tol = 0.02 * 5.0 / np.sqrt(values.size)
    assert abs(mean - ref_mean) < tol and abs(std - ref_std) < tol
    # a 3-sigma clipped Gaussian: mean unbiased, std 1.3% low; sampling error 5/sqrt(1e5)
    assert abs(mean - 100.0) < 5 * 5.0 / np.sqrt(1e5)
    assert abs(std / 5.0 - 0.9866) < 0.01


def test_non_finite_values_are_never_used():
    rng = np.random.default_rng(1)
    values = rng.normal(0.0, 2.0, 1_000_000).astype(np.float32)
    values[::7] = np.nan
    mean, std = clipped_mean_std(values)
    n = np.isfinite(values).sum()
    assert abs(mean) < 5 * 2.0 / np.sqrt(n) and abs(std / 2.0 - 0.9866) < 0.01
    assert np.isnan(clipped_mean_std(np.array([np.nan], np.float32))[1])
    assert np.isnan(clipped_mean_std(np.zeros(0))[0])


def test_mask_selects_the_values_used():
    rng = np.random.default_rng(2)
    values = rng.normal(10.0, 3.0, (300, 400)).astype(np.float32)
    mask = rng.random(values.shape) < 0.6
    values[~mask] = 1e4                          # would dominate if used
    mean, std = clipped_mean_std(values, mask=mask)
    ref_mean, ref_std = numpy_reference(values[mask].astype(np.float64))
    assert abs(mean - ref_mean) < 1e-4 and abs(std - ref_std) < 1e-4
    assert abs(mean - 10.0) < 5 * 3.0 / np.sqrt(mask.sum())
