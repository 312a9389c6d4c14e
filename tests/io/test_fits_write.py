"""The direct FITS image writer: headers and data that astropy reads as it would write them."""

import io

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from lsstlite.image import GaussianPsf, KernelImagePsf
from lsstlite.io.fits_write import (BLOCK, astropy_hdus_bytes, card, image_hdu, primary_header,
                                    write_fits_file)

DTYPES = ["float32", "float64", "int32", "int64", "int16", "uint8"]
BITPIX = {"float32": -32, "float64": -64, "int32": 32, "int64": 64, "int16": 16, "uint8": 8}


def _values(dtype, shape, seed=3):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        values = rng.normal(0, 1e4, shape).astype(dt)
        values.flat[0] = np.nan
        values.flat[-1] = -np.inf
        return values
    info = np.iinfo(dt)
    values = rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    values.flat[0], values.flat[-1] = info.min, info.max
    return values


def _cards():
    """Cards of every kind: ints, exact floats, bools, strings (quote, long), HIERARCH, comment."""
    return [card("NPIX", 12345, "an int"), card("NEGINT", -7),
            card("GAIN", 4.76, "a float"), card("TINY", 1.2345678901234567e-300),
            card("THIRD", 1.0 / 3.0, "17 digits"), card("BIG", -6.02214076e23),
            card("FLAG", True, "a bool"), card("OFF", False),
            card("OBJECT", "it's a field", "quoted"),
            card("LONGSTR", "x" * 150 + " end", "continued over CONTINUE cards"),
            card("A_VERY_LONG_KEY", 2.5), card("HIER_STR", "hierarchical text"),
            card("EMPTY", "")]


def _keyword_values(header):
    return {k: v for k, v in header.items() if k not in ("COMMENT", "HISTORY", "")}


def _headers_equal(ours, theirs):
    assert _keyword_values(ours) == _keyword_values(theirs)


def _astropy_file(tmp_path, data, extname, cards, name):
    header = fits.Header([fits.Card.fromstring(c) for c in cards])
    path = tmp_path / name
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, header=header, name=extname)]).writeto(path)
    return path


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (5, 9), (3, 4, 6)])
def test_every_dtype_round_trips_like_astropy(tmp_path, dtype, shape):
    data = _values(dtype, shape)
    cards = _cards()
    ours = tmp_path / "ours.fits"
    write_fits_file(ours, [primary_header(), *image_hdu(data, "PIXELS", cards)])
    theirs = _astropy_file(tmp_path, data, "PIXELS", cards, "theirs.fits")
    assert ours.stat().st_size % BLOCK == 0
    assert ours.stat().st_size == theirs.stat().st_size
    with fits.open(ours) as a, fits.open(theirs) as b:
        a.verify("exception")
        assert [h.name for h in a] == ["PRIMARY", "PIXELS"]
        _headers_equal(a[0].header, b[0].header)
        _headers_equal(a[1].header, b[1].header)
        header = a["PIXELS"].header
        assert header["BITPIX"] == BITPIX[dtype]
        assert header["THIRD"] == 1.0 / 3.0 and header["TINY"] == 1.2345678901234567e-300
        assert header["LONGSTR"] == "x" * 150 + " end" and header["OBJECT"] == "it's a field"
        assert header["FLAG"] is True and header["OFF"] is False
        assert header["A_VERY_LONG_KEY"] == 2.5
        assert a[1].data.dtype == b[1].data.dtype == np.dtype(dtype).newbyteorder(">")
        np.testing.assert_array_equal(a[1].data, data)
        np.testing.assert_array_equal(a[1].data, b[1].data)


def test_data_bytes_equal_astropy():
    """Header blocks aside, the data unit is exactly astropy's (big-endian, zero padding)."""
    data = _values("float32", (13, 17))
    ours = b"".join(image_hdu(data, "X"))
    stream = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, name="X")]).writeto(stream)
    theirs = stream.getvalue()
    assert len(ours) == 2 * BLOCK and len(theirs) == 3 * BLOCK
    assert ours[BLOCK:] == theirs[2 * BLOCK:]


@pytest.mark.parametrize("make", [lambda a: a.astype(a.dtype.newbyteorder(">")),
                                  lambda a: np.asfortranarray(a), lambda a: a[:, ::2]],
                         ids=["big-endian", "fortran", "strided"])
def test_any_byte_order_and_layout(tmp_path, make):
    native = _values("float64", (6, 10))
    data = make(native)
    path = tmp_path / "x.fits"
    write_fits_file(path, [primary_header(), *image_hdu(data, "X")])
    with fits.open(path) as hdul:
        np.testing.assert_array_equal(hdul["X"].data, data)


def test_primary_with_data_and_astropy_cards(tmp_path):
    """A primary image, with the cards of an astropy header (a SIP WCS) appended as they are."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [10.123456789012345, -0.5]
    wcs.wcs.crpix = [3.5, 4.25]
    wcs.wcs.cd = [[-1.1e-4, 3.2e-7], [2.9e-7, 1.1e-4]]
    wcs_header = wcs.to_header()
    data = _values("int16", (8, 6))
    path = tmp_path / "p.fits"
    write_fits_file(path, image_hdu(data, cards=[card("ORIGIN", "test"), *wcs_header.cards],
                                    primary=True))
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert len(hdul) == 1 and hdul[0].header["EXTEND"] is True
        assert "EXTNAME" not in hdul[0].header
        np.testing.assert_array_equal(hdul[0].data, data)
        for key, value in wcs_header.items():
            assert hdul[0].header[key] == value
        back = WCS(hdul[0].header)
    same = WCS(wcs_header)  # the header's (astropy-rounded) values, kept exactly
    np.testing.assert_array_equal(back.wcs.crval, same.wcs.crval)
    np.testing.assert_array_equal(back.wcs_pix2world([[0.0, 0.0], [5.0, 7.0]], 0),
                                  same.wcs_pix2world([[0.0, 0.0], [5.0, 7.0]], 0))


def test_primary_header_is_astropys_empty_primary():
    stream = io.BytesIO()
    fits.PrimaryHDU().writeto(stream)
    assert primary_header() == stream.getvalue()
    assert b"".join(image_hdu(None, primary=True)) == primary_header()


def test_dataless_extension(tmp_path):
    path = tmp_path / "e.fits"
    write_fits_file(path, [primary_header(), *image_hdu(None, "META", [card("KEY", 1)])])
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert hdul["META"].data is None and hdul["META"].header["KEY"] == 1


@pytest.mark.parametrize(("data", "cards", "match"), [
    (np.zeros(3, dtype=bool), (), "cannot write dtype bool"),
    (np.zeros(3, dtype=np.uint16), (), "cannot write dtype uint16"),
    (np.zeros(3, dtype=np.complex64), (), "cannot write dtype complex64"),
    (np.float32(1.0), (), "0-d array"),
    (np.zeros(3), [card("NAXIS1", 5)], "NAXIS1 is set by the image writer"),
    (np.zeros(3), [card("EXTNAME", "OTHER")], "EXTNAME is set by the image writer"),
    (np.zeros(3), ["KEY     = 1"], "not a whole number of 80-character cards"),
])
def test_errors(data, cards, match):
    with pytest.raises(ValueError, match=match):
        image_hdu(data, "BAD", cards)


@pytest.mark.parametrize("hdus", [GaussianPsf(1.5).to_hdus(),
                                  KernelImagePsf(np.outer([1, 3, 1], [1, 2, 1])).to_hdus(),
                                  [fits.ImageHDU(np.arange(6.0), name="A"), fits.BinTableHDU.from_columns(
                                      [fits.Column("x", "J", array=np.arange(4))], name="T")]],
                         ids=["dataless", "image", "image+table"])
def test_astropy_hdus_appended_as_astropy_writes_them(tmp_path, hdus):
    path = tmp_path / "a.fits"
    write_fits_file(path, [primary_header(), *image_hdu(np.ones((2, 2), np.float32), "FIRST"),
                           astropy_hdus_bytes(hdus)])
    reference = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), *hdus]).writeto(reference)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert [h.name for h in hdul] == ["PRIMARY", "FIRST", *(h.name for h in hdus)]
        for ours, theirs in zip(hdul[2:], hdus, strict=True):
            _headers_equal(ours.header, theirs.header)
            if theirs.data is None:
                assert ours.data is None
            else:
                np.testing.assert_array_equal(ours.data, theirs.data)
    assert path.read_bytes().endswith(reference.getvalue()[BLOCK:])


def test_write_is_atomic(tmp_path):
    path = tmp_path / "f.fits"
    write_fits_file(path, [primary_header()])
    before = path.read_bytes()

    def failing():
        yield primary_header()
        msg = "interrupted"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="interrupted"):
        write_fits_file(path, failing())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["f.fits"]


@pytest.mark.parametrize(("key", "value"), [
    ("LONGSTR", "x" * 150 + " end"), ("QUOTES", ("it's " * 40).strip()), ("EDGE", "a" * 69), ("BASE_CIRCULARAPERTUREFLUX_RADII", 3.0),
    ("HIERARCH_STRING_KEY", "abc"), ("LONG_KEYWORD_AND_VALUE", "y" * 100), ("A LONG KEYWORD", 7)])
def test_hierarch_and_continue_cards_read_back_by_astropy(key, value):
    image = card(key, value, "a comment")
    assert len(image) % 80 == 0
    header = fits.Header.fromstring(image + "END".ljust(80))
    assert header[key] == value and header.comments[key] == "a comment"
