"""cell_statistics against plain-numpy statistics of each cell."""

import numpy as np
import pytest

from lsstlite.kernels.cellstats import cell_statistics
from tests.references import meanclip


def _image(shape, seed=5):
    rng = np.random.default_rng(seed)
    image = rng.normal(100.0, 5.0, shape).astype(np.float32)
    image[rng.uniform(size=shape) < 0.01] += 500.0  # outliers the clipping removes
    mask = np.where(rng.uniform(size=shape) < 0.05, 1, 0).astype(np.int32)
    image[3, 4] = np.nan
    return image, mask


@pytest.mark.parametrize("cell", [20, 40])  # exact quartiles (<= 1024 pixels) and histogram ones
def test_meanclip_median_mean_match_numpy(cell):
    image, mask = _image((2 * cell, 3 * cell))
    edges_x, edges_y = np.arange(0, 3 * cell + 1, cell), np.arange(0, 2 * cell + 1, cell)
    results = {stat: cell_statistics(image, mask, 1, edges_x, edges_y, stat)
               for stat in ("MEANCLIP", "MEDIAN", "MEAN")}
    for j in range(2):
        for i in range(3):
            pix = image[j * cell:(j + 1) * cell, i * cell:(i + 1) * cell]
            good = pix[(mask[j * cell:(j + 1) * cell, i * cell:(i + 1) * cell] == 0) & np.isfinite(pix)]
            good = good.astype(np.float64)
            value, variance, stdev, npix = (a[j, i] for a in results["MEANCLIP"])
            centre, sd, n = meanclip(good)
            # the histogram quartiles only seed the window: same clipped set, same mean
            assert npix == n and value == pytest.approx(centre, rel=1e-12)
            assert stdev == pytest.approx(sd, rel=1e-10) and variance == pytest.approx(sd**2 / n, rel=1e-10)
            med = results["MEDIAN"][0][j, i]
            if good.size <= 1024:
                assert med == np.median(good)
            else:  # histogram median: within 0.003 of the pixel stdev
                assert abs(med - np.median(good)) < 0.003 * good.std()
            assert results["MEAN"][0][j, i] == pytest.approx(good.mean(), rel=1e-12)
            assert results["MEAN"][3][j, i] == good.size


def test_empty_cell_is_nan():
    image = np.ones((4, 4), np.float32)
    mask = np.zeros((4, 4), np.int32)
    mask[:, :2] = 2
    value, variance, stdev, npix = cell_statistics(image, mask, 2, [0, 2, 4], [0, 4])
    assert np.isnan(value[0, 0]) and np.isnan(variance[0, 0]) and npix[0, 0] == 0
    assert value[0, 1] == 1.0 and npix[0, 1] == 8


def test_bad_arguments():
    image = np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match="statistic must be one of"):
        cell_statistics(image, None, 0, [0, 4], [0, 4], "MODE")
    with pytest.raises(ValueError, match="cell edges"):
        cell_statistics(image, None, 0, [0, 3], [0, 4])
