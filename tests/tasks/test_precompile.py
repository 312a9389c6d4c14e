"""The first-run helper that compiles the calibration-stage kernels in a second process."""

import subprocess
import sys

import lsstlite.kernels.cache
from lsstlite.tasks import precompile


def test_compiles_by_running_the_calibration_stage():
    precompile.compile_calibration_kernels()  # raises if any stage fails on its exposure
    precompile.compile_calibration_kernels(cosmic_rays=True)


def test_leaves_the_first_kernels_to_the_main_process(monkeypatch):
    # the main process compiles the moments first (its PSF's size); the second process must
    # not compile them at the same time: nothing before the calibration stage measures moments
    import lsstlite.kernels.moments as moments
    from lsstlite.tasks.calibrate import CalibrateTask

    calls = []
    monkeypatch.setattr(moments, "adaptive_moments", lambda *a, **k: calls.append(1) or 1 / 0)
    monkeypatch.setattr(CalibrateTask, "run", lambda self, exposure: calls.append("calibrate"))
    precompile.compile_calibration_kernels(cosmic_rays=True)
    assert calls == ["calibrate"]


def test_module_runs_as_a_program():
    for flags in ([], ["--cosmic-rays"]):
        done = subprocess.run([sys.executable, "-m", "lsstlite.tasks.precompile", *flags],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr


def test_started_only_when_the_cache_is_empty_and_a_core_is_free(monkeypatch):
    monkeypatch.setattr(lsstlite.kernels.cache, "kernels_cached", lambda: True)
    assert precompile.start_precompile() is None
    monkeypatch.setattr(lsstlite.kernels.cache, "kernels_cached", lambda: False)
    monkeypatch.setattr(precompile.os, "cpu_count", lambda: 1)
    assert precompile.start_precompile() is None
    monkeypatch.setattr(precompile.os, "cpu_count", lambda: 2)
    process = precompile.start_precompile()
    assert process is not None and "--cosmic-rays" not in process.args
    precompile._stop(process)
    assert process.poll() is not None
    process = precompile.start_precompile(cosmic_rays=True)
    assert process.args[-1] == "--cosmic-rays"
    precompile._stop(process)
