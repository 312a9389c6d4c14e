"""read_image: any FITS image, and its error messages."""

import gzip
import re
import shutil

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from lsstlite.image.wcs import TanSipWcs
from lsstlite.io.errors import ImageFileNotFoundError, ImageReadError
from lsstlite.io.fits_image import read_image


def _wcs_header():
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, 2.0]
    w.wcs.crpix = [5.0, 4.0]
    w.wcs.cdelt = [-1e-4, 1e-4]
    return w.to_header()


@pytest.fixture
def pixels():
    return np.arange(48, dtype=np.float32).reshape(6, 8) - 7.25


def test_primary_image_with_wcs(tmp_path, pixels):
    header = _wcs_header()
    header["FILTER"] = "g"
    header["OBSERVER"] = "me"
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(pixels, header=header).writeto(path)
    exp = read_image(path)
    np.testing.assert_array_equal(exp.image, pixels)
    assert exp.image.dtype == np.float32 and exp.image.dtype.isnative and exp.image.flags.c_contiguous
    assert isinstance(exp.wcs, TanSipWcs) and exp.wcs.crval[0] == 150.0
    assert exp.filterName == "g" and exp.metadata["OBSERVER"] == "me"
    assert "CRVAL1" not in exp.metadata and "NAXIS" not in exp.metadata
    assert not exp.mask.any()


def test_no_wcs_gives_none(tmp_path, pixels):
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(pixels).writeto(path)
    assert read_image(path).wcs is None


def test_bzero_bscale(tmp_path):
    raw = np.array([[0, 1000], [2000, 32767]], dtype=np.int16)
    hdu = fits.PrimaryHDU(raw)
    hdu.header["BZERO"] = 32768
    hdu.header["BSCALE"] = 0.5
    path = tmp_path / "scaled.fits"
    hdu.writeto(path)
    exp = read_image(path)
    np.testing.assert_array_equal(exp.image, raw.astype(np.float64) * 0.5 + 32768)


def test_gzip(tmp_path, pixels):
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(pixels).writeto(path)
    with open(path, "rb") as src, gzip.open(tmp_path / "img.fits.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    np.testing.assert_array_equal(read_image(tmp_path / "img.fits.gz").image, pixels)


def test_tile_compressed_fz(tmp_path, pixels):
    path = tmp_path / "img.fits.fz"
    header = _wcs_header()
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(pixels, header=header, quantize_level=0.0,
                                                       compression_type="GZIP_2")]).writeto(path)
    exp = read_image(path)
    np.testing.assert_array_equal(exp.image, pixels)
    assert exp.wcs is not None


def test_chosen_hdu_by_index_and_name(tmp_path, pixels):
    path = tmp_path / "mef.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(pixels, name="SCI"),
                  fits.ImageHDU(2 * pixels, name="OTHER")]).writeto(path)
    np.testing.assert_array_equal(read_image(path).image, pixels)  # first image HDU
    np.testing.assert_array_equal(read_image(path, hdu=2).image, 2 * pixels)
    np.testing.assert_array_equal(read_image(path, hdu="OTHER").image, 2 * pixels)


def test_non_finite_become_no_data(tmp_path, pixels):
    pixels[1, 2] = np.nan
    pixels[3, 4] = np.inf
    pixels[0, 0] = -np.inf
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(pixels).writeto(path)
    exp = read_image(path)
    bad = exp.maskedPixels("NO_DATA")
    assert sorted(zip(*np.nonzero(bad), strict=True)) == [(0, 0), (1, 2), (3, 4)]
    assert (exp.image[bad] == 0).all()
    assert np.isfinite(exp.image).all()
    assert exp.mask[~bad].max() == 0


def test_missing_file(tmp_path):
    with pytest.raises(ImageFileNotFoundError, match=r"missing\.fits: no such file"):
        read_image(tmp_path / "missing.fits")
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.fits")


def test_not_fits(tmp_path):
    path = tmp_path / "text.fits"
    path.write_text("hello, this is not FITS\n" * 20)
    with pytest.raises(ImageReadError, match=r"text\.fits: not a readable FITS file") as info:
        read_image(path)
    assert "\n" not in str(info.value)


def test_table_only(tmp_path):
    path = tmp_path / "table.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column(name="a", format="D", array=np.zeros(3))], name="CAT")]).writeto(path)
    with pytest.raises(ImageReadError, match=r"table\.fits: no image HDU in the file \(HDUs: 0 PRIMARY \(empty\); 1 CAT \(table\)\)"):
        read_image(path)
    with pytest.raises(ImageReadError, match=r"table\.fits: HDU 1 is a BinTableHDU, not an image"):
        read_image(path, hdu=1)


@pytest.mark.parametrize(("shape", "dims"), [((7,), 1), ((3, 4, 5), 3)])
def test_wrong_dimensionality(tmp_path, shape, dims):
    path = tmp_path / "cube.fits"
    fits.PrimaryHDU(np.zeros(shape, dtype=np.float32)).writeto(path)
    message = f"cube.fits: HDU 'PRIMARY' is a {dims}-D image (shape {shape!s}); need a 2-D image"
    with pytest.raises(ImageReadError, match=re.escape(message)):
        read_image(path)


def test_degenerate_third_axis_is_accepted(tmp_path, pixels):
    path = tmp_path / "cube1.fits"
    fits.PrimaryHDU(pixels[None]).writeto(path)
    np.testing.assert_array_equal(read_image(path).image, pixels)


def test_empty_image(tmp_path):
    path = tmp_path / "empty.fits"
    fits.PrimaryHDU().writeto(path)
    with pytest.raises(ImageReadError, match=r"empty\.fits: no image HDU in the file"):
        read_image(path)
    with pytest.raises(ImageReadError, match=r"empty\.fits: HDU 'PRIMARY' is an empty image \(shape \(\)\)"):
        read_image(path, hdu=0)


def test_zero_length_axis(tmp_path):
    path = tmp_path / "zero.fits"
    fits.PrimaryHDU(np.zeros((0, 5), dtype=np.float32)).writeto(path)
    with pytest.raises(ImageReadError, match=re.escape("zero.fits: HDU 'PRIMARY' is an empty image (shape (0, 5))")):
        read_image(path)


@pytest.mark.parametrize("hdu", [5, "NOPE"])
def test_bad_hdu(tmp_path, pixels, hdu):
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(pixels).writeto(path)
    with pytest.raises(ImageReadError, match=rf"img\.fits: no HDU {hdu!r} \(HDUs: 0 PRIMARY \(8x6\)\)"):
        read_image(path, hdu=hdu)


def test_package_exports():
    import lsstlite.io

    assert lsstlite.io.read_image is read_image
    assert issubclass(lsstlite.io.ImageReadError, ValueError)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        lsstlite.io.nope  # noqa: B018
