"""Files written by ``python -m lsstlite.sim``: image, truth and the HTM reference catalogue."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table, vstack

from lsstlite.io.htm import htm_index
from lsstlite.sim import read_truth, simulate_frame, true_psf_image
from lsstlite.sim.__main__ import main

SIZE = (500, 400)
SEED = 3


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    status = main([str(root / "frame.fits"), "--refcat", str(root / "refcat"), "--seed", str(SEED),
                   "--size", f"{SIZE[0]}x{SIZE[1]}"])
    assert status == 0
    return root


def _read_refcat(directory):
    shards = sorted(p for p in directory.glob("*.fits") if p.stem.isdigit())
    return shards, vstack([Table.read(p) for p in shards])


def test_image_file_reads_back_identical(outputs):
    frame = simulate_frame(SEED, size=SIZE)
    with fits.open(outputs / "frame.fits") as hdul:
        assert len(hdul) == 1
        np.testing.assert_array_equal(hdul[0].data, frame.image)
        assert hdul[0].header["GAIN"] == frame.config.gain and hdul[0].header["CTYPE1"] == "RA---TAN"


def test_truth_file_round_trip(outputs):
    frame = simulate_frame(SEED, size=SIZE)
    truth = read_truth(outputs / "frame_truth.fits")
    assert truth.psf == frame.psf
    np.testing.assert_array_equal(truth.sources["x"], frame.truth["x"])
    assert list(truth.sources["type"]) == list(frame.truth["type"])
    assert len(truth.cosmic_rays) == len(frame.cosmic_rays) and len(truth.bad_columns) == 2
    assert truth.header["SATSTAR"] == 1
    ra, dec = truth.wcs.all_pix2world(np.asarray(truth.sources["x"]), np.asarray(truth.sources["y"]), 0)
    np.testing.assert_allclose(ra, truth.sources["ra"], atol=1e-10)
    np.testing.assert_allclose(dec, truth.sources["dec"], atol=1e-10)
    np.testing.assert_array_equal(true_psf_image(truth.header, 100, 50, 31), true_psf_image(frame.psf, 100, 50, 31))


def test_refcat_reads_back_and_covers_frame(outputs):
    frame = simulate_frame(SEED, size=SIZE)
    shards, ref = _read_refcat(outputs / "refcat")
    master = Table.read(outputs / "refcat" / "master_schema.fits")
    assert len(master) == 0 and master.colnames == ref.colnames
    for name in ["id", "coord_ra", "coord_dec", "r_flux", "r_fluxErr", "g_flux", "starnotgal"]:
        assert name in ref.colnames
    assert str(ref["coord_ra"].unit) == "rad" and str(ref["r_flux"].unit) == "nJy"
    # every object sits in the shard named by its depth-7 trixel
    for path in shards:
        t = Table.read(path)
        assert np.all(htm_index(np.degrees(t["coord_ra"]), np.degrees(t["coord_dec"]), 7) == int(path.stem))
    # the shards cover the frame corners, and bright on-frame stars are all there
    cfg = frame.config
    corners = frame.wcs.all_pix2world([[0, 0], [cfg.width - 1, 0], [0, cfg.height - 1],
                                       [cfg.width - 1, cfg.height - 1]], 0)
    assert set(htm_index(corners[:, 0], corners[:, 1], 7).tolist()) <= {int(p.stem) for p in shards}
    t = frame.truth
    bright = t[t["is_star"] & (t["mag"] < cfg.refcat_mag_limit - 1)]  # frame and margin
    assert len(bright) >= 5 and set(bright["id"]) <= set(ref["id"])
    assert not set(t["id"][t["mag"] > cfg.refcat_mag_limit + 1]) & set(ref["id"])  # faint ones missing
    # positions scatter ~10-20 mas around truth, fluxes ~1-2 %
    truth_by_id = {i: k for k, i in enumerate(t["id"])}
    rows = np.array([truth_by_id[i] for i in ref["id"]])
    dra = (np.degrees(ref["coord_ra"]) - t["ra"][rows]) * np.cos(np.radians(t["dec"][rows])) * 3.6e6
    ddec = (np.degrees(ref["coord_dec"]) - t["dec"][rows]) * 3.6e6
    scatter = np.sqrt(np.mean(np.r_[dra, ddec] ** 2))
    assert 8.0 < scatter < 25.0
    rel = ref["r_flux"] / (t["flux_nJy"][rows]) - 1
    assert 0.005 < np.std(rel) < 0.03
    pulls = rel * t["flux_nJy"][rows] / ref["r_fluxErr"]
    assert 0.7 < np.std(pulls) < 1.3


def test_rewriting_refcat_removes_stale_shards(tmp_path):
    refcat = tmp_path / "refcat"
    assert main([str(tmp_path / "a.fits"), "--refcat", str(refcat), "--size", "200", "--set", "ra=10"]) == 0
    assert main([str(tmp_path / "a.fits"), "--refcat", str(refcat), "--size", "200", "--set", "ra=200"]) == 0
    shards, ref = _read_refcat(refcat)
    assert np.all(np.abs(np.degrees(ref["coord_ra"]) - 200) < 1)
    assert {int(p.stem) for p in shards} == set(htm_index(np.degrees(ref["coord_ra"]),
                                                          np.degrees(ref["coord_dec"]), 7).tolist())


def test_pure_noise_cli_and_truth_path(tmp_path):
    assert main([str(tmp_path / "noise.fits"), "--pure-noise", "--size", "64x48", "--truth",
                 str(tmp_path / "t.fits")]) == 0
    truth = read_truth(tmp_path / "t.fits")
    assert len(truth.sources) == 0 and len(truth.cosmic_rays) == 0
    assert fits.getdata(tmp_path / "noise.fits").shape == (48, 64)


@pytest.mark.parametrize("argv", [["x.fits", "--size", "7"], ["x.fits", "--set", "nope=1"],
                                  ["x.fits", "--set", "gain=-2"], ["x.fits", "--seed", "one"]])
def test_bad_arguments_one_line_error(argv, tmp_path, capsys):
    argv = [str(tmp_path / argv[0])] + argv[1:]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
    assert not (tmp_path / "x.fits").exists()


def test_set_parses_like_the_defaults(tmp_path):
    assert main([str(tmp_path / "s.fits"), "--size", "64", "--pure-noise", "--set", "sky_gradient=0,0",
                 "--set", "sky=500", "--set", "saturated_star_mag=none", "--set", "refcat_galaxies=false"]) == 0
    truth = read_truth(tmp_path / "s_truth.fits")
    assert truth.header["SKY"] == 500.0 and truth.header["SKYGX"] == 0.0
    assert np.median(fits.getdata(tmp_path / "s.fits")) == pytest.approx(500.0, abs=2.0)
