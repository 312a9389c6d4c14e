"""SDSS frame reader: verified numbers on the shared Stripe 82 frames, plus synthetic-file tests."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.image import Psf
from lsstlite.image.sdss_psf import SdssKlPsf, kl_psf_image
from lsstlite.io.sdss import (SDSS_BANDS, is_sdss_frame, read_fpm, read_psfield, read_sdss_frame,
                              read_tsfield)

RUN = "run4192"
R_FPC = "fpC-004192-r4-0300.fit.gz"
PSFIELD = "psField-004192-4-0300.fit"
TSFIELD = "tsField-004192-4-40-0300.fit"
ASTRANS = "asTrans-004192.fit"


def _fpc(sdss_data: Path, band: str = "r") -> Path:
    return sdss_data / RUN / f"fpC-004192-{band}4-0300.fit.gz"


def _gauss_fwhm(psf, x, y):
    xx, yy, _ = psf.computeShape(x, y)
    return 2.3548 * math.sqrt(0.5 * (xx + yy))


# --- the shared r frame ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def r_frame(sdss_data):
    return read_sdss_frame(_fpc(sdss_data))


def test_r_frame_pixels_and_noise(r_frame):
    exposure, info = r_frame
    assert exposure.shape == (1361, 2048)
    assert exposure.image.dtype == np.float32 and exposure.variance.dtype == np.float32
    assert exposure.mask.dtype == np.int32
    assert exposure.filterName == "r"
    assert (info.gain, info.dark_variance, info.noise_source) == (4.76, 1.3225, "psField")
    assert info.trimmed_rows == 128 and info.softbias == 1000.0
    # SOFTBIAS removed: unmasked median = the sky (~145 DN), not 1145.
    clean = exposure.mask == 0
    assert abs(np.median(exposure.image[clean]) - 145.0) < 1.0
    # Variance = max(img, 0)/gain + dark variance, and it predicts the sky scatter.
    expected = np.maximum(exposure.image, 0) / 4.76 + 1.3225
    np.testing.assert_allclose(exposure.variance, expected, rtol=1e-6)
    # Pixel noise from differences of clean neighbouring pixels (immune to sky gradients and
    # to the integer quantisation of the DN), 3-sigma clipped; a Gaussian clipped at 3 sigma
    # keeps 0.9866 of its standard deviation.
    pairs = clean[:, 1:] & clean[:, :-1]
    diff = (exposure.image[:, 1:] - exposure.image[:, :-1])[pairs]
    for _ in range(5):
        diff = diff[np.abs(diff - np.median(diff)) < 3 * diff.std()]
    sigma = diff.std() / math.sqrt(2) / 0.9866
    predicted = math.sqrt(np.median(exposure.image[clean]) / 4.76 + 1.3225)
    assert abs(sigma / predicted - 1) < 0.02
    assert exposure.metadata["GAIN"] == 4.76 and "NAXIS2" not in exposure.metadata


def test_r_frame_zero_point(r_frame):
    exposure, info = r_frame
    assert info.zero_point_source == "tsField"
    assert info.zero_point == pytest.approx(28.245, abs=5e-4)
    # -(aa + kk*airmass) + 2.5 log10(exptime), independent of our reader's arithmetic:
    assert info.zero_point == pytest.approx(24.002947 - 0.073464 * 1.18723
                                            + 2.5 * math.log10(53.907456), abs=1e-4)
    # agrees with the header FLUX20 calibration to a few mmag; obs_sdss (aa only) is 0.087 off.
    assert abs(info.zero_point - (20 + 2.5 * math.log10(info.flux20))) < 0.005
    assert exposure.photoCalib.calibrationMean == pytest.approx(18.28, abs=0.01)
    assert exposure.photoCalib.zeroPoint == pytest.approx(info.zero_point, abs=1e-9)
    assert exposure.metadata["MAGZP"] == pytest.approx(info.zero_point)


def test_r_frame_wcs_is_zero_based(sdss_data):
    """The header TAN (the WCS without an asTrans file)."""
    exposure, info = read_sdss_frame(_fpc(sdss_data), trim_rows=False, use_astrans=False)
    assert info.wcs_source == "header" and exposure.wcs.a is None
    assert exposure.shape == (1489, 2048)
    corners = exposure.wcs.wcs_pix2world([[0.0, 0.0], [2047.0, 1488.0]], 0)
    np.testing.assert_allclose(corners, [[351.567743, -0.008936], [351.731441, 0.216257]],
                               atol=2e-6)
    # CRPIX (1024.5, 744.5) 1-based is pixel (1023.5, 743.5) 0-based.
    np.testing.assert_allclose(exposure.wcs.wcs_pix2world([[1023.5, 743.5]], 0),
                               [[351.6495369, 0.10366058]], atol=1e-9)
    scale = np.sqrt(abs(np.linalg.det(exposure.wcs.cd))) * 3600
    assert scale == pytest.approx(0.39598, abs=1e-4)


def test_r_frame_mask_planes_full_frame(sdss_data):
    """fpM plane pixel counts of algorithms.md §1.2 on the untrimmed 2048x1489 frame."""
    exposure, info = read_sdss_frame(_fpc(sdss_data), trim_rows=False)
    counts = {name: int(exposure.maskedPixels(name).sum()) for name in
              ("INTRP", "SAT", "NOTCHECKED", "OBJECT", "BRIGHTOBJECT", "BINOBJECT", "CATOBJECT",
               "SUBTRACTED", "GHOST", "CR")}
    assert counts == {"INTRP": 20452, "SAT": 575, "NOTCHECKED": 31701, "OBJECT": 154997,
                      "BRIGHTOBJECT": 14875, "BINOBJECT": 13528, "CATOBJECT": 0,
                      "SUBTRACTED": 0, "GHOST": 0, "CR": 557}
    assert int((exposure.mask != 0).sum()) == 212779
    assert int(exposure.maskedPixels("INTRP", "SAT", "CR").sum()) == 20470
    assert info.mask_planes["INTERP"] == "INTRP" and info.mask_planes["SATUR"] == "SAT"
    bad_columns = np.flatnonzero(exposure.maskedPixels("INTRP").all(axis=0))
    assert list(bad_columns) == [0, 119, 203, 337, 832, 833, 1022, 1135, 1222, 1290, 1410,
                                 1606, 2047]
    # Default planes keep their afw bits.
    assert exposure.planes.bit("SAT") == 1 and exposure.planes.bit("INTRP") == 2


def test_r_frame_mask_trimmed(r_frame):
    exposure, _ = r_frame
    assert int((exposure.mask != 0).sum()) == 191707


def test_fpm_planes_subset(sdss_data):
    exposure, info = read_sdss_frame(_fpc(sdss_data), fpm_planes=["INTERP", "CR"])
    assert set(info.mask_planes) == {"INTERP", "CR"}
    assert "OBJECT" not in exposure.planes


def test_r_frame_psf(r_frame):
    exposure, _ = r_frame
    psf = exposure.psf
    assert isinstance(psf, SdssKlPsf)
    # Frame centre (row 744.5, col 1024): Ixx 1.159, Iyy 1.274, Ixy -0.027; FWHM 2.60 px.
    xx, yy, xy = psf.computeShape(1024.0, 744.5)
    assert (xx, yy, xy) == pytest.approx((1.159, 1.274, -0.027), abs=2e-3)
    assert _gauss_fwhm(psf, 1024.0, 744.5) == pytest.approx(2.60, abs=0.01)
    assert psf.determinantRadius(1024.0, 744.5) == pytest.approx(1.10, abs=0.01)
    kernel = psf.computeKernelImage(1024.0, 744.5)
    assert kernel.shape == (31, 31) and kernel.sum() == pytest.approx(1.0)
    assert np.unravel_index(np.argmax(kernel), kernel.shape) == (15, 15)
    # Spatially varying, within 2.5-2.65 px over the frame.
    corners = [_gauss_fwhm(psf, x, y) for x in (0, 2047) for y in (0, 1360)]
    assert max(corners) - min(corners) > 0.01
    assert all(2.5 < f < 2.65 for f in corners)


def test_kl_reconstruction_uses_c_order(sdss_data):
    """c[i, j] multiplies row**i col**j (photo's C order), not the transpose."""
    components = read_psfield(sdss_data / RUN / PSFIELD, "r").kl_psf
    x, y = 1500.0, 300.0
    by_hand = np.zeros_like(components.eigen_images[0])
    for k in range(components.eigen_images.shape[0]):
        c = components.coefficients[k]
        a = sum(c[i, j] * (1e-3 * y) ** i * (1e-3 * x) ** j
                for i in range(c.shape[0]) for j in range(c.shape[1]))
        by_hand += a * components.eigen_images[k]
    np.testing.assert_allclose(kl_psf_image(components, x, y), by_hand, rtol=1e-12)
    transposed = np.zeros_like(by_hand)
    for k in range(components.eigen_images.shape[0]):
        c = components.coefficients[k].T
        a = sum(c[i, j] * (1e-3 * y) ** i * (1e-3 * x) ** j
                for i in range(c.shape[0]) for j in range(c.shape[1]))
        transposed += a * components.eigen_images[k]
    assert not np.allclose(transposed, by_hand, rtol=1e-3)


def test_psf_persistence_round_trip(r_frame):
    psf = r_frame[0].psf
    hdus = fits.HDUList([fits.PrimaryHDU(), *psf.to_hdus()])
    assert hdus[1].header["PSFTYPE"] == "SDSS_KL"
    back = Psf.from_hdus(list(hdus[1:]))
    assert isinstance(back, SdssKlPsf) and back == psf
    np.testing.assert_array_equal(back.computeKernelImage(100.0, 900.0),
                                  psf.computeKernelImage(100.0, 900.0))


def test_psf_image_subpixel_centre(r_frame):
    psf = r_frame[0].psf
    stamp, x0, y0 = psf.computeImage(500.3, 700.8)
    assert stamp.sum() == pytest.approx(1.0)
    yy, xx = np.mgrid[: stamp.shape[0], : stamp.shape[1]]
    # The centroid of the shifted PSF follows the requested sub-pixel position.
    kernel = psf.computeKernelImage(500.3, 700.8)
    c0 = ((kernel * np.mgrid[:31, :31][1]).sum() - 15, (kernel * np.mgrid[:31, :31][0]).sum() - 15)
    cx = (stamp * (xx + x0)).sum() - c0[0]
    cy = (stamp * (yy + y0)).sum() - c0[1]
    assert cx == pytest.approx(500.3, abs=0.02) and cy == pytest.approx(700.8, abs=0.02)


# Verified per-band values (algorithms.md §1.3, §1.4).
BANDS = {"u": (1.60, 12.6025, 3.27), "g": (3.995, 1.96, 3.05), "r": (4.76, 1.3225, 2.60),
         "i": (4.885, 6.25, 2.49), "z": (4.775, 9.61, 2.72)}


@pytest.mark.parametrize("band", SDSS_BANDS)
def test_all_five_bands(sdss_data, band):
    exposure, info = read_sdss_frame(_fpc(sdss_data, band))
    gain, dark_variance, fwhm = BANDS[band]
    assert info.frame.band == band and info.frame.field == 300
    assert (info.gain, info.dark_variance) == (gain, dark_variance)
    assert None not in (info.fpm_path, info.psfield_path, info.tsfield_path)
    assert _gauss_fwhm(exposure.psf, 1024.0, 744.5) == pytest.approx(fwhm, abs=0.01)
    calib = read_tsfield(sdss_data / RUN / TSFIELD, band, info.exptime)
    assert info.zero_point == pytest.approx(calib.zeroPoint)
    # tsField and FLUX20 agree to a few hundredths of a magnitude in every band.
    assert abs(info.zero_point - (20 + 2.5 * math.log10(info.flux20))) < 0.06
    assert exposure.planes.bit("NOTCHECKED") >= 9


def test_is_sdss_frame(sdss_data, tmp_path):
    assert is_sdss_frame(_fpc(sdss_data))
    assert is_sdss_frame(fits.getheader(_fpc(sdss_data)))
    assert not is_sdss_frame(sdss_data / RUN / PSFIELD)
    plain = tmp_path / "plain.fits"
    fits.PrimaryHDU(np.zeros((4, 4), dtype=np.float32)).writeto(plain)
    assert not is_sdss_frame(plain)
    text = tmp_path / "notes.txt"
    text.write_text("not fits")
    assert not is_sdss_frame(text)
    with pytest.raises(FileNotFoundError, match="missing.fits"):
        is_sdss_frame(tmp_path / "missing.fits")
    corrupt = bytearray(_fpc(sdss_data).read_bytes()[:4000])
    corrupt[12:40] = bytes(range(28))
    (tmp_path / "corrupt.fit.gz").write_bytes(bytes(corrupt))
    assert not is_sdss_frame(tmp_path / "corrupt.fit.gz")


def test_fpc_with_a_bad_wcs_names_the_file(sdss_data, tmp_path):
    from lsstlite.io.sdss.fpc import read_fpc

    with fits.open(_fpc(sdss_data)) as hdul:
        hdul[0].header["CRVAL2"] = 95.0
        hdul.writeto(tmp_path / R_FPC.replace(".gz", ""))
    with pytest.raises(ValueError, match=r"fpC-.*: invalid WCS: .*CRVAL2 = 95.0 is not a decl"):
        read_fpc(tmp_path / R_FPC.replace(".gz", ""))


# --- companion search --------------------------------------------------------------------------
def test_missing_companions_warn_not_crash(sdss_data, tmp_path, caplog):
    (tmp_path / R_FPC).symlink_to(_fpc(sdss_data))
    with caplog.at_level(logging.WARNING, logger="lsstlite.io.sdss"):
        exposure, info = read_sdss_frame(tmp_path / R_FPC)
    text = caplog.text
    assert "no fpM" in text and "no psField" in text and "no tsField" in text
    assert info.fpm_path is info.psfield_path is info.tsfield_path is None
    assert exposure.psf is None and not exposure.mask.any()
    assert info.zero_point_source == "FLUX20"
    assert info.zero_point == pytest.approx(28.2426, abs=1e-3)
    # Gain estimated from the sky: within 20% of the true 4.76 (sources, dark variance).
    assert info.noise_source == "estimated" and 0.8 * 4.76 < info.gain < 1.2 * 4.76


def test_companions_found_in_sdss_tree(sdss_data, tmp_path, caplog):
    root = tmp_path / "4192" / "40"
    for sub, name in [("corr", R_FPC), ("objcs", "fpM-004192-r4-0300.fit"),
                      ("objcs", PSFIELD), ("calibChunks", TSFIELD)]:
        (root / sub / "4").mkdir(parents=True, exist_ok=True)
        (root / sub / "4" / name).symlink_to(sdss_data / RUN / name)
    with caplog.at_level(logging.INFO, logger="lsstlite.io.sdss"):
        _, info = read_sdss_frame(root / "corr" / "4" / R_FPC)
    assert info.fpm_path == root / "objcs" / "4" / "fpM-004192-r4-0300.fit"
    assert info.psfield_path == root / "objcs" / "4" / PSFIELD
    assert info.tsfield_path == root / "calibChunks" / "4" / TSFIELD
    assert info.astrans_path is None and info.wcs_source == "header"
    assert "using psField" in caplog.text
    # asTrans: one file per run, in <rerun>/astrom/
    (root / "astrom").mkdir()
    (root / "astrom" / ASTRANS).symlink_to(sdss_data / RUN / ASTRANS)
    _, info = read_sdss_frame(root / "corr" / "4" / R_FPC)
    assert info.astrans_path == root / "astrom" / ASTRANS and info.wcs_source == "asTrans"


def test_explicit_missing_companion_raises(sdss_data, tmp_path):
    with pytest.raises(FileNotFoundError, match="psField"):
        read_sdss_frame(_fpc(sdss_data), psfield_path=tmp_path / "nope.fit")


def test_missing_fpc(tmp_path):
    with pytest.raises(FileNotFoundError, match="fpC"):
        read_sdss_frame(tmp_path / "fpC-000001-r1-0001.fit")


# --- synthetic fpM -----------------------------------------------------------------------------
def _objmask_table(objmasks):
    """Binary table of OBJMASKs; each entry is (row0, col0, [(y, x1, x2), ...])."""
    rows = {k: [] for k in ("refcntr", "nspan", "row0", "col0", "rmin", "rmax", "cmin", "cmax",
                            "npix")}
    blobs = []
    for row0, col0, spans in objmasks:
        spans = np.array(spans, dtype=">u2").reshape(-1, 3)
        blobs.append(np.frombuffer(spans.tobytes(), dtype=np.uint8))
        rows["refcntr"].append(1)
        rows["nspan"].append(len(spans))
        rows["row0"].append(row0)
        rows["col0"].append(col0)
        for key in ("rmin", "rmax", "cmin", "cmax"):
            rows[key].append(0)
        rows["npix"].append(int(np.sum(spans[:, 2].astype(int) - spans[:, 1] + 1)) if len(spans)
                            else 0)
    cols = [fits.Column(name=k, format="1J", array=np.array(v, dtype=np.int32))
            for k, v in rows.items()]
    cols.append(fits.Column(name="s", format="PB()",
                            array=np.array(blobs + [], dtype=object) if blobs else []))
    return fits.BinTableHDU.from_columns(cols)


def _write_fpm(path, planes, shape):
    names = ["INTERP", "SATUR", "NOTCHECKED", "CR"]
    hdus = [fits.PrimaryHDU()]
    hdus[0].header["MASKROWS"], hdus[0].header["MASKCOLS"] = shape
    for name in names:
        hdus.append(_objmask_table(planes.get(name, [])))
    table = fits.BinTableHDU.from_columns([
        fits.Column(name="defName", format="31A", array=["S_MASKTYPE"] * (len(names) + 1)),
        fits.Column(name="attributeName", format="31A",
                    array=[f"S_MASK_{n}" for n in names] + ["S_NMASK_TYPES"]),
        fits.Column(name="Value", format="1J", array=list(range(len(names))) + [len(names)])])
    hdus.append(table)
    fits.HDUList(hdus).writeto(path)


def test_fpm_decoding_synthetic(tmp_path):
    path = tmp_path / "fpM-000001-r1-0001.fit"
    planes = {
        "INTERP": [(0, 0, [(1, 2, 4), (2, 0, 0)]), (0, 0, [(9, 7, 30)])],   # x clipped to 9
        "SATUR": [(2, 3, [(5, 4, 5)])],                                     # offset by row0/col0
        "CR": [(0, 0, [(12, 1, 1)])],                                       # row outside: dropped
    }
    _write_fpm(path, planes, (10, 10))
    decoded = read_fpm(path)
    assert list(decoded) == ["INTERP", "SATUR", "NOTCHECKED", "CR"]
    expected = np.zeros((10, 10), bool)
    expected[1, 2:5] = True
    expected[2, 0] = True
    expected[9, 7:10] = True
    np.testing.assert_array_equal(decoded["INTERP"], expected)
    sat = np.zeros((10, 10), bool)
    sat[3, 1:3] = True
    np.testing.assert_array_equal(decoded["SATUR"], sat)
    assert not decoded["CR"].any() and not decoded["NOTCHECKED"].any()
    # A smaller output shape drops the rows beyond it.
    assert read_fpm(path, shape=(5, 10))["INTERP"].sum() == 4


def test_fpm_not_a_mask_file(tmp_path):
    path = tmp_path / "bad.fit"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column(name="a", format="1J", array=[1])])]).writeto(path)
    with pytest.raises(ValueError, match="plane table"):
        read_fpm(path, shape=(4, 4))
