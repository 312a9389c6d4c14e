"""The calexp and background.fits files written by the direct FITS writer: valid FITS, the
expected HDUs and cards, and exact round trips."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from lsstlite.algorithms.background import BackgroundModel, fit_background
from lsstlite.image import Exposure, GaussianPsf, PhotoCalib
from lsstlite.io.exposure_io import read_exposure, write_exposure
from lsstlite.io.fits_image import is_structural_key, is_wcs_key, wcs_to_header
from lsstlite.tasks.background import BackgroundList

from .test_exposure_io import make_exposure, make_sip_wcs

_WRITER_KEYS = {"FILTER", "PHOTCALI", "PHOTCERR", "FLUXMAG0", "MAGZERO", "PSFHDU", "PSFNHDU"}


def _values(header):
    return {k: v for k, v in header.items() if k not in ("COMMENT", "HISTORY", "")}


def _check_calexp(path, exposure):
    """Every HDU, card and pixel of ``path`` as ``exposure`` prescribes."""
    wcs_header = None if exposure.wcs is None else wcs_to_header(exposure.wcs)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        names = ["PRIMARY", "IMAGE", "MASK", "VARIANCE"]
        psf_hdus = [] if exposure.psf is None else exposure.psf.to_hdus()
        assert [h.name for h in hdul] == names + [h.name for h in psf_hdus]
        primary = hdul[0].header
        assert primary["NAXIS"] == 0 and primary["EXTEND"] is True
        # metadata cards are copied as astropy formats them (its floats have <= 20 characters)
        as_written = fits.Header.fromstring(exposure.metadata.tostring())
        expected = {k: v for k, v in _values(as_written).items()
                    if not (is_structural_key(k) or is_wcs_key(k) or k in _WRITER_KEYS)}
        metadata = {k: v for k, v in _values(primary).items()
                    if k not in _WRITER_KEYS | {"SIMPLE", "BITPIX", "NAXIS", "EXTEND"}}
        assert metadata == expected
        assert str(primary.get("COMMENT", "")) == str(exposure.metadata.get("COMMENT", ""))
        assert primary["FILTER"] == exposure.filterName
        assert primary["PHOTCALI"] == exposure.photoCalib.calibrationMean
        assert primary["PHOTCERR"] == exposure.photoCalib.calibrationErr
        assert primary["MAGZERO"] == exposure.photoCalib.zeroPoint
        for name, data in zip(names[1:], (exposure.image, exposure.mask, exposure.variance),
                              strict=True):
            header = hdul[name].header
            assert header["EXTTYPE"] == name and header["INHERIT"] is True
            for key, value in wcs_header.items():
                assert header[key] == value, key
            assert hdul[name].data.dtype == data.dtype.newbyteorder(">")
            np.testing.assert_array_equal(hdul[name].data, data)
        planes = {k[3:]: v for k, v in hdul["MASK"].header.items() if k.startswith("MP_")}
        assert planes == dict(exposure.planes.items())
        for ours, theirs in zip(hdul[len(names):], psf_hdus, strict=True):
            assert _values(ours.header) == _values(theirs.header)
            if theirs.data is not None:
                np.testing.assert_array_equal(ours.data, theirs.data)
        seen = WCS(hdul["IMAGE"].header)
    x, y = np.meshgrid(np.linspace(-5.0, exposure.shape[1] + 5.0, 9),
                       np.linspace(-5.0, exposure.shape[0] + 5.0, 7))
    # astropy reads the same WCS (its rounding differs from numpy's by ~1e-14 deg) ...
    np.testing.assert_allclose(np.array(seen.all_pix2world(x, y, 0)),
                               np.array(exposure.wcs.all_pix2world(x, y, 0)), rtol=0, atol=1e-10)
    # ... and lsstlite reads it back bit for bit
    np.testing.assert_array_equal(np.array(read_exposure(path).wcs.all_pix2world(x, y, 0)),
                                  np.array(exposure.wcs.all_pix2world(x, y, 0)))


def test_synthetic_calexp_file(tmp_path):
    exposure = make_exposure(GaussianPsf(1.7, 13))
    exposure.metadata["LONGTEXT"] = "a string that needs CONTINUE cards " * 4
    exposure.metadata["HIERARCH A LONG KEYWORD"] = 1.25
    exposure.metadata.add_comment("a comment card")
    path = tmp_path / "calexp.fits"
    write_exposure(exposure, path)
    _check_calexp(path, exposure)
    back = read_exposure(path)
    assert back.metadata["LONGTEXT"] == exposure.metadata["LONGTEXT"]
    assert back.metadata["A LONG KEYWORD"] == 1.25


def test_sdss_calexp_file(tmp_path, sdss_data):
    """The SDSS r frame's real header (COMMENT cards, fixed-format floats), KL PSF and SIP WCS."""
    from lsstlite.io.sdss import read_sdss_frame

    exposure, _ = read_sdss_frame(sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz")
    exposure.wcs = make_sip_wcs()  # the frame's own WCS has no SIP terms
    exposure.photoCalib = PhotoCalib(18.29550366788138, 0.04237462032245769)
    path = tmp_path / "calexp.fits"
    write_exposure(exposure, path)
    _check_calexp(path, exposure)
    back = read_exposure(path)
    assert back.psf == exposure.psf and back.photoCalib == exposure.photoCalib
    np.testing.assert_array_equal(back.image, exposure.image)
    np.testing.assert_array_equal(back.mask, exposure.mask)


def _models():
    rng = np.random.default_rng(4)
    y, x = np.mgrid[0:300, 0:500]
    image = (120.0 + 0.01 * x - 0.02 * y + rng.normal(0.0, 5.0, x.shape)).astype(np.float32)
    mask = np.zeros(image.shape, np.int32)
    mask[100:140, 200:260] = 32
    return [fit_background(image, mask, ignoredMask=32, binSize=64),
            fit_background(image, binSize=100, useApprox=False, statistic="MEDIAN")]


def test_background_file_round_trip(tmp_path):
    models = _models()
    path = tmp_path / "background.fits"
    BackgroundList(models).write(path)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert hdul[0].header["NBKGD"] == 2 and hdul[0].data is None
        suffixes = ["VALUES", "VARIANCE", "STDEV", "NPIX", "XEDGES", "YEDGES"]
        assert [h.name for h in hdul[1:]] == (
            [f"BKGD0_{s}" for s in [*suffixes, "CHEBYSHEV"]] + [f"BKGD1_{s}" for s in suffixes])
        for i, model in enumerate(models):
            header = hdul[f"BKGD{i}_VALUES"].header
            assert header["BGMEAN"] == model.mean and header["BGVAR"] == model.variance
            assert header["USEAPPRX"] is model.useApprox and header["STATISTC"] == model.statistic
            assert header["NSIGCLIP"] == model.numSigmaClip
            assert hdul[f"BKGD{i}_NPIX"].data.dtype == np.dtype(">i8")
            back = BackgroundModel.from_hdus(hdul, extname_prefix=f"BKGD{i}")
            for name in ("values", "variances", "stdevs", "npix", "x_edges", "y_edges"):
                np.testing.assert_array_equal(getattr(back, name), getattr(model, name))
            assert (back.coefficients is None) is (model.coefficients is None)
            if model.coefficients is not None:
                np.testing.assert_array_equal(back.coefficients, model.coefficients)
            assert (back.interpStyleX, back.approxOrderX, back.ignoredMask) == (
                model.interpStyleX, model.approxOrderX, model.ignoredMask)
    back = BackgroundList.read(path)
    np.testing.assert_array_equal(back.evaluate(), BackgroundList(models).evaluate())


def test_empty_background_list(tmp_path):
    path = tmp_path / "background.fits"
    BackgroundList().write(path)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert len(hdul) == 1 and hdul[0].header["NBKGD"] == 0
    assert len(BackgroundList.read(path)) == 0


def test_minimal_exposure_file(tmp_path):
    exposure = Exposure(np.zeros((3, 5)))
    path = tmp_path / "e.fits"
    write_exposure(exposure, path)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert [h.name for h in hdul] == ["PRIMARY", "IMAGE", "MASK", "VARIANCE"]
        assert "PSFHDU" not in hdul[0].header and "CTYPE1" not in hdul["IMAGE"].header
        assert hdul["MASK"].header["MP_BAD"] == 0


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nonfinite_calibration_is_refused(tmp_path, bad):
    exposure = make_exposure(None)
    exposure.photoCalib = PhotoCalib(1.0, 0.1)
    exposure.photoCalib.calibrationErr = bad
    with pytest.raises(ValueError, match="PHOTCERR"):
        write_exposure(exposure, tmp_path / "e.fits")
    assert not (tmp_path / "e.fits").exists()
