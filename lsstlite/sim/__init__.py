"""Image simulator with truth: ``python -m lsstlite.sim OUT.fits --refcat DIR`` or `simulate_frame`.

A seeded, SDSS-like frame: spatially varying double-Gaussian PSF, power-law stars, exponential and
de Vaucouleurs galaxies, sky with a gentle gradient, Poisson + read noise, cosmic rays, one
saturated star with a bleed trail, bad columns, a TAN-SIP true WCS (the image header carries its
TAN part), a truth file (`lsstlite.sim.truth`) and an HTM-sharded reference catalogue
(`lsstlite.sim.refcat`). The image is float32 in DN, sky not subtracted; ``RDNOISE`` is in
electrons, so the variance of a pixel in DN is ``signal / GAIN + (RDNOISE / GAIN)**2``.
"""

from lsstlite.sim.frame import SimConfig, SimulatedFrame, simulate_frame
from lsstlite.sim.psf import SimPsf, psf_fwhm, psf_moments, true_psf_image
from lsstlite.sim.refcat import write_reference_catalog
from lsstlite.sim.truth import SimTruth, read_truth, write_truth

__all__ = ["SimConfig", "SimulatedFrame", "simulate_frame", "SimPsf", "true_psf_image", "psf_fwhm",
           "psf_moments", "write_reference_catalog", "SimTruth", "read_truth", "write_truth"]
