"""Every PSF model the pipeline can install round-trips through a calexp file."""

import subprocess
import sys

import numpy as np

from lsstlite.algorithms.psf_pca import PcaPsfModel
from lsstlite.image import Exposure, PcaPsf
from lsstlite.io import read_exposure, write_exposure


def test_pca_psf_round_trips_through_a_calexp(tmp_path):
    y, x = np.mgrid[-7:8, -7:8]
    g = np.exp(-0.5 * (x * x + y * y) / 1.5**2)
    model = PcaPsfModel(g[None] / np.linalg.norm(g), np.array([[1.0, 0.1, 0.0]]), 1,
                        (0.0, 19.0, 0.0, 9.0))
    exposure = Exposure(np.zeros((10, 20), np.float32), psf=PcaPsf(model))
    write_exposure(exposure, tmp_path / "calexp.fits")
    assert read_exposure(tmp_path / "calexp.fits").psf == exposure.psf


def test_psf_types_are_registered_by_importing_the_package():
    code = "import lsstlite.image as i; print(sorted(i.Psf.registeredTypes()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "PCA" in out.stdout and "SDSS_KL" in out.stdout
