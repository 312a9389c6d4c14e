"""First run: compile the calibration-stage kernels in a second process, on another core.

With an empty Numba cache the first ``processFile.py`` run compiles every kernel as it first
meets it, one after the other. The kernels do not depend on the frame, only on the array
types, which are fixed. So while the main process reads the frame and compiles the background,
detection and measurement kernels in pipeline order, a second process runs the measurement
plugins on a small synthetic exposure in the *reverse* order (the main process reaches them
last), then the rest of the calibration stage. Numba writes what it compiles to the shared
on-disk cache and the main process loads a kernel instead of compiling it when the second
process got there first; the two meet in the middle. Numba writes its cache files atomically,
so compiling the same kernel twice at once does no harm.

Run as ``python -m lsstlite.tasks.precompile``; `start_precompile` starts it when it pays.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import subprocess
import sys

import numpy as np

__all__ = ["compile_calibration_kernels", "start_precompile"]


def _synthetic_exposure():
    """A 256x256 exposure with Gaussian stars (two of them blended) and a kernel-image PSF."""
    from lsstlite.image import Exposure, KernelImagePsf

    rng = np.random.default_rng(0)
    sigma = 1.5
    yy, xx = np.mgrid[:256, :256].astype(np.float64)
    image = rng.normal(0.0, 5.0, yy.shape)
    stars = [(60.3, 70.6, 2e4), (160.7, 90.2, 8e3), (90.4, 180.1, 3e4), (95.6, 184.3, 2e4),
             (200.2, 200.8, 5e3)]
    for x, y, flux in stars:
        image += flux * np.exp(-0.5 * ((xx - x) ** 2 + (yy - y) ** 2) / sigma**2) / (2 * np.pi * sigma**2)
    half = 7
    k = np.arange(-half, half + 1, dtype=np.float64)
    psf_image = np.exp(-0.5 * (k[None, :] ** 2 + k[:, None] ** 2) / sigma**2)
    return Exposure(image.astype(np.float32), variance=np.full(yy.shape, 25.0, np.float32),
                    psf=KernelImagePsf(psf_image / psf_image.sum()))


def _footprints(exposure, threshold: float):
    """Footprints of the pixels above ``threshold``, found without the detection stage."""
    from lsstlite.kernels.footprints import label_8, label_statistics
    from lsstlite.meas.footprints import SourceFootprints

    labels, n = label_8(exposure.image > threshold)
    npix, bbox, peak, peak_x, peak_y = label_statistics(labels, n, exposure.image)
    return SourceFootprints(labels, np.arange(1, n + 1, dtype=np.int32), bbox.astype(np.int64),
                            npix, peak_x.astype(float), peak_y.astype(float), peak)


def compile_calibration_kernels() -> None:
    """Compile (and cache) the calibration-stage kernels on a small synthetic exposure.

    First the default measurement plugins, last plugin first, on footprints found without
    the detection kernels; then the whole calibration stage (detection, deblending,
    measurement; no reference catalogue, no background re-estimation).
    """
    from lsstlite.table import Schema, SourceCatalog
    from lsstlite.tasks.calibrate import CalibrateTask
    from lsstlite.tasks.measurement import SingleFrameMeasurementTask

    exposure = _synthetic_exposure()
    footprints = _footprints(exposure, 50.0)
    schema = Schema()
    measurement = SingleFrameMeasurementTask(schema=schema)
    measurement.plugins.reverse()
    catalog = SourceCatalog(schema, len(footprints))
    catalog["id"] = np.arange(1, len(footprints) + 1)
    measurement.run(catalog, exposure, footprints)

    config = CalibrateTask.ConfigClass()
    config.detection.reEstimateBackground = False  # the main process compiles the background
    config.doAstrometry = False
    config.doPhotoCal = False
    CalibrateTask(config=config).run(_synthetic_exposure())


def _stop(process: subprocess.Popen) -> None:
    """Stop the compiling process (what it has not cached yet, the main process compiled)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def start_precompile() -> subprocess.Popen | None:
    """Start `compile_calibration_kernels` in a second process when that shortens a first run.

    Only when the kernels are not cached yet, the machine has a second core, and this is the
    program's main process (not a ``-j`` worker, whose siblings already use the other cores).
    The process is stopped when this one exits.

    Returns
    -------
    process : `subprocess.Popen` or None
        The compiling process, or None when none was started.
    """
    from lsstlite.kernels.cache import kernels_cached

    if kernels_cached() or (os.cpu_count() or 1) < 2 or multiprocessing.parent_process() is not None:
        return None
    process = subprocess.Popen([sys.executable, "-m", "lsstlite.tasks.precompile"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    atexit.register(_stop, process)
    return process


if __name__ == "__main__":
    compile_calibration_kernels()
