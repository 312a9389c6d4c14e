"""The direct FITS binary-table writer: files astropy reads back exactly."""

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from lsstlite.io.fits_table import table_hdu, write_table_file
from lsstlite.io.fits_write import BLOCK, card

DTYPES = ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float32", "float64", "U5", "S3"]


def _columns(n):
    rng = np.random.default_rng(11)
    out = {}
    for dtype in DTYPES:
        dt = np.dtype(dtype)
        if dt.kind == "b":
            values = rng.uniform(size=n) > 0.5
        elif dt.kind in "iu":
            info = np.iinfo(dt)
            values = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
            values[:2] = [info.min, info.max][: min(n, 2)]
        elif dt.kind == "f":
            values = rng.normal(0, 1e5, n).astype(dt)
            values[:1] = np.nan
        else:
            values = np.array(["ab", "", "xyz", "q'w"][:1] * n, dtype=dt)
        out[f"c_{dt.kind}{dt.itemsize}"] = values
    return out


@pytest.mark.parametrize("n", [0, 1, 17])
def test_every_dtype_round_trips_through_astropy(tmp_path, n):
    columns = _columns(n)
    names = list(columns)
    units = ["pix" if i % 3 == 0 else "" for i in range(len(names))]
    docs = [f"doc of {name}" if i % 2 else "" for i, name in enumerate(names)]
    path = tmp_path / "t.fits"
    write_table_file(path, table_hdu(names, list(columns.values()), units, docs, "CAT",
                                     [card("ZP", 28.245000000000001)]))
    assert path.stat().st_size % BLOCK == 0
    with fits.open(path) as hdul:
        hdul.verify("exception")
        header, data = hdul[1].header, hdul[1].data
        assert header["EXTNAME"] == "CAT" and header["ZP"] == 28.245 and header["NAXIS2"] == n
        for i, name in enumerate(names, start=1):
            assert header[f"TTYPE{i}"] == name
            assert header.get(f"TUNIT{i}", "") == units[i - 1]
            assert header.get(f"TDOC{i}", "") == docs[i - 1] == header.get(f"TCOMM{i}", "")
            got = np.asarray(data[name])
            want = columns[name]
            if want.dtype.kind in "US":
                assert [str(v) for v in got] == [str(v) for v in want.astype(str)]
            else:
                if n:  # astropy reads empty scaled columns as float64; int8 is widened
                    widened = np.int16 if want.dtype == np.int8 else want.dtype
                    assert got.dtype.newbyteorder("=") == widened
                np.testing.assert_array_equal(got, want)


def test_table_read_gives_units(tmp_path):
    path = tmp_path / "t.fits"
    write_table_file(path, table_hdu(["x", "flux"], [np.arange(3.0), np.ones(3)],
                                     ["pix", "ct"], ["", ""]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = Table.read(path)
    assert str(t["x"].unit) == "pix" and str(t["flux"].unit) == "ct"


def test_cards_match_astropy():
    cases = [("A", True), ("B", False), ("N", -42), ("BIG", 1 << 63), ("F", 0.1), ("G", 1e-300),
             ("H", -2.5e20), ("S", "it's"), ("E", ""), ("LONGKEYWORD", 3.25),
             ("LONGSTR", "word " * 40), ("C", 7)]
    text = "".join(card(k, v, "a comment" if k == "C" else "") for k, v in cases)
    assert len(text) % 80 == 0
    header = fits.Header.fromstring(text)
    for key, value in cases:
        got = header[key]
        assert got == (value.rstrip() if isinstance(value, str) else value) and type(got) is type(value)
    assert header.comments["C"] == "a comment"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"a": 1}, "tab\there", "é"])
def test_bad_card_values(value):
    with pytest.raises(ValueError, match="header card K"):
        card("K", value)


def test_bad_columns():
    with pytest.raises(ValueError, match="cannot write dtype complex128"):
        table_hdu(["z"], [np.zeros(2, complex)])
    with pytest.raises(ValueError, match="shapes"):
        table_hdu(["a", "b"], [np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="must be ASCII"):
        table_hdu(["s"], [np.array(["é"])])


def test_write_column_table_keeps_units_descriptions_meta(tmp_path):
    import astropy.units as u

    from lsstlite.io.fits_table import write_column_table
    from lsstlite.table import ColumnTable

    table = ColumnTable(meta={"BAND": "r"})
    table.add_column("src_id", np.array([3, 9], dtype=np.int64), description="id of the matched source")
    table.add_column("separation", np.array([0.1, 0.25]), "arcsec")
    table.add_column("ref_r_flux", np.array([1.5e4, 2.0e3]), "nJy")
    path = tmp_path / "srcMatch.fits"
    write_column_table(table, path)
    back = Table.read(path)
    assert back.colnames == table.colnames and back.meta["BAND"] == "r"
    assert back["separation"].unit == u.arcsec and back["ref_r_flux"].unit == u.nJy
    np.testing.assert_array_equal(back["src_id"], [3, 9])
    np.testing.assert_array_equal(back["separation"], [0.1, 0.25])
    assert fits.getheader(path, 1)["TCOMM1"] == "id of the matched source"
    table.meta["BAD"] = {"a": 1}
    with pytest.raises(ValueError, match="cannot store a dict"):
        write_column_table(table, tmp_path / "bad.fits")


def test_table_hdu_buffers_are_whole_blocks_and_rows_are_not_copied_again(tmp_path):
    columns = [np.arange(5, dtype=np.int64), np.linspace(0.0, 1.0, 5)]
    header, rows, padding = table_hdu(["i", "x"], columns)
    assert isinstance(rows, np.ndarray) and rows.nbytes == 5 * 16
    assert len(header) % BLOCK == 0 and (rows.nbytes + len(padding)) % BLOCK == 0
    assert padding == bytes(len(padding))
    assert rows.dtype.fields["f0"][0] == np.dtype(">i8") and rows["f1"][-1] == 1.0
    empty = table_hdu(["i"], [np.zeros(0, np.int64)])
    assert len(empty) == 1  # no data, no padding
    path = tmp_path / "empty.fits"
    write_table_file(path, empty)
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert hdul[1].header["NAXIS2"] == 0 and hdul[1].columns.names == ["i"]
