"""Image simulator with truth: ``python -m lsstlite.sim OUT.fits --refcat DIR`` or `simulate_frame`.

A seeded, SDSS-like frame: spatially varying double-Gaussian PSF, power-law stars, exponential and
de Vaucouleurs galaxies, sky with a gentle gradient, Poisson + read noise, cosmic rays, one
saturated star with a bleed trail, bad columns, a TAN-SIP true WCS (the image header carries its
TAN part, or all of it with ``header_distortion``), a truth file (`lsstlite.sim.truth`) and an
HTM-sharded reference catalogue (`lsstlite.sim.refcat`). The image is float32 in DN, sky not
subtracted; ``RDNOISE`` is in electrons, so the variance of a pixel in DN is
``signal / GAIN + (RDNOISE / GAIN)**2``.

Defaults (`SimConfig`): 2048x1489 pixels of 0.396", r band, centre RA 150.0 Dec 2.2, TAN-SIP WCS
with 0.8 px largest distortion (header: its TAN part), zero point 28.245 (AB mag of 1 DN; 18.3 nJy
per DN), gain 4.0 e-/DN, read noise 5 e- (1.25 DN), sky 150 DN with +4 / -3 DN gradients across
x / y, saturation 55000 DN, PSF FWHM 2.7 px at the centre varying by ~10% (double Gaussian, 15% of
the flux in a 2.2x wider wing, ellipticity up to ~0.05), 3 stars and 3 galaxies per arcmin**2 over
the frame plus a 300 px margin (stars r = 14-24, slope 0.25 dex/mag; galaxies 17-24, 40% de
Vaucouleurs), one r = 11 saturated star, 30 cosmic-ray tracks, 2 bad columns; refcat 50% complete
at r = 21.5, 10-20 mas and 1-2% errors. The 5-sigma point-source limit is r ~ 22.9 and stars
saturate brighter than r ~ 13.9. Simulating the default frame takes ~1-2 s.

Truth fluxes are totals (DN and nJy), also for objects partly off the image; every object is
normalised so that its rendered flux equals the truth exactly.
"""

from lsstlite.sim.frame import SimConfig, SimulatedFrame, simulate_frame
from lsstlite.sim.psf import SimPsf, psf_fwhm, psf_moments, true_psf_image
from lsstlite.sim.refcat import write_reference_catalog
from lsstlite.sim.truth import SimTruth, read_truth, write_truth

__all__ = ["SimConfig", "SimulatedFrame", "simulate_frame", "SimPsf", "true_psf_image", "psf_fwhm",
           "psf_moments", "write_reference_catalog", "SimTruth", "read_truth", "write_truth"]
