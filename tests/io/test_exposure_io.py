"""calexp MEF round trip."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS, Sip

from lsstlite.image import DoubleGaussianPsf, Exposure, GaussianPsf, KernelImagePsf, PhotoCalib
from lsstlite.image.wcs import TanSipWcs
from lsstlite.io.errors import ImageFileNotFoundError, ImageReadError
from lsstlite.io.exposure_io import read_exposure, write_exposure


CRVAL = (10.123456789012345, -0.5123456789012345)
CRPIX = (32.3, 20.1)
CD = np.array([[-1.1e-4, 3.2e-7], [2.9e-7, 1.1000000000000001e-4]])


def sip_matrices():
    a = np.zeros((3, 3))
    a[2, 0], a[0, 2] = 1.234567890123456e-6, -3e-7
    b = np.zeros((3, 3))
    b[1, 1] = 2.0000000000000003e-6
    return a, b


def make_sip_wcs():
    a, b = sip_matrices()
    return TanSipWcs(CRVAL, CRPIX, CD, a=a, b=b)


def make_astropy_sip_wcs():
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
    wcs.wcs.crval = CRVAL
    wcs.wcs.crpix = CRPIX
    wcs.wcs.cd = CD
    wcs.sip = Sip(*sip_matrices(), None, None, wcs.wcs.crpix)
    return wcs


def make_exposure(psf, wcs=None):
    rng = np.random.default_rng(5)
    image = rng.normal(100, 10, size=(40, 64)).astype(np.float32)
    exp = Exposure(image, rng.integers(0, 1024, size=image.shape), rng.uniform(1, 2, image.shape),
                   wcs=make_sip_wcs() if wcs is None else wcs, psf=psf, photoCalib=PhotoCalib(0.0123456789012345678, 1.2345678901234567e-05),
                   metadata={"OBJECT": "field", "EXPTIME": 53.907456}, filterName="r")
    exp.planes.add("NOTCHECKED")
    return exp


@pytest.mark.parametrize("psf", [GaussianPsf(1.3333333333333333, 15), DoubleGaussianPsf(1.1, 3.3, 0.1),
                                 KernelImagePsf(np.outer([1, 3, 1], [1, 2, 1])), None])
def test_round_trip_exact(tmp_path, psf):
    exp = make_exposure(psf)
    path = tmp_path / "calexp.fits"
    write_exposure(exp, path)
    back = read_exposure(path)
    np.testing.assert_array_equal(back.image, exp.image)
    np.testing.assert_array_equal(back.mask, exp.mask)
    np.testing.assert_array_equal(back.variance, exp.variance)
    for arr in (back.image, back.mask, back.variance):
        assert arr.dtype.isnative and arr.flags.c_contiguous
    assert back.planes == exp.planes and back.planes.bit("NOTCHECKED") == 9
    assert back.psf == psf
    assert back.photoCalib == exp.photoCalib
    assert back.filterName == "r"
    assert back.metadata["OBJECT"] == "field" and back.metadata["EXPTIME"] == 53.907456
    assert isinstance(back.wcs, TanSipWcs)
    for attr in ("crval", "crpix", "cd", "a", "b"):
        np.testing.assert_array_equal(getattr(back.wcs, attr), getattr(exp.wcs, attr))
    assert back.wcs.ap is None and back.wcs.pixel_shape == (64, 40)
    x, y = np.meshgrid(np.arange(0, 64, 7.0), np.arange(0, 40, 7.0))
    np.testing.assert_array_equal(np.array(back.wcs.all_pix2world(x, y, 0)),
                                  np.array(exp.wcs.all_pix2world(x, y, 0)))


def test_astropy_wcs_is_written_as_the_same_tan_sip(tmp_path):
    """An exposure holding an astropy WCS is written with the cards of the equal TanSipWcs,
    and read back as that TanSipWcs."""
    mine, theirs = tmp_path / "mine.fits", tmp_path / "theirs.fits"
    write_exposure(make_exposure(None), mine)
    write_exposure(make_exposure(None, make_astropy_sip_wcs()), theirs)
    with fits.open(mine) as a, fits.open(theirs) as b:
        assert [c.image for c in a["IMAGE"].header.cards] == \
            [c.image for c in b["IMAGE"].header.cards]
    back = read_exposure(theirs)
    assert isinstance(back.wcs, TanSipWcs)
    for attr in ("crval", "crpix", "cd", "a", "b"):
        np.testing.assert_array_equal(getattr(back.wcs, attr), getattr(make_sip_wcs(), attr))
    x, y = np.meshgrid(np.arange(0, 64, 7.0), np.arange(0, 40, 7.0))
    np.testing.assert_allclose(back.wcs.all_pix2world(x, y, 0),
                               make_astropy_sip_wcs().all_pix2world(x, y, 0), rtol=0, atol=1e-10)


def test_layout_readable_by_astropy(tmp_path):
    path = tmp_path / "calexp.fits"
    write_exposure(make_exposure(GaussianPsf(2.0)), path)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert [h.name for h in hdul] == ["PRIMARY", "IMAGE", "MASK", "VARIANCE", "PSF"]
        for name in ("IMAGE", "MASK", "VARIANCE"):
            assert hdul[name].header["EXTTYPE"] == name
            assert hdul[name].header["CTYPE1"] == "RA---TAN-SIP"
            assert "A_2_0" in hdul[name].header
        assert hdul["MASK"].header["MP_CR"] == 3
        assert hdul["MASK"].header["MP_DETECTED_NEGATIVE"] == 6
        assert hdul["MASK"].data.dtype == np.dtype(">i4")
        assert hdul[0].header["PHOTCALI"] == 0.0123456789012345678
        assert hdul[0].header["MAGZERO"] == pytest.approx(PhotoCalib(0.0123456789012345678).zeroPoint)
        assert hdul[0].header["FLUXMAG0"] == pytest.approx(3631e9 / 0.0123456789012345678)
        assert hdul["PSF"].header["PSFTYPE"] == "GAUSSIAN"


def test_minimal_exposure_round_trip(tmp_path):
    exp = Exposure(np.zeros((3, 5)))
    write_exposure(exp, tmp_path / "e.fits")
    back = read_exposure(tmp_path / "e.fits")
    assert back.wcs is None and back.psf is None and back.photoCalib is None and back.filterName is None
    assert back.shape == (3, 5)


def test_old_fluxmag0_calibration(tmp_path):
    path = tmp_path / "e.fits"
    write_exposure(Exposure(np.zeros((3, 5))), path)
    with fits.open(path, mode="update") as hdul:
        hdul[0].header["FLUXMAG0"] = 1.0e11
    assert read_exposure(path).photoCalib.calibrationMean == pytest.approx(36.31)


def test_read_exposure_errors(tmp_path):
    with pytest.raises(ImageFileNotFoundError, match=r"nope\.fits: no such file"):
        read_exposure(tmp_path / "nope.fits")
    plain = tmp_path / "plain.fits"
    fits.PrimaryHDU(np.zeros((3, 3), dtype=np.float32)).writeto(plain)
    with pytest.raises(ImageReadError, match=r"plain\.fits: no IMAGE HDU \(not an exposure file\?\)"):
        read_exposure(plain)
