"""Simulated frames against their own truth: positions, fluxes, noise, determinism, defects."""

import numpy as np
import pytest

from lsstlite.sim import simulate_frame
from lsstlite.sim.sources import NJY_ZERO_POINT


@pytest.fixture(scope="module")
def frame():
    return simulate_frame(seed=11, size=(700, 600))


@pytest.fixture(scope="module")
def star_frame():
    """Stars only, so isolated stars have no neighbour light at all (Gaussian stamps end at 6 sigma)."""
    return simulate_frame(seed=12, size=(800, 700), galaxy_density=0.0, star_density=6.0, saturated_star_mag=None)


def _isolated_bright_stars(frame, half, min_flux):
    t = frame.truth
    x, y = np.asarray(t["x"]), np.asarray(t["y"])
    cfg = frame.config
    inside = (x > half + 1) & (x < cfg.width - half - 2) & (y > half + 1) & (y < cfg.height - half - 2)
    chosen = []
    for i in np.flatnonzero(inside & (np.asarray(t["flux"]) > min_flux) & np.asarray(t["is_star"])):
        d = np.hypot(x - x[i], y - y[i])
        d[i] = np.inf
        if d.min() > 2 * half + 2:
            chosen.append(i)
    return np.array(chosen, dtype=int)


def test_stars_rendered_where_truth_says_with_exact_flux(star_frame):
    half = star_frame.psf.stamp_half_size()
    stars = _isolated_bright_stars(star_frame, half, 2000.0)
    assert stars.size >= 8
    signal = star_frame.noiseless - star_frame.sky
    for i in stars:
        row = star_frame.truth[i]
        ix, iy = int(round(row["x"])), int(round(row["y"]))
        box = signal[iy - half - 1:iy + half + 2, ix - half - 1:ix + half + 2]
        yy, xx = np.mgrid[iy - half - 1:iy + half + 2, ix - half - 1:ix + half + 2]
        total = box.sum()
        assert total == pytest.approx(row["flux"], rel=1e-3)
        assert (box * xx).sum() / total == pytest.approx(row["x"], abs=1e-3)
        assert (box * yy).sum() / total == pytest.approx(row["y"], abs=1e-3)


def test_truth_sky_coordinates_follow_true_wcs(frame):
    t = frame.truth
    ra, dec = frame.wcs.all_pix2world(np.asarray(t["x"]), np.asarray(t["y"]), 0)
    np.testing.assert_allclose(t["ra"], ra, rtol=0, atol=1e-10)
    np.testing.assert_allclose(t["dec"], dec, rtol=0, atol=1e-10)
    # and back: the sky positions land on the truth pixel positions
    x, y = frame.wcs.all_world2pix(np.asarray(t["ra"]), np.asarray(t["dec"]), 0, tolerance=1e-8)
    assert np.abs(x - t["x"]).max() < 1e-4 and np.abs(y - t["y"]).max() < 1e-4


def test_header_wcs_is_tan_part_with_sip_sized_difference(frame):
    cfg = frame.config
    assert frame.header["CTYPE1"] == "RA---TAN" and frame.wcs.wcs.ctype[0] == "RA---TAN-SIP"
    corners = np.array([[0, 0], [cfg.width - 1, 0], [0, cfg.height - 1], [cfg.width - 1, cfg.height - 1]], float)
    sky = frame.wcs.all_pix2world(corners, 0)
    pix = frame.header_wcs.all_world2pix(sky, 0)
    shift = np.hypot(*(pix - corners).T)
    assert 0.05 < shift.max() <= cfg.distortion_px + 1e-6
    centre = frame.wcs.wcs.crpix - 1
    assert np.allclose(frame.header_wcs.all_world2pix(frame.wcs.all_pix2world([centre], 0), 0), centre, atol=1e-8)


def test_header_keys_consistent_with_truth(frame):
    h, cfg, t = frame.header, frame.config, frame.truth
    assert (h["GAIN"], h["RDNOISE"], h["SATURATE"], h["FILTER"]) == (cfg.gain, cfg.read_noise_e, cfg.saturation, "r")
    assert h["MAGZERO"] == h["PHOTZP"] == cfg.zero_point and h["EXPTIME"] > 0
    np.testing.assert_allclose(t["mag"], h["MAGZERO"] - 2.5 * np.log10(t["flux"]), rtol=1e-12)
    np.testing.assert_allclose(t["flux_nJy"], t["flux"] * 10 ** (-0.4 * (h["MAGZERO"] - NJY_ZERO_POINT)), rtol=1e-12)
    assert frame.image.dtype == np.float32 and frame.image.shape == (cfg.height, cfg.width)


@pytest.mark.parametrize("sky", [150.0, 1000.0])
def test_noise_matches_gain_and_read_noise(sky):
    # 512**2 pixels: the variance estimator has relative sigma sqrt(2 / N) = 0.28%, so 2% is 7 sigma
    f = simulate_frame(seed=3, size=512, pure_noise=True, sky=sky, sky_gradient=(20.0, -10.0))
    assert len(f.truth) == 0 and len(f.cosmic_rays) == 0 and not f.saturated.any()
    gain, rn_dn = f.config.gain, f.config.read_noise_e / f.config.gain
    residual = f.image.astype(float) - f.sky
    expected = f.sky / gain + rn_dn**2
    assert np.mean(residual**2 / expected) == pytest.approx(1.0, abs=0.02)
    assert np.var(residual) == pytest.approx(sky / gain + rn_dn**2, rel=0.02)
    assert abs(residual.mean()) < 5 * np.sqrt(expected.mean() / residual.size)


def test_same_seed_identical_other_seed_different():
    a = simulate_frame(seed=5, size=(300, 200))
    b = simulate_frame(seed=5, size=(300, 200))
    c = simulate_frame(seed=6, size=(300, 200))
    np.testing.assert_array_equal(a.image, b.image)
    assert a.truth.as_array().tobytes() == b.truth.as_array().tobytes()
    assert all(np.array_equal(a.refcat[k], b.refcat[k]) for k in a.refcat)
    assert not np.array_equal(a.image, c.image)
    assert len(a.truth) != len(c.truth) or not np.array_equal(a.truth["x"], c.truth["x"])


def test_cosmic_rays_are_sharp_and_listed(frame):
    cr = frame.cosmic_rays
    assert len(cr) > 30
    sigma = np.sqrt(frame.noiseless / frame.config.gain + (frame.config.read_noise_e / frame.config.gain) ** 2)
    bad_x = set(np.asarray(frame.bad_columns["x"]).tolist())
    ok = np.array([x not in bad_x for x in cr["x"]]) & ~frame.saturated[cr["y"], cr["x"]]
    y, x, value = np.asarray(cr["y"])[ok], np.asarray(cr["x"])[ok], np.asarray(cr["value"])[ok]
    excess = frame.image[y, x] - frame.noiseless[y, x]
    assert np.all(np.abs(excess - value) < 6 * sigma[y, x])
    assert np.median(value) > 10 * np.median(sigma)  # sharp: far above the noise in single pixels


def test_saturated_star_bleeds_along_columns_conserving_charge(frame):
    sat_id = frame.truth.meta["SATSTAR"]
    star = frame.truth[frame.truth["id"] == sat_id][0]
    assert star["saturated"] and frame.image.max() == frame.config.saturation
    ys, xs = np.nonzero(frame.saturated)
    near = np.hypot(xs - star["x"], ys - star["y"]) < 60
    assert np.ptp(ys[near]) > 2 * np.ptp(xs[near])  # a trail along the column
    ix, iy = int(round(star["x"])), int(round(star["y"]))
    box = (slice(max(iy - 120, 0), iy + 121), slice(ix - 20, ix + 21))
    in_box = (frame.image[box] - frame.sky[box]).sum()
    cr = frame.cosmic_rays
    in_box -= cr["value"][(np.abs(cr["x"] - ix) <= 20) & (np.abs(cr["y"] - iy) <= 120)].sum()
    others = (frame.noiseless[box] - frame.sky[box]).sum() - frame.truth[frame.truth["id"] == sat_id]["flux"][0]
    assert in_box - others == pytest.approx(star["flux"], rel=0.01)


def test_bad_columns_listed_and_applied(frame):
    cols = frame.bad_columns
    assert len(cols) == 2 and set(cols["kind"]) == {"dead", "hot"}
    for x, y0, y1, kind in cols.iterrows("x", "y0", "y1", "kind"):
        ratio = np.median(frame.image[y0:y1 + 1, x] - (0.0 if kind == "dead" else 800.0)) / np.median(
            frame.image[y0:y1 + 1, x + 3])
        assert ratio == pytest.approx(0.1 if kind == "dead" else 1.0, abs=0.05)


def test_magnitudes_span_saturation_to_below_detection_limit(frame):
    t = frame.truth
    stars = t[t["is_star"]]
    assert stars["mag"].min() < 16 and stars["mag"].max() > 23.5
    gals = t[~t["is_star"]]
    assert set(np.unique(gals["sersic_n"])) == {1, 4}
    assert np.all(gals["shape_xx"] > 0) and np.all(stars["shape_xx"] == 0)


def test_bad_parameters_raise_one_line_errors():
    with pytest.raises(ValueError, match="gain"):
        simulate_frame(seed=0, size=64, gain=0.0)
    with pytest.raises(TypeError, match="unknown parameter"):
        simulate_frame(seed=0, size=64, gian=2.0)


def test_perturbed_header_wcs_is_off_by_requested_shift_and_rotation():
    f = simulate_frame(seed=1, size=(400, 300), header_wcs_shift_arcsec=(2.0, 0.0), header_wcs_rotation_deg=0.5,
                       distortion_px=0.0, star_density=0.0, galaxy_density=0.0)
    centre = f.wcs.wcs.crpix - 1
    ra_true, dec_true = f.wcs.all_pix2world([centre], 0)[0]
    ra_head, dec_head = f.header_wcs.all_pix2world([centre], 0)[0]
    assert (ra_head - ra_true) * np.cos(np.radians(dec_true)) * 3600 == pytest.approx(2.0, abs=1e-6)
    assert (dec_head - dec_true) * 3600 == pytest.approx(0.0, abs=1e-6)
    angle = np.degrees(np.arctan2(f.header_wcs.wcs.cd[1, 0], f.header_wcs.wcs.cd[1, 1])
                       - np.arctan2(f.wcs.wcs.cd[1, 0], f.wcs.wcs.cd[1, 1]))
    assert abs(angle) == pytest.approx(0.5, abs=1e-9)


def test_header_distortion_writes_the_true_tan_sip_wcs():
    from lsstlite.image.wcs import wcs_from_header

    f = simulate_frame(seed=1, size=(400, 300), header_distortion=True, star_density=0.0, galaxy_density=0.0)
    assert f.header["CTYPE1"] == "RA---TAN-SIP" and f.header["A_ORDER"] == 3
    header_wcs = wcs_from_header(f.header)
    gx, gy = np.meshgrid(np.linspace(0, 399, 9), np.linspace(0, 299, 7))
    ra, dec = header_wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    tra, tdec = f.wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    assert np.abs(ra - tra).max() * 3600 < 1e-6 and np.abs(dec - tdec).max() * 3600 < 1e-6
    # shifted and rotated like a TAN header, the distortion unchanged
    g = simulate_frame(seed=1, size=(400, 300), header_distortion=True, header_wcs_shift_arcsec=(2.0, 0.0),
                       header_wcs_rotation_deg=0.5, star_density=0.0, galaxy_density=0.0)
    np.testing.assert_array_equal(g.header_wcs.sip.a, f.wcs.sip.a)
    assert g.header_wcs.wcs.crval[0] != f.wcs.wcs.crval[0]
    # a distortion model 10% too strong
    e = simulate_frame(seed=1, size=(400, 300), header_distortion=True, header_distortion_error=0.1,
                       star_density=0.0, galaxy_density=0.0)
    np.testing.assert_allclose(e.header_wcs.sip.b, 1.1 * f.wcs.sip.b, rtol=1e-15)
    assert e.header["B_0_2"] == pytest.approx(1.1 * f.wcs.sip.b[0, 2], rel=1e-12)


def test_tiny_frame_and_margin_psf_stay_bounded():
    f = simulate_frame(seed=2, size=(16, 20))
    assert f.image.shape == (20, 16)
    fwhm = np.asarray(f.truth["psf_fwhm"])
    assert fwhm.size > 0 and np.all((fwhm > 2.0) & (fwhm < 3.5))  # the PSF off the frame is the edge PSF
