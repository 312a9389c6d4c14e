"""Matcher and TAN-SIP fit on the SDSS r frame against the shared HTM reference catalogue."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

from lsstlite.astrom.match import match_to_reference
from lsstlite.astrom.sip import fit_tan_sip

from .synthetic import perturbed_tan

pytestmark = pytest.mark.sdss

TRIM_ROWS = 1361  # rows 1361-1488 overlap the next field
SOFTBIAS = 1000.0


@pytest.fixture(scope="module")
def frame(sdss_data):
    import sep

    path = sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz"
    with fits.open(path) as hdul:
        header = hdul[0].header
        image = np.ascontiguousarray(hdul[0].data[:TRIM_ROWS], dtype=np.float32) - SOFTBIAS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        wcs = WCS(header)
    bkg = sep.Background(image)
    objects = sep.extract(image - bkg, 5.0, err=bkg.globalrms)
    objects = objects[objects["flag"] == 0]
    refs = [fits.getdata(p, 1) for p in sorted((sdss_data / "refcat").glob("1*.fits"))]
    ra = np.rad2deg(np.concatenate([r["coord_ra"] for r in refs]))
    dec = np.rad2deg(np.concatenate([r["coord_dec"] for r in refs]))
    flux = np.concatenate([r["r_flux"] for r in refs])
    return image.shape, wcs, objects, ra, dec, flux


@pytest.mark.parametrize(("shift", "rotation"), [((0.0, 0.0), 0.0), ((6.0, -8.0), 1.0)])
def test_sdss_match_and_fit(frame, shift, rotation):
    shape, header_wcs, objects, ra, dec, flux = frame
    wcs = header_wcs if rotation == 0.0 else perturbed_tan(header_wcs, shift, rotation)
    m = match_to_reference(objects["x"], objects["y"], ra, dec, wcs, source_flux=objects["flux"],
                           ref_flux=flux, frame_shape=shape)
    fit = fit_tan_sip(objects["x"][m.source_index], objects["y"][m.source_index],
                      ra[m.ref_index], dec[m.ref_index], order=3, frame_shape=shape)
    assert fit.n_used >= 50
    assert fit.median_arcsec <= 0.05
    assert fit.rms_arcsec <= 0.1
