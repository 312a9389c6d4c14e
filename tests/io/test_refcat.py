"""Reference-catalogue loading: HTM shard directories and plain tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

import lsstlite.io.refcat as refcat
from lsstlite.io.htm import htm_index
from lsstlite.io.refcat import AB_MAG_OF_NJY, ReferenceCatalog, load_reference_catalog

R_CENTER = (351.6495369, 0.10366058)
R_RADIUS = 0.1778   # circle around the r frame padded by 250 px (algorithms.md §2)


def _separation_deg(ra1, dec1, ra2, dec2):
    ra1, dec1, ra2, dec2 = map(np.radians, (ra1, dec1, ra2, dec2))
    hav = (np.sin((dec2 - dec1) / 2) ** 2
           + np.cos(dec1) * np.cos(dec2) * np.sin((ra2 - ra1) / 2) ** 2)
    return np.degrees(2 * np.arcsin(np.sqrt(hav)))


# --- shared LSST refcat -----------------------------------------------------------------------
def test_shared_refcat_reads_six_shards(sdss_data, monkeypatch):
    read = []
    original = refcat._read_shard

    def spy(path):
        read.append(Path(path).name)
        return original(path)

    monkeypatch.setattr(refcat, "_read_shard", spy)
    cat = load_reference_catalog(sdss_data / "refcat", *R_CENTER, R_RADIUS)
    assert sorted(read) == [f"{i}.fits" for i in
                            (188488, 188516, 188532, 196740, 196760, 196792)]
    assert cat.meta["shards"] == [188488, 188516, 188532, 196740, 196760, 196792]
    assert cat.bands == ("u", "g", "r", "i", "z")
    assert np.all(cat["starnotgal"] == 1)
    # Same objects as a brute-force cut over all 54 shards.
    everything = [fits.getdata(p, 1) for p in (sdss_data / "refcat").glob("1*.fits")]
    ra = np.degrees(np.concatenate([t["coord_ra"] for t in everything]))
    dec = np.degrees(np.concatenate([t["coord_dec"] for t in everything]))
    ids = np.concatenate([t["id"] for t in everything])
    inside = _separation_deg(ra, dec, *R_CENTER) <= R_RADIUS
    assert sorted(cat["id"]) == sorted(ids[inside])


def test_shared_refcat_on_r_frame(sdss_data):
    from lsstlite.io.sdss import read_sdss_frame
    exposure, _ = read_sdss_frame(sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz",
                                  trim_rows=False)
    cat = load_reference_catalog(sdss_data / "refcat", *R_CENTER, R_RADIUS, bands="r")
    assert cat.keys() == ["id", "ra", "dec", "r_flux", "r_fluxErr", "starnotgal"]
    x, y = exposure.wcs.wcs_world2pix(cat.ra, cat.dec, 0)
    on = (x > -0.5) & (x < 2047.5) & (y > -0.5) & (y < 1488.5)
    assert on.sum() == 97
    mag = AB_MAG_OF_NJY - 2.5 * np.log10(cat.flux("r")[on])
    assert 13.4 < mag.min() < 13.6 and 20.9 < mag.max() < 21.1


# --- synthetic shard directory ----------------------------------------------------------------
def _write_shards(directory: Path, ra, dec, flux, depth, version=1, flux_unit="nJy"):
    directory.mkdir()
    ids = htm_index(ra, dec, depth)
    for tid in np.unique(ids):
        sel = ids == tid
        unit = flux_unit if version == 1 else None
        cols = [fits.Column(name="id", format="K", array=np.flatnonzero(sel)),
                fits.Column(name="coord_ra", format="D", unit="rad", array=np.radians(ra[sel])),
                fits.Column(name="coord_dec", format="D", unit="rad", array=np.radians(dec[sel])),
                fits.Column(name="g_flux", format="D", unit=unit, array=flux[sel]),
                fits.Column(name="g_fluxErr", format="D", unit=unit, array=0.1 * flux[sel])]
        hdu = fits.BinTableHDU.from_columns(cols)
        hdu.header["HIERARCH REFCAT_FORMAT_VERSION"] = version
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(directory / f"{tid}.fits")
    return ids


@pytest.mark.parametrize("version", [0, 1])
def test_synthetic_shards(tmp_path, version):
    rng = np.random.default_rng(5)
    n = 4000
    ra = rng.uniform(40, 50, n)
    dec = rng.uniform(-5, 5, n)
    flux = rng.uniform(1e3, 1e5, n) * (1e-9 if version == 0 else 1.0)
    ids = _write_shards(tmp_path / "cat", ra, dec, flux, depth=5, version=version)
    cat = load_reference_catalog(tmp_path / "cat", 45.0, 0.0, 1.5)
    inside = _separation_deg(ra, dec, 45.0, 0.0) <= 1.5
    assert sorted(cat["id"]) == list(np.flatnonzero(inside))
    order = np.argsort(cat["id"])
    np.testing.assert_allclose(cat.ra[order], ra[inside], rtol=1e-12)
    expected_njy = flux[inside] * (1e9 if version == 0 else 1.0)
    np.testing.assert_allclose(cat.flux("g")[order], expected_njy, rtol=1e-12)
    np.testing.assert_allclose(cat.fluxErr("g")[order], 0.1 * expected_njy, rtol=1e-12)
    # Only shards touching the circle were read, far fewer than all of them.
    assert 0 < len(cat.meta["shards"]) < len(np.unique(ids)) / 3
    # A margin widens the cut.
    wider = load_reference_catalog(tmp_path / "cat", 45.0, 0.0, 1.5, margin_deg=0.5)
    assert len(wider) == int((_separation_deg(ra, dec, 45.0, 0.0) <= 2.0).sum())


@pytest.mark.parametrize(("spelling", "scale"), [("Jansky", 1e9), ("microJansky", 1e3),
                                                   ("nanoJansky", 1.0), ("uJy", 1e3)])
def test_shard_flux_units_in_any_astropy_spelling(tmp_path, spelling, scale):
    ra, dec, flux = np.array([45.0, 45.1]), np.array([0.0, 0.1]), np.array([2.0, 3.0])
    _write_shards(tmp_path / "cat", ra, dec, flux, depth=5, flux_unit=spelling)
    cat = load_reference_catalog(tmp_path / "cat", 45.0, 0.0, 1.0)
    np.testing.assert_allclose(np.sort(cat.flux("g")), flux * scale, rtol=1e-12)


def test_shard_flux_unit_not_understood_is_named(tmp_path):
    _write_shards(tmp_path / "cat", np.array([45.0]), np.array([0.0]), np.array([2.0]), depth=5,
                  flux_unit="erg/s")
    with pytest.raises(ValueError, match=r"flux unit 'erg / s' \(column 'g_flux'\) not understood"):
        load_reference_catalog(tmp_path / "cat", 45.0, 0.0, 1.0)


def test_circle_outside_coverage_gives_empty_catalog(tmp_path):
    ra, dec = np.array([10.0, 10.1]), np.array([0.0, 0.1])
    _write_shards(tmp_path / "cat", ra, dec, np.array([1.0, 2.0]), depth=7)
    schema = fits.open(next((tmp_path / "cat").glob("*.fits")))
    schema[1].data = schema[1].data[:0]
    schema.writeto(tmp_path / "cat" / "master_schema.fits")
    cat = load_reference_catalog(tmp_path / "cat", 200.0, 40.0, 0.5)
    assert len(cat) == 0 and cat.bands == ("g",)


# --- plain tables -----------------------------------------------------------------------------
def _plain_table(n=50, seed=7):
    rng = np.random.default_rng(seed)
    ra = rng.uniform(149.5, 150.5, n)
    dec = rng.uniform(1.5, 2.5, n)
    mag = rng.uniform(15, 21, n)
    return ra, dec, mag


def test_fits_table_in_degrees_and_njy(tmp_path):
    ra, dec, mag = _plain_table()
    flux = 10 ** (-0.4 * (mag - AB_MAG_OF_NJY))
    t = Table({"objid": np.arange(len(ra)) + 100, "RA": ra, "DEC": dec, "r_flux": flux,
               "r_fluxErr": 0.02 * flux, "resolved": np.zeros(len(ra), dtype=bool),
               "coord_cov": np.zeros((len(ra), 3))})  # a 2-d column is ignored
    t.write(tmp_path / "ref.fits")
    cat = load_reference_catalog(tmp_path / "ref.fits", 150.0, 2.0, 0.4, id_column="objid")
    inside = _separation_deg(ra, dec, 150.0, 2.0) <= 0.4
    assert len(cat) == inside.sum() > 0
    np.testing.assert_array_equal(cat["id"], np.flatnonzero(inside) + 100)
    np.testing.assert_allclose(cat.dec, dec[inside])
    assert "resolved" in cat
    table = cat.to_table()
    assert str(table["ra"].unit) == "deg" and str(table["r_flux"].unit) == "nJy"


def test_csv_radians_and_ab_magnitudes(tmp_path):
    ra, dec, mag = _plain_table()
    t = Table({"alpha": np.radians(ra), "delta": np.radians(dec), "rmag": mag,
               "rmag_sigma": np.full(len(ra), 0.05)})
    t.write(tmp_path / "ref.csv")
    cat = load_reference_catalog(tmp_path / "ref.csv", 150.0, 2.0, 10.0, bands=["r"],
                                 ra_column="alpha", dec_column="delta", coord_unit="rad",
                                 flux_column="{band}mag", flux_err_column="{band}mag_sigma",
                                 flux_unit="mag")
    np.testing.assert_allclose(cat.ra, ra, rtol=1e-12)
    # AB: 0 mag = 3631 Jy.
    np.testing.assert_allclose(cat.flux("r"), 3631e9 * 10 ** (-0.4 * mag), rtol=1e-10)
    np.testing.assert_allclose(cat.fluxErr("r"), cat.flux("r") * 0.05 * 0.4 * math.log(10))
    np.testing.assert_array_equal(cat["id"], np.arange(len(ra)))


def test_ecsv_units_from_columns(tmp_path):
    ra, dec, mag = _plain_table()
    t = Table({"ra": np.radians(ra), "dec": np.radians(dec), "g_flux": 10 ** (-0.4 * mag) * 3631,
               "g_fluxErr": np.ones(len(ra))})
    t["ra"].unit = t["dec"].unit = "rad"
    t["g_flux"].unit = t["g_fluxErr"].unit = "Jy"
    t.write(tmp_path / "ref.ecsv")
    cat = load_reference_catalog(tmp_path / "ref.ecsv", 150.0, 2.0, 10.0)
    np.testing.assert_allclose(cat.dec, dec, rtol=1e-12)
    np.testing.assert_allclose(cat.flux("g"), 3631e9 * 10 ** (-0.4 * mag), rtol=1e-10)
    np.testing.assert_allclose(cat.fluxErr("g"), 1e9)


def test_mag_defaults_and_missing_errors(tmp_path):
    ra, dec, mag = _plain_table()
    Table({"ra": ra, "dec": dec, "i": mag, "i_err": np.full(len(ra), 0.1)}).write(
        tmp_path / "mags.fits")
    cat = load_reference_catalog(tmp_path / "mags.fits", 150.0, 2.0, 10.0, flux_unit="mag")
    assert cat.bands == ("i",)
    cat = load_reference_catalog(tmp_path / "mags.fits", 150.0, 2.0, 10.0, bands="i",
                                 flux_unit="mag", flux_err_column=None)
    assert np.all(np.isnan(cat.fluxErr("i")))


# --- errors -----------------------------------------------------------------------------------
def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found.*nothing.fits"):
        load_reference_catalog(tmp_path / "nothing.fits", 0.0, 0.0, 1.0)


def test_directory_without_shards(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="shard"):
        load_reference_catalog(tmp_path / "empty", 0.0, 0.0, 1.0)


def test_missing_columns_are_named(tmp_path):
    Table({"x": [1.0], "y": [2.0], "r_flux": [1.0], "r_fluxErr": [1.0]}).write(tmp_path / "a.fits")
    with pytest.raises(KeyError, match="no RA and Dec column"):
        load_reference_catalog(tmp_path / "a.fits", 0.0, 0.0, 1.0)
    with pytest.raises(KeyError, match="no RA column 'alpha'"):
        load_reference_catalog(tmp_path / "a.fits", 0.0, 0.0, 1.0, ra_column="alpha")
    Table({"ra": [1.0], "dec": [2.0], "r_flux": [1.0]}).write(tmp_path / "b.fits")
    with pytest.raises(KeyError, match="r_fluxErr"):
        load_reference_catalog(tmp_path / "b.fits", 0.0, 0.0, 1.0, bands="r")
    with pytest.raises(KeyError, match="no flux columns"):
        load_reference_catalog(tmp_path / "b.fits", 0.0, 0.0, 1.0)


def test_unknown_band(tmp_path):
    Table({"ra": [1.0], "dec": [2.0], "r_flux": [1.0], "r_fluxErr": [1.0]}).write(tmp_path / "a.fits")
    with pytest.raises(KeyError, match="unknown band 'y'.*available: r"):
        load_reference_catalog(tmp_path / "a.fits", 0.0, 0.0, 1.0, bands=["y"])


def test_bad_units_and_format(tmp_path):
    Table({"ra": [1.0], "dec": [2.0], "r_flux": [1.0], "r_fluxErr": [1.0]}).write(tmp_path / "a.fits")
    with pytest.raises(ValueError, match="flux unit 'furlong'"):
        load_reference_catalog(tmp_path / "a.fits", 0.0, 0.0, 1.0, flux_unit="furlong")
    with pytest.raises(ValueError, match="coordinate unit 'arcmin'"):
        load_reference_catalog(tmp_path / "a.fits", 0.0, 0.0, 1.0, coord_unit="arcmin")
    (tmp_path / "cat.txt").write_text("hello")
    with pytest.raises(ValueError, match="unknown table format"):
        load_reference_catalog(tmp_path / "cat.txt", 0.0, 0.0, 1.0)
    (tmp_path / "broken.fits").write_text("not a fits file")
    with pytest.raises(ValueError, match="cannot read"):
        load_reference_catalog(tmp_path / "broken.fits", 0.0, 0.0, 1.0)


def test_catalog_container():
    cat = ReferenceCatalog({"id": np.arange(3), "ra": np.zeros(3), "dec": np.ones(3)}, [])
    assert len(cat.subset(np.array([True, False, True]))) == 2
    with pytest.raises(KeyError, match="no column 'r_flux'"):
        cat.flux("r")
    with pytest.raises(ValueError, match="differ in length"):
        ReferenceCatalog({"ra": np.zeros(2), "dec": np.zeros(3)}, [])


def test_canonical_units_are_astropy_spellings():
    from astropy.units import Unit

    for unit in refcat.CANONICAL_UNITS:
        assert str(Unit(unit)) == unit
