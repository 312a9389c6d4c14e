"""Curve of growth on synthetic stars with exactly known enclosed fractions."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.photocal.growth import curve_of_growth, moffat_enclosed_fraction

RADII = np.array([3.0, 4.5, 6.0, 7.0, 9.0, 12.0, 17.0, 25.0, 35.0])
CALIB = 7.0
SKY_PER_PIXEL = 30.0  # sky variance (counts^2 per pixel)


def _moffat(r):
    return moffat_enclosed_fraction(r, 2.5, 3.0)


def _double_gaussian(r):
    return 1 - (0.9 * np.exp(-r**2 / (2 * 1.2**2)) + 0.1 * np.exp(-r**2 / (2 * 3.0**2)))


def _aperture_fluxes(rng, enclosed, n=60):
    total = 10 ** rng.uniform(4.5, 6.0, n)
    flux = total[:, None] * enclosed(RADII)[None, :]
    sigma = np.sqrt(flux + np.pi * RADII**2 * SKY_PER_PIXEL)
    return flux + rng.normal(0, 1, flux.shape) * sigma


@pytest.mark.parametrize("profile", [_moffat, _double_gaussian])
@pytest.mark.parametrize("seed", [1, 2])
def test_fraction_matches_exact_enclosed_flux(profile, seed):
    res = curve_of_growth(RADII, _aperture_fluxes(np.random.default_rng(seed), profile), CALIB)
    truth = profile(CALIB) / 1.0
    assert res.fraction_err < 0.003
    assert abs(res.fraction - truth) < 4 * res.fraction_err
    assert res.correction == pytest.approx(1 / res.fraction)
    assert res.max_radius >= 12.0


def test_noisy_large_apertures_are_not_trusted_and_tail_is_modelled():
    rng = np.random.default_rng(4)
    flux = _aperture_fluxes(rng, _moffat, n=40)
    flux[:, RADII > 12] += rng.normal(0, 5e4, (40, int((RADII > 12).sum())))  # junk outer apertures
    res = curve_of_growth(RADII, flux, CALIB)
    assert res.max_radius == 12.0
    truth = _moffat(CALIB)
    assert res.tail_fraction == pytest.approx(1 - _moffat(12.0), rel=0.3)
    assert abs(res.fraction - truth) < 4 * res.fraction_err


def test_caller_supplied_psf_model_tail():
    rng = np.random.default_rng(6)
    res = curve_of_growth(RADII, _aperture_fluxes(rng, _moffat), CALIB, max_radius=9.0,
                          enclosed_fraction=_moffat)
    assert res.max_radius == 9.0
    assert np.isnan(res.moffat_beta)
    assert abs(res.fraction - _moffat(CALIB)) < 4 * res.fraction_err


def test_calib_radius_must_be_an_aperture():
    with pytest.raises(ValueError, match="calib_radius 8"):
        curve_of_growth(RADII, np.ones((5, RADII.size)), 8.0)


def test_no_tail_normalises_to_the_largest_aperture():
    rng = np.random.default_rng(9)
    res = curve_of_growth(RADII, _aperture_fluxes(rng, _moffat), CALIB, max_radius=12.0,
                          tail="none")
    assert res.tail_fraction == 0.0 and res.max_radius == 12.0
    truth = _moffat(CALIB) / _moffat(12.0)
    assert abs(res.fraction - truth) < 4 * res.fraction_err
    with pytest.raises(ValueError, match="tail"):
        curve_of_growth(RADII, np.ones((5, RADII.size)), CALIB, tail="gauss")



@pytest.mark.parametrize("seed", range(6))
def test_neighbours_light_in_large_apertures_is_not_followed(seed):
    """12 px calib aperture (0.2% of a Moffat star outside it); the apertures beyond 12 px also
    collect faint neighbours' light growing with the annulus area (on average 0.2% of the star
    at 25 px). Going out to the largest aperture whose median is precise enough (the former
    rule) biases the fraction by several sigma in a third of such frames; the most precise
    r_max (model tail against aperture noise) does not."""
    rng = np.random.default_rng(seed)
    n = 40
    flux = _aperture_fluxes(rng, _moffat, n=n)
    total = flux[:, RADII == 12.0][:, 0]
    annulus = np.clip(RADII**2 - 12.0**2, 0, None) / (25.0**2 - 12.0**2)
    flux += rng.exponential(2e-3, n)[:, None] * total[:, None] * annulus[None, :]
    res = curve_of_growth(RADII, flux, 12.0)
    assert abs(res.fraction - _moffat(12.0)) < 4 * res.fraction_err
