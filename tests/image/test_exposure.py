"""Exposure construction and copies."""

import numpy as np
import pytest

from lsstlite.image import Exposure, GaussianPsf, PhotoCalib


def test_coercion_to_native_float32():
    big = np.arange(12, dtype=">f8").reshape(3, 4)
    exp = Exposure(big)
    assert exp.image.dtype == np.dtype("float32") and exp.image.dtype.isnative
    assert exp.image.flags.c_contiguous
    assert exp.mask.dtype == np.int32 and exp.variance.dtype == np.float32
    assert (exp.width, exp.height) == (4, 3)


def test_shape_mismatch():
    with pytest.raises(ValueError, match=r"mask shape \(2, 2\) differs from image shape \(3, 4\)"):
        Exposure(np.zeros((3, 4)), mask=np.zeros((2, 2)))


def test_copy_is_independent():
    exp = Exposure(np.ones((5, 6)), psf=GaussianPsf(1.5), photoCalib=PhotoCalib(1.0),
                   metadata={"OBJECT": "x"}, filterName="r")
    exp.mask[0, 0] = exp.planes.bitmask("CR")
    cp = exp.copy()
    cp.image[0, 0] = 5
    cp.planes.add("NEW")
    cp.metadata["OBJECT"] = "y"
    assert exp.image[0, 0] == 1 and "NEW" not in exp.planes and exp.metadata["OBJECT"] == "x"
    assert cp.maskedPixels("CR")[0, 0]
    assert cp.filterName == "r" and cp.psf is exp.psf


def test_metadata_is_a_header_whatever_it_was_given_as():
    from astropy.io import fits

    from lsstlite.io.header import Header

    image = np.zeros((3, 4), np.float32)
    astropy_header = fits.Header([("EXPTIME", 53.9, "seconds"), ("OBJECT", "field")])
    for given in (astropy_header, Header.fromstring(astropy_header.tostring()),
                  {"EXPTIME": 53.9, "OBJECT": "field"}):
        exposure = Exposure(image, metadata=given)
        assert isinstance(exposure.metadata, Header)
        assert exposure.metadata["EXPTIME"] == 53.9 and exposure.metadata["OBJECT"] == "field"
        exposure.metadata["EXPTIME"] = 60.0  # a copy: what was given is unchanged
        assert given["EXPTIME"] == 53.9
    assert exposure.copy().metadata == exposure.metadata
    assert exposure.metadata.to_astropy()["EXPTIME"] == 60.0
    assert isinstance(Exposure(image).metadata, Header) and len(Exposure(image).metadata) == 0
