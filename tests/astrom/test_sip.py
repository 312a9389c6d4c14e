"""TAN-SIP fit tests against a synthetic true WCS."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.wcs import WCS

from lsstlite.astrom.match import match_to_reference
from lsstlite.astrom.sip import SipFitError, fit_tan_sip, sky_separation_arcsec

from .synthetic import SCALE_ARCSEC, SHAPE, make_scene, perturbed_tan, true_wcs

PIX_NOISE = 0.05
REF_NOISE_MAS = 10.0


def _grid(n=25):
    gx, gy = np.meshgrid(np.linspace(0, SHAPE[1] - 1, n), np.linspace(0, SHAPE[0] - 1, n))
    return gx.ravel(), gy.ravel()


def _grid_error(wcs, truth):
    gx, gy = _grid()
    a = wcs.all_pix2world(gx, gy, 0)
    b = truth.all_pix2world(gx, gy, 0)
    return sky_separation_arcsec(a[0], a[1], b[0], b[1])


def test_noise_free_fit_is_exact():
    truth = true_wcs()
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, SHAPE[1] - 1, 200), rng.uniform(0, SHAPE[0] - 1, 200)
    ra, dec = truth.all_pix2world(x, y, 0)
    fit = fit_tan_sip(x, y, ra, dec, order=3, frame_shape=SHAPE)
    assert _grid_error(fit.wcs, truth).max() < 1e-6
    assert fit.wcs.ctype == ("RA---TAN-SIP", "DEC--TAN-SIP")
    # inverse polynomials: world -> pixel round trip
    gx, gy = _grid()
    px, py = fit.wcs.all_world2pix(*truth.all_pix2world(gx, gy, 0), 0)
    assert np.hypot(px - gx, py - gy).max() < 1e-3


@pytest.mark.parametrize(("seed", "shift", "rotation"), [(11, (1.2, 1.6), 0.5),
                                                           (12, (-1.6, 1.2), -0.5)])
def test_match_and_fit_recovers_truth(seed, shift, rotation):
    scene = make_scene(np.random.default_rng(seed), ref_noise_mas=REF_NOISE_MAS,
                       pix_noise=PIX_NOISE)
    init = perturbed_tan(scene.wcs, shift, rotation)
    m = match_to_reference(scene.x, scene.y, scene.ref_ra, scene.ref_dec, init,
                           source_flux=scene.flux, ref_flux=scene.ref_flux, frame_shape=SHAPE)
    fit = fit_tan_sip(scene.x[m.source_index], scene.y[m.source_index],
                      scene.ref_ra[m.ref_index], scene.ref_dec[m.ref_index], order=3,
                      frame_shape=SHAPE)
    assert fit.n_used >= 50
    # per-axis scatter of one match, arcsec
    sigma = np.hypot(REF_NOISE_MAS / 1000.0, PIX_NOISE * SCALE_ARCSEC)
    # separation of a 2-D Gaussian: rms = sqrt(2) sigma, median = 1.177 sigma
    assert fit.rms_arcsec == pytest.approx(np.sqrt(2) * sigma, rel=0.15)
    assert fit.median_arcsec == pytest.approx(1.177 * sigma, rel=0.2)
    err = _grid_error(fit.wcs, scene.wcs)
    n_terms = 10
    expected_rms = np.sqrt(2) * sigma * np.sqrt(n_terms / fit.n_used)
    assert np.sqrt(np.mean(err**2)) < 2.0 * expected_rms
    assert err.max() < 0.02


def test_header_round_trip():
    scene = make_scene(np.random.default_rng(21))
    m = match_to_reference(scene.x, scene.y, scene.ref_ra, scene.ref_dec, scene.wcs,
                           frame_shape=SHAPE)
    fit = fit_tan_sip(scene.x[m.source_index], scene.y[m.source_index],
                      scene.ref_ra[m.ref_index], scene.ref_dec[m.ref_index], order=4,
                      frame_shape=SHAPE)
    back = WCS(fit.wcs.to_header(relax=True))
    assert back.sip is not None
    assert back.sip.a_order == 4 and back.sip.ap_order == 5
    gx, gy = _grid()
    a = fit.wcs.all_pix2world(gx, gy, 0)
    b = back.all_pix2world(gx, gy, 0)
    assert sky_separation_arcsec(a[0], a[1], b[0], b[1]).max() < 1e-6
    np.testing.assert_allclose(back.all_world2pix(a[0], a[1], 0), np.array([gx, gy]), atol=1e-3)


def test_symmetric_clipping_rejects_outliers_on_both_sides():
    truth = true_wcs()
    rng = np.random.default_rng(2)
    n = 300
    x, y = rng.uniform(0, SHAPE[1] - 1, n), rng.uniform(0, SHAPE[0] - 1, n)
    ra, dec = truth.all_pix2world(x, y, 0)
    x = x + rng.normal(0, PIX_NOISE, n)
    y = y + rng.normal(0, PIX_NOISE, n)
    bad = np.arange(20)
    x[bad[:10]] += 8.0   # +1.6" outliers
    x[bad[10:]] -= 8.0   # -1.6" outliers
    fit = fit_tan_sip(x, y, ra, dec, order=3, frame_shape=SHAPE)
    assert not fit.used[bad].any()
    assert fit.used[20:].mean() > 0.97
    assert _grid_error(fit.wcs, truth).max() < 0.02


def test_order_one_gives_plain_tan_and_too_few_matches_raise():
    truth = true_wcs()
    x, y = np.array([10.0, 2000.0, 1000.0, 30.0]), np.array([10.0, 30.0, 1400.0, 1300.0])
    ra, dec = truth.all_pix2world(x, y, 0)
    fit = fit_tan_sip(x, y, ra, dec, order=1, num_iter=0)
    assert fit.wcs.ctype == ("RA---TAN", "DEC--TAN") and fit.wcs.a is None
    with pytest.raises(SipFitError, match="order 3"):
        fit_tan_sip(x, y, ra, dec, order=3)


@pytest.mark.parametrize("order", [1, 3])
def test_degenerate_matches_raise_sip_fit_error(order):
    # on a line: the polynomial is not constrained off it; one point repeated: nothing is
    truth = true_wcs()
    x = np.linspace(10.0, SHAPE[1] - 10.0, 40)
    for xs, ys in [(x, 0.5 * x + 3.0), (np.full(40, 100.0), np.full(40, 50.0))]:
        ra, dec = truth.all_pix2world(xs, ys, 0)
        with pytest.raises(SipFitError, match="degenerate"):
            fit_tan_sip(xs, ys, ra, dec, order=order, frame_shape=SHAPE)


def test_solve_astrometry_ten_arcsec_one_degree():
    from lsstlite.astrom import solve_astrometry

    scene = make_scene(np.random.default_rng(31), ref_noise_mas=REF_NOISE_MAS,
                       pix_noise=PIX_NOISE)
    init = perturbed_tan(scene.wcs, (8.0, -6.0), 1.0, 1.01)
    sol = solve_astrometry(scene.x, scene.y, scene.ref_ra, scene.ref_dec, init,
                           source_flux=scene.flux, ref_flux=scene.ref_flux, frame_shape=SHAPE)
    assert sol.n_iter == 3
    correct = scene.source_star[sol.match.source_index] == scene.ref_star[sol.match.ref_index]
    assert correct.sum() >= 200 and (~correct).sum() <= 1
    assert _grid_error(sol.wcs, scene.wcs).max() < 0.02


def test_predicted_position_error_matches_the_scatter_of_repeated_fits():
    """The fit's covariance predicts the error of the WCS anywhere on the frame: over
    independent noise draws, the rms error at the centre and at a corner equals the
    predicted one (sampling error of 40 two-axis draws ~8%; 30% allowed), and the corner is
    worse."""
    truth = true_wcs()
    rng = np.random.default_rng(5)
    n = 80
    x, y = rng.uniform(0, SHAPE[1] - 1, n), rng.uniform(0, SHAPE[0] - 1, n)
    ra, dec = truth.all_pix2world(x, y, 0)
    sigma_px = np.where(rng.random(n) < 0.5, 0.05, 0.2)
    points = (np.array([SHAPE[1] / 2, 0.0]), np.array([SHAPE[0] / 2, 0.0]))
    errors, predicted = [], []
    for _ in range(40):
        fit = fit_tan_sip(x + rng.normal(0, 1, n) * sigma_px, y + rng.normal(0, 1, n) * sigma_px,
                          ra, dec, order=3, frame_shape=SHAPE, weights=1 / sigma_px**2,
                          num_iter=1, rej_sigma=10.0)
        a = fit.wcs.all_pix2world(*points, 0)
        b = truth.all_pix2world(*points, 0)
        errors.append(sky_separation_arcsec(a[0], a[1], b[0], b[1]))
        predicted.append(fit.position_error_arcsec(*points))
    rms = np.sqrt(np.mean(np.square(errors), axis=0))
    expected = np.sqrt(np.mean(np.square(predicted), axis=0))
    np.testing.assert_allclose(rms, expected, rtol=0.3)
    assert expected[1] > 2 * expected[0]


def _known_distortion(wcs):
    """SIP A, B of an astropy TAN-SIP WCS and its 0-based reference pixel."""
    return (wcs.sip.a, wcs.sip.b), (wcs.wcs.crpix[0] - 1.0, wcs.wcs.crpix[1] - 1.0)


def test_affine_fit_on_a_known_distortion_is_exact_without_noise():
    truth = true_wcs()
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, SHAPE[1] - 1, 50), rng.uniform(0, SHAPE[0] - 1, 50)
    # the matches come from a shifted and rotated sky: only CRVAL and CD differ from truth
    target = true_wcs()
    target.wcs.crval = perturbed_tan(truth, (3.0, -2.0), 0.7).wcs.crval
    target.wcs.cd = perturbed_tan(truth, (3.0, -2.0), 0.7).wcs.cd
    ra, dec = target.all_pix2world(x, y, 0)
    sip, crpix = _known_distortion(truth)
    fit = fit_tan_sip(x, y, ra, dec, order=1, distortion=sip, crpix=crpix, frame_shape=SHAPE)
    assert _grid_error(fit.wcs, target).max() < 1e-6
    assert fit.n_terms == 3 and fit.distortion is not None
    np.testing.assert_array_equal(fit.wcs.a, truth.sip.a)
    assert fit.wcs.ap.shape == (5, 5)  # refitted at the distortion's order + 1
    np.testing.assert_allclose(fit.wcs.crpix, truth.wcs.crpix)
    gx, gy = _grid()
    px, py = fit.wcs.all_world2pix(*target.all_pix2world(gx, gy, 0), 0)
    assert np.hypot(px - gx, py - gy).max() < 1e-3


def test_affine_fit_on_a_known_distortion_is_sharper_at_the_corners():
    """Over independent noise draws of 80 matches, the affine fit on the known distortion
    (3 terms per axis) has the error its covariance predicts at the centre and at a corner
    (30% allowed for 40 draws), and at the corner less than half the error of a cubic fit
    (10 terms per axis) to the same matches."""
    truth = true_wcs()
    rng = np.random.default_rng(8)
    n = 80
    x, y = rng.uniform(0, SHAPE[1] - 1, n), rng.uniform(0, SHAPE[0] - 1, n)
    ra, dec = truth.all_pix2world(x, y, 0)
    sip, crpix = _known_distortion(truth)
    points = (np.array([SHAPE[1] / 2, 0.0]), np.array([SHAPE[0] / 2, 0.0]))
    b = truth.all_pix2world(*points, 0)
    errors, predicted, cubic = [], [], []
    for _ in range(40):
        xn, yn = x + rng.normal(0, PIX_NOISE, n), y + rng.normal(0, PIX_NOISE, n)
        fit = fit_tan_sip(xn, yn, ra, dec, order=1, distortion=sip, crpix=crpix,
                          frame_shape=SHAPE, num_iter=1, rej_sigma=10.0)
        a = fit.wcs.all_pix2world(*points, 0)
        errors.append(sky_separation_arcsec(a[0], a[1], b[0], b[1]))
        predicted.append(fit.position_error_arcsec(*points))
        free = fit_tan_sip(xn, yn, ra, dec, order=3, frame_shape=SHAPE, num_iter=1, rej_sigma=10.0)
        c = free.wcs.all_pix2world(*points, 0)
        cubic.append(sky_separation_arcsec(c[0], c[1], b[0], b[1]))
    rms = np.sqrt(np.mean(np.square(errors), axis=0))
    expected = np.sqrt(np.mean(np.square(predicted), axis=0))
    np.testing.assert_allclose(rms, expected, rtol=0.3)
    assert np.sqrt(np.mean(np.square(cubic), axis=0))[1] > 2 * rms[1]


def _exact_matches(seed, n):
    """``n`` noise-free matches of the true WCS, with its distortion and 0-based CRPIX."""
    truth = true_wcs()
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, SHAPE[1] - 1, n), rng.uniform(0, SHAPE[0] - 1, n)
    return (x, y, *truth.all_pix2world(x, y, 0)), *_known_distortion(truth)


def test_known_distortion_with_constant_and_linear_terms_is_fitted_exactly():
    """SIP A/B may hold p + q < 2 terms (a header may carry them): the fit applies them as the
    WCS does."""
    from lsstlite.image.wcs import TanSipWcs

    truth = true_wcs()
    a, b = truth.sip.a.copy(), truth.sip.b.copy()
    a[1, 0], b[0, 0], b[0, 1] = 2e-3, 0.7, -1e-3
    target = TanSipWcs(truth.wcs.crval, truth.wcs.crpix, truth.wcs.cd, a=a, b=b)
    (x, y, _, _), _, crpix = _exact_matches(7, 50)
    ra, dec = target.all_pix2world(x, y, 0)
    fit = fit_tan_sip(x, y, ra, dec, order=1, distortion=(a, b), crpix=crpix, frame_shape=SHAPE)
    assert _grid_error(fit.wcs, target).max() < 1e-6
    assert fit.rms_arcsec < 1e-6


def test_known_distortion_keeps_a_given_inverse():
    (x, y, ra, dec), sip, crpix = _exact_matches(6, 40)
    refitted = fit_tan_sip(x, y, ra, dec, order=1, distortion=sip, crpix=crpix, frame_shape=SHAPE)
    # a quadratic inverse, unlike the order-4 one fitted by default, comes through as given
    low = fit_tan_sip(x, y, ra, dec, order=1, distortion=sip, crpix=crpix, frame_shape=SHAPE, inverse_order=2)
    kept = fit_tan_sip(x, y, ra, dec, order=1, distortion=sip, crpix=crpix, frame_shape=SHAPE,
                       distortion_inverse=(low.wcs.ap, low.wcs.bp))
    assert refitted.wcs.ap.shape == (5, 5) and kept.wcs.ap.shape == (3, 3)
    np.testing.assert_array_equal(kept.wcs.bp, low.wcs.bp)
    np.testing.assert_array_equal(kept.wcs.cd, refitted.wcs.cd)
    with pytest.raises(ValueError, match="not given"):
        fit_tan_sip(x, y, ra, dec, order=1, distortion_inverse=(refitted.wcs.ap, refitted.wcs.bp))
    with pytest.raises(ValueError, match="distortion_inverse AP"):
        fit_tan_sip(x, y, ra, dec, order=1, distortion=sip, crpix=crpix, distortion_inverse=(np.ones(3), None))


def test_known_distortion_needs_order_one_and_its_crpix():
    (x, y, ra, dec), sip, crpix = _exact_matches(4, 30)
    with pytest.raises(ValueError, match="order 1"):
        fit_tan_sip(x, y, ra, dec, order=3, distortion=sip, crpix=crpix)
    with pytest.raises(ValueError, match="crpix"):
        fit_tan_sip(x, y, ra, dec, order=1, distortion=sip)
    with pytest.raises(ValueError, match="distortion B"):
        fit_tan_sip(x, y, ra, dec, order=1, distortion=(sip[0], np.zeros((2, 2))), crpix=crpix)
