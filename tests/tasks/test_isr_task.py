"""IsrTask: variance, gain resolution, saturation, calibration frames, empty-variance fallback."""

import logging

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.image import Exposure
from lsstlite.tasks.base import TaskError
from lsstlite.tasks.isr import IsrTask


def raw_exposure(value=100.0, shape=(40, 50), seed=0, header=None):
    rng = np.random.default_rng(seed)
    image = (value + rng.normal(0, 3, shape)).astype(np.float32)
    return Exposure(image, metadata=header or {}, filterName="r")


def test_variance_is_poisson_plus_read_noise_plus_dark():
    exposure = raw_exposure()
    exposure.image[0, 0] = -5.0
    IsrTask().run(exposure, gain=2.0, readNoise=3.0, darkVariance=1.5)
    expected = np.maximum(exposure.image, 0) / 2.0 + 9.0 + 1.5
    np.testing.assert_allclose(exposure.variance, expected, rtol=1e-6)
    assert exposure.variance[0, 0] == pytest.approx(10.5)


def test_no_data_pixels_get_infinite_variance():
    exposure = raw_exposure()
    no_data = exposure.planes.bitmask("NO_DATA")
    exposure.mask[3, 4:7] |= no_data
    IsrTask().run(exposure, gain=2.0, readNoise=3.0)
    assert np.all(np.isinf(exposure.variance[3, 4:7]))
    assert np.isinf(exposure.variance).sum() == 3
    # the other pixels keep the Poisson + read-noise variance, and the image is unchanged
    np.testing.assert_allclose(exposure.variance[0], np.maximum(exposure.image[0], 0) / 2.0 + 9.0,
                               rtol=1e-6)


def test_gain_from_camera_then_header_then_one(caplog):
    task = IsrTask()
    assert task.run(raw_exposure(), gain=0.0, cameraGain=4.76).gain == 4.76
    assert task.run(raw_exposure(header={"GAIN": 3.0}), gain=0.0).gain == 3.0
    with caplog.at_level(logging.WARNING):
        assert task.run(raw_exposure(), gain=0.0).gain == 1.0
    assert "assuming 1 e-/DN" in caplog.text


def test_configured_gain_wins_and_the_log_says_what_it_replaces(caplog):
    task = IsrTask()
    with caplog.at_level(logging.INFO):
        assert task.run(raw_exposure(), gain=2.0, cameraGain=4.76).gain == 2.0
        assert task.run(raw_exposure(header={"GAIN": 3.0}), gain=2.5).gain == 2.5
        assert task.run(raw_exposure(), gain=1.5).gain == 1.5
    assert "configured gain 2 e-/DN instead of the camera's 4.76" in caplog.text
    assert "configured gain 2.5 e-/DN instead of the header's 3" in caplog.text
    assert "configured gain 1.5 e-/DN\n" in caplog.text + "\n"


def test_saturation_from_argument_or_header():
    exposure = raw_exposure()
    exposure.image[5, 5] = 60000
    IsrTask().run(exposure, gain=1.0, saturation=50000.0)
    sat = exposure.planes.bitmask("SAT")
    assert (exposure.mask & sat != 0).sum() == 1 and exposure.mask[5, 5] & sat
    exposure = raw_exposure(header={"SATURATE": 200.0})
    exposure.image[1, 2] = 250
    IsrTask().run(exposure, gain=1.0)
    assert exposure.mask[1, 2] & sat


def test_empty_variance_without_doVariance_is_estimated(caplog):
    exposure = raw_exposure()
    with caplog.at_level(logging.WARNING):
        IsrTask().run(exposure, gain=1.0, doVariance=False)
    assert "variance plane is empty" in caplog.text
    # the image noise is 3 DN: the clipped variance estimate is close to 9
    assert np.all(exposure.variance == exposure.variance[0, 0])
    assert exposure.variance[0, 0] == pytest.approx(9.0, rel=0.15)


def test_bias_dark_flat_from_calib_directory(tmp_path):
    shape = (40, 50)
    fits.writeto(tmp_path / "bias.fits", np.full(shape, 10.0, np.float32))
    fits.writeto(tmp_path / "dark.fits", np.full(shape, 4.0, np.float32),
                 header=fits.Header({"EXPTIME": 10.0}))
    flat = np.full(shape, 2.0, np.float32)
    flat[:, :25] = 1.0
    fits.writeto(tmp_path / "flat-r.fits", flat)
    exposure = Exposure(np.full(shape, 32.0, np.float32), metadata={"EXPTIME": 5.0},
                        filterName="r")
    IsrTask().run(exposure, gain=1.0, calibDir=tmp_path)
    # (32 - 10 - 4 * 5/10) / (flat / median(flat)=1.5)
    np.testing.assert_allclose(exposure.image[:, 30], 20.0 / (2.0 / 1.5), rtol=1e-6)
    np.testing.assert_allclose(exposure.image[:, 10], 20.0 / (1.0 / 1.5), rtol=1e-6)


def test_mismatched_calibration_frame_is_a_clear_error(tmp_path):
    fits.writeto(tmp_path / "bias.fits", np.zeros((3, 3), np.float32))
    with pytest.raises(TaskError, match=r"bias frame .*bias.fits: shape \(3, 3\) differs"):
        IsrTask().run(raw_exposure(), gain=1.0, calibDir=tmp_path)


def test_read_noise_from_header_in_electrons():
    exposure = raw_exposure(header={"RDNOISE": 5.0})
    result = IsrTask().run(exposure, gain=4.0)
    expected = np.maximum(exposure.image, 0) / 4.0 + (5.0 / 4.0) ** 2
    np.testing.assert_allclose(exposure.variance, expected, rtol=1e-6)
    assert result.gain == 4.0
