"""processFile: the config, a run on synthetic FITS images, and the installed console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.tasks.processFile import ProcessFileConfig, ProcessFileTask, main

HEAVY = ("numba", "sep", "skimage", "scipy")


def _image(path, seed):
    rng = np.random.default_rng(seed)
    data = rng.normal(100.0, 5.0, (32, 40)).astype(np.float32)
    fits.PrimaryHDU(data).writeto(path)
    return data


def test_config_fields_and_command_line_types():
    config = ProcessFileConfig()
    assert config.gain == 0.0 and config.doVariance is True and config.doWrite is True
    result = ProcessFileTask.parseAndRun(["-c", "gain=2", "doVariance=False", "readNoise=3.5",
                                          "--show", "config=gain"])
    parsed = result.parsedCmd.config
    assert (parsed.gain, parsed.doVariance, parsed.readNoise) == (2.0, False, 3.5)


def test_run_writes_outputs_and_isolates_a_bad_input(tmp_path, capsys):
    from astropy.table import Table

    from lsstlite.io import read_exposure
    from lsstlite.sim import simulate_frame

    raw = tmp_path / "raw"
    raw.mkdir()
    simulate_frame(seed=1, size=(400, 300)).write(raw / "one.fits")
    simulate_frame(seed=2, size=(400, 300)).write(raw / "two.fit")
    (raw / "broken.fits").write_text("not a FITS file")
    out = tmp_path / "out"
    assert main([str(raw), "--output", str(out), "-c", "gain=2", "doVariance=True"]) == 1
    err = capsys.readouterr().err
    assert "broken.fits: " in err and "1 of 3 inputs failed" in err
    calexp = read_exposure(out / "one.fits")
    assert calexp.psf is not None and calexp.image.shape == (300, 400)
    for name in ("one", "two"):
        for dataset in ("background", "icSrc", "src"):
            assert (out / name / f"{dataset}.fits").exists()
    src = Table.read(out / "one" / "src.fits")
    assert len(src) > 5 and str(src["base_PsfFlux_instFlux"].unit) == "ct"
    assert not (out / "broken.fits").exists()
    assert (out / "config" / "processFile.py").exists()
    assert (out / "schema" / "src.fits").exists() and (out / "schema" / "icSrc.fits").exists()
    assert (out / "one" / "metadata.yaml").exists() and (out / "broken" / "metadata.yaml").exists()


def test_refcat_alias_reports_missing_field_or_sets_it(capsys):
    status = main(["--refcat", "cat-dir", "--show", "config=*refcat.path"])
    if "calibrate" in ProcessFileConfig._fields:
        assert status == 0 and "cat-dir" in capsys.readouterr().out
    else:
        assert status == 2
        assert "calibrate.refcat.path" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--show", "config"], ["--show", "tasks"], ["-h"]])
def test_show_and_help_import_no_heavy_module(argv):
    code = textwrap.dedent(f"""
        import sys
        from lsstlite.tasks.processFile import main
        status = main({argv!r})
        heavy = [m for m in {HEAVY!r} if m in sys.modules]
        print("STATUS", status, "HEAVY", heavy, file=sys.stderr)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "STATUS 0 HEAVY []" in proc.stderr, proc.stderr
    assert proc.stdout


def test_installed_console_script(tmp_path):
    script = shutil.which("processFile.py")
    if script is None:
        pytest.skip("processFile.py console script not installed (pip install -e .)")
    _image(tmp_path / "frame.fits", 3)
    out = tmp_path / "out"
    proc = subprocess.run([script, str(tmp_path / "frame.fits"), "--output", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (out / "frame.fits").exists()
    bad = subprocess.run([script, str(tmp_path / "frame.fits"), "--output", str(out),
                          "-c", "gain=-1"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "gain" in bad.stderr


def test_sdss_companion_files_in_a_directory_are_not_inputs(tmp_path):
    from lsstlite.tasks.cmdline.inputs import resolve_inputs

    for name in ("fpC-004192-r4-0300.fit.gz", "fpM-004192-r4-0300.fit",
                 "psField-004192-4-0300.fit", "tsField-004192-4-40-0300.fit",
                 "asTrans-004192.fit", "other.fits"):
        (tmp_path / name).write_bytes(b"")
    found = [p.rsplit("/", 1)[1] for p in resolve_inputs([str(tmp_path)],
                                                         ProcessFileTask.isInputName)]
    assert found == ["fpC-004192-r4-0300.fit.gz", "other.fits"]
    # the SDSS overrides apply only when every input is an fpC frame
    assert ProcessFileTask.cameraOverrides([str(tmp_path / "fpC-004192-r4-0300.fit.gz")])
    assert not ProcessFileTask.cameraOverrides([str(tmp_path)])
    (tmp_path / "other.fits").unlink()
    assert ProcessFileTask.cameraOverrides([str(tmp_path)])
