"""The first-run helper that compiles the calibration-stage kernels in a second process."""

import subprocess
import sys

import lsstlite.kernels.cache
from lsstlite.tasks import precompile


def test_compiles_by_running_the_calibration_stage():
    precompile.compile_calibration_kernels()  # raises if any stage fails on its exposure


def test_module_runs_as_a_program():
    done = subprocess.run([sys.executable, "-m", "lsstlite.tasks.precompile"], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def test_started_only_when_the_cache_is_empty_and_a_core_is_free(monkeypatch):
    monkeypatch.setattr(lsstlite.kernels.cache, "kernels_cached", lambda: True)
    assert precompile.start_precompile() is None
    monkeypatch.setattr(lsstlite.kernels.cache, "kernels_cached", lambda: False)
    monkeypatch.setattr(precompile.os, "cpu_count", lambda: 1)
    assert precompile.start_precompile() is None
    monkeypatch.setattr(precompile.os, "cpu_count", lambda: 2)
    process = precompile.start_precompile()
    assert process is not None
    precompile._stop(process)
    assert process.poll() is not None
