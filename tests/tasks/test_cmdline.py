"""Every command-line option, through ``main(argv)`` of a small command-line task."""

from __future__ import annotations

import concurrent.futures
import pstats

import numpy as np
import pytest
import yaml
from astropy.io import fits

from .tree import FileAddMultTask

main = FileAddMultTask.main


def _image(path, value, n_ext=0, **header):
    hdul = fits.HDUList([fits.PrimaryHDU(np.full((8, 8), value, np.float32))])
    for key, val in header.items():
        hdul[0].header[key] = val
    for i in range(n_ext):
        hdul.append(fits.ImageHDU(np.full((8, 8), value + 10 * (i + 1), np.float32)))
    hdul.writeto(path)
    return str(path)


@pytest.fixture
def images(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    return [_image(raw / "a.fits", 1.0, FILTER="r"), _image(raw / "b.fits", 2.0, FILTER="g"),
            _image(raw / "c.fits", 3.0, FILTER="i")]


def _meta(out, name):
    return yaml.safe_load((out / name / "metadata.yaml").read_text())


def _result(out, name):
    return _meta(out, name)["fileAddMult"]["result"]


def _last_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# --- help and --show --------------------------------------------------------------------------
def test_help(capsys):
    assert main(["-h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: fileAddMult.py input [options]")
    for option in ("--output", "--calib", "--configfile", "--loglevel", "--longlog", "--debug",
                   "--doraise", "--noExit", "--profile", "--show", "--processes", "--timeout",
                   "--clobber-output", "--clobber-config", "--no-backup-config", "--id",
                   "--note"):
        assert option in out
    assert "@file" in out and "may be repeated" in out


def test_show_config_needs_no_input_or_output(capsys, tmp_path):
    assert main([str(tmp_path / "nothing.fits"), "--show", "config"]) == 0
    out = capsys.readouterr().out
    assert "config.addMult.add.addend=3.0" in out and "# Amount to add" in out
    assert not (tmp_path / "nothing.fits").exists()


def test_show_config_glob_is_case_insensitive(capsys):
    assert main(["--show", "config=*ADDEND*", "-c", "addMult.add.addend=4"]) == 0
    out = capsys.readouterr().out
    assert out == "\n# Amount to add\nconfig.addMult.add.addend=4.0\n"
    assert main(["--show", "config=*nomatch*"]) == 2
    assert "no config field matches" in _last_error_line(capsys)


def test_show_history(capsys):
    assert main(["--show", "history=*addend", "-c", "addMult.add.addend=4"]) == 0
    out = capsys.readouterr().out
    assert "addMult.add.addend" in out and "command line" in out
    assert main(["--show", "history"]) == 2
    assert "needs a pattern" in _last_error_line(capsys)
    assert main(["--show", "everything"]) == 2
    assert "unknown value for --show" in _last_error_line(capsys)


def test_show_tasks_lists_registry_selection(capsys):
    assert main(["--show", "tasks", "-c", "addMult.mult.name=power"]) == 0
    assert capsys.readouterr().out == (
        "Subtasks:\n"
        "addMult: tests.tasks.tree.AddMultTask\n"
        "addMult.add: tests.tasks.tree.AddTask\n"
        "addMult.mult: tests.tasks.tree.PowerTask\n")


def test_show_data_applies_id_filter(capsys, images):
    assert main([*images, "--show", "data", "--id", "FILTER=r^i"]) == 0
    assert capsys.readouterr().out.splitlines() == [images[0], images[2]]


# --- running ----------------------------------------------------------------------------------
def test_run_writes_config_schema_metadata(tmp_path, images):
    out = tmp_path / "out"
    assert main([*images, "--output", str(out), "-c", "addMult.add.addend=1"]) == 0
    assert [_result(out, n) for n in "abc"] == [4.0, 6.0, 8.0]
    assert "config.addMult.add.addend=1.0" in (out / "config" / "fileAddMult.py").read_text()
    assert (out / "schema" / "values.fits").exists()
    timing = _meta(out, "a")["fileAddMult.addMult.add"]["run"]
    assert timing["calls"] == 1 and {"wall", "cpu", "maxRss"} <= set(timing)


def test_directory_input_and_argfile(tmp_path, images):
    out = tmp_path / "out"
    argfile = tmp_path / "args.txt"
    argfile.write_text(f"# inputs and options\n{tmp_path / 'raw'}\n"
                       f"--output {out}  -c addMult.add.addend=0   # trailing comment\n"
                       "-c 'addMult.mult.active.multiplicand=10'\n")
    assert main([f"@{argfile}"]) == 0
    assert [_result(out, n) for n in "abc"] == [10.0, 20.0, 30.0]
    assert main([f"@{tmp_path / 'missing.txt'}"]) == 2


def test_config_errors_exit_2_with_one_line(capsys, images, tmp_path):
    out = str(tmp_path / "out")
    assert main([images[0], "--output", out, "-c", "addMult.add.nosuch=1"]) == 2
    assert "nosuch" in _last_error_line(capsys)
    assert main([images[0], "--output", out, "-c", "addMult.add.addend=abc"]) == 2
    line = _last_error_line(capsys)
    assert "addMult.add.addend" in line and "abc" in line
    assert main(["-c", "addend", images[0], "--output", out]) == 2
    assert "must be in the form name=value" in _last_error_line(capsys)
    assert main([images[0], "--output", out, "--nosuch"]) == 2
    assert "--nosuch" in _last_error_line(capsys)
    assert main([images[0], "--output", out, "-c", "addMult.mult.active.multiplicand=0"]) == 2
    assert "invalid config" in _last_error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_input_and_output_errors(capsys, images, tmp_path):
    assert main([images[0]]) == 2
    assert "no output directory" in _last_error_line(capsys)
    assert main(["--output", str(tmp_path / "o")]) == 2
    assert "no input" in _last_error_line(capsys)
    assert main([str(tmp_path / "missing.fits"), "--output", str(tmp_path / "o")]) == 2
    assert "does not exist" in _last_error_line(capsys)
    assert main([images[0], "--output", str(tmp_path / "raw")]) == 2
    assert "holds input" in _last_error_line(capsys)
    assert main([images[0], "--output", str(tmp_path / "o"), "--calib", "nodir"]) == 2
    assert "--calib nodir" in _last_error_line(capsys)
    assert main([images[0], "--output", str(tmp_path / "o"), "-j", "0"]) == 2
    assert "positive integer" in _last_error_line(capsys)
    assert main([images[0], "--output", str(tmp_path / "o"), "--id", "hdu"]) == 2
    assert "KEY=VALUE" in _last_error_line(capsys)


def test_configfile_python_and_yaml_in_command_line_order(tmp_path, images):
    py = tmp_path / "over.py"
    py.write_text("from tests.tasks.tree import AddTwiceTask\n"
                  "config.addMult.add.retarget(AddTwiceTask)\n"
                  "config.addMult.add.addend = 5.0\n")
    yml = tmp_path / "over.yaml"
    yml.write_text("addMult:\n  add:\n    addend: 7.0\n")
    result = FileAddMultTask.parseAndRun(
        [images[0], "--output", str(tmp_path / "o"), "-c", "addMult.add.addend=1", "-C", str(py),
         "-c", "note=x", "--configfile", str(yml), "-c", "addMult.mult.active.multiplicand=3"])
    config = result.parsedCmd.config
    assert config.addMult.add.addend == 7.0 and config.note == "x"
    assert result.exitStatus == 0
    assert _result(tmp_path / "o", "a") == (1.0 + 2 * 7.0) * 3  # the retargeted AddTwiceTask
    assert main([images[0], "--output", str(tmp_path / "o2"), "-C", str(tmp_path / "no.py")]) == 2


def test_config_aliases(capsys, tmp_path, images):
    result = FileAddMultTask.parseAndRun([images[0], "--note", "hello", "--show", "config=note"])
    assert result.parsedCmd.config.note == "hello"
    capsys.readouterr()
    assert main([images[0], "--missing", "1", "--show", "config"]) == 2
    assert "no.such.field" in _last_error_line(capsys)


# --- re-runs ----------------------------------------------------------------------------------
def test_rerun_config_rules(capsys, tmp_path, images):
    out = tmp_path / "out"
    base = [images[0], "--output", str(out)]
    stored = out / "config" / "fileAddMult.py"
    assert main(base) == 0
    assert main(base) == 0  # same config: fine
    capsys.readouterr()
    assert main([*base, "-c", "addMult.add.addend=9", "note=z"]) == 2
    err = capsys.readouterr().err
    assert "addMult.add.addend: 9.0 (stored: 3.0)" in err and "note: 'z' (stored: '')" in err
    assert "--clobber-config" in err
    assert main([*base, "-c", "addMult.add.addend=9", "--clobber-config"]) == 0
    assert "addend=9.0" in stored.read_text()
    assert "addend=3.0" in (out / "config" / "fileAddMult.py~1").read_text()
    assert main([*base, "-c", "addMult.add.addend=8", "--clobber-config"]) == 0
    assert "addend=9.0" in (out / "config" / "fileAddMult.py~1").read_text()
    assert "addend=3.0" in (out / "config" / "fileAddMult.py~2").read_text()
    assert main([*base, "-c", "addMult.add.addend=7", "--clobber-config",
                 "--no-backup-config"]) == 0
    assert not (out / "config" / "fileAddMult.py~3").exists()
    assert "addend=9.0" in (out / "config" / "fileAddMult.py~1").read_text()


def test_rerun_detects_retarget_and_registry_change(capsys, tmp_path, images):
    out = tmp_path / "out"
    py = tmp_path / "retarget.py"
    py.write_text("from tests.tasks.tree import AddTwiceTask\n"
                  "config.addMult.add.retarget(AddTwiceTask)\n")
    assert main([images[0], "--output", str(out)]) == 0
    assert main([images[0], "--output", str(out), "-C", str(py)]) == 2
    assert "AddTwiceTask" in capsys.readouterr().err
    assert main([images[0], "--output", str(out), "-c", "addMult.mult.name=power"]) == 2


def test_clobber_output(capsys, tmp_path, images):
    out = tmp_path / "out"
    assert main([images[0], "--output", str(out)]) == 0
    (out / "stale.txt").write_text("old")
    assert main([images[1], "--output", str(out), "--clobber-output",
                 "-c", "note=changed"]) == 0
    assert not (out / "stale.txt").exists() and not (out / "a").exists()
    assert _result(out, "b") == 10.0
    inside = out / "inputs"
    inside.mkdir()
    nested = _image(inside / "n.fits", 1.0)
    capsys.readouterr()
    assert main([nested, "--output", str(out), "--clobber-output"]) == 2
    assert "would delete input" in _last_error_line(capsys)


# --- failures ---------------------------------------------------------------------------------
def test_failing_input_among_good_ones(capsys, tmp_path, images):
    out = tmp_path / "out"
    bad = tmp_path / "raw" / "bad.fits"
    bad.write_text("not a FITS file")
    argv = [*images, str(bad), "--output", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "bad.fits: OSError:" in err and "Traceback" not in err
    assert "1 of 4 inputs failed" in err
    assert [_result(out, n) for n in "abc"] == [8.0, 10.0, 12.0]
    assert (out / "bad" / "metadata.yaml").exists()
    assert main([*argv, "--noExit"]) == 0
    assert main([*argv, "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err
    with pytest.raises(OSError):
        main([*argv, "--doraise"])


def test_task_error_has_no_traceback_even_with_debug(capsys, tmp_path, images):
    argv = [*images, "--output", str(tmp_path / "out"), "-c", "failBelow=1.5", "--debug"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "a.fits: TaskError: mean 1.0 below failBelow 1.5" in err
    assert "Traceback" not in err


def test_processes_and_executor(capfd, tmp_path, images):
    bad = tmp_path / "raw" / "bad.fits"
    bad.write_text("garbage")
    out = tmp_path / "out"
    assert main([*images, str(bad), "--output", str(out), "-j", "2"]) == 1
    assert [_result(out, n) for n in "abc"] == [8.0, 10.0, 12.0]
    # a worker process runs with automatic GC off, like the program's own process
    assert [_meta(out, n)["fileAddMult"]["gcEnabled"] for n in "abc"] == [False] * 3
    assert "bad.fits: OSError" in capfd.readouterr().err  # logged by the worker process
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        result = FileAddMultTask.parseAndRun([*images, "--output", str(tmp_path / "t")],
                                             doReturnResults=True, executor=pool)
    assert [r.result.value for r in result.resultList] == [8.0, 10.0, 12.0]
    assert result.exitStatus == 0


def test_timeout(capsys, tmp_path, images):
    argv = [*images[:2], "--output", str(tmp_path / "out"), "-c", "sleep=0.6", "-t", "0.3"]
    assert main(argv) == 1  # serial: the second input is not started after the deadline
    err = capsys.readouterr().err
    assert "b.fits: TimeoutError" in err and "a.fits: TimeoutError" not in err
    assert main([*argv, "-j", "2", "--clobber-config", "-c", "sleep=30"]) == 1
    assert "TimeoutError" in capsys.readouterr().err


# --- --id, logging, profile -------------------------------------------------------------------
def test_id_selects_hdus(tmp_path):
    mef = _image(tmp_path / "mef.fits", 1.0, n_ext=2)
    out = tmp_path / "out"
    assert main([mef, "--output", str(out), "--id", "hdu=1^2"]) == 0
    assert _result(out, "mef-hdu1") == 28.0 and _result(out, "mef-hdu2") == 48.0
    assert not (out / "mef").exists()


def test_loglevel_component_and_longlog(capsys, tmp_path, images):
    argv = [images[0], "--output", str(tmp_path / "out")]
    assert main([*argv, "-L", "fileAddMult.addMult.mult=DEBUG"]) == 0
    err = capsys.readouterr().err
    assert "DEBUG fileAddMult.addMult.mult: [a.fits] run: wall=" in err
    assert "DEBUG fileAddMult.addMult.add" not in err
    assert main([*argv, "-L", "warn", "--longlog"]) == 0
    assert "INFO" not in capsys.readouterr().err
    assert main([*argv, "-L", "debug"]) == 0
    assert "DEBUG fileAddMult.addMult.add: [a.fits] run: wall=" in capsys.readouterr().err
    assert main([*argv, "-L", "loud"]) == 2
    assert "not one of" in _last_error_line(capsys)


def test_longlog_format(capsys, tmp_path, images):
    argv = [images[0], "--output", str(tmp_path / "out"), "--longlog", "-c", "failBelow=5"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "INFO  " in err and "ERROR " in err and "fileAddMult (a.fits)(runner.py:" in err


def test_profile(tmp_path, images):
    prof = tmp_path / "run.prof"
    assert main([images[0], "--output", str(tmp_path / "out"), "--profile", str(prof)]) == 0
    stats = pstats.Stats(str(prof))
    assert any(func[2] == "runFile" for func in stats.stats)


def test_python_retarget_before_parse(tmp_path, images):
    from .tree import FileAddMultConfig

    config = FileAddMultConfig()
    config.addMult.mult.name = "mult"
    config.addMult.mult["mult"].multiplicand = 4.0
    result = FileAddMultTask.parseAndRun([images[0], "--output", str(tmp_path / "o")],
                                         config=config, doReturnResults=True)
    assert result.resultList[0].result.value == 16.0


def test_main_pauses_gc_and_freezes_only_for_the_programs_own_command_line(tmp_path, images):
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    code = textwrap.dedent("""
        import gc, sys
        from tests.tasks.tree import FileAddMultTask

        enabled = []
        original = FileAddMultTask.runFile
        def runFile(self, inputRef, repo):
            enabled.append(gc.isenabled())
            return original(self, inputRef, repo)
        FileAddMultTask.runFile = runFile

        images, out = sys.argv[1:3], sys.argv[3]
        FileAddMultTask.main([*images, "--output", out + "1"])
        after_argv = gc.get_freeze_count()
        sys.argv = ["fileAddMult.py", *images, "--output", out + "2"]
        status = FileAddMultTask.main()
        print("RESULT", status, enabled, after_argv, gc.get_freeze_count() > 0, gc.isenabled(),
              file=sys.stderr)
    """)
    proc = subprocess.run([sys.executable, "-c", code, *images[:2], str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert "RESULT 0 [True, True, False, False] 0 True True" in proc.stderr, proc.stderr



def test_cycles_collected_between_inputs_when_automatic_gc_is_off(tmp_path, images, monkeypatch):
    import gc
    import weakref

    class Cycle:
        pass

    alive = []  # per input: how many earlier inputs' cycles are still alive
    refs = []
    original = FileAddMultTask.runFile

    def runFile(self, inputRef, repo):
        alive.append(sum(ref() is not None for ref in refs))
        cycle = Cycle()
        cycle.me = cycle
        refs.append(weakref.ref(cycle))
        return original(self, inputRef, repo)

    monkeypatch.setattr(FileAddMultTask, "runFile", runFile)
    gc.disable()
    try:
        assert main([*images, "--output", str(tmp_path / "out")]) == 0
    finally:
        gc.enable()
    assert alive == [0, 0, 0]
