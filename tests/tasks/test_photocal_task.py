"""PhotoCalTask against a synthetic field with a known zero point of total counts."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from lsstlite.image import PhotoCalib
from lsstlite.tasks.astrometry import AstrometryTask
from lsstlite.tasks.photocal import PhotoCalTask
from lsstlite.tasks.refcat import LoadReferenceObjectsTask

from .calib_sim import make_catalog, make_exposure, make_field, truth_wcs, write_refcat

ZP = 28.0


@pytest.fixture
def matched(tmp_path):
    field = make_field(np.random.default_rng(11), zero_point=ZP)
    loader = LoadReferenceObjectsTask()
    loader.config.path = str(write_refcat(field, tmp_path / "ref.fits"))
    exposure = make_exposure(truth_wcs())
    cat = make_catalog(field, calib_radius=6.0)
    astrom = AstrometryTask(refObjLoader=loader).run(exposure, cat)
    return exposure, cat, astrom.matches


def test_zero_point_of_total_counts(matched):
    exposure, cat, matches = matched
    task = PhotoCalTask(schema=cat.schema)
    result = task.run(exposure, cat, matches)
    # 6 px of a beta=3 Moffat holds 96 % of the light: without the curve of growth the zero
    # point would be off by 0.044 mag; PSF-flux noise of ~150 stars gives ~1 mmag
    assert result.zeroPoint == pytest.approx(ZP, abs=0.005)
    assert result.origin == "refcat" and result.numStars > 100
    assert 1.03 < result.curveOfGrowthCorrection < 1.06
    assert exposure.photoCalib.zeroPoint == pytest.approx(result.zeroPoint)
    assert 0 < result.zeroPointErr < 0.005
    assert exposure.metadata["MAGZERO"] == pytest.approx(result.zeroPoint)
    # calibrated columns: PSF fluxes (not aperture corrected: total) and calib fluxes
    # (corrected to total) both reproduce the true fluxes of the stars
    for name in ("base_PsfFlux", "base_CircularApertureFlux_6_0"):
        for suffix in ("flux", "fluxErr", "mag", "magErr"):
            assert f"{name}_{suffix}" in cat.schema
        bright = cat["base_PsfFlux_instFlux"] > 2e4
        ratio = cat[f"{name}_flux"][bright] / (10 ** (-0.4 * (ZP - 31.4)) *
                                               cat["base_PsfFlux_instFlux"][bright])
        assert np.median(ratio) == pytest.approx(1.0, abs=0.01)
    assert cat.schema["base_PsfFlux_flux"].unit == "nJy"
    m = cat["base_PsfFlux_mag"]
    np.testing.assert_allclose(m, PhotoCalib.fromZeroPoint(result.zeroPoint)
                               .instFluxToMagnitude(cat["base_PsfFlux_instFlux"]), equal_nan=True)


def test_without_curve_of_growth_is_biased(matched):
    exposure, cat, matches = matched
    task = PhotoCalTask()
    task.config.doCurveOfGrowth = False
    result = task.run(exposure, cat, matches)
    assert result.zeroPoint == pytest.approx(ZP - 2.5 * np.log10(1 / 0.96), abs=0.01)


@pytest.mark.parametrize(("header", "expected"), [
    ({"MAGZERO": 27.5}, 27.5), ({"PHOTZP": 26.0}, 26.0),
    ({"FLUX20": 1981.78}, 20 + 2.5 * np.log10(1981.78))])
def test_header_fallback(header, expected):
    field = make_field(np.random.default_rng(3))
    exposure = make_exposure(truth_wcs(), header=header)
    cat = make_catalog(field)
    result = PhotoCalTask().run(exposure, cat)
    assert result.zeroPoint == pytest.approx(expected, abs=1e-9)
    assert result.origin.startswith("header")
    assert np.isfinite(cat["base_PsfFlux_flux"]).any()


def test_existing_photocalib_and_uncalibrated(caplog):
    field = make_field(np.random.default_rng(4))
    exposure = make_exposure(truth_wcs(), header={"MAGZERO": 20.0})
    exposure.photoCalib = PhotoCalib.fromZeroPoint(28.245)
    assert PhotoCalTask().run(exposure, make_catalog(field)).zeroPoint == pytest.approx(28.245)
    exposure = make_exposure(truth_wcs())
    cat = make_catalog(field)
    with caplog.at_level(logging.INFO):
        result = PhotoCalTask().run(exposure, cat)
    assert result.photoCalib is None and exposure.photoCalib is None
    assert "base_PsfFlux_flux" not in cat.schema
    assert any("uncalibrated" in r.message for r in caplog.records)
