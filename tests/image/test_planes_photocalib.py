"""MaskPlanes and PhotoCalib."""

import math

import numpy as np
import pytest

from lsstlite.image import MaskPlanes, PhotoCalib


def test_default_planes():
    p = MaskPlanes()
    assert p.names == ["BAD", "SAT", "INTRP", "CR", "EDGE", "DETECTED", "DETECTED_NEGATIVE",
                       "SUSPECT", "NO_DATA"]
    assert p.bit("NO_DATA") == 8
    assert p.bitmask("BAD", "CR") == 0b1001
    assert p.bitmask() == 0


def test_add_plane():
    p = MaskPlanes()
    assert p.add("NOTCHECKED") == 9
    assert p.add("NOTCHECKED") == 9
    assert "NOTCHECKED" in p and len(p) == 10
    assert "9  0x00000200  NOTCHECKED" in p.describe()


def test_unknown_plane_message():
    with pytest.raises(KeyError, match="unknown mask plane 'FOO'"):
        MaskPlanes().bit("FOO")


def test_duplicate_bit_rejected():
    with pytest.raises(ValueError, match="bit 0 already used by 'A'"):
        MaskPlanes({"A": 0, "B": 0})


def test_photocalib_conversions():
    pc = PhotoCalib(2.0, 0.1)
    flux, err = pc.instFluxToNanojansky(100.0, 3.0)
    assert flux == 200.0
    assert err == pytest.approx(math.hypot(6.0, 10.0))
    mag = pc.instFluxToMagnitude(np.array([100.0, -1.0]))
    assert mag[0] == pytest.approx(-2.5 * math.log10(200e-9 / 3631))
    assert np.isnan(mag[1])
    assert pc.zeroPoint == pytest.approx(-2.5 * math.log10(2e-9 / 3631))
    assert pc.fluxMag0 == pytest.approx(3631e9 / 2.0)


def test_photocalib_from_zero_point():
    pc = PhotoCalib.fromZeroPoint(28.245, 0.01)
    assert pc.zeroPoint == pytest.approx(28.245, abs=1e-12)
    assert pc.zeroPointErr == pytest.approx(0.01, rel=1e-12)
    mag, magErr = pc.instFluxToMagnitude(1.0, 0.0)
    assert mag == pytest.approx(28.245) and magErr == pytest.approx(0.01)


def test_photocalib_rejects_bad_mean():
    with pytest.raises(ValueError, match="calibrationMean must be positive"):
        PhotoCalib(0.0)
