"""The direct binary-table reader against astropy's own reading of the same files."""

import gzip

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.io.fits_read import read_fits_tables


def _write(path, n=5):
    rng = np.random.default_rng(2)
    var = np.empty(n, dtype=object)
    var[:] = [rng.integers(0, 255, k).astype(np.uint8) for k in range(n)]
    varf = np.empty(n, dtype=object)
    varf[:] = [rng.normal(size=2 * k).astype(np.float32) for k in range(n)]
    columns = [
        fits.Column("flag", "L", array=rng.uniform(size=n) > 0.5),
        fits.Column("byte", "B", array=rng.integers(0, 255, n)),
        fits.Column("i16", "I", array=rng.integers(-3000, 3000, n)),
        fits.Column("i32", "J", array=rng.integers(-10**9, 10**9, n)),
        fits.Column("i64", "K", array=rng.integers(-10**15, 10**15, n)),
        fits.Column("f32", "E", array=rng.normal(size=n)),
        fits.Column("f64", "D", array=rng.normal(size=n)),
        fits.Column("vec", "5D", array=rng.normal(size=(n, 5))),
        fits.Column("mat", "6E", dim="(3,2)", array=rng.normal(size=(n, 2, 3))),
        fits.Column("name", "8A", array=np.array(["a", "bb ", "S_MASK_X", "", "z"] * n)[:n]),
        fits.Column("scaled", "I", array=np.arange(n)),
        fits.Column("s", "PB()", array=var),
        fits.Column("rows", "PE()", array=varf),
    ]
    header = fits.Header([("MASKROWS", 12)])
    table = fits.BinTableHDU.from_columns(columns)
    table.header["TSCAL11"], table.header["TZERO11"] = 0.5, 10.0  # stored 0..n-1, read 10 + i/2
    hdul = fits.HDUList([fits.PrimaryHDU(header=header), table,
                         fits.ImageHDU(np.zeros((3, 4), np.float32)),
                         fits.BinTableHDU.from_columns([fits.Column("x", "J", array=[])])])
    hdul.writeto(path)


@pytest.mark.parametrize("compressed", [False, True])
def test_columns_equal_astropy(tmp_path, compressed):
    path = tmp_path / "t.fits"
    _write(path)
    if compressed:
        path.with_suffix(".fits.gz").write_bytes(gzip.compress(path.read_bytes()))
        path = path.with_suffix(".fits.gz")
    hdus = read_fits_tables(path)
    with fits.open(path) as ref:
        assert len(hdus) == len(ref) == 4
        assert hdus[0].header["MASKROWS"] == 12 and hdus[0].columns == {}
        assert hdus[2].columns == {} and hdus[3].nrows == 0 and len(hdus[3].columns["x"]) == 0
        table = ref[1].data
        assert hdus[1].nrows == len(table) == 5
        for name in ref[1].columns.names:
            got, want = hdus[1].columns[name], table[name]
            if name in ("s", "rows"):
                assert len(got) == len(want)
                for g, w in zip(got, want, strict=True):
                    assert g.dtype.isnative and np.array_equal(g, np.asarray(w))
                continue
            assert got.dtype.isnative and got.shape == np.shape(want)
            np.testing.assert_array_equal(got, np.asarray(want))
        assert hdus[1].columns["flag"].dtype == bool
        assert list(hdus[1].columns["name"]) == ["a", "bb", "S_MASK_X", "", "z"]
        np.testing.assert_array_equal(hdus[1].columns["scaled"], 10.0 + 0.5 * np.arange(5))


def test_selected_hdus_are_read_and_the_others_stepped_over(tmp_path):
    path = tmp_path / "t.fits"
    _write(path)
    everything = read_fits_tables(path)
    only = read_fits_tables(path, hdus={1, 3})
    assert only[0] is None and only[2] is None and len(only) == 4
    assert only[1].header.tostring() == everything[1].header.tostring()
    for name, values in everything[1].columns.items():
        if name in ("s", "rows"):
            assert all(np.array_equal(a, b) for a, b in zip(values, only[1].columns[name], strict=True))
        else:
            np.testing.assert_array_equal(only[1].columns[name], values)
    assert only[3].nrows == 0
    # a size card that is not a plain integer is read by the full parser
    big = fits.BinTableHDU.from_columns([fits.Column("v", "D", array=np.arange(1000.0))])
    last = fits.BinTableHDU.from_columns([fits.Column("w", "J", array=[7, 8])])
    fits.HDUList([fits.PrimaryHDU(), big, last]).writeto(tmp_path / "big.fits")
    raw = (tmp_path / "big.fits").read_bytes()
    card = next(raw[i:i + 80] for i in range(2880, len(raw), 80) if raw[i:i + 8] == b"NAXIS2  ")
    odd = card[:10] + f"{float(card[10:30]):>20.3E}".encode() + card[30:]  # 1.000E+03
    (tmp_path / "odd.fits").write_bytes(raw.replace(card, odd, 1))
    assert list(read_fits_tables(tmp_path / "odd.fits", hdus={2})[2].columns["w"]) == [7, 8]
    # a truncated file is found while stepping over HDUs too
    (tmp_path / "cut.fits").write_bytes(path.read_bytes()[: 2880 * 3 + 10])
    with pytest.raises(ValueError, match="HDU 1 is truncated"):
        read_fits_tables(tmp_path / "cut.fits", hdus={3})


def test_bad_files(tmp_path):
    path = tmp_path / "t.fits"
    _write(path)
    raw = path.read_bytes()
    (tmp_path / "cut.fits").write_bytes(raw[: 2880 * 3 + 10])  # inside the first table's rows
    with pytest.raises(ValueError, match="truncated"):
        read_fits_tables(tmp_path / "cut.fits")
    (tmp_path / "noend.fits").write_bytes(b"SIMPLE  =                    T" + b" " * 50)
    with pytest.raises(ValueError, match="no END card"):
        read_fits_tables(tmp_path / "noend.fits")
    complex_table = fits.BinTableHDU.from_columns([fits.Column("z", "C", array=np.ones(2, complex))])
    fits.HDUList([fits.PrimaryHDU(), complex_table]).writeto(tmp_path / "c.fits")
    with pytest.raises(ValueError, match="unsupported TFORM 'C'"):
        read_fits_tables(tmp_path / "c.fits")
    with pytest.raises(FileNotFoundError):
        read_fits_tables(tmp_path / "none.fits")


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "int64", "float32", "float64", "uint16"])
@pytest.mark.parametrize("compressed", [False, True])
def test_primary_image_equals_astropy(tmp_path, dtype, compressed):
    from lsstlite.io.fits_read import read_primary_image

    rng = np.random.default_rng(4)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    data = (rng.integers(info.min, info.max, (7, 5), dtype=dtype, endpoint=True) if info
            else rng.normal(size=(7, 5)).astype(dtype))
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(data, header=fits.Header([("SOFTBIAS", 1000)])).writeto(path)  # uint16: BZERO
    if compressed:
        path.with_suffix(".fits.gz").write_bytes(gzip.compress(path.read_bytes()))
        path = path.with_suffix(".fits.gz")
    header, image = read_primary_image(path)
    with fits.open(path) as ref:
        want = ref[0].data
        assert header["SOFTBIAS"] == 1000 and image.dtype.isnative and image.shape == (7, 5)
        np.testing.assert_array_equal(image, want)
        assert image.dtype.kind == want.dtype.kind or dtype == "uint16"  # astropy: uint16 view


def test_primary_image_scaled_blank_and_empty(tmp_path):
    from lsstlite.io.fits_read import read_primary_image

    hdu = fits.PrimaryHDU(np.array([[1, 2], [3, -99]], dtype=np.int16))
    hdu.header["BSCALE"], hdu.header["BZERO"], hdu.header["BLANK"] = 0.5, 10.0, -99
    hdu.writeto(tmp_path / "s.fits")
    _, image = read_primary_image(tmp_path / "s.fits")
    assert image.dtype == np.float32
    np.testing.assert_array_equal(image, [[10.5, 11.0], [11.5, np.nan]])
    fits.PrimaryHDU().writeto(tmp_path / "e.fits")
    header, image = read_primary_image(tmp_path / "e.fits")
    assert image is None and header["NAXIS"] == 0
    raw = (tmp_path / "s.fits").read_bytes()
    (tmp_path / "cut.fits").write_bytes(raw[:2880 + 4])
    with pytest.raises(ValueError, match="truncated"):
        read_primary_image(tmp_path / "cut.fits")


def _assert_values_equal_astropy(header):
    from lsstlite.io.fits_read import card_values

    values = card_values(header.tostring())
    keys = {k for k in header.keys() if k not in ("COMMENT", "HISTORY", "")}
    assert set(values) == keys
    for key in keys:
        want = header[key]
        assert type(values[key]) is type(want) and values[key] == want, (key, values[key], want)


@pytest.mark.filterwarnings("ignore::astropy.io.fits.verify.VerifyWarning")
def test_card_values_parse_as_astropy_does():
    header = fits.Header()
    header["STR"] = ("it''s", "quoted quote")
    header["LEAD"] = "  leading kept, trailing dropped   "
    header["EMPTY"] = ""
    header["LOGT"], header["LOGF"] = True, False
    header["INT"], header["NEG"] = 42, -7
    header["FLT"], header["EXP"] = 0.125, -1.5e-12
    header["HIERARCH REFCAT_FORMAT_VERSION"] = 1
    header["LONGSTR"] = "x" * 150 + " end"  # CONTINUE cards
    header["TTYPE1"] = "coord_ra"
    header["DUP"] = 1
    header.append(("DUP", 2), useblanks=False, bottom=True)
    header.add_comment("a comment")
    header.add_history("a history")
    _assert_values_equal_astropy(header)
    cards = fits.Header.fromstring("DEXP    =               1.5D+3 / a D exponent".ljust(80)
                                   + "BLANK1  =                      / no value".ljust(80)
                                   + "lower   =                    5".ljust(80)
                                   + "COMMENT = 'not a value'".ljust(80)
                                   + "END".ljust(80))
    _assert_values_equal_astropy(cards)


def test_card_values_keep_non_fits_numbers_as_text():
    from lsstlite.io.fits_read import card_values

    text = "".join(c.ljust(80) for c in ("UNDER   =                1_000", "NAN     =                  nan",
                                          "CPLX    =               (1, 2)", "END"))
    assert card_values(text) == {"UNDER": "1_000", "NAN": "nan", "CPLX": "(1, 2)"}


def test_card_values_equal_astropy_on_the_sdss_files(sdss_data):
    paths = sorted((sdss_data / "run4192").glob("*-0300.fit*"))
    assert paths
    for path in paths:
        with fits.open(path) as hdul:
            for hdu in hdul:
                _assert_values_equal_astropy(hdu.header)


def test_table_hdu_header_and_values(tmp_path):
    path = tmp_path / "t.fits"
    _write(path)
    hdus = read_fits_tables(path)
    assert hdus[0].values["MASKROWS"] == 12 and hdus[1].values["TTYPE1"] == "flag"
    with fits.open(path) as ref:
        assert hdus[1].header.items() == [(k, v) for k, v in ref[1].header.items()]


@pytest.mark.parametrize("compressed", [False, True])
def test_primary_header_values_read_only_the_header(tmp_path, compressed):
    from lsstlite.io.fits_read import read_primary_header_values

    header = fits.Header([("ORIGIN", "SDSS"), ("RUN", 4192)] + [(f"K{i}", i) for i in range(60)])
    path = tmp_path / "p.fits"
    fits.PrimaryHDU(np.zeros((50, 40), np.float32), header=header).writeto(path)
    raw = path.read_bytes()
    if compressed:  # a truncated data part shows that only the header is decompressed
        path = tmp_path / "p.fits.gz"
        path.write_bytes(gzip.compress(raw)[: len(gzip.compress(raw[:2 * 2880])) + 20])
    values = read_primary_header_values(path)
    assert values["ORIGIN"] == "SDSS" and values["RUN"] == 4192 and values["K59"] == 59
    assert values == {k: v for k, v in fits.Header.fromstring(raw[:2 * 2880].decode()).items()
                      if k not in ("COMMENT", "")}


def test_primary_header_values_refuse_non_fits(tmp_path):
    from lsstlite.io.fits_read import read_primary_header_values

    (tmp_path / "a.txt").write_text("hello " * 1000)
    with pytest.raises(ValueError, match="not a FITS file"):
        read_primary_header_values(tmp_path / "a.txt")
    (tmp_path / "b.fits.gz").write_bytes(b"\x1f\x8b" + b"garbage" * 100)
    with pytest.raises(ValueError, match="cannot decompress"):
        read_primary_header_values(tmp_path / "b.fits.gz")
    fits.PrimaryHDU(np.zeros((50, 40), np.float32)).writeto(tmp_path / "d.fits")
    broken = bytearray(gzip.compress((tmp_path / "d.fits").read_bytes()))
    broken[12:40] = bytes(range(28))  # a corrupt deflate stream (zlib.error)
    (tmp_path / "d.fits.gz").write_bytes(bytes(broken))
    with pytest.raises(ValueError, match="d.fits.gz: cannot decompress"):
        read_primary_header_values(tmp_path / "d.fits.gz")
    (tmp_path / "c.fits").write_bytes(("SIMPLE  =                    T".ljust(80) * 36).encode())
    with pytest.raises(ValueError, match="no END card"):
        read_primary_header_values(tmp_path / "c.fits")
    with pytest.raises(FileNotFoundError):
        read_primary_header_values(tmp_path / "none.fits")


def test_bzip2_files_read_as_plain_ones(tmp_path):
    import bz2

    from lsstlite.io.fits_read import read_primary_header_values, read_primary_image

    path = tmp_path / "t.fits"
    _write(path)
    packed = tmp_path / "t.fits.bz2"
    packed.write_bytes(bz2.compress(path.read_bytes()))
    assert read_primary_header_values(packed) == read_primary_header_values(path)
    assert [h.values for h in read_fits_tables(packed)] == [h.values for h in read_fits_tables(path)]
    fits.PrimaryHDU(np.arange(12, dtype=np.float32).reshape(3, 4)).writeto(tmp_path / "i.fits")
    (tmp_path / "i.fits.bz2").write_bytes(bz2.compress((tmp_path / "i.fits").read_bytes()))
    np.testing.assert_array_equal(read_primary_image(tmp_path / "i.fits.bz2")[1],
                                  np.arange(12, dtype=np.float32).reshape(3, 4))
