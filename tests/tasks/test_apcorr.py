"""MeasureApCorrTask / ApplyApCorrTask against a known aperture-correction field."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.image import Exposure, GaussianPsf
from lsstlite.table import Schema, SourceCatalog
from lsstlite.tasks.apcorr import ApplyApCorrTask, MeasureApCorrTask
from lsstlite.tasks.base import TaskError

WIDTH, HEIGHT = 2048, 1489


def true_ratio(x, y):
    """calibFlux / PsfFlux: 1.03 with a gentle gradient and curvature over the frame."""
    u = (2 * x - WIDTH) / WIDTH
    v = (2 * y - HEIGHT) / HEIGHT
    return 1.03 + 0.01 * u - 0.006 * v + 0.004 * u * v


def make_catalog(n, rng, noise=0.002, n_outliers=0):
    schema = Schema()
    schema.addField("base_SdssCentroid_x", "float64", "pixel", "x")
    schema.addField("base_SdssCentroid_y", "float64", "pixel", "y")
    schema.setAlias("slot_Centroid", "base_SdssCentroid")
    for name in ("base_PsfFlux", "base_CircularApertureFlux_12_0"):
        schema.addField(f"{name}_instFlux", "float64", "count", "flux")
        schema.addField(f"{name}_instFluxErr", "float64", "count", "flux error")
        schema.addField(f"{name}_flag", bool, "", "failed")
    schema.setAlias("slot_CalibFlux", "base_CircularApertureFlux_12_0")
    schema.addField("calib_psf_used", bool, "", "PSF star")
    cat = SourceCatalog(schema, n)
    x = rng.uniform(0, WIDTH - 1, n)
    y = rng.uniform(0, HEIGHT - 1, n)
    psf = rng.uniform(1e4, 1e5, n)
    ratio = true_ratio(x, y) * (1 + noise * rng.standard_normal(n))
    ratio[:n_outliers] *= 1.3
    cat["slot_Centroid_x"] = x
    cat["slot_Centroid_y"] = y
    cat["base_PsfFlux_instFlux"] = psf
    cat["base_PsfFlux_instFluxErr"] = 0.001 * psf
    cat["slot_CalibFlux_instFlux"] = psf * ratio
    cat["slot_CalibFlux_instFluxErr"] = 0.001 * psf
    cat["calib_psf_used"] = True
    return schema, cat


def make_exposure():
    return Exposure(np.zeros((HEIGHT, WIDTH), np.float32), psf=GaussianPsf(1.5, 15))


def test_measure_recovers_field_within_noise():
    rng = np.random.default_rng(1)
    n, noise = 200, 0.002
    schema, cat = make_catalog(n, rng, noise=noise, n_outliers=10)
    result = MeasureApCorrTask(schema=schema).run(make_exposure(), cat)
    field = result.apCorrMap["base_PsfFlux"]
    gx, gy = np.meshgrid(np.linspace(0, WIDTH - 1, 9), np.linspace(0, HEIGHT - 1, 9))
    diff = field.evaluate(gx, gy) - true_ratio(gx, gy)
    # 6 parameters from ~190 stars: error at a point ~ noise * sqrt(6/190); allow 5 sigma
    tol = 5 * 1.03 * noise * np.sqrt(6 / 190)
    assert np.max(np.abs(diff)) < tol
    # the outliers are clipped, the rest kept
    assert 185 <= result.numStars["base_PsfFlux"] <= 190
    err = field.evaluateErr(gx, gy)
    assert np.all(err > 0) and np.all(err < tol)
    assert "base_GaussianFlux" not in result.apCorrMap


def test_order_lowered_for_few_stars():
    rng = np.random.default_rng(2)
    schema, cat = make_catalog(4, rng, noise=0.0)
    config = MeasureApCorrTask.ConfigClass()
    config.minStarsPerTerm = 0.0
    result = MeasureApCorrTask(schema=schema, config=config).run(make_exposure(), cat)
    field = result.apCorrMap["base_PsfFlux"]
    assert field.order == 1  # 6 terms need 7 stars for minDegreesOfFreedom=1; 3 terms do


@pytest.mark.parametrize("n,order", [(25, 0), (35, 1), (70, 2)])
def test_order_needs_ten_stars_per_term(n, order):
    rng = np.random.default_rng(4)
    schema, cat = make_catalog(n, rng, noise=0.002)
    result = MeasureApCorrTask(schema=schema).run(make_exposure(), cat)
    assert result.apCorrMap["base_PsfFlux"].order == order


def test_failure_raises_or_is_allowed():
    rng = np.random.default_rng(3)
    schema, cat = make_catalog(10, rng)
    cat["calib_psf_used"] = False
    task = MeasureApCorrTask(schema=schema)
    task.config.starSelection = "flagged"
    with pytest.raises(TaskError, match="base_PsfFlux"):
        task.run(make_exposure(), cat)
    config = MeasureApCorrTask.ConfigClass()
    config.starSelection = "flagged"
    config.allowFailure = ["base_PsfFlux"]
    result = MeasureApCorrTask(schema=schema, config=config).run(make_exposure(), cat)
    assert len(result.apCorrMap) == 0


def test_psf_like_fallback_without_flags():
    rng = np.random.default_rng(4)
    schema, cat = make_catalog(50, rng, noise=0.001)
    cat["calib_psf_used"] = False
    result = MeasureApCorrTask(schema=schema).run(make_exposure(), cat)
    field = result.apCorrMap["base_PsfFlux"]
    assert abs(field.evaluate(WIDTH / 2, HEIGHT / 2) - true_ratio(WIDTH / 2, HEIGHT / 2)) < 0.002


def test_apply_scales_flux_and_error_and_flags():
    rng = np.random.default_rng(5)
    schema, cat = make_catalog(100, rng, noise=0.001)
    apply_task = ApplyApCorrTask(schema=schema)
    assert "base_PsfFlux_apCorr" in schema and "base_PsfFlux_flag_apCorr" in schema
    assert "base_GaussianFlux_apCorr" not in schema
    cat = SourceCatalog.from_columns(schema, {k: v for k, v in cat.columns.items()})
    ap_map = MeasureApCorrTask(schema=schema).run(make_exposure(), cat).apCorrMap
    flux0 = cat["base_PsfFlux_instFlux"].copy()
    err0 = cat["base_PsfFlux_instFluxErr"].copy()
    cat["slot_Centroid_x"][0] = np.nan
    apply_task.run(cat, ap_map)
    corr = cat["base_PsfFlux_apCorr"]
    ok = np.isfinite(corr)
    assert ok.sum() == 99
    np.testing.assert_allclose(cat["base_PsfFlux_instFlux"][ok], flux0[ok] * corr[ok])
    assert np.all(cat["base_PsfFlux_instFluxErr"][ok] >= err0[ok] * corr[ok])
    # corrected PSF fluxes now agree with the calib fluxes to the noise
    rel = cat["base_PsfFlux_instFlux"][ok] / cat["slot_CalibFlux_instFlux"][ok] - 1
    assert abs(np.median(rel)) < 0.001 and np.std(rel) < 0.002
    assert cat["base_PsfFlux_flag_apCorr"][0] and cat["base_PsfFlux_flag"][0]
    assert not cat["base_PsfFlux_flag_apCorr"][1:].any()
