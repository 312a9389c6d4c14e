"""RepairTask: CR plane, interpolation (INTRP), keepCRs, and the camera switch."""

import numpy as np
import pytest

from lsstlite.image import Exposure, GaussianPsf
from lsstlite.tasks.base import TaskError
from lsstlite.tasks.repair import RepairTask

from ..kernels.test_cosmic_ray import SIGMA_PSF, make_scene


def scene_exposure(seed=4):
    image, variance, truth, stars = make_scene(seed=seed)
    return Exposure(image, variance=variance, psf=GaussianPsf(SIGMA_PSF)), truth, stars


def test_cosmic_rays_masked_and_interpolated():
    exposure, truth, stars = scene_exposure()
    result = RepairTask().run(exposure)
    cr = (exposure.mask & exposure.planes.bitmask("CR")) != 0
    assert (cr & truth).sum() >= 0.95 * truth.sum()
    assert result.numCosmicRays == cr.sum()
    intrp = (exposure.mask & exposure.planes.bitmask("INTRP")) != 0
    assert np.array_equal(intrp, cr)
    # repaired pixels are back near the star+sky model (noise 7 DN, stars smooth)
    residual = exposure.image[cr] - stars[cr]
    assert np.median(np.abs(residual)) < 30


def test_keep_crs_masks_without_interpolating():
    exposure, truth, _ = scene_exposure()
    before = exposure.image.copy()
    RepairTask().run(exposure, keepCRs=True)
    cr = (exposure.mask & exposure.planes.bitmask("CR")) != 0
    assert cr.any()
    np.testing.assert_array_equal(exposure.image, before)


def test_no_cosmic_ray_search_when_switched_off():
    exposure, _, _ = scene_exposure()
    config = RepairTask.ConfigClass()
    config.doCosmicRay = False
    RepairTask(config=config).run(exposure)
    assert not (exposure.mask & exposure.planes.bitmask("CR")).any()


def test_cosmic_ray_search_needs_a_psf():
    exposure, _, _ = scene_exposure()
    exposure.psf = None
    with pytest.raises(TaskError, match="needs a PSF"):
        RepairTask().run(exposure)
