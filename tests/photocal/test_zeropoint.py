"""Zero-point estimator against synthetic truth."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.photocal.zeropoint import NJY_AB_ZERO_MAG, ZeroPointError, compute_zero_point

TRUE_ZP = 28.245


def _stars(rng, n=120, frac_outliers=0.1, mag_err=(0.005, 0.05), colour_slope=0.0):
    ref_mag = rng.uniform(15.0, 20.0, n)
    colour = rng.uniform(0.2, 1.5, n)
    err = rng.uniform(*mag_err, n)
    inst_mag = ref_mag - TRUE_ZP + colour_slope * colour + rng.normal(0, err)
    n_bad = int(frac_outliers * n)
    inst_mag[:n_bad] -= rng.uniform(0.3, 2.0, n_bad)  # blends / galaxies: too bright
    inst = 10 ** (-0.4 * inst_mag)
    ref_flux = 10 ** (-0.4 * (ref_mag - NJY_AB_ZERO_MAG))
    return inst, inst * err / 1.0857362047581294, ref_flux, err, colour, n_bad


@pytest.mark.parametrize("use_median", [True, False])
def test_zero_point_matches_truth_within_its_error(use_median):
    rng = np.random.default_rng(42)
    inst, inst_err, ref_flux, err, _, n_bad = _stars(rng)
    res = compute_zero_point(inst, inst_err, ref_flux, use_median=use_median)
    expected = np.sum(1.0 / err[n_bad:] ** 2) ** -0.5  # inverse-variance mean of the good stars
    assert res.zero_point_err == pytest.approx(expected, rel=0.3)
    assert abs(res.zero_point - TRUE_ZP) < 4 * expected
    assert not res.used[:n_bad].any()
    # the clip uses the population scatter, so the noisiest good stars are partly clipped
    assert res.used[n_bad:].mean() > 0.85
    assert res.calibration_mean == pytest.approx(10 ** (-0.4 * (TRUE_ZP - NJY_AB_ZERO_MAG)),
                                                 rel=4 * expected)
    assert res.calibration_err == pytest.approx(res.calibration_mean * res.zero_point_err / 1.0857,
                                                rel=1e-3)


def test_inverse_variance_weights():
    # a few very precise stars and many poor ones: the precise stars must dominate
    rng = np.random.default_rng(3)
    inst, inst_err, ref_flux, err, _, _ = _stars(rng, n=200, frac_outliers=0.0,
                                                 mag_err=(0.1, 0.2))
    precise = slice(0, 20)
    err[precise] = 0.002
    inst_mag = -2.5 * np.log10(ref_flux) + NJY_AB_ZERO_MAG - TRUE_ZP + rng.normal(0, err)
    inst = 10 ** (-0.4 * inst_mag)
    res = compute_zero_point(inst, inst * err / 1.0857362047581294, ref_flux, sigma_max=0.5)
    expected = np.sum(1.0 / err[res.used] ** 2) ** -0.5
    assert expected < 0.001
    assert abs(res.zero_point - TRUE_ZP) < 4 * expected


def test_underestimated_errors_inflate_the_zero_point_error():
    rng = np.random.default_rng(5)
    n = 100
    ref_mag = rng.uniform(15, 20, n)
    inst_mag = ref_mag - TRUE_ZP + rng.normal(0, 0.03, n)  # true scatter 0.03
    inst = 10 ** (-0.4 * inst_mag)
    ref_flux = 10 ** (-0.4 * (ref_mag - NJY_AB_ZERO_MAG))
    res = compute_zero_point(inst, inst * 0.01 / 1.0857, ref_flux)  # claimed 0.01
    assert res.zero_point_err == pytest.approx(0.03 / np.sqrt(res.n_used), rel=0.25)
    assert res.sigma == pytest.approx(0.03, rel=0.25)


def test_colour_terms_and_mag_err_floor():
    rng = np.random.default_rng(8)
    inst, inst_err, ref_flux, err, colour, n_bad = _stars(rng, colour_slope=0.1)
    res = compute_zero_point(inst, inst_err, ref_flux, ref_color=colour,
                             color_terms=(0.0, 0.1))
    expected = np.sum(1.0 / err[n_bad:] ** 2) ** -0.5
    assert abs(res.zero_point - TRUE_ZP) < 4 * expected
    uncorrected = compute_zero_point(inst, inst_err, ref_flux)
    assert abs(uncorrected.zero_point - TRUE_ZP) > 0.05  # the mean colour term, ~0.085
    floored = compute_zero_point(inst, inst_err, ref_flux, ref_color=colour,
                                 color_terms=(0.0, 0.1), mag_err_floor=0.1)
    assert floored.zero_point_err > 0.1 / np.sqrt(floored.n_used) * 0.9
    with pytest.raises(ValueError, match="ref_color"):
        compute_zero_point(inst, inst_err, ref_flux, color_terms=(0.0, 0.1))


def test_no_usable_star():
    with pytest.raises(ZeroPointError, match="no usable star"):
        compute_zero_point([-1.0, np.nan], [1.0, 1.0], [10.0, 10.0])


def test_reference_errors_enter_the_weights():
    rng = np.random.default_rng(12)
    n = 150
    ref_mag = rng.uniform(15, 20, n)
    src_err = np.full(n, 0.002)
    ref_err = np.full(n, 0.02)
    ref_obs = ref_mag + rng.normal(0, ref_err)
    inst = 10 ** (-0.4 * (ref_mag - TRUE_ZP + rng.normal(0, src_err)))
    ref_flux = 10 ** (-0.4 * (ref_obs - NJY_AB_ZERO_MAG))
    res = compute_zero_point(inst, inst * src_err / 1.0857362047581294, ref_flux,
                             ref_flux_err=ref_flux * ref_err / 1.0857362047581294)
    expected = 0.02 / np.sqrt(res.n_used)
    assert res.zero_point_err == pytest.approx(expected, rel=0.2)
    assert abs(res.zero_point - TRUE_ZP) < 4 * expected
