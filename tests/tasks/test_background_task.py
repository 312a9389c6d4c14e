"""SubtractBackgroundTask and the background list written to background.fits."""

import numpy as np

from lsstlite.image import Exposure
from lsstlite.tasks.background import BackgroundList, SubtractBackgroundTask


def sky(shape=(300, 400)):
    y, x = np.mgrid[: shape[0], : shape[1]]
    return 100.0 + 0.02 * x - 0.01 * y + 1e-5 * x * y


def test_subtracts_a_smooth_sky_to_within_the_noise():
    rng = np.random.default_rng(0)
    truth = sky()
    exposure = Exposure((truth + rng.normal(0, 5, truth.shape)).astype(np.float32))
    result = SubtractBackgroundTask().run(exposure)
    residual = result.background.evaluate() - truth
    # cells of ~128x128 px: the model is good to a fraction of 5/128 DN
    assert np.abs(residual).max() < 0.3
    assert abs(np.mean(exposure.image)) < 0.1
    assert exposure.metadata["BGMEAN"] == result.model.mean


def test_background_list_round_trips_through_fits(tmp_path):
    rng = np.random.default_rng(1)
    exposure = Exposure((sky() + rng.normal(0, 5, (300, 400))).astype(np.float32))
    task = SubtractBackgroundTask()
    result = task.run(exposure)
    task.run(exposure, result.background)  # a second model, as after detection
    assert len(result.background) == 2
    result.background.write(tmp_path / "background.fits")
    back = BackgroundList.read(tmp_path / "background.fits")
    assert len(back) == 2
    np.testing.assert_array_equal(back.evaluate(), result.background.evaluate())
