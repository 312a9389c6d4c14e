"""SourceCatalog FITS round trip."""

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from lsstlite.io.catalog_io import read_catalog, write_catalog
from lsstlite.io.errors import CatalogFileNotFoundError, CatalogReadError
from lsstlite.table import Schema, SourceCatalog


def make_catalog(n):
    s = Schema()
    s.addField("base_SdssCentroid_x", "float64", "pixel", "centroid from an SDSS-style fit")
    s.addField("base_SdssCentroid_y", "float64", "pixel", "centroid y")
    s.addField("base_SdssShape_xx", "float32", "pixel^2", "adaptive moment xx")
    s.addField("base_PsfFlux_instFlux", "float64", "count", "instrumental PSF flux " * 8)
    s.addField("base_PsfFlux_flag", bool, "", "PSF flux failed")
    s.addField("deblend_nChild", "int32", "", "number of children")
    s.addField("band", "U4", "", "band name")
    s.setAlias("slot_Centroid", "base_SdssCentroid")
    s.setAlias("slot_PsfFlux", "base_PsfFlux")
    rng = np.random.default_rng(3)
    cat = SourceCatalog(s, n, metadata={"NOISE_SEED": 7, "AP_RADII": [3.0, 4.5, 6.0],
                                        "ZP": 28.245000000000001, "BAND": "r", "DOSKY": True})
    cat["id"] = np.arange(1, n + 1)
    cat["coord_ra"] = rng.uniform(0, 2 * np.pi, n)
    cat["coord_dec"] = rng.uniform(-1, 1, n)
    cat["slot_Centroid_x"] = rng.uniform(0, 2048, n) / 3
    cat["base_SdssShape_xx"] = rng.uniform(1, 5, n)
    cat["base_PsfFlux_flag"] = rng.uniform(size=n) > 0.5
    cat["deblend_nChild"] = rng.integers(0, 5, n)
    cat["band"] = ["r", "g", "i", "z", "u"][:1] * n
    return cat


@pytest.mark.parametrize("n", [0, 1, 25])
def test_round_trip(tmp_path, n):
    cat = make_catalog(n)
    path = tmp_path / "src.fits"
    write_catalog(cat, path)
    back = read_catalog(path)
    assert len(back) == n
    assert back.schema == cat.schema
    assert back.schema.aliases == {"slot_Centroid": "base_SdssCentroid", "slot_PsfFlux": "base_PsfFlux"}
    for field in cat.schema:
        got = back[field.name]
        assert got.dtype == field.dtype and got.dtype.isnative
        np.testing.assert_array_equal(got, cat[field.name])
    assert back.metadata == {"NOISE_SEED": 7, "AP_RADII": [3.0, 4.5, 6.0], "ZP": 28.245, "BAND": "r",
                             "DOSKY": True}
    np.testing.assert_array_equal(back["slot_Centroid_x"], cat["base_SdssCentroid_x"])


def test_astropy_table_read_shows_units(tmp_path):
    path = tmp_path / "src.fits"
    write_catalog(make_catalog(4), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = Table.read(path)
    assert str(t["base_SdssCentroid_x"].unit) == "pix"
    assert str(t["coord_ra"].unit) == "rad"
    assert str(t["base_PsfFlux_instFlux"].unit) == "ct"
    assert t["base_PsfFlux_flag"].dtype == bool
    header = fits.getheader(path, 1)
    index = t.colnames.index("base_SdssCentroid_x") + 1
    assert header[f"TDOC{index}"] == "centroid from an SDSS-style fit"
    assert header[f"TCOMM{index}"] == "centroid from an SDSS-style fit"
    aliases = [card.value for card in header.cards if card.keyword == "ALIAS"]
    assert aliases == ["slot_Centroid:base_SdssCentroid", "slot_PsfFlux:base_PsfFlux"]


def test_empty_schema_file_carries_schema(tmp_path):
    path = tmp_path / "schema" / "src.fits"
    write_catalog(SourceCatalog(make_catalog(0).schema), path)
    t = Table.read(path)
    assert len(t) == 0 and "base_SdssShape_xx" in t.colnames and str(t["base_SdssShape_xx"].unit) == "pix2"


def test_bad_metadata_value(tmp_path):
    cat = make_catalog(1)
    cat.metadata["BAD"] = {"a": 1}
    with pytest.raises(ValueError, match="catalogue metadata 'BAD': cannot store a dict"):
        write_catalog(cat, tmp_path / "x.fits")
    assert not (tmp_path / "x.fits").exists()


def test_read_errors(tmp_path):
    with pytest.raises(CatalogFileNotFoundError, match=r"none\.fits: no such file"):
        read_catalog(tmp_path / "none.fits")
    image = tmp_path / "image.fits"
    fits.PrimaryHDU(np.zeros((2, 2))).writeto(image)
    with pytest.raises(CatalogReadError, match=r"image\.fits: no binary table HDU in the file"):
        read_catalog(image)
    junk = tmp_path / "junk.fits"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(CatalogReadError, match=r"junk\.fits: not a readable FITS file"):
        read_catalog(junk)


def test_foreign_table_gets_minimal_fields(tmp_path):
    path = tmp_path / "foreign.fits"
    Table({"flux": np.array([1.0, 2.0])}).write(path)
    cat = read_catalog(path)
    assert cat.schema.names == ["flux", "id", "coord_ra", "coord_dec", "parent"]
    assert list(cat["flux"]) == [1.0, 2.0] and list(cat["id"]) == [0, 0]


def test_read_not_fits_text(tmp_path):
    text = tmp_path / "notes.fits"
    text.write_text("these are notes, not a FITS file\n" * 10)
    with pytest.raises(CatalogReadError, match=r"notes\.fits: not a readable FITS file"):
        read_catalog(text)


def test_read_chosen_hdu(tmp_path):
    path = tmp_path / "two.fits"
    first = fits.BinTableHDU(Table({"a": np.array([1, 2])}), name="FIRST")
    second = fits.BinTableHDU(Table({"b": np.array([3.5])}), name="SECOND")
    fits.HDUList([fits.PrimaryHDU(), first, second]).writeto(path)
    assert list(read_catalog(path)["a"]) == [1, 2]
    assert list(read_catalog(path, hdu="second")["b"]) == [3.5]
    assert list(read_catalog(path, hdu=2)["b"]) == [3.5]
    with pytest.raises(CatalogReadError, match=r"two\.fits: no HDU 'THIRD'"):
        read_catalog(path, hdu="THIRD")
    with pytest.raises(CatalogReadError, match=r"two\.fits: no HDU 5"):
        read_catalog(path, hdu=5)
    with pytest.raises(CatalogReadError, match=r"two\.fits: HDU 0 is a primary HDU, not a binary table"):
        read_catalog(path, hdu=0)


def test_read_variable_length_column_is_refused(tmp_path):
    path = tmp_path / "vla.fits"
    column = fits.Column(name="spans", format="PJ()",
                         array=np.array([np.array([1, 2]), np.array([3])], dtype=object))
    fits.BinTableHDU.from_columns([column]).writeto(path)
    with pytest.raises(CatalogReadError, match=r"vla\.fits: bad catalogue schema \(column 'spans' "
                                               r"holds variable-length arrays\)"):
        read_catalog(path)
