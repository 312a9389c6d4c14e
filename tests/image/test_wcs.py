"""TanSipWcs against astropy.wcs (wcslib + astropy's SIP) as the reference."""

from __future__ import annotations

import copy
import logging
import pickle
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning, Sip

from lsstlite.image.wcs import (NoConvergenceError, TanSipWcs, pixel_scale_matrix,
                                reference_pixel, wcs_from_header)
from lsstlite.io.fits_image import wcs_to_header

WIDTH, HEIGHT = 2048, 1489
SCALE = 0.396 / 3600.0


def _sip_matrix(rng, order, amplitude_px, reach=1000.0):
    """Random SIP terms of ``2 <= p + q <= order``, each ~``amplitude_px`` at ``reach`` pixels."""
    m = np.zeros((order + 1, order + 1))
    for p in range(order + 1):
        for q in range(order + 1 - p):
            if p + q >= 2:
                m[p, q] = rng.normal() * amplitude_px / reach ** (p + q)
    return m


def _inverse_guess(rng, a, order):
    """A rough AP (``-A`` plus small constant and linear terms): a first guess only."""
    ap = np.zeros((order + 1, order + 1))
    ap[: a.shape[0], : a.shape[1]] = -a
    ap[0, 0], ap[1, 0], ap[0, 1] = rng.normal(0, 0.01), rng.normal(0, 1e-5), rng.normal(0, 1e-5)
    return ap


def random_wcs(seed, *, sip="none", ra=None, dec=None, distortion_px=4.0):
    """A TAN (``sip="none"``), TAN-SIP without (``"forward"``) or with (``"inverse"``) AP/BP."""
    rng = np.random.default_rng(seed)
    crval = (rng.uniform(0, 360) if ra is None else ra, rng.uniform(-70, 70) if dec is None else dec)
    crpix = (rng.uniform(0.3, 0.7) * WIDTH, rng.uniform(0.3, 0.7) * HEIGHT)
    theta = rng.uniform(0, 2 * np.pi)
    flip = rng.choice([-1.0, 1.0])
    cd = SCALE * rng.uniform(0.9, 1.1) * np.array([[flip * np.cos(theta), -np.sin(theta)],
                                                   [flip * np.sin(theta), np.cos(theta)]])
    cd = cd + rng.normal(0, 0.01 * SCALE, (2, 2))
    kw = {}
    if sip != "none":
        order = int(rng.integers(2, 5))
        kw["a"] = _sip_matrix(rng, order, distortion_px)
        kw["b"] = _sip_matrix(rng, order, distortion_px)
        if sip == "inverse":
            kw["ap"] = _inverse_guess(rng, kw["a"], order + 1)
            kw["bp"] = _inverse_guess(rng, kw["b"], order + 1)
    return TanSipWcs(crval, crpix, cd, pixel_shape=(WIDTH, HEIGHT), **kw)


def astropy_equivalent(wcs: TanSipWcs) -> WCS:
    """The same WCS built directly in astropy (as lsstlite built its WCSs before)."""
    w = WCS(naxis=2)
    w.wcs.crpix = wcs.crpix
    w.wcs.crval = wcs.crval
    w.wcs.cd = wcs.cd
    w.wcs.radesys = wcs.radesys
    w.wcs.ctype = list(wcs.ctype)
    if wcs.a is not None:
        w.sip = Sip(wcs.a, wcs.b, wcs.ap, wcs.bp, w.wcs.crpix)
    w.wcs.set()
    w.pixel_shape = wcs.pixel_shape
    return w


def pixels(seed, n=3000):
    """Points over the frame and up to half a frame beyond it."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.5 * WIDTH, 1.5 * WIDTH, n), rng.uniform(-0.5 * HEIGHT, 1.5 * HEIGHT, n)


def ra_difference(ra1, ra2):
    return (np.asarray(ra1) - np.asarray(ra2) + 180.0) % 360.0 - 180.0


CASES = [(seed, sip, ra, dec) for seed, (ra, dec) in enumerate(
    [(None, None), (0.001, 1.0), (359.999, -2.0), (None, 85.0), (None, -85.0), (0.0, 89.5)])
    for sip in ("none", "forward", "inverse")]


@pytest.mark.parametrize(("seed", "sip", "ra", "dec"), CASES)
def test_transforms_agree_with_astropy(seed, sip, ra, dec):
    wcs = random_wcs(seed, sip=sip, ra=ra, dec=dec)
    ref = astropy_equivalent(wcs)
    x, y = pixels(seed)
    for mine, theirs in ((wcs.all_pix2world, ref.all_pix2world),
                         (wcs.wcs_pix2world, ref.wcs_pix2world)):
        r1, d1 = mine(x, y, 0)
        r2, d2 = theirs(x, y, 0)
        assert np.max(np.abs(ra_difference(r1, r2))) <= 1e-10
        assert np.max(np.abs(d1 - d2)) <= 1e-10
        # RA in wcslib's range: [0, 360] for CRVAL1 >= 0
        assert np.all((r1 >= 0) & (r1 <= 360))
    ra_true, dec_true = ref.all_pix2world(x, y, 0)
    px, py = wcs.all_world2pix(ra_true, dec_true, 0)
    qx, qy = ref.all_world2pix(ra_true, dec_true, 0, tolerance=1e-12, maxiter=200)
    assert np.max(np.hypot(px - qx, py - qy)) <= 1e-8
    # ... and both land on the pixels the sky positions came from (double precision of the
    # angles, ~1e-14 deg, is ~1e-10 px)
    assert np.max(np.hypot(px - x, py - y)) <= 1e-8
    lx, ly = wcs.wcs_world2pix(ra_true, dec_true, 0)
    mx, my = ref.wcs_world2pix(ra_true, dec_true, 0)
    assert np.max(np.hypot(lx - mx, ly - my)) <= 1e-8
    vr, vd = wcs.pixel_to_world_values(x, y)
    wr, wd = ref.pixel_to_world_values(x, y)
    assert np.max(np.abs(ra_difference(vr, wr))) <= 1e-10 and np.max(np.abs(vd - wd)) <= 1e-10
    vx, vy = wcs.world_to_pixel_values(ra_true, dec_true)
    assert np.max(np.hypot(vx - x, vy - y)) <= 1e-8


def test_sip_moves_pixels_by_the_requested_amount():
    """The test WCSs really are distorted by a few pixels over the frame."""
    wcs = random_wcs(1, sip="forward")
    x, y = np.meshgrid(np.linspace(0, WIDTH, 9), np.linspace(0, HEIGHT, 9))
    ra, dec = wcs.all_pix2world(x, y, 0)
    lx, ly = wcs.wcs_world2pix(ra, dec, 0)
    assert 1.0 < np.max(np.hypot(lx - x, ly - y)) < 100.0


def test_origin_one_is_fits_pixels():
    wcs = random_wcs(2, sip="inverse")
    x, y = pixels(2, 50)
    np.testing.assert_array_equal(wcs.all_pix2world(x, y, 0), wcs.all_pix2world(x + 1, y + 1, 1))
    ra, dec = wcs.all_pix2world(x, y, 0)
    fx, fy = wcs.all_world2pix(ra, dec, 1)
    np.testing.assert_allclose(fx, x + 1, atol=1e-8)
    np.testing.assert_allclose(fy, y + 1, atol=1e-8)
    ref = astropy_equivalent(wcs)
    cr = wcs.all_pix2world(wcs.crpix[0], wcs.crpix[1], 1)
    np.testing.assert_allclose(cr, wcs.crval, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cr, ref.all_pix2world(wcs.crpix[0], wcs.crpix[1], 1), atol=1e-12)


def test_both_call_forms_and_shapes():
    wcs = random_wcs(3, sip="inverse")
    x, y = pixels(3, 12)
    ra, dec = wcs.all_pix2world(x, y, 0)
    assert isinstance(wcs.all_pix2world(x, y, 0), list)
    pairs = wcs.all_pix2world(np.stack([x, y], axis=1), 0)
    assert pairs.shape == (12, 2)
    np.testing.assert_array_equal(pairs, np.stack([ra, dec], axis=1))
    back = wcs.all_world2pix(pairs, 0)
    assert back.shape == (12, 2)
    np.testing.assert_allclose(back, np.stack([x, y], axis=1), atol=1e-8)
    np.testing.assert_array_equal(wcs.all_pix2world(x, y, origin=0)[0], ra)
    # 2-D inputs keep their shape; lists and scalars work; x and y broadcast
    grid = wcs.all_pix2world(x.reshape(3, 4), y.reshape(3, 4), 0)
    assert grid[0].shape == (3, 4)
    np.testing.assert_array_equal(grid[0].ravel(), ra)
    one = wcs.all_pix2world(float(x[0]), float(y[0]), 0)
    assert np.shape(one[0]) == () and float(one[0]) == ra[0]
    assert np.shape(wcs.all_pix2world(list(x), 5.0, 0)[1]) == (12,)
    ref = astropy_equivalent(wcs)
    np.testing.assert_allclose(wcs.wcs_pix2world([[1.0, 2.0], [3.0, 4.0]], 0),
                               ref.wcs_pix2world([[1.0, 2.0], [3.0, 4.0]], 0), atol=1e-10)
    assert wcs.all_pix2world(np.zeros(0), np.zeros(0), 0)[0].shape == (0,)
    with pytest.raises(TypeError):
        wcs.all_pix2world(x, y)  # no origin: astropy requires it too
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        wcs.all_pix2world(np.zeros((4, 3)), 0)


def test_nan_in_nan_out_and_the_far_hemisphere():
    wcs = random_wcs(4, sip="inverse")
    ra, dec = wcs.all_pix2world([np.nan, 10.0], [5.0, np.nan], 0)
    assert np.all(np.isnan(ra)) and np.all(np.isnan(dec))
    cra, cdec = wcs.crval
    x, y = wcs.all_world2pix([np.nan, cra, cra + 180.0, cra + 91.0], [0.0, np.nan, -cdec, 0.0], 0)
    assert np.all(np.isnan(x)) and np.all(np.isnan(y))
    ref = astropy_equivalent(wcs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rx, _ = ref.wcs_world2pix([cra + 180.0], [-cdec], 0)
    assert np.isnan(rx[0])  # astropy too: no TAN image of the antipode
    x, y = wcs.all_world2pix([np.nan, cra], [np.nan, cdec], 0)
    assert np.isnan(x[0]) and abs(x[1] - (wcs.crpix[0] - 1)) < 0.1


def test_no_convergence_raises_unless_quiet():
    wcs = random_wcs(5, sip="forward")
    ra, dec = wcs.all_pix2world([100.0, 1000.0], [100.0, 700.0], 0)
    with pytest.raises(NoConvergenceError, match="2 of 2 points"):
        wcs.all_world2pix(ra, dec, 0, tolerance=0.0, maxiter=1)
    x, _ = wcs.all_world2pix(ra, dec, 0, tolerance=0.0, maxiter=1, quiet=True)
    assert np.all(np.isfinite(x))


def test_to_header_is_what_astropy_writes_and_round_trips():
    for seed, sip in [(6, "none"), (7, "forward"), (8, "inverse")]:
        wcs = random_wcs(seed, sip=sip)
        header = wcs.to_header()
        ref = astropy_equivalent(wcs)
        assert [c.image for c in header.cards] == [c.image for c in wcs_to_header(ref).cards]
        back = TanSipWcs.from_header(header)
        assert_same_wcs(back, wcs, pixel_shape=False)
        assert back.pixel_shape is None
        # astropy reads our header into the same transforms
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no FITSFixedWarning either
            theirs = WCS(header)
        x, y = pixels(seed, 200)
        np.testing.assert_allclose(theirs.all_pix2world(x, y, 0), ref.all_pix2world(x, y, 0),
                                   rtol=0, atol=1e-10)
    linear = random_wcs(9, sip="inverse").to_header(relax=False)
    assert "A_ORDER" not in linear and linear["CTYPE1"] == "RA---TAN"


def assert_same_wcs(got: TanSipWcs, expected: TanSipWcs, pixel_shape: bool = True):
    for name in ("crval", "crpix", "cd", "a", "b", "ap", "bp"):
        mine, theirs = getattr(got, name), getattr(expected, name)
        if theirs is None:
            assert mine is None, name
        else:
            np.testing.assert_array_equal(mine, theirs, err_msg=name)
    assert got.ctype == expected.ctype and got.radesys == expected.radesys
    assert got.equinox == expected.equinox
    if pixel_shape:
        assert got.pixel_shape == expected.pixel_shape


def test_to_astropy_has_identical_transforms():
    wcs = random_wcs(10, sip="inverse", dec=-60.0)
    theirs = wcs.to_astropy()
    assert isinstance(theirs, WCS) and theirs.pixel_shape == (WIDTH, HEIGHT)
    assert list(theirs.wcs.ctype) == list(wcs.ctype)
    x, y = pixels(10, 500)
    np.testing.assert_allclose(theirs.all_pix2world(x, y, 0), wcs.all_pix2world(x, y, 0),
                               rtol=0, atol=1e-10)
    ra, dec = wcs.all_pix2world(x, y, 0)
    np.testing.assert_allclose(theirs.all_world2pix(ra, dec, 0, tolerance=1e-12, maxiter=100),
                               wcs.all_world2pix(ra, dec, 0), rtol=0, atol=1e-8)
    np.testing.assert_array_equal(theirs.sip.ap, wcs.ap)


def header_of(**cards) -> fits.Header:
    header = fits.Header()
    header["NAXIS"] = 2
    header["NAXIS1"] = 300
    header["NAXIS2"] = 200
    for key, value in {"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN", "CRVAL1": 150.1,
                       "CRVAL2": 2.2, "CRPIX1": 150.5, "CRPIX2": 100.25, **cards}.items():
        if value is not None:
            header[key] = value
    return header


def astropy_reads(header) -> WCS:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        return WCS(header, naxis=2)


CD = {"CD1_1": -1.1e-4, "CD1_2": 3e-7, "CD2_1": 2.5e-7, "CD2_2": 1.1e-4}


@pytest.mark.parametrize("cards", [
    CD,
    {"CD1_1": -1.1e-4, "CD2_2": 1.1e-4},  # off-diagonal elements default to 0
    {"CDELT1": -1.1e-4, "CDELT2": 1.1e-4},
    {"CDELT1": -1.1e-4, "CDELT2": 1.1e-4, "PC1_2": 0.01, "PC2_1": -0.01, "PC1_1": 0.9999},
    {**CD, "RADESYS": "FK5", "EQUINOX": 2000.0},
    {**CD, "EQUINOX": 1950.0},  # FK4 from the equinox, as wcslib
    {**CD, "RADECSYS": "ICRS", "EQUINOX": 2000.0, "CUNIT1": "deg", "CUNIT2": "deg"},
    {**CD, "LONPOLE": 180.0, "LATPOLE": 2.2, "WCSAXES": 2, "DATE-OBS": "2003-10-19"},
    {**CD, "CTYPE1": "RA---TAN-SIP", "CTYPE2": "DEC--TAN-SIP", "A_ORDER": 2, "A_2_0": 1e-6,
     "A_0_2": -2e-6, "B_ORDER": 2, "B_1_1": 3e-6, "AP_ORDER": 2, "AP_2_0": -1e-6,
     "BP_ORDER": 2, "BP_1_1": -3e-6, "A_DMAX": 0.5},
    {**CD, "CRVAL1": 359.99, "CRVAL2": -88.0, "CTYPE1A": "RA---SIN", "CTYPE2A": "DEC--SIN"},
])
def test_tan_headers_are_read_as_astropy_reads_them(cards):
    header = header_of(**cards)
    wcs = wcs_from_header(header, path="test.fits")
    assert isinstance(wcs, TanSipWcs)
    ref = astropy_reads(header)
    assert wcs.pixel_shape == ref.pixel_shape == (300, 200)
    assert wcs.radesys == ref.wcs.radesys
    x, y = np.meshgrid(np.linspace(-100, 400, 11), np.linspace(-100, 300, 9))
    ra, dec = wcs.all_pix2world(x, y, 0)
    rra, rdec = ref.all_pix2world(x, y, 0)
    assert np.max(np.abs(ra_difference(ra, rra))) <= 1e-10 and np.max(np.abs(dec - rdec)) <= 1e-10
    np.testing.assert_allclose(wcs.all_world2pix(rra, rdec, 0), [x, y], rtol=0, atol=1e-8)
    # the calexp writer gives the cards it gave for astropy's reading (time keys aside)
    ours = [c.image for c in wcs.to_header().cards]
    theirs = [c.image for c in wcs_to_header(ref).cards
              if c.keyword not in ("TIMESYS", "DATE-OBS", "MJD-OBS")]
    assert ours == theirs
    assert_same_wcs(TanSipWcs.from_header(wcs.to_header()), wcs, pixel_shape=False)
    np.testing.assert_array_equal(pixel_scale_matrix(wcs), pixel_scale_matrix(ref))
    assert reference_pixel(wcs) == reference_pixel(ref) == (149.5, 99.25)


@pytest.mark.parametrize("cards", [
    {**CD, "CTYPE1": "RA---SIN", "CTYPE2": "DEC--SIN"},
    {**CD, "CTYPE1": "RA---TPV", "CTYPE2": "DEC--TPV", "PV1_1": 1.0, "PV2_1": 1.0,
     "PV1_4": 1e-3, "PV2_4": -1e-3},
    {**CD, "PV2_1": 1.0, "PV2_3": 1e-3},  # SCAMP TAN + PV: astropy reads it as TPV
    {**CD, "CTYPE1": "DEC--TAN", "CTYPE2": "RA---TAN", "CRVAL1": 2.2, "CRVAL2": 150.1},
    {**CD, "LONPOLE": 170.0},
    {"CDELT1": -1.1e-4, "CDELT2": 1.1e-4, "CROTA2": 30.0},
    {**CD, "PC1_1": 2.0},
    {**CD, "CUNIT1": "arcsec", "CUNIT2": "arcsec"},
    {**CD, "RADESYS": "GAPPT"},
    {**CD, "A_ORDER": 2, "A_2_0": 1e-6, "B_ORDER": 2},  # SIP without -SIP: astropy applies it
    {**CD, "CRVAL2": 90.0},  # default LONPOLE 0 at the pole
])
def test_other_celestial_headers_fall_back_to_astropy(cards):
    header = header_of(**cards)
    wcs = wcs_from_header(header, path="test.fits")
    assert isinstance(wcs, WCS) and wcs.has_celestial
    with pytest.raises(ValueError):
        TanSipWcs.from_header(header)
    ref = astropy_reads(header)
    np.testing.assert_array_equal(wcs.all_pix2world([1.0, 50.0], [2.0, 60.0], 0),
                                  ref.all_pix2world([1.0, 50.0], [2.0, 60.0], 0))


def test_headers_without_a_usable_celestial_wcs_give_none(caplog):
    assert wcs_from_header(fits.Header({"NAXIS": 2, "OBJECT": "x"})) is None
    linear = fits.Header({"CTYPE1": "LINEAR", "CTYPE2": "LINEAR", "CRPIX1": 1.0, "CRPIX2": 1.0})
    assert wcs_from_header(linear) is None
    with caplog.at_level(logging.WARNING):
        bad = header_of(CTYPE1="RA---TAN-SIP", CTYPE2="DEC--TAN-SIP", A_ORDER=2, A_2_0=1e-6, **CD)
        assert wcs_from_header(bad, path="bad.fits") is None  # A_ORDER without B_ORDER
    assert "bad.fits: ignoring unusable WCS" in caplog.text
    # a singular CD is astropy's business, as before
    singular = header_of(CD1_1=1e-4, CD1_2=1e-4, CD2_1=1e-4, CD2_2=1e-4)
    assert not isinstance(wcs_from_header(singular, path="singular.fits"), TanSipWcs)


def test_constructor_validates():
    good = {"crval": (10.0, 20.0), "crpix": (5.0, 6.0), "cd": [[-1e-4, 0.0], [0.0, 1e-4]]}
    for bad, match in [({"crval": (10.0, 91.0)}, "declination"),
                       ({"cd": [[1e-4, 1e-4], [1e-4, 1e-4]]}, "singular"),
                       ({"crpix": (np.nan, 1.0)}, "finite"),
                       ({"a": np.zeros((3, 3))}, "both"),
                       ({"a": np.zeros((2, 2)), "b": np.zeros((2, 2))}, "order"),
                       ({"a": np.ones((3, 3)), "b": np.zeros((3, 3))}, "p \\+ q > 2"),
                       ({"radesys": "GAPPT"}, "radesys")]:
        with pytest.raises(ValueError, match=match):
            TanSipWcs(**{**good, **bad})
    wcs = TanSipWcs(**good, radesys="fk5")
    assert wcs.radesys == "FK5" and wcs.equinox == 2000.0
    assert wcs.ctype == ("RA---TAN", "DEC--TAN") and wcs.a is None and wcs.has_celestial
    with pytest.raises(ValueError):
        wcs.crval[0] = 1.0  # read-only


def test_copy_repr_and_pixel_shape():
    wcs = random_wcs(11, sip="inverse")
    for other in (wcs.copy(), wcs.deepcopy(), copy.deepcopy(wcs), copy.copy(wcs),
                  pickle.loads(pickle.dumps(wcs))):  # -j workers pickle exposures
        assert_same_wcs(other, wcs)
        other.pixel_shape = (10, 20)
        assert wcs.pixel_shape == (WIDTH, HEIGHT)
    assert "TanSipWcs(crval=" in repr(wcs) and "sip_order" in repr(wcs)
    with pytest.raises(ValueError, match="pixel_shape"):
        wcs.pixel_shape = (1, 2, 3)
    wcs.pixel_shape = None
    assert wcs.pixel_shape is None
