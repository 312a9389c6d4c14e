"""Background estimation against truth and against plain-numpy references."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.algorithms.background import BackgroundModel, _interpolate_axis, cell_edges, fit_background
from lsstlite.kernels.cellstats import cell_statistics
from lsstlite.kernels.piecewise import eval_piecewise_cubic, eval_separable, subtract_separable
from tests.references import meanclip

SIGMA = 5.0
STAR = 1 << 5  # a "DETECTED" bit


def _truth(height, width):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    return 140.0 + 0.004 * x - 0.003 * y + 2e-6 * (x - 900.0) ** 2 - 1.5e-6 * (x - 500) * (y - 700)


def _frame(height=1000, width=1300, nstars=60, seed=11):
    rng = np.random.default_rng(seed)
    truth = _truth(height, width)
    image = truth + rng.normal(0.0, SIGMA, size=truth.shape)
    mask = np.zeros(truth.shape, np.int32)
    y, x = np.mgrid[0:height, 0:width]
    for xs, ys in zip(rng.uniform(0, width, nstars), rng.uniform(0, height, nstars)):
        r2 = (x - xs) ** 2 + (y - ys) ** 2
        near = r2 < 15.0**2
        image[near] += 5000.0 * np.exp(-0.5 * r2[near] / 1.5**2)
        mask[r2 < 8.0**2] |= STAR
    return image.astype(np.float32), mask, truth


@pytest.mark.parametrize("statistic", ["MEAN", "MEANCLIP", "MEDIAN"])
def test_cell_statistics_match_numpy(statistic):
    rng = np.random.default_rng(2)
    image = rng.normal(100.0, SIGMA, size=(150, 170)).astype(np.float32)
    image[rng.random(image.shape) < 0.03] += 500.0  # outliers for the clipping
    image[3, 4] = np.nan
    mask = np.where(rng.random(image.shape) < 0.1, 4, 0).astype(np.int32)
    xe, ye = cell_edges(170, 6), cell_edges(150, 5)  # cells of < 1024 pixels: exact quantiles
    value, variance, stdev, npix = cell_statistics(image, mask, 4, xe, ye, statistic)
    for j in range(5):
        for i in range(6):
            cell = (slice(ye[j], ye[j + 1]), slice(xe[i], xe[i + 1]))
            v = image[cell].astype(np.float64)[(mask[cell] & 4) == 0]
            v = v[np.isfinite(v)]
            if statistic == "MEANCLIP":
                ref, sd, n = meanclip(v)
            elif statistic == "MEAN":
                ref, sd, n = v.mean(), v.std(ddof=1), v.size
            else:
                ref, sd, n = np.median(v), v.std(ddof=1), v.size
            assert value[j, i] == pytest.approx(ref, rel=1e-12, abs=1e-9)
            assert stdev[j, i] == pytest.approx(sd, rel=1e-9)
            assert npix[j, i] == n
    if statistic == "MEANCLIP":
        # clipping removed the +500 outliers: the clipped mean is within noise of 100
        assert np.all(np.abs(value - 100.0) < 5 * np.sqrt(variance))


def test_meanclip_large_cells_within_noise_of_exact_reference():
    rng = np.random.default_rng(3)
    image = rng.normal(100.0, SIGMA, size=(256, 384)).astype(np.float32)
    image[rng.random(image.shape) < 0.02] += 1000.0
    xe, ye = cell_edges(384, 3), cell_edges(256, 2)
    value, variance, _, npix = cell_statistics(image, None, 0, xe, ye)
    for j in range(2):
        for i in range(3):
            v = image[ye[j]:ye[j + 1], xe[i]:xe[i + 1]].astype(np.float64).ravel()
            ref, _, n = meanclip(v)
            # the histogram seed may move a handful of pixels across the first clip window
            assert abs(value[j, i] - ref) < 0.01 * np.sqrt(variance[j, i])
            assert abs(npix[j, i] - n) <= 0.001 * n


def test_empty_cell_is_nan():
    image = np.ones((20, 20), np.float32)
    mask = np.zeros((20, 20), np.int32)
    mask[:10, :10] = 1
    value, variance, _, npix = cell_statistics(image, mask, 1, cell_edges(20, 2), cell_edges(20, 2))
    assert np.isnan(value[0, 0]) and np.isnan(variance[0, 0]) and npix[0, 0] == 0
    assert np.all(value.ravel()[1:] == 1.0)


def test_cell_edges_layout():
    model = fit_background(np.zeros((1489, 2048), np.float32), binSize=128)
    assert (model.nx, model.ny) == (2048 // 128 + 1, 1489 // 128 + 1)
    assert model.x_edges[0] == 0 and model.x_edges[-1] == 2048
    assert np.all(np.diff(model.x_edges) >= 2048 // 17)
    assert np.allclose(model.x_centres, 0.5 * (model.x_edges[:-1] + model.x_edges[1:] - 1))


def _chebyshev_prediction_sigma(model, ys, xs):
    """Standard error of the weighted Chebyshev fit at pixels (ys, xs), from the cell variances."""
    from numpy.polynomial import chebyshev as C

    from lsstlite.algorithms.background import _chebyshev_terms, _to_unit

    terms = _chebyshev_terms(model.approxOrderX, model.approxOrderY).ravel()
    orders = [model.approxOrderY, model.approxOrderX]
    vv, uu = np.meshgrid(_to_unit(model.y_centres, model.height), _to_unit(model.x_centres, model.width),
                         indexing="ij")
    design = C.chebvander2d(vv.ravel(), uu.ravel(), orders)[:, terms]
    cov = np.linalg.inv(design.T @ (design / model.variances.ravel()[:, None]))
    at = C.chebvander2d(_to_unit(ys, model.height), _to_unit(xs, model.width), orders)[:, terms]
    return np.sqrt(np.einsum("ij,jk,ik->i", at, cov, at))


def test_chebyshev_model_matches_truth_within_fit_noise():
    image, mask, truth = _frame()
    model = fit_background(image, mask, ignoredMask=STAR, binSize=128, useApprox=True)
    background = model.evaluate()
    assert background.dtype == np.float32 and background.shape == image.shape
    ys, xs = np.mgrid[0:1000:7, 0:1300:7]
    ys, xs = np.append(ys.ravel(), [0, 0, 999, 999]), np.append(xs.ravel(), [0, 1299, 0, 1299])
    sigma = _chebyshev_prediction_sigma(model, ys, xs)
    pull = (background[ys, xs] - truth[ys, xs]) / sigma
    assert np.abs(pull).max() < 5.0
    assert 0.3 < np.sqrt(np.mean(pull**2)) < 2.0
    # without masking the stars (and with a plain mean) the same test fails
    biased = fit_background(image, None, binSize=128, statistic="MEAN").evaluate()
    assert np.abs((biased[ys, xs] - truth[ys, xs]) / sigma).max() > 5.0


def test_akima_model_matches_truth_within_cell_noise():
    image, mask, truth = _frame()
    model = fit_background(image, mask, ignoredMask=STAR, binSize=128, useApprox=False)
    background = model.evaluate()
    cell_sigma = np.sqrt(model.variances)
    # through the cell centres the interpolant reproduces the cell values: error = cell noise
    yc = np.rint(model.y_centres).astype(int)
    xc = np.rint(model.x_centres).astype(int)
    at_centres = background[np.ix_(yc, xc)] - truth[np.ix_(yc, xc)]
    assert np.abs(at_centres / cell_sigma).max() < 5.0
    # between and beyond the centres a spline combines a few cells; extrapolating half a cell
    # at the corners amplifies the noise at most ~4x (two axes, end slopes)
    err = background - truth
    assert np.sqrt(np.mean(err**2)) < 1.5 * cell_sigma.max()
    assert np.abs(err).max() < 5.0 * 4.0 * cell_sigma.max()
    biased = fit_background(image, None, binSize=128, statistic="MEAN", useApprox=False).evaluate()
    assert np.abs(biased[np.ix_(yc, xc)] - truth[np.ix_(yc, xc)]).max() > 5.0 * cell_sigma.max()


def test_weighting_downweights_noisy_cells():
    image, mask, truth = _frame(nstars=0)
    mask[:, :400] |= np.where(np.random.default_rng(5).random((1000, 400)) < 0.97, STAR, 0).astype(np.int32)
    weighted = fit_background(image, mask, ignoredMask=STAR, weighting=True).evaluate()
    assert np.sqrt(np.mean((weighted - truth) ** 2)) < SIGMA / np.sqrt(128 * 128 * 0.03)


@pytest.mark.parametrize("useApprox", [True, False])
def test_empty_cells(useApprox):
    image, mask, truth = _frame(nstars=0)
    mask[200:500, 300:600] |= STAR  # at least one whole cell
    model = fit_background(image, mask, ignoredMask=STAR, useApprox=useApprox)
    assert (model.npix == 0).any()
    err = model.evaluate() - truth
    assert np.abs(err).max() < 10 * SIGMA / np.sqrt(model.npix[model.npix > 0].min())


def test_undersample_styles():
    rng = np.random.default_rng(6)
    image = (50.0 + rng.normal(0, 1, size=(200, 300))).astype(np.float32)
    reduced = fit_background(image, binSize=128)  # 3 x 2 cells
    assert (reduced.nx, reduced.ny) == (3, 2)
    assert reduced.approxOrderX == reduced.approxOrderY == 1
    assert np.abs(reduced.evaluate() - 50.0).max() < 0.2
    with pytest.raises(ValueError, match="THROW_EXCEPTION"):
        fit_background(image, binSize=128, undersampleStyle="THROW_EXCEPTION")
    more = fit_background(image, binSize=128, undersampleStyle="INCREASE_NXNYSAMPLE")
    assert (more.nx, more.ny) == (7, 7) and more.approxOrderX == 6
    akima = fit_background(image, binSize=128, useApprox=False)
    assert (akima.interpStyleX, akima.interpStyleY) == ("NATURAL_SPLINE", "LINEAR")
    assert np.abs(akima.evaluate() - 50.0).max() < 0.2
    with pytest.raises(ValueError, match="THROW_EXCEPTION"):
        fit_background(image, binSize=128, useApprox=False, undersampleStyle="THROW_EXCEPTION")


@pytest.mark.parametrize("useApprox", [True, False])
def test_fits_round_trip_is_exact(tmp_path, useApprox):
    from astropy.io import fits

    from lsstlite.io.fits_write import primary_header, write_fits_file

    image, mask, _ = _frame(height=300, width=500, nstars=5)
    model = fit_background(image, mask, ignoredMask=STAR, binSize=64, useApprox=useApprox)
    path = tmp_path / "background.fits"
    write_fits_file(path, [primary_header(), model.to_fits_bytes()])
    with fits.open(path) as hdul:
        back = BackgroundModel.from_hdus(hdul)
        assert hdul["BKGD_VALUES"].header["BINSIZEX"] == 64
    assert np.array_equal(back.evaluate(), model.evaluate())
    assert np.array_equal(back.values, model.values, equal_nan=True)
    assert (back.useApprox, back.approxOrderX, back.interpStyleX) == (
        model.useApprox, model.approxOrderX, model.interpStyleX)


def test_interpolants_match_scipy():
    interpolate = pytest.importorskip("scipy.interpolate")
    rng = np.random.default_rng(7)
    knots = np.array([0.0, 1.5, 3.0, 4.0, 6.0, 8.5, 9.0])
    values = rng.normal(size=(3, 7))
    xs = np.linspace(-1.0, 10.0, 57)
    for style, ref in [
        ("AKIMA_SPLINE", lambda v: interpolate.Akima1DInterpolator(knots, v, extrapolate=True)(xs)),
        ("NATURAL_SPLINE", lambda v: interpolate.CubicSpline(knots, v, bc_type="natural")(xs)),
        ("LINEAR", lambda v: interpolate.interp1d(knots, v, fill_value="extrapolate")(xs)),
        ("CONSTANT", lambda v: interpolate.interp1d(knots, v, kind="nearest",
                                                    fill_value=(v[0], v[-1]), bounds_error=False)(xs)),
    ]:
        out = _interpolate_axis(knots, values, xs, style)
        for r in range(3):
            np.testing.assert_allclose(out[r], ref(values[r]), rtol=1e-6, atol=1e-6, err_msg=style)


def test_piecewise_and_separable_kernels_match_numpy():
    rng = np.random.default_rng(8)
    coef = rng.normal(size=(4, 5, 4))
    seg = rng.integers(0, 5, size=30)
    off = rng.uniform(-1, 2, size=30)
    ref = np.stack([np.polynomial.polynomial.polyval(off, coef[r, seg].T, tensor=False) for r in range(4)])
    np.testing.assert_allclose(eval_piecewise_cubic(coef, seg, off), ref, rtol=1e-5, atol=1e-5)
    left, right = rng.normal(size=(13, 7)), rng.normal(size=(7, 21))
    np.testing.assert_allclose(eval_separable(left, right), left @ right, rtol=1e-5, atol=1e-5)
    image = rng.normal(size=(13, 21)).astype(np.float32)
    expected = image - eval_separable(left, right)
    before = image.astype(np.float64)
    subtract_separable(image, left, right)
    np.testing.assert_array_equal(image, expected)
    np.testing.assert_allclose(image, before - left @ right, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("useApprox", [True, False])
def test_subtract_from_equals_subtracting_the_evaluated_model(useApprox):
    rng = np.random.default_rng(9)
    y, x = np.mgrid[0:300, 0:400]
    image = (50.0 + 0.01 * x + rng.normal(0.0, 2.0, size=x.shape)).astype(np.float32)
    model = fit_background(image, None, binSize=64, useApprox=useApprox)
    expected = image - model.evaluate()
    model.subtract_from(image)
    np.testing.assert_array_equal(image, expected)
