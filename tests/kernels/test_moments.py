"""Adaptive moments and Gaussian flux: numpy reference, Gaussian truth, Monte-Carlo error pulls, flags."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.kernels.moments import (
    _MAX_COLUMNS, SHAPE_FAILURE, SHAPE_MAXITER, SHAPE_SHIFT, SHAPE_UNWEIGHTED,
    SHAPE_UNWEIGHTED_BAD, GAUSSIAN_FLUX_FAILURE, _box, _grid_sums, _weighted_sums,
    adaptive_moments, adaptive_moments_stamp, gaussian_flux,
)


def gaussian_image(shape, sources):
    """Point-sampled elliptical Gaussians: sources = [(x, y, xx, yy, xy, flux), ...]."""
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(float)
    img = np.zeros(shape)
    for x0, y0, cxx, cyy, cxy, flux in sources:
        det = cxx * cyy - cxy * cxy
        dx, dy = xx - x0, yy - y0
        q = (cyy * dx * dx - 2 * cxy * dx * dy + cxx * dy * dy) / det
        img += flux / (2 * np.pi * np.sqrt(det)) * np.exp(-0.5 * q)
    return img


def weighted_samples(image, xc, yc, w, box, sub):
    """Samples of a box, each pixel at sub x sub points (value I/sub^2), and their weights.

    Returns (dx, dy, value, weight) on the sample grid; weight = exp(-t), t = 1/2 d^T w d,
    zero where t > 14.
    """
    ix0, ix1, iy0, iy1 = box
    offs = (np.arange(sub) - (sub - 1) / 2) / sub
    xs = (np.arange(ix0, ix1 + 1)[:, None] + offs).ravel()
    ys = (np.arange(iy0, iy1 + 1)[:, None] + offs).ravel()
    dy, dx = np.meshgrid(ys - yc, xs - xc, indexing="ij")
    value = np.repeat(np.repeat(image[iy0: iy1 + 1, ix0: ix1 + 1].astype(float), sub, 0), sub, 1)
    t = 0.5 * (w[0, 0] * dx * dx + 2 * w[0, 1] * dx * dy + w[1, 1] * dy * dy)
    return dx, dy, value / sub ** 2, np.where(t <= 14, np.exp(-np.minimum(t, 14.5)), 0.0)


def reference_moments(image, x0, y0, max_iter=100, tol1=1e-5, tol2=1e-4, max_shift=2.0):
    """Plain-numpy SdssShape iteration (per-sample exp, explicit exponent cut).

    Once the weight is very small (a variance below 0.25 or determinant below 0.0625) each
    pixel is sampled at 4x4 points from then on.
    """
    ny, nx = image.shape
    s = np.array([[1.5, 0.0], [0.0, 1.5]])
    xc, yc = x0, y0
    old = None
    sub = 1
    for _ in range(max_iter):
        if min(s[0, 0], s[1, 1]) < 0.25 or np.linalg.det(s) < 0.0625:
            sub = 4
        rad = 4 * np.sqrt(max(s[0, 0], s[1, 1]))
        ix0, ix1 = max(0, int(np.floor(xc - rad))), min(nx - 1, int(np.ceil(xc + rad)))
        iy0, iy1 = max(0, int(np.floor(yc - rad))), min(ny - 1, int(np.ceil(yc + rad)))
        w = np.linalg.inv(s)
        dx, dy, value, weight = weighted_samples(image, xc, yc, w, (ix0, ix1, iy0, iy1), sub)
        wgt = weight * value
        tot = wgt.sum()
        mx, my = (wgt * dx).sum() / tot, (wgt * dy).sum() / tot
        m = np.array([[(wgt * dx * dx).sum(), (wgt * dx * dy).sum()],
                      [(wgt * dx * dy).sum(), (wgt * dy * dy).sum()]]) / tot
        m -= np.array([[mx * mx, mx * my], [mx * my, my * my]])
        s_new = np.linalg.inv(np.linalg.inv(m) - w)
        step = s_new @ np.linalg.inv(m) @ np.array([mx, my])
        xn, yn = xc + step[0], yc + step[1]
        if abs(xn - x0) > max_shift or abs(yn - y0) > max_shift:
            xn, yn = x0, y0
        e = ((m[0, 0] - m[1, 1]) / np.trace(m), 2 * m[0, 1] / np.trace(m), m[0, 0])
        if old is not None and abs(e[0] - old[0]) < tol1 and abs(e[1] - old[1]) < tol1 \
                and abs(e[2] / old[2] - 1) < tol2:
            return s[0, 0], s[1, 1], s[0, 1], xn, yn, 2 * tot
        old = e
        s = s_new
        xc, yc = xn, yn
    raise AssertionError("reference did not converge")


def assert_matches_reference(image, truth):
    """adaptive_moments of every source equals the numpy reference iteration to rounding."""
    res = adaptive_moments(image, np.ones(image.shape, np.float32), np.round(truth[:, 0]),
                           np.round(truth[:, 1]))
    assert np.all(res.flags == 0)
    for i, (x0, y0) in enumerate(np.round(truth[:, :2])):
        ref = reference_moments(image.astype(float), x0, y0)
        got = (res.xx[i], res.yy[i], res.xy[i], res.x[i], res.y[i], res.instFlux[i])
        np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9)


@pytest.fixture(scope="module")
def star_field():
    rng = np.random.default_rng(5)
    sources = []
    for i in range(4):
        for j in range(5):
            sources.append((20 + 40 * j + rng.uniform(-0.5, 0.5), 20 + 40 * i + rng.uniform(-0.5, 0.5),
                            rng.uniform(2.0, 6.0), rng.uniform(2.0, 6.0), rng.uniform(-1.0, 1.0),
                            rng.uniform(500, 5000)))
    img = gaussian_image((160, 200), sources)
    return img, sources


def test_noiseless_gaussians_give_covariance_and_flux(star_field):
    img, sources = star_field
    truth = np.array(sources)
    res = adaptive_moments(img.astype(np.float32), np.ones(img.shape, np.float32),
                           np.round(truth[:, 0]), np.round(truth[:, 1]))
    assert np.all(res.flags == 0)
    np.testing.assert_allclose(res.xx, truth[:, 2], rtol=1e-3)
    np.testing.assert_allclose(res.yy, truth[:, 3], rtol=1e-3)
    np.testing.assert_allclose(res.xy, truth[:, 4], atol=6e-3)
    np.testing.assert_allclose(res.instFlux, truth[:, 5], rtol=1e-4)
    np.testing.assert_allclose(res.x, truth[:, 0], atol=2e-3)
    np.testing.assert_allclose(res.y, truth[:, 1], atol=2e-3)
    gf = gaussian_flux(img.astype(np.float32), np.ones(img.shape, np.float32),
                       truth[:, 0], truth[:, 1], truth[:, 2], truth[:, 3], truth[:, 4])
    assert np.all(gf.flags == 0)
    np.testing.assert_allclose(gf.instFlux, truth[:, 5], rtol=1e-5)


def test_matches_numpy_reference_on_noisy_image(star_field):
    img, sources = star_field
    rng = np.random.default_rng(11)
    noisy = (img + rng.normal(0, 0.3, img.shape)).astype(np.float32)
    assert_matches_reference(noisy, np.array(sources))


def test_tiny_sources_sampled_on_subpixels_match_reference():
    """Sources narrower than a pixel drive the weight below 0.25 px^2: 4x4 sub-pixel samples."""
    rng = np.random.default_rng(7)
    sources = [(15 + 30 * j + rng.uniform(-0.5, 0.5), 15 + 30 * i + rng.uniform(-0.5, 0.5),
                rng.uniform(0.15, 0.4), rng.uniform(0.15, 0.4), rng.uniform(-0.05, 0.05),
                rng.uniform(500, 2000)) for i in range(3) for j in range(4)]
    img = gaussian_image((90, 120), sources)
    noisy = (img + rng.normal(0, 0.3, img.shape)).astype(np.float32)
    truth = np.array(sources)
    res = adaptive_moments(noisy, np.ones_like(noisy), np.round(truth[:, 0]),
                           np.round(truth[:, 1]))
    assert np.sum(np.minimum(res.xx, res.yy) < 0.25) >= 3  # the sub-pixel path is exercised
    assert_matches_reference(noisy, truth)


def test_elongated_sources_match_reference():
    """Axis ratio ~100: the column recurrences would underflow in the box corners, so the
    iteration falls back to per-row recurrences started by exp; same moments as the reference."""
    sources = [(40.3, 40.6, 50.0, 50.0, 49.5, 5000.0), (120.2, 40.1, 40.0, 40.0, -39.0, 5000.0)]
    rng = np.random.default_rng(3)
    img = gaussian_image((90, 170), sources)
    noisy = (img + rng.normal(0, 0.3, img.shape)).astype(np.float32)
    truth = np.array(sources)
    assert_matches_reference(noisy, truth)
    s11, s22, s12 = sources[0][2:5]
    det = s11 * s22 - s12 * s12
    box = _box(40.3, 40.6, s11, s22, 170, 90)
    ok = _grid_sums(noisy, 40.3, 40.6, s22 / det, -s12 / det, s11 / det, *box, False, True,
                    np.empty((3, _MAX_COLUMNS)), np.empty(_MAX_COLUMNS, np.float32))[0]
    assert not ok


@pytest.mark.parametrize("subsample", [False, True])
def test_weight_sums_match_numpy(subsample):
    """Both weight evaluations (column and row recurrences) against per-sample exp."""
    rng = np.random.default_rng(21 + subsample)
    image = rng.normal(5.0, 2.0, (300, 320)).astype(np.float32)
    work = np.empty((3, _MAX_COLUMNS))
    vals = np.empty(_MAX_COLUMNS, np.float32)
    shapes = [(1.5, 1.5, 0.0), (3.3, 2.9, 0.4), (10.0, 6.0, -2.0), (0.2, 0.15, 0.05),
              (0.1, 2.0, 0.3), (120.0, 80.0, 30.0), (850.0, 700.0, -200.0), (30.0, 4.0, 9.0)]
    for s11, s22, s12 in shapes:
        xc, yc = rng.uniform(150, 170), rng.uniform(140, 160)
        det = s11 * s22 - s12 * s12
        w = np.linalg.inv([[s11, s12], [s12, s22]])
        box = _box(xc, yc, s11, s22, image.shape[1], image.shape[0])
        dx, dy, value, weight = weighted_samples(image, xc, yc, w, box, 4 if subsample else 1)
        wv = weight * value
        ref = np.array([wv.sum(), (wv * dx).sum(), (wv * dy).sum(), (wv * dx * dx).sum(),
                        (wv * dx * dy).sum(), (wv * dy * dy).sum()])
        extent = max(box[1] - box[0], box[3] - box[2])
        scale = (weight * np.abs(value)).sum() * np.array([1, extent, extent] + [extent ** 2] * 3)
        args = (image, xc, yc, s22 / det, -s12 / det, s11 / det, *box)
        ok, *grid = _grid_sums(*args, subsample, True, work, vals)
        assert ok
        rows = _weighted_sums(*args, subsample)
        for got in (grid, rows):
            assert np.all(np.abs(np.array(got) - ref) <= 1e-11 * scale), (s11, s22, s12)
        # without the moments only the sum: the same sum to rounding, the moments left zero
        ok, *flux_only = _grid_sums(*args, subsample, False, work, vals)
        assert ok and flux_only[1:] == [0.0] * 5
        assert abs(flux_only[0] - ref[0]) <= 1e-11 * scale[0], (s11, s22, s12)


# Gaussian-flux weights: round, elliptical, tilted, large (σ² ~ 1000-2500 px², as the flagged
# slot shapes of big sources), sub-sampled (tiny) and so elongated that the column recurrences
# are refused (per-row recurrences)
FLUX_SHAPES = [(3.0, 3.0, 0.0), (3.0, 4.0, 0.5), (9.0, 2.5, 0.0), (6.0, 3.0, 2.2),
               (40.0, 25.0, -12.0), (1200.0, 900.0, 300.0), (2500.0, 1800.0, -600.0),
               (0.2, 0.3, 0.02), (50.0, 50.0, 49.5)]


def test_gaussian_flux_matches_numpy_reference(star_field):
    img, sources = star_field
    truth = np.array(sources)
    rng = np.random.default_rng(3)
    noisy = (img + rng.normal(0, 0.3, img.shape)).astype(np.float32)
    var = np.full(img.shape, 0.09, np.float32)
    ny, nx = img.shape
    shapes = np.array([FLUX_SHAPES[i % len(FLUX_SHAPES)] for i in range(len(truth))])
    gf = gaussian_flux(noisy, var, truth[:, 0], truth[:, 1], *shapes.T)
    assert np.all(gf.flags == 0)
    work = np.empty((3, 4 * nx))
    vals = np.empty(4 * nx, np.float32)
    grid_used = []
    for i, ((x0, y0), (s11, s22, s12)) in enumerate(zip(truth[:, :2], shapes)):
        rad = 4 * np.sqrt(max(s11, s22))
        box = (max(0, int(np.floor(x0 - rad))), min(nx - 1, int(np.ceil(x0 + rad))),
               max(0, int(np.floor(y0 - rad))), min(ny - 1, int(np.ceil(y0 + rad))))
        det = s11 * s22 - s12 * s12
        small = min(s11, s22) < 0.25 or det < 0.0625
        w = np.linalg.inv([[s11, s12], [s12, s22]])
        _, _, value, weight = weighted_samples(noisy, x0, y0, w, box, 4 if small else 1)
        ref = 2 * np.sum(weight * value)
        scale = 2 * np.sum(weight * np.abs(value))
        assert abs(gf.instFlux[i] - ref) <= 1e-11 * scale, (s11, s22, s12)
        np.testing.assert_allclose(gf.instFluxErr[i], 2 * np.sqrt(0.09 * np.pi * np.sqrt(det)),
                                   rtol=1e-6)
        grid_used.append(_grid_sums(noisy, x0, y0, s22 / det, -s12 / det, s11 / det, *box,
                                    small, False, work, vals)[0])
    # both weight evaluations are exercised: column recurrences and the per-row fallback
    assert any(grid_used) and not all(grid_used)


def test_error_pulls_monte_carlo():
    """Fisher errors are calibrated in the background-limited regime (pull std 0.9-1.1)."""
    rng = np.random.default_rng(2024)
    sig, flux, sky_sigma, spacing, nside = 2.0, 2000.0, 2.0, 40, 12
    truth = [(spacing * j + 20 + rng.uniform(-0.5, 0.5), spacing * i + 20 + rng.uniform(-0.5, 0.5),
              sig ** 2, sig ** 2, 0.0, flux) for i in range(nside) for j in range(nside)]
    clean = gaussian_image((nside * spacing, nside * spacing), truth)
    truth = np.array(truth)
    var = np.full(clean.shape, sky_sigma ** 2, np.float32)
    pulls = []
    for _ in range(8):
        img = (clean + rng.normal(0, sky_sigma, clean.shape)).astype(np.float32)
        r = adaptive_moments(img, var, np.round(truth[:, 0]), np.round(truth[:, 1]))
        g = gaussian_flux(img, var, truth[:, 0], truth[:, 1], sig ** 2, sig ** 2, 0.0)
        assert np.all(r.flags == 0)
        pulls.append(np.c_[(r.instFlux - flux) / r.instFluxErr, (r.xx - sig ** 2) / r.xxErr,
                           (r.yy - sig ** 2) / r.yyErr, r.xy / r.xyErr,
                           (r.x - truth[:, 0]) / r.xErr, (r.y - truth[:, 1]) / r.yErr,
                           (g.instFlux - flux) / g.instFluxErr])
    pulls = np.concatenate(pulls)  # 1152 per column: std of the std ~ 0.02
    std = pulls.std(axis=0)
    assert np.all((std > 0.9) & (std < 1.1)), std
    assert np.all(np.abs(pulls.mean(axis=0)) < 0.15), pulls.mean(axis=0)


def test_stamp_variant_measures_psf_shape():
    stamp = gaussian_image((25, 25), [(12.0, 12.0, 2.25, 1.8, 0.3, 1.0)])
    m = adaptive_moments_stamp(stamp)
    assert m.flags == 0
    assert (m.xx, m.yy, m.xy) == pytest.approx((2.25, 1.8, 0.3), rel=1e-3)
    assert m.instFlux == pytest.approx(1.0, rel=1e-4)


def test_flags():
    img = gaussian_image((60, 60), [(30.0, 30.0, 4.0, 4.0, 0.0, 1000.0)]).astype(np.float32)
    var = np.ones_like(img)
    # negative source: weighted and unweighted moments both fail
    r = adaptive_moments(-img, var, 30.0, 30.0)
    assert r.flags[0] == SHAPE_FAILURE | SHAPE_UNWEIGHTED | SHAPE_UNWEIGHTED_BAD
    assert (r.xx[0], r.yy[0], r.xy[0]) == (1 / 12, 1 / 12, 0.0)
    # a hole in a flat image: weighted moments exceed the weight, unweighted moments are fine
    hole = 1.0 - img / img.max()
    r = adaptive_moments(hole, var, 30.0, 30.0)
    assert r.flags[0] == SHAPE_FAILURE | SHAPE_UNWEIGHTED
    assert r.xx[0] > 0 and np.isnan(r.instFlux[0])
    # iteration limit
    r = adaptive_moments(img, var, 30.0, 30.0, max_iter=2)
    assert r.flags[0] == SHAPE_FAILURE | SHAPE_MAXITER | SHAPE_UNWEIGHTED
    # started 3 px off a star: the centroid moves more than max_shift=2
    r = adaptive_moments(img, var, 33.0, 30.0)
    assert r.flags[0] & SHAPE_SHIFT and r.flags[0] & SHAPE_FAILURE
    # within max_shift the start does not matter
    r = adaptive_moments(img, var, 31.0, 29.0)
    assert r.flags[0] == 0 and r.xx[0] == pytest.approx(4.0, rel=1e-3)
    # Gaussian flux with an invalid shape or centre off the image
    g = gaussian_flux(img, var, [30.0, -5.0], [30.0, 30.0], [-1.0, 4.0], [4.0, 4.0], [0.0, 0.0])
    assert list(g.flags) == [GAUSSIAN_FLUX_FAILURE, GAUSSIAN_FLUX_FAILURE]


def test_input_validation():
    img = np.zeros((10, 10), np.float32)
    with pytest.raises(ValueError, match="variance"):
        adaptive_moments(img, np.zeros((5, 5), np.float32), 1.0, 1.0)
    with pytest.raises(ValueError, match="x, y"):
        adaptive_moments(img, img, [1.0, 2.0], [1.0])
    big_endian = img.astype(">f4")
    r = adaptive_moments(big_endian + 1, big_endian + 1, 5.0, 5.0)
    assert r.xx.shape == (1,)


def test_divergent_weight_stops_as_unweighted_failure():
    # a plateau with a slight slope: the weight grows without end
    yy, xx = np.mgrid[:600, :600].astype(float)
    image = (10.0 + 0.001 * (xx - 300) + 0.0005 * (yy - 300)).astype(np.float32)
    res = adaptive_moments(image, np.ones_like(image), [300.0], [300.0])
    assert res.flags[0] == SHAPE_FAILURE | SHAPE_UNWEIGHTED
    # unweighted central moments of the capped +-120 px box around the input centroid
    box = image[180:421, 180:421].astype(float)
    yy, xx = np.mgrid[-120:121, -120:121].astype(float)
    tot = box.sum()
    mx, my = (box * xx).sum() / tot, (box * yy).sum() / tot
    ref = ((box * xx * xx).sum() / tot - mx * mx, (box * yy * yy).sum() / tot - my * my,
           (box * xx * yy).sum() / tot - mx * my)
    np.testing.assert_allclose((res.xx[0], res.yy[0]), ref[:2], rtol=1e-9)
    assert res.xy[0] == pytest.approx(ref[2], abs=1e-9 * ref[0])
