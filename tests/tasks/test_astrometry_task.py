"""AstrometryTask and LoadReferenceObjectsTask against a synthetic field with a known WCS."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from lsstlite.astrom.sip import sky_separation_arcsec
from lsstlite.tasks.astrometry import AstrometryTask
from lsstlite.tasks.base import TaskError
from lsstlite.tasks.refcat import LoadReferenceObjectsTask

from .calib_sim import HEIGHT, SCALE_ARCSEC, WIDTH, make_catalog, make_exposure, make_field, \
    tan_wcs, truth_wcs, write_refcat


def grid_error_arcsec(wcs, truth):
    gx, gy = np.meshgrid(np.linspace(-0.5, WIDTH - 0.5, 15), np.linspace(-0.5, HEIGHT - 0.5, 15))
    ra, dec = wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    tra, tdec = truth.all_pix2world(gx.ravel(), gy.ravel(), 0)
    return sky_separation_arcsec(ra, dec, tra, tdec)


def make_tasks(path, **astrom_overrides):
    loader = LoadReferenceObjectsTask()
    loader.config.path = str(path)
    task = AstrometryTask(refObjLoader=loader)
    for key, value in astrom_overrides.items():
        setattr(task.config, key, value)
    return loader, task


@pytest.fixture
def field(tmp_path):
    # 0.01 px centroid noise (S/N ~ 150 stars): the TAN-SIP fit is unweighted, so the
    # corner error of an order-3 fit is about one star's centroid error (see grid test)
    f = make_field(np.random.default_rng(7), centroid_sigma=0.01)
    f["refcat"] = write_refcat(f, tmp_path / "ref.fits")
    return f


def test_perturbed_wcs_fits_truth(field):
    # 2" shift and 0.5 deg rotation of the initial WCS
    exposure = make_exposure(tan_wcs(rotation_deg=0.5, shift_arcsec=(1.6, 1.2)))
    initial_err = grid_error_arcsec(exposure.wcs, truth_wcs())
    assert initial_err.max() > 6  # rotation: 4.3" at the corners, plus the 2" shift
    cat = make_catalog(field)
    _, task = make_tasks(field["refcat"])
    result = task.run(exposure, cat)
    err = grid_error_arcsec(exposure.wcs, truth_wcs())
    # centroid noise 0.01 px = 0.004" per axis; at the frame corners an unweighted cubic fit
    # from ~165 stars has an error of about one star's (~0.006" 2-D): 0.02" is > 3 sigma
    assert err.max() < 0.02
    assert np.median(err) < 0.005
    n_stars_on = int((field["star"] & field["on"]).sum())
    assert result.numMatches >= 0.95 * n_stars_on
    expected = 0.01 * SCALE_ARCSEC * np.sqrt(2)  # rms 2-D separation from centroid noise
    assert result.rmsArcsec == pytest.approx(expected, rel=0.2)
    assert result.medianArcsec < result.rmsArcsec
    assert task.metadata["numMatches"] == result.numMatches
    # every source has sky coordinates from the fitted WCS
    ra, dec = truth_wcs().all_pix2world(cat["slot_Centroid_x"], cat["slot_Centroid_y"], 0)
    sep = sky_separation_arcsec(np.rad2deg(cat["coord_ra"]), np.rad2deg(cat["coord_dec"]), ra, dec)
    assert np.all(sep < 0.02)
    # matches: the right pairs (galaxies have no reference entry)
    m = result.matches
    assert len(m) == result.numMatches
    assert m.unit("separation") == "arcsec" and m.unit("ref_coord_ra") == "rad"
    assert np.all(m["separation"] < 0.1)
    assert "ref_r_flux" in m.colnames


def test_force_known_wcs_keeps_wcs(field):
    initial = tan_wcs(shift_arcsec=(0.3, 0.0))
    exposure = make_exposure(initial)
    cat = make_catalog(field)
    _, task = make_tasks(field["refcat"], forceKnownWcs=True)
    result = task.run(exposure, cat)
    assert exposure.wcs is initial and not result.fitted
    assert result.numMatches >= 0.95 * int((field["star"] & field["on"]).sum())
    # separations show the 0.3" error of the kept WCS (plus the ~0.1" SIP term)
    assert 0.2 < result.medianArcsec < 0.6


def test_no_refcat_keeps_wcs_and_logs(field, caplog):
    exposure = make_exposure(truth_wcs())
    cat = make_catalog(field)
    task = AstrometryTask(refObjLoader=LoadReferenceObjectsTask())
    with caplog.at_level(logging.INFO):
        result = task.run(exposure, cat)
    assert result.matches is None and result.numMatches == 0
    assert sum("No reference catalogue" in r.message for r in caplog.records) == 1
    assert np.isfinite(cat["coord_ra"]).all()


def test_source_selection(field):
    cat = make_catalog(field)
    task = AstrometryTask()
    sel = task.selectSources(cat)
    star = field["star"][field["on"]]
    assert not sel[~star].any()  # extended sources excluded
    cat["base_PixelFlags_flag_saturatedCenter"][0] = True
    assert not task.selectSources(cat)[0]


def test_bad_initial_wcs_raises(field):
    exposure = make_exposure(tan_wcs(shift_arcsec=(200.0, 0.0)))
    _, task = make_tasks(field["refcat"])
    with pytest.raises(TaskError, match="astrometry failed"):
        task.run(exposure, make_catalog(field))


def test_refcat_loader_box_band_and_errors(field, tmp_path):
    loader = LoadReferenceObjectsTask()
    loader.config.path = str(field["refcat"])
    loader.config.pixelMargin = 0
    res = loader.loadPixelBox(truth_wcs(), WIDTH, HEIGHT, "r")
    assert res.band == "r"
    n_on = int((field["star"] & field["on"]).sum())
    assert abs(len(res.refCat) - n_on) <= 2  # box edges through the WCS round trip
    assert np.all((res.x > -0.6) & (res.x < WIDTH - 0.4))
    loader.config.filterMap = {"R": "r"}
    assert loader.loadPixelBox(truth_wcs(), WIDTH, HEIGHT, "R").band == "r"
    with pytest.raises(TaskError, match="unknown band 'g'"):
        loader.loadPixelBox(truth_wcs(), WIDTH, HEIGHT, "g")
    loader.config.path = str(tmp_path / "missing.fits")
    with pytest.raises(TaskError, match="not found"):
        loader.loadPixelBox(truth_wcs(), WIDTH, HEIGHT, "r")


def distorted_initial_wcs(sip_scale=1.0):
    """The truth's TAN-SIP WCS shifted by 2" and rotated by 0.5 deg, its distortion scaled."""
    from astropy.wcs import Sip

    wcs = truth_wcs()
    off = tan_wcs(rotation_deg=0.5, shift_arcsec=(1.6, 1.2))
    wcs.wcs.crval = off.wcs.crval
    wcs.wcs.cd = off.wcs.cd
    wcs.sip = Sip(wcs.sip.a * sip_scale, wcs.sip.b * sip_scale, None, None, wcs.wcs.crpix)
    wcs.wcs.set()
    return wcs


def test_input_distortion_is_kept_when_the_matches_agree(field, caplog):
    exposure = make_exposure(distorted_initial_wcs())
    _, task = make_tasks(field["refcat"])
    with caplog.at_level(logging.INFO):
        result = task.run(exposure, make_catalog(field))
    assert task.metadata["inputDistortionKept"] is True
    assert task.metadata["inputDistortionPValue"] > 0.01
    assert "Keeping the input WCS's distortion" in caplog.text
    assert result.fit.order == 1 and result.fit.distortion is not None
    np.testing.assert_allclose(exposure.wcs.a, truth_wcs().sip.a)
    # 0.004" per axis from ~165 stars and 3 terms per axis: the corners are within ~2 mas
    predicted = result.fit.position_error_arcsec(np.array([0.0, WIDTH - 1.0]), np.array([0.0, HEIGHT - 1.0]))
    assert predicted.max() < 0.003
    assert grid_error_arcsec(exposure.wcs, truth_wcs()).max() < 0.01


def test_wrong_input_distortion_is_rejected_and_refitted(field, caplog):
    # the input distortion is 3x the truth's: ~1 px (0.4") wrong at the corners
    exposure = make_exposure(distorted_initial_wcs(sip_scale=3.0))
    _, task = make_tasks(field["refcat"])
    with caplog.at_level(logging.INFO):
        result = task.run(exposure, make_catalog(field))
    assert task.metadata["inputDistortionKept"] is False
    assert task.metadata["inputDistortionPValue"] < 1e-6
    assert "reject the input WCS's distortion" in caplog.text
    assert result.fit.order == 3 and result.fit.distortion is None
    assert grid_error_arcsec(exposure.wcs, truth_wcs()).max() < 0.02


@pytest.mark.parametrize(("mode", "kept", "max_error"), [("keep", True, (0.2, 2.0)),
                                                          ("refit", False, (0.0, 0.02))])
def test_input_distortion_modes(field, mode, kept, max_error):
    # 'keep' trusts even a wrong distortion (errors of its 2x excess, ~0.3" at the corners);
    # 'refit' ignores it
    exposure = make_exposure(distorted_initial_wcs(sip_scale=3.0))
    _, task = make_tasks(field["refcat"])
    task.config.wcsFitter.inputDistortion = mode
    task.run(exposure, make_catalog(field))
    assert task.metadata["inputDistortionKept"] is kept
    assert "inputDistortionPValue" not in task.metadata
    err = grid_error_arcsec(exposure.wcs, truth_wcs()).max()
    assert max_error[0] < err < max_error[1]


def test_too_few_matches_to_test_keep_the_input_distortion(tmp_path, caplog):
    # 8 stars: the affine fit needs 3 terms per axis, a cubic TAN-SIP 10 (11 matches at least)
    field = make_field(np.random.default_rng(3), n_stars=8, n_galaxies=0, centroid_sigma=0.01, margin=0)
    field["refcat"] = write_refcat(field, tmp_path / "ref.fits")
    exposure = make_exposure(distorted_initial_wcs())
    _, task = make_tasks(field["refcat"])
    with caplog.at_level(logging.INFO):
        result = task.run(exposure, make_catalog(field))
    assert result.numMatches == 8
    assert task.metadata["inputDistortionKept"] is True and "inputDistortionPValue" not in task.metadata
    assert "8 matches are too few to test it against a TAN-SIP of order 3" in caplog.text
    assert grid_error_arcsec(exposure.wcs, truth_wcs()).max() < 0.02


def test_input_distortion_of_higher_order_is_tested_at_its_order(field, caplog):
    """A quartic input distortion is tested against a quartic TAN-SIP (the models must be
    nested), whatever `order` is; order 1 works too."""
    from astropy.wcs import Sip

    wcs = distorted_initial_wcs()
    a, b = np.zeros((5, 5)), np.zeros((5, 5))
    a[:3, :3], b[:3, :3] = wcs.sip.a, wcs.sip.b
    wcs.sip = Sip(a, b, None, None, wcs.wcs.crpix)
    exposure = make_exposure(wcs)
    _, task = make_tasks(field["refcat"])
    task.config.wcsFitter.order = 1
    with caplog.at_level(logging.INFO):
        task.run(exposure, make_catalog(field))
    assert "F-test against a TAN-SIP of order 4" in caplog.text
    assert task.metadata["inputDistortionKept"] is True
    assert grid_error_arcsec(exposure.wcs, truth_wcs()).max() < 0.01


def _tan_sip_input(sip_scale=1.0, inverse_order=2):
    """`distorted_initial_wcs` as a `TanSipWcs` with AP/BP of ``inverse_order`` (quadratic:
    unlike the quartic ones the task would fit)."""
    from lsstlite.astrom.sip import fit_tan_sip
    from lsstlite.image.wcs import TanSipWcs

    wcs = distorted_initial_wcs(sip_scale)
    gx, gy = np.meshgrid(np.linspace(0, WIDTH - 1, 20), np.linspace(0, HEIGHT - 1, 15))
    crpix0 = (wcs.wcs.crpix[0] - 1, wcs.wcs.crpix[1] - 1)
    inverse = fit_tan_sip(gx.ravel(), gy.ravel(), *wcs.all_pix2world(gx.ravel(), gy.ravel(), 0), order=1,
                          distortion=(wcs.sip.a, wcs.sip.b), crpix=crpix0, num_iter=0,
                          frame_shape=(HEIGHT, WIDTH), inverse_order=inverse_order).wcs
    return TanSipWcs(wcs.wcs.crval, wcs.wcs.crpix, wcs.wcs.cd, a=wcs.sip.a, b=wcs.sip.b, ap=inverse.ap,
                     bp=inverse.bp)


def test_kept_distortion_keeps_the_input_inverse(field):
    initial = _tan_sip_input()
    exposure = make_exposure(initial)
    _, task = make_tasks(field["refcat"])
    task.run(exposure, make_catalog(field))
    assert task.metadata["inputDistortionKept"] is True
    np.testing.assert_array_equal(exposure.wcs.ap, initial.ap)
    assert exposure.wcs.ap.shape == (3, 3)


def test_input_inverse_of_order_one_is_refitted(field):
    from astropy.wcs import Sip

    wcs = distorted_initial_wcs()
    wcs.sip = Sip(wcs.sip.a, wcs.sip.b, np.zeros((2, 2)), np.zeros((2, 2)), wcs.wcs.crpix)
    exposure = make_exposure(wcs)
    _, task = make_tasks(field["refcat"])
    task.run(exposure, make_catalog(field))
    assert task.metadata["inputDistortionKept"] is True and exposure.wcs.ap.shape == (4, 4)


def test_failed_refit_keeps_the_input_distortion(field, caplog, monkeypatch):
    import lsstlite.astrom.solve as solve
    from lsstlite.astrom.sip import SipFitError

    original = solve.solve_astrometry

    def no_free_fit(*args, order, **kwargs):
        if order != 1:
            raise SipFitError("simulated failure")
        return original(*args, order=order, **kwargs)

    monkeypatch.setattr(solve, "solve_astrometry", no_free_fit)
    exposure = make_exposure(distorted_initial_wcs(sip_scale=3.0))  # rejected by the F-test
    _, task = make_tasks(field["refcat"])
    with caplog.at_level(logging.INFO):
        result = task.run(exposure, make_catalog(field))
    assert task.metadata["inputDistortionPValue"] < 1e-6
    assert task.metadata["inputDistortionKept"] is True and result.fit.order == 1
    assert "The TAN-SIP fit failed (simulated failure): keeping the input WCS's distortion" in caplog.text


def test_failed_free_fit_of_the_test_keeps_the_input_distortion(field, caplog, monkeypatch):
    import lsstlite.astrom.sip as sip

    original = sip.fit_tan_sip

    def no_test_fit(*args, num_iter=3, **kwargs):
        if num_iter == 0:
            raise sip.SipFitError("degenerate")
        return original(*args, num_iter=num_iter, **kwargs)

    monkeypatch.setattr(sip, "fit_tan_sip", no_test_fit)
    exposure = make_exposure(distorted_initial_wcs())
    _, task = make_tasks(field["refcat"])
    with caplog.at_level(logging.INFO):
        task.run(exposure, make_catalog(field))
    assert task.metadata["inputDistortionKept"] is True and "inputDistortionPValue" not in task.metadata
    assert "no TAN-SIP of order 3 to test it against: degenerate" in caplog.text


def test_a_second_run_does_not_keep_the_first_runs_test(field):
    _, task = make_tasks(field["refcat"])
    task.run(make_exposure(distorted_initial_wcs()), make_catalog(field))
    assert "inputDistortionPValue" in task.metadata
    task.run(make_exposure(tan_wcs(rotation_deg=0.5, shift_arcsec=(1.6, 1.2))), make_catalog(field))
    assert "inputDistortionPValue" not in task.metadata and task.metadata["inputDistortionKept"] is False
