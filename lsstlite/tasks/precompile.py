"""First run: compile most measurement and calibration-stage kernels in a second process.

With an empty Numba cache the first ``processFile.py`` run compiles every kernel as it first
meets it, one after the other. The kernels do not depend on the frame, only on the array
types, which are fixed. So while the main process compiles what it needs first, a second
process, started at once, compiles on a small synthetic exposure what the main process needs
later, in the order it needs it, and the two never compile the same kernel at the same time
(that only wastes the time). Numba writes what either compiles to the shared on-disk cache and
the main process loads a kernel instead of compiling it when the second process got there
first (Numba writes its cache files atomically).

The main process needs, in this order: the background kernels; the adaptive moments (its PSF's
size sets the detection smoothing) and the detection kernels; with a cosmic-ray search (not for
SDSS frames), detection comes first (the initial PSF) and the repair kernels after the moments;
then the centroid, shape, Gaussian, PSF, aperture and Kron kernels, the local background, and in
the calibration stage the deblender. The second process compiles:

- without a cosmic-ray search: detection (ready when the main process has compiled the
  background and the moments), the Gaussian, PSF and Kron fluxes and the local background, then
  the calibration stage (deblending); the main process keeps the background, moments, centroid
  and aperture kernels;
- with one: the repair kernels, the centroid, the Gaussian, PSF and Kron fluxes and the local
  background, then the calibration stage; the main process keeps the background, detection,
  moments and aperture kernels.

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


#: Measurement plugins the main process compiles itself, without / with a cosmic-ray search (it
#: needs them before the second process could be done with them).
MAIN_PROCESS_PLUGINS = {False: ("base_SdssCentroid", "base_SdssShape", "base_CircularApertureFlux"),
                        True: ("base_SdssShape", "base_CircularApertureFlux")}
_SIGMA = 1.5  # PSF sigma of the synthetic exposure, pixels


def _synthetic_exposure():
    """A 256x256 exposure with Gaussian stars (two of them blended) and a kernel-image PSF whose
    moments are known without measuring them (the main process compiles the moments kernel)."""
    from lsstlite.image import Exposure, KernelImagePsf

    class KnownShapeKernelPsf(KernelImagePsf):
        def computeShape(self, x=None, y=None):
            return _SIGMA**2, _SIGMA**2, 0.0

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:256, :256].astype(np.float64)
    image = rng.normal(0.0, 5.0, yy.shape)
    stars = [(60.3, 70.6, 2e4), (160.7, 90.2, 8e3), (90.4, 180.1, 3e4), (95.6, 184.3, 2e4),
             (200.2, 200.8, 5e3)]
    for x, y, flux in stars:
        image += flux * np.exp(-0.5 * ((xx - x) ** 2 + (yy - y) ** 2) / _SIGMA**2) / (2 * np.pi * _SIGMA**2)
    half = 7
    k = np.arange(-half, half + 1, dtype=np.float64)
    psf_image = np.exp(-0.5 * (k[None, :] ** 2 + k[:, None] ** 2) / _SIGMA**2)
    return Exposure(image.astype(np.float32), variance=np.full(yy.shape, 25.0, np.float32),
                    psf=KnownShapeKernelPsf(psf_image / psf_image.sum()))


def _labelled_footprints(exposure, threshold: float):
    """Footprints of the pixels above ``threshold``, labelled by the kernel of the cosmic-ray
    search (already compiled), not by the detection kernels (the main process compiles those)."""
    from lsstlite.kernels.footprints import label_8, label_statistics
    from lsstlite.meas.footprints import SourceFootprints

    labels, n = label_8(exposure.image > threshold)
    npix, bbox, peak, peak_x, peak_y = label_statistics(labels, n, exposure.image)
    ids = np.arange(1, n + 1, dtype=np.int64)
    footprints = SourceFootprints(labels, ids.astype(np.int32), bbox.astype(np.int64), npix,
                                  peak_x.astype(float), peak_y.astype(float), peak)
    return footprints, ids, np.zeros(n, dtype=np.int64)


def compile_calibration_kernels(cosmic_rays: bool = False) -> None:
    """Compile (and cache) the kernels the main process needs after its first ones.

    On a small synthetic exposure (see the module docstring for the order): with
    ``cosmic_rays`` the repair task (a cosmic-ray search and interpolation), else detection; the
    default measurement plugins but ``MAIN_PROCESS_PLUGINS[cosmic_rays]`` (with the PSF's size
    standing in for the shapes they would measure); then the whole calibration stage
    (detection, deblending, measurement; no reference catalogue, no background re-estimation).
    """
    from lsstlite.table import Schema, SourceCatalog
    from lsstlite.tasks.calibrate import CalibrateTask
    from lsstlite.tasks.detection import SourceDetectionTask
    from lsstlite.tasks.measurement import SingleFrameMeasurementTask
    from lsstlite.tasks.repair import RepairTask

    exposure = _synthetic_exposure()
    if cosmic_rays:
        exposure.image[128, 40] += 2000.0  # a one-pixel cosmic ray, so that it is interpolated
        RepairTask().run(exposure)
        exposure = _synthetic_exposure()
        footprints, ids, parents = _labelled_footprints(exposure, 50.0)
    else:
        detection_config = SourceDetectionTask.ConfigClass()
        detection_config.reEstimateBackground = False  # the main process compiles the background
        detected = SourceDetectionTask(config=detection_config).run(exposure)
        footprints, ids, parents = (detected.footprints, detected.sources["id"],
                                    detected.sources["parent"])

    schema = Schema()
    measurement = SingleFrameMeasurementTask(schema=schema)
    skip = MAIN_PROCESS_PLUGINS[cosmic_rays]
    measurement.plugins = [p for p in measurement.plugins if p.name not in skip]
    catalog = SourceCatalog(schema, len(ids))
    catalog["id"] = ids
    catalog["parent"] = parents
    for moment, value in (("xx", _SIGMA**2), ("yy", _SIGMA**2), ("xy", 0.0)):
        catalog[f"base_SdssShape_{moment}"] = value
    measurement.run(catalog, exposure, footprints)

    config = CalibrateTask.ConfigClass()
    config.detection.reEstimateBackground = False
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


def start_precompile(cosmic_rays: bool = False) -> subprocess.Popen | None:
    """Start `compile_calibration_kernels` in a second process when that shortens a first run.

    Only when the kernels are not cached yet, the machine has a second core, and this is the
    program's main process (not a ``-j`` worker, whose siblings already use the other cores).
    The process is stopped when this one exits.

    Parameters
    ----------
    cosmic_rays : bool
        The run searches for cosmic rays (``charImage.repair.doCosmicRay``): compile those
        kernels too, first.

    Returns
    -------
    process : `subprocess.Popen` or None
        The compiling process, or None when none was started.
    """
    from lsstlite.kernels.cache import kernels_cached

    if kernels_cached() or (os.cpu_count() or 1) < 2 or multiprocessing.parent_process() is not None:
        return None
    command = [sys.executable, "-m", "lsstlite.tasks.precompile"]
    process = subprocess.Popen(command + (["--cosmic-rays"] if cosmic_rays else []),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    atexit.register(_stop, process)
    return process


if __name__ == "__main__":
    compile_calibration_kernels(cosmic_rays="--cosmic-rays" in sys.argv[1:])
