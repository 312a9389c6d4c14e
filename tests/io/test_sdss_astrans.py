"""SDSS asTrans: photo's astrometric solution, read and turned into a TAN-SIP WCS."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.astrom.sip import sky_separation_arcsec
from lsstlite.io.sdss.astrans import read_astrans, tan_sip_from_astrans
from lsstlite.io.sdss.frame import read_sdss_frame
from lsstlite.io.sdss.names import SdssFrameId

FRAME = SdssFrameId(4192, 4, 300, "r")
LINEAR = {"a": 10.0, "b": 1e-4, "c": 2e-6, "d": 0.5, "e": -3e-6, "f": 1.1e-4}
ZERO_DISTORTION = {f"d{axis}{k}": 0.0 for axis in ("Row", "Col") for k in range(4)}


def write_astrans(path: Path, coefficients: dict, node=0.0, incl=0.0, camcols="3 4", filters="r g",
                  fields=(299, 300)) -> Path:
    """An asTrans file whose every CCD holds ``coefficients`` for ``fields``."""
    primary = fits.PrimaryHDU()
    primary.header["NODE"], primary.header["INCL"] = node, incl
    primary.header["CAMCOLS"], primary.header["FILTERS"] = camcols, filters
    hdus = [primary]
    for _ in range(len(camcols.split()) * len(filters.split())):
        cols = [fits.Column("field", "J", array=np.asarray(fields))]
        cols += [fits.Column(k, "D", array=np.full(len(fields), v)) for k, v in coefficients.items()]
        cols += [fits.Column(k, "E", array=np.full(len(fields), 0.05)) for k in ("muErr", "nuErr")]
        hdus.append(fits.BinTableHDU.from_columns(cols))
    fits.HDUList(hdus).writeto(path)
    return path


def test_equatorial_scan_is_the_linear_map(tmp_path):
    """NODE = INCL = 0: the scan's great circle is the equator, mu = RA and nu = Dec, so the
    sky position is the linear map of (row, col) = (y + 0.5, x + 0.5)."""
    path = write_astrans(tmp_path / "asTrans.fit", {**LINEAR, **ZERO_DISTORTION})
    solution = read_astrans(path, FRAME)
    x, y = np.array([0.0, 100.0, 2047.0]), np.array([0.0, 50.0, 1360.0])
    ra, dec = solution.pixel_to_sky(x, y)
    row, col = y + 0.5, x + 0.5
    np.testing.assert_allclose(ra, 10.0 + 1e-4 * row + 2e-6 * col, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dec, 0.5 - 3e-6 * row + 1.1e-4 * col, rtol=0, atol=1e-12)
    assert solution.mu_err == pytest.approx(0.05)


def test_distortion_terms_shift_row_and_column(tmp_path):
    """dRow0 = 1 moves every position by one row (b deg in mu); dCol2 moves by col^2 columns."""
    plain = read_astrans(write_astrans(tmp_path / "a.fit", {**LINEAR, **ZERO_DISTORTION}), FRAME)
    shifted = read_astrans(write_astrans(tmp_path / "b.fit", {**LINEAR, **ZERO_DISTORTION, "dRow0": 1.0,
                                                               "dCol2": 1e-6}), FRAME)
    x, y = np.array([0.0, 1000.0]), np.array([10.0, 20.0])
    col = x + 0.5
    ra0, dec0 = plain.pixel_to_sky(x, y)
    ra1, dec1 = shifted.pixel_to_sky(x, y)
    np.testing.assert_allclose(ra1 - ra0, 1e-4 + 2e-6 * 1e-6 * col**2, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(dec1 - dec0, -3e-6 + 1.1e-4 * 1e-6 * col**2, rtol=1e-9, atol=1e-15)


def test_inclined_great_circle(tmp_path):
    """A point at arc mu - NODE along a great circle inclined by INCL has
    sin(Dec) = sin(mu - NODE) sin(INCL), and Dec = INCL at 90 deg from the node."""
    coefficients = {**ZERO_DISTORTION, "a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0, "e": 0.0, "f": 0.0}
    for mu in (0.0, 45.0, 90.0):
        coefficients["a"] = 20.0 + mu
        path = write_astrans(tmp_path / f"i{mu}.fit", coefficients, node=20.0, incl=30.0)
        ra, dec = read_astrans(path, FRAME).pixel_to_sky(np.array([0.0]), np.array([0.0]))
        assert np.sin(np.deg2rad(dec[0])) == pytest.approx(np.sin(np.deg2rad(mu)) * 0.5, abs=1e-12)
    assert dec[0] == pytest.approx(30.0, abs=1e-9) and ra[0] == pytest.approx(110.0, abs=1e-9)


def test_tan_sip_reproduces_the_solution(tmp_path):
    coefficients = {**LINEAR, **ZERO_DISTORTION, "dCol1": 7e-4, "dCol2": -9e-7, "dCol3": 3e-10,
                    "dRow2": -8e-8, "dRow3": 2e-11}
    solution = read_astrans(write_astrans(tmp_path / "t.fit", coefficients, node=95.0, incl=12.0), FRAME)
    wcs, residual = tan_sip_from_astrans(solution, 2048, 1361)
    assert residual < 1e-4
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-0.5, 2047.5, 500), rng.uniform(-0.5, 1360.5, 500)
    assert sky_separation_arcsec(*wcs.all_pix2world(x, y, 0), *solution.pixel_to_sky(x, y)).max() < 1e-4
    assert wcs.a is not None and wcs.pixel_shape == (2048, 1361)


def test_read_errors_name_the_problem(tmp_path):
    path = write_astrans(tmp_path / "e.fit", {**LINEAR, **ZERO_DISTORTION})
    with pytest.raises(ValueError, match="no row for field 301"):
        read_astrans(path, SdssFrameId(4192, 4, 301, "r"))
    with pytest.raises(ValueError, match="camcol 5 band r"):
        read_astrans(path, SdssFrameId(4192, 5, 300, "r"))
    with pytest.raises(ValueError, match=r"lacks columns \['dCol3'\]"):
        read_astrans(write_astrans(tmp_path / "m.fit", {**LINEAR, "dRow0": 0.0, "dRow1": 0.0, "dRow2": 0.0,
                                                        "dRow3": 0.0, "dCol0": 0.0, "dCol1": 0.0, "dCol2": 0.0}),
                     FRAME)
    with pytest.raises(FileNotFoundError, match="asTrans"):
        read_astrans(tmp_path / "none.fit", FRAME)
    no_node = write_astrans(tmp_path / "n.fit", {**LINEAR, **ZERO_DISTORTION})
    with fits.open(no_node, mode="update") as hdul:
        del hdul[0].header["NODE"]
    with pytest.raises(ValueError, match="primary header lacks NODE"):
        read_astrans(no_node, FRAME)
    wrong_ccd = write_astrans(tmp_path / "w.fit", {**LINEAR, **ZERO_DISTORTION})
    with fits.open(wrong_ccd, mode="update") as hdul:
        hdul[3].header["FILTER"] = "g"  # camcol 4 is the second camcol: r is HDU 3
    with pytest.raises(ValueError, match="HDU 3 holds camcol None band g, not camcol 4 band r"):
        read_astrans(wrong_ccd, FRAME)


# --- the run 4192 file -----------------------------------------------------------------------
@pytest.mark.parametrize("band", ["u", "r", "z"])
def test_run_4192_solution_agrees_with_the_header_tan(sdss_data, band):
    """The fpC header TAN is photo's linear approximation of the same solution: within 0.1"
    (the cubic dCol distortion it cannot hold; 0.03-0.1" measured over the five bands)."""
    fpc = sdss_data / "run4192" / f"fpC-004192-{band}4-0300.fit.gz"
    header, _ = read_sdss_frame(fpc, use_astrans=False, use_fpm=False, use_psfield=False, use_tsfield=False)
    exposure, info = read_sdss_frame(fpc, use_fpm=False, use_psfield=False, use_tsfield=False)
    assert info.wcs_source == "asTrans" and info.astrans_path.name == "asTrans-004192.fit"
    gx, gy = np.meshgrid(np.linspace(0, 2047, 12), np.linspace(0, exposure.height - 1, 9))
    a = exposure.wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    b = header.wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    sep = sky_separation_arcsec(*a, *b)
    assert 0.005 < sep.max() < 0.1


def test_unreadable_astrans_falls_back_to_the_header(sdss_data, tmp_path, caplog):
    bad = write_astrans(tmp_path / "asTrans-004192.fit", {**LINEAR, **ZERO_DISTORTION}, fields=(1, 2))
    fpc = sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz"
    with caplog.at_level(logging.WARNING, logger="lsstlite.io.sdss"):
        exposure, info = read_sdss_frame(fpc, astrans_path=bad, use_fpm=False, use_psfield=False,
                                         use_tsfield=False)
    assert info.wcs_source == "header" and exposure.wcs.a is None
    assert "no row for field 300" in caplog.text and "header TAN WCS is used" in caplog.text


def test_astrans_far_from_the_header_is_not_used(sdss_data, tmp_path, caplog):
    """A solution of another frame (here: the linear map of another field) is refused."""
    other = write_astrans(tmp_path / "asTrans-004192.fit", {**LINEAR, **ZERO_DISTORTION}, node=95.0)
    fpc = sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz"
    with caplog.at_level(logging.WARNING, logger="lsstlite.io.sdss"):
        exposure, info = read_sdss_frame(fpc, astrans_path=other, use_fpm=False, use_psfield=False,
                                         use_tsfield=False)
    assert info.wcs_source == "header" and exposure.wcs.a is None
    assert "from the header TAN WCS (more than 1\")" in caplog.text
