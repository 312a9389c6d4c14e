"""Clipped statistics around sources against a plain-numpy reference."""

import numpy as np

from lsstlite.kernels.rowstats import clipped_stats_at_offsets
from lsstlite.meas.annulus import annulus_offsets


def numpy_samples(image, mask, bits, x, y, dx, dy):
    """(n, m) samples at the offsets around the nearest pixels; NaN where unusable."""
    good = (mask & bits) == 0
    ny, nx = image.shape
    ix = np.floor(x + 0.5).astype(int)[:, None] + dx[None, :]
    iy = np.floor(y + 0.5).astype(int)[:, None] + dy[None, :]
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    ixc, iyc = np.clip(ix, 0, nx - 1), np.clip(iy, 0, ny - 1)
    return np.where(inside & good[iyc, ixc], image[iyc, ixc], np.nan)


def numpy_reference(values, nsigma=3.0, niter=3):
    q25, centre, q75 = np.nanpercentile(values, [25, 50, 75], axis=1)
    sigma = 0.7413 * (q75 - q25)
    for _ in range(niter):
        keep = np.abs(values - centre[:, None]) <= nsigma * sigma[:, None]
        clipped = np.where(keep, values, np.nan)
        centre = np.nanmean(clipped, axis=1)
        sigma = np.nanstd(clipped, axis=1)
    return centre, sigma


def field(seed=0):
    rng = np.random.default_rng(seed)
    image = rng.normal(10.0, 2.0, (120, 150)).astype(np.float32)
    mask = np.where(rng.random(image.shape) > 0.1, 0, 4).astype(np.int32)
    mask[rng.random(image.shape) > 0.5] |= 8   # a bit that is not excluded
    x = rng.uniform(-5, 155, 300)        # some annuli cross the edges
    y = rng.uniform(-5, 125, 300)
    return image, mask, x, y


def test_annulus_matches_numpy_with_outliers_masks_and_edges():
    image, mask, x, y = field()
    ix, iy = np.rint(x[:20]).astype(int), np.rint(y[:20]).astype(int)
    inside = (ix >= 1) & (ix < 149) & (iy >= 1) & (iy < 119)
    image[iy[inside], ix[inside] - 1] += 100.0  # a neighbour's light in some annuli
    dx, dy = annulus_offsets(3.0, 9.0)
    centre, sigma = clipped_stats_at_offsets(image, mask, 4, x, y, dx, dy)
    values = numpy_samples(image, mask, 4, x, y, dx, dy).astype(np.float64)
    ref_c, ref_s = numpy_reference(values)
    np.testing.assert_allclose(centre, ref_c, rtol=1e-12)
    np.testing.assert_allclose(sigma, ref_s, rtol=1e-12)
    # the clipped mean recovers the sky despite the outliers (error ~ 2 / sqrt(n))
    n = np.isfinite(values).sum(axis=1)
    assert np.all(np.abs(centre - 10.0) < 5 * 2.0 / np.sqrt(n))


def test_no_iteration_gives_the_median_of_a_disc():
    image, mask, x, y = field(1)
    dx, dy = annulus_offsets(-1.0, 4.5)
    assert dx.size == np.count_nonzero(np.hypot(*np.mgrid[-5:6, -5:6]) <= 4.5)
    median, _ = clipped_stats_at_offsets(image, mask, 4, x, y, dx, dy, niter=0)
    values = numpy_samples(image, mask, 4, x, y, dx, dy).astype(np.float64)
    some = np.isfinite(values).any(axis=1)
    assert np.isnan(median[~some]).all()
    np.testing.assert_allclose(median[some], np.nanmedian(values[some], axis=1), rtol=1e-12)


def test_no_samples_is_nan():
    image = np.arange(16, dtype=np.float32).reshape(4, 4)
    mask = np.zeros(image.shape, np.int32)
    mask[:, :2] = 1
    dx, dy = np.array([0, 1]), np.array([0, 0])
    centre, sigma = clipped_stats_at_offsets(image, mask, 1, [0.0, 2.2, np.nan, 50.0],
                                             [1.0, 1.0, 1.0, 1.0], dx, dy)
    assert np.isnan(centre[0]) and np.isnan(sigma[0])
    assert centre[1] == 6.5
    assert np.isnan(centre[2]) and np.isnan(centre[3])
