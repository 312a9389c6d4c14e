"""Kron radius and flux: vs sep, a numpy reference loop, analytic enclosed fractions, flags."""

from __future__ import annotations

import numpy as np
import pytest
import sep

from lsstlite.kernels.kron import (
    KRON_BAD_RADIUS, KRON_EDGE, KRON_FAILURE, KRON_USED_MINIMUM_RADIUS, kron_flux,
)


def elliptical_field(seed=0, n=12, shape=(200, 240), noise=1.0):
    rng = np.random.default_rng(seed)
    ny, nx = shape
    yy, xx = np.mgrid[:ny, :nx]
    img = rng.normal(0, noise, shape)
    x, y = rng.uniform(40, nx - 40, n), rng.uniform(40, ny - 40, n)
    mxx, myy, mxy = rng.uniform(2, 6, n), rng.uniform(2, 6, n), rng.uniform(-1, 1, n)
    for i in range(n):
        det = mxx[i] * myy[i] - mxy[i] ** 2
        dx, dy = xx - x[i], yy - y[i]
        img += 5000 / (2 * np.pi * np.sqrt(det)) * np.exp(
            -0.5 * (myy[i] * dx * dx + mxx[i] * dy * dy - 2 * mxy[i] * dx * dy) / det)
    return img.astype(np.float32), x, y, mxx, myy, mxy


def sep_ellipse(mxx, myy, mxy):
    """sep's a, b, theta of the moments ellipse (a, b the square roots of the eigenvalues)."""
    d = np.sqrt(0.25 * (mxx - myy) ** 2 + mxy ** 2)
    return (np.sqrt(0.5 * (mxx + myy) + d), np.sqrt(0.5 * (mxx + myy) - d),
            0.5 * np.arctan2(2 * mxy, mxx - myy))


def test_matches_sep_kron_radius_and_sum_ellipse():
    img, x, y, mxx, myy, mxy = elliptical_field()
    res = kron_flux(img, np.ones_like(img), None, x, y, mxx, myy, mxy, min_radius=0.0)
    a, b, theta = sep_ellipse(mxx, myy, mxy)
    data = img.astype(np.float64)
    kr, kflag = sep.kron_radius(data, x, y, a, b, theta, 6.0)
    assert np.all(kflag == 0) and np.all(res.flags == 0)
    np.testing.assert_allclose(res.kronRadius, kr, rtol=1e-10)
    exact, _, _ = sep.sum_ellipse(data, x, y, a, b, theta, 2.5 * kr, subpix=0)
    np.testing.assert_allclose(res.instFlux, exact, rtol=1e-3)
    sampled, _, _ = sep.sum_ellipse(data, x, y, a, b, theta, 2.5 * kr, subpix=5)
    np.testing.assert_allclose(res.instFlux, sampled, rtol=1e-10)
    np.testing.assert_allclose(res.radius, kr * np.sqrt(a * b), rtol=1e-12)


def reference(img, var, mask, bad, x, y, xx, yy, xy, nsig=6.0, kfac=2.5, rmin=3.5, subpix=5):
    """Plain numpy per-source loop: every pixel of the box sub-sampled."""
    det = xx * yy - xy ** 2
    cxx, cyy, cxy = yy / det, xx / det, -2 * xy / det
    ny, nx = img.shape
    gy, gx = np.mgrid[:ny, :nx]
    dx, dy = gx - x, gy - y
    rho2 = cxx * dx ** 2 + cyy * dy ** 2 + cxy * dx * dy
    good = (mask & bad) == 0
    sel = (rho2 <= nsig ** 2) & good
    r1 = np.sum(np.sqrt(rho2[sel]) * img[sel]) / np.sum(img[sel])
    k = kfac * max(r1, rmin / kfac)
    off = (np.arange(subpix) + 0.5) / subpix - 0.5
    sdx = dx[..., None, None] + off[None, None, None, :]
    sdy = dy[..., None, None] + off[None, None, :, None]
    w = ((cxx * sdx ** 2 + cyy * sdy ** 2 + cxy * sdx * sdy) <= k * k).mean(axis=(2, 3)) * good
    return np.sum(w * img), np.sqrt(np.sum(w ** 2 * var)), r1


def test_matches_numpy_reference_with_mask_and_minimum():
    img, x, y, mxx, myy, mxy = elliptical_field(seed=3, n=6, shape=(120, 140))
    var = np.random.default_rng(1).uniform(0.5, 2, img.shape).astype(np.float32)
    mask = np.zeros(img.shape, np.int32)
    mask[int(y[0]) + 1, int(x[0])] = 4
    mask[int(y[1]), int(x[1]) + 2] = 8  # not a bad bit
    for rmin in (0.0, 3.5, 6.0):
        res = kron_flux(img, var, mask, x, y, mxx, myy, mxy, bad_mask=4 | 1, min_radius=rmin)
        for i in range(len(x)):
            f, e, r1 = reference(img.astype(float), var.astype(float), mask, 5, x[i], y[i],
                                 mxx[i], myy[i], mxy[i], rmin=rmin)
            assert res.instFlux[i] == pytest.approx(f, rel=1e-10)
            assert res.instFluxErr[i] == pytest.approx(e, rel=1e-10)
            assert res.kronRadius[i] == pytest.approx(r1, rel=1e-10)
            assert bool(res.flags[i] & KRON_USED_MINIMUM_RADIUS) == (2.5 * r1 < rmin)
        assert res.flags[0] & KRON_EDGE and res.flags[0] & KRON_FAILURE
        assert not res.flags[1] & KRON_EDGE


def test_elongated_tilted_and_edge_ellipses_match_numpy_reference():
    """Row runs of the ellipses (from the roots of ρ² along each row) against the per-pixel
    reference: thin tilted ellipses, round ones, and ellipses cut by the image border."""
    rng = np.random.default_rng(8)
    shape = (90, 110)
    img = rng.normal(5, 1, shape).astype(np.float32)
    var = rng.uniform(0.5, 2, shape).astype(np.float32)
    mask = np.zeros(shape, np.int32)
    mask[rng.integers(0, 90, 40), rng.integers(0, 110, 40)] = 1
    x = np.array([55.2, 54.7, 3.1, 107.6, 40.0, 70.3, 20.5])
    y = np.array([45.3, 44.1, 50.2, 20.7, 1.4, 88.9, 30.0])
    xx = np.array([9.0, 16.0, 4.0, 2.5, 6.0, 3.0, 0.6])
    yy = np.array([4.0, 1.0, 4.0, 9.0, 6.0, 3.0, 12.0])
    xy = np.array([5.9, -3.9, 0.0, 4.6, 1.0, -2.9, 0.8])
    res = kron_flux(img, var, mask, x, y, xx, yy, xy, bad_mask=1)
    for i in range(len(x)):
        f, e, r1 = reference(img.astype(float), var.astype(float), mask, 1, x[i], y[i],
                             xx[i], yy[i], xy[i])
        assert res.kronRadius[i] == pytest.approx(r1, rel=1e-10)
        assert res.instFlux[i] == pytest.approx(f, rel=1e-10)
        assert res.instFluxErr[i] == pytest.approx(e, rel=1e-10)


def test_gaussian_and_moffat_flux_equal_analytic_enclosed_fraction():
    shape = (160, 160)
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(float)
    x0, y0, flux = 80.3, 79.6, 1e4
    r2 = (xx - x0) ** 2 + (yy - y0) ** 2
    sigma = 2.5
    gauss = flux / (2 * np.pi * sigma ** 2) * np.exp(-r2 / (2 * sigma ** 2))
    for rmin in (0.0, 3.5):
        res = kron_flux(gauss.astype(np.float32), np.ones(shape, np.float32), None, x0, y0,
                        sigma ** 2, sigma ** 2, 0.0, min_radius=rmin)
        # r1 of a Gaussian truncated at 6 sigma: ∫r² e^{-r²/2} / ∫r e^{-r²/2} over [0, 6]
        r = np.linspace(0, 6, 200001)
        r1 = np.trapezoid(r ** 2 * np.exp(-r ** 2 / 2), r) / np.trapezoid(r * np.exp(-r ** 2 / 2), r)
        assert res.kronRadius[0] == pytest.approx(r1, rel=2e-3)
        k = max(2.5 * res.kronRadius[0], rmin)
        assert res.instFlux[0] == pytest.approx(flux * (1 - np.exp(-k * k / 2)), rel=1e-3)
    alpha, beta = 3.0, 4.765
    moffat = flux * (beta - 1) / (np.pi * alpha ** 2) * (1 + r2 / alpha ** 2) ** -beta
    s2 = alpha ** 2 / (2 * (beta - 2))  # second moment per axis
    res = kron_flux(moffat.astype(np.float32), np.ones(shape, np.float32), None, x0, y0,
                    s2, s2, 0.0)
    kpix = max(2.5 * res.kronRadius[0], 3.5) * np.sqrt(s2)
    truth = flux * (1 - (1 + kpix ** 2 / alpha ** 2) ** (1 - beta))
    assert res.instFlux[0] == pytest.approx(truth, rel=2e-3)


def test_flags_edge_bad_radius_and_invalid_moments():
    img = np.ones((60, 60), np.float32)
    res = kron_flux(img, img, None, [30.0, 2.0, 30.0], [30.0, 30.0, 30.0],
                    [2.0, 2.0, -1.0], [2.0, 2.0, 2.0], [0.0, 0.0, 0.0])
    assert res.flags[0] == KRON_USED_MINIMUM_RADIUS or res.flags[0] == 0
    assert res.flags[1] & KRON_EDGE and res.flags[1] & KRON_FAILURE
    assert res.flags[2] == KRON_BAD_RADIUS | KRON_FAILURE and np.isnan(res.instFlux[2])
    neg = kron_flux(-img, img, None, 30.0, 30.0, 2.0, 2.0, 0.0)
    assert neg.flags[0] & KRON_BAD_RADIUS and neg.flags[0] & KRON_USED_MINIMUM_RADIUS
    assert np.isnan(neg.kronRadius[0]) and np.isfinite(neg.instFlux[0])


def test_rejects_bad_parameters():
    img = np.ones((10, 10), np.float32)
    with pytest.raises(ValueError, match="subpix"):
        kron_flux(img, img, None, 5.0, 5.0, 1.0, 1.0, 0.0, subpix=0)
    with pytest.raises(ValueError, match="xx"):
        kron_flux(img, img, None, [5.0, 5.0], [5.0, 5.0], [1.0, 1.0, 1.0], 1.0, 0.0)
