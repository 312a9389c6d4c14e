"""Circular apertures: exact overlap vs sep, sinc vs truth and numpy reference, error pulls, flags."""

from __future__ import annotations

import numpy as np
import pytest
import sep

from lsstlite.kernels.aperture import (
    APERTURE_FAILURE, APERTURE_TRUNCATED, DEFAULT_RADII, SINC_COEFFS_TRUNCATED,
    circular_aperture_flux, sinc_coefficients,
)


def gaussian_star(shape, x0, y0, sigma, flux):
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(float)
    return flux / (2 * np.pi * sigma ** 2) * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2 * sigma ** 2))


def test_exact_apertures_match_sep_exact_overlap():
    rng = np.random.default_rng(0)
    img = (rng.normal(0, 1, (300, 400)) + 5).astype(np.float32)
    x, y = rng.uniform(80, 320, 40), rng.uniform(80, 220, 40)
    res = circular_aperture_flux(img, np.ones_like(img), x, y, DEFAULT_RADII, max_sinc_radius=0)
    assert np.all(res.flags == 0)
    for k, r in enumerate(DEFAULT_RADII):
        ref, _, _ = sep.sum_circle(img.astype(np.float64), x, y, r, subpix=0)
        np.testing.assert_allclose(res.instFlux[:, k], ref, rtol=1e-10)


def test_exact_apertures_match_sep_at_edges_and_odd_radii():
    """Truncated circles (off-image pixels count as zero, as in sep) and non-default radii."""
    rng = np.random.default_rng(1)
    img = (rng.normal(0, 1, (300, 400)) + 5).astype(np.float32)
    x = np.r_[rng.uniform(1, 399, 200), 200.0, 200.5, 0.0, 399.0]
    y = np.r_[rng.uniform(1, 299, 200), 150.0, 150.5, 0.0, 299.0]
    radii = [1.0, 2.5, 12.0, 25.3, 70.0, 150.0]
    res = circular_aperture_flux(img, np.ones_like(img), x, y, radii, max_sinc_radius=0)
    for k, r in enumerate(radii):
        ref, _, _ = sep.sum_circle(img.astype(np.float64), x, y, r, subpix=0)
        np.testing.assert_allclose(res.instFlux[:, k], ref, rtol=1e-10)
        off = (x - r < -0.5) | (y - r < -0.5) | (x + r > 399.5) | (y + r > 299.5)
        np.testing.assert_array_equal((res.flags[:, k] & APERTURE_TRUNCATED) != 0, off)


def test_exact_apertures_in_any_order_with_repeats_match_sep():
    """Radii are summed together, largest circle last; the output columns follow the input."""
    rng = np.random.default_rng(3)
    img = (rng.normal(0, 1, (200, 220)) + 5).astype(np.float32)
    x, y = rng.uniform(-5, 225, 60), rng.uniform(-5, 205, 60)
    radii = [25.0, 12.0, 70.0, 12.0, 0.4, 17.5]
    res = circular_aperture_flux(img, np.ones_like(img), x, y, radii, max_sinc_radius=0)
    for k, r in enumerate(radii):
        ref, _, _ = sep.sum_circle(img.astype(np.float64), x, y, r, subpix=0)
        np.testing.assert_allclose(res.instFlux[:, k], ref, rtol=1e-10)


def test_exact_aperture_area_and_error_match_numpy_reference():
    """Unit image: flux = area π r² (sub-pixel circles too); error² = Σ w² V with w from a
    numpy reference of the overlap (fine sub-sampling of every pixel)."""
    img = np.ones((40, 40), np.float32)
    var = np.random.default_rng(2).uniform(0.5, 2, (40, 40)).astype(np.float32)
    for x, y, r in [(20.0, 20.0, 0.3), (20.2, 19.7, 0.7), (19.6, 20.3, 3.3), (20.5, 20.5, 11.0)]:
        res = circular_aperture_flux(img, var, x, y, [r], max_sinc_radius=0)
        assert res.instFlux[0, 0] == pytest.approx(np.pi * r * r, rel=1e-12)
        n = 64
        sub = (np.arange(n) + 0.5) / n - 0.5
        yy, xx = np.mgrid[:40, :40]
        dx = xx[..., None, None] + sub[None, None, None, :] - x
        dy = yy[..., None, None] + sub[None, None, :, None] - y
        w = ((dx ** 2 + dy ** 2) <= r * r).mean(axis=(2, 3))
        ref_err = np.sqrt(np.sum(w ** 2 * var))
        # sampling error of w: ≲ 1/n per boundary pixel, ~8r of them
        assert res.instFluxErr[0, 0] == pytest.approx(ref_err, abs=3 * np.sqrt(8 * r) / n)


def test_sinc_coefficients_sum_to_area_and_grid_size():
    for r, size in [(3.0, 15), (4.5, 31), (6.0, 31), (9.0, 63), (10.0, 63)]:
        c = sinc_coefficients(r)
        assert c.shape == (size, size)
        assert c.sum() == pytest.approx(np.pi * r * r, rel=1e-12)
        np.testing.assert_allclose(c, c.T, atol=1e-12)


def test_noiseless_gaussian_fluxes_equal_enclosed_truth():
    sigma, flux = 2.0, 1000.0
    radii = np.array(DEFAULT_RADII)
    for x0, y0 in [(200.0, 150.0), (200.3, 150.7), (199.55, 151.25)]:
        img = gaussian_star((300, 400), x0, y0, sigma, flux).astype(np.float64)
        res = circular_aperture_flux(img.astype(np.float32), np.ones((300, 400), np.float32),
                                     x0, y0, radii)
        truth = flux * (1 - np.exp(-radii ** 2 / (2 * sigma ** 2)))
        assert np.all(res.flags == 0)
        # sinc apertures of a point-sampled, nearly band-limited Gaussian: the W-grid of the
        # coefficients (15 px at r=3) aliases at 1e-3; exact overlap is exact for large radii
        np.testing.assert_allclose(res.instFlux[0, radii <= 10], truth[radii <= 10], rtol=2e-3)
        np.testing.assert_allclose(res.instFlux[0, radii > 10], truth[radii > 10], rtol=1e-6)


def _lanczos5(frac):
    m = np.arange(-5, 6)
    w = np.where(np.abs(frac - m) < 5, np.sinc(frac - m) * np.sinc((frac - m) / 5), 0.0)
    return m, w / w.sum()


def _sinc_reference(img, var, x, y, r):
    """Reference: shift the coefficient image (Lanczos-5, numpy) and dot with the zero-padded
    image; error from the unshifted squared coefficients (off-image variance counts as zero)."""
    ix, iy = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
    mx, wx = _lanczos5(x - ix)
    my, wy = _lanczos5(y - iy)
    c = sinc_coefficients(r)
    h = (c.shape[0] - 1) // 2
    shifted = np.zeros((c.shape[0] + 10, c.shape[0] + 10))
    for a, wa in zip(my, wy):
        for b, wb in zip(mx, wx):
            shifted[5 + a: 5 + a + c.shape[0], 5 + b: 5 + b + c.shape[0]] += wa * wb * c
    pad = h + 5
    pimg = np.pad(img.astype(float), pad)
    pvar = np.pad(var.astype(float), pad)
    flux = np.sum(shifted * pimg[iy: iy + 2 * pad + 1, ix: ix + 2 * pad + 1])
    err = np.sqrt(np.sum(c ** 2 * pvar[iy + 5: iy + 2 * h + 6, ix + 5: ix + 2 * h + 6]))
    return flux, err


def test_sinc_matches_numpy_reference_with_shifted_coefficients():
    rng = np.random.default_rng(4)
    img = rng.normal(0, 1, (120, 120)).astype(np.float32)
    var = rng.uniform(0.5, 2, (120, 120)).astype(np.float32)
    x, y = np.array([60.0, 59.3, 61.45]), np.array([60.0, 60.8, 58.6])
    res = circular_aperture_flux(img, var, x, y, [3.0, 6.0])
    for i in range(3):
        for k, r in enumerate([3.0, 6.0]):
            flux, err = _sinc_reference(img, var, x[i], y[i], r)
            assert res.instFlux[i, k] == pytest.approx(flux, rel=1e-9)
            assert res.instFluxErr[i, k] == pytest.approx(err, rel=1e-9)


def test_sinc_near_the_border_matches_zero_padded_reference():
    """Sources whose taps leave the image (off-image pixels count as zero, flagged), and sources
    whose taps are inside but whose patch padding is not (unflagged), vs the numpy reference."""
    rng = np.random.default_rng(5)
    ny, nx = 110, 120
    img = rng.normal(0, 1, (ny, nx)).astype(np.float32)
    var = rng.uniform(0.5, 2, (ny, nx)).astype(np.float32)
    radii = [3.0, 9.0]  # coefficient half-widths 7 and 31, taps reach 12 and 36
    x = np.array([2.3, 60.2, 117.6, 14.0, nx - 37.0, nx - 37.4, 60.0])
    y = np.array([55.1, 1.7, 108.4, 60.3, 55.0, 54.6, ny - 37.0])
    res = circular_aperture_flux(img, var, x, y, radii)
    for i in range(len(x)):
        ix, iy = int(np.floor(x[i] + 0.5)), int(np.floor(y[i] + 0.5))
        for k, (r, reach) in enumerate(zip(radii, (12, 36))):
            flux, err = _sinc_reference(img, var, x[i], y[i], r)
            assert res.instFlux[i, k] == pytest.approx(flux, rel=1e-9, abs=1e-9)
            assert res.instFluxErr[i, k] == pytest.approx(err, rel=1e-9)
            off = ix - reach < 0 or iy - reach < 0 or ix + reach >= nx or iy + reach >= ny
            assert bool(res.flags[i, k] & SINC_COEFFS_TRUNCATED) == off


def test_error_pulls_monte_carlo():
    rng = np.random.default_rng(7)
    sigma_sky = 3.0
    x = np.tile(np.arange(40.0, 400, 60), 6) + 0.3
    y = np.repeat(np.arange(40.0, 400, 60), 6) - 0.2
    var = np.full((440, 440), sigma_sky ** 2, np.float32)
    radii = [3.0, 6.0, 9.0, 12.0, 17.0]
    pulls = []
    for _ in range(40):
        img = rng.normal(0, sigma_sky, (440, 440)).astype(np.float32)
        res = circular_aperture_flux(img, var, x, y, radii)
        pulls.append(res.instFlux / res.instFluxErr)
    pulls = np.concatenate(pulls)  # 1440 per radius
    std = pulls.std(axis=0)
    assert np.all((std > 0.9) & (std < 1.1)), std


def test_truncation_flags():
    img = np.ones((100, 100), np.float32)
    res = circular_aperture_flux(img, img, [50.0, 8.0, 2.0], [50.0, 50.0, 50.0], [3.0, 12.0])
    assert list(res.flags[0]) == [0, 0]
    # x=8: the sinc box (15 px + taps) is off the image but the 3 px circle is not; 12 px is
    assert list(res.flags[1]) == [SINC_COEFFS_TRUNCATED, APERTURE_TRUNCATED | APERTURE_FAILURE]
    assert res.flags[2, 0] == SINC_COEFFS_TRUNCATED | APERTURE_TRUNCATED | APERTURE_FAILURE


def test_rejects_bad_radii():
    img = np.ones((10, 10), np.float32)
    with pytest.raises(ValueError, match="radii"):
        circular_aperture_flux(img, img, 5.0, 5.0, [3.0, -1.0])
