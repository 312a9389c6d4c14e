"""Truth file: write and read everything known about a simulated frame.

Layout of ``TRUTH.fits``:

* primary HDU (no data): the true TAN-SIP WCS (``WCS(header)`` rebuilds it), the PSF parameters
  (``PSFMODEL``, ``PSF*``; ``SimPsf.from_header(header)``), ``SIMSEED``, ``GAIN``, ``RDNOISE`` (e-),
  ``SATURATE``, ``SKY``, ``SKYGX``, ``SKYGY``, ``MAGZERO``, ``NJYPERDN``, ``SATSTAR`` (id of the
  saturated star, 0 if none), ``FILTER``, ``WIDTH``, ``HEIGHT``;
* ``SOURCES``: one row per object (id, type, x, y (0-based), ra, dec (deg), flux (DN), flux_nJy,
  mag, mag_<band>, sersic_n, r_e, q, pa_deg, intrinsic moments shape_xx/yy/xy, PSF FWHM and
  moments at the object, on_frame, saturated, in_refcat);
* ``COSMICS``: one row per cosmic-ray pixel (x, y, value in DN, cr_id);
* ``BADCOLS``: x, y0, y1 (inclusive), kind (dead: x0.1, hot: +800 DN).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS, FITSFixedWarning

from lsstlite.io.atomic import atomic_write_fits
from lsstlite.sim.psf import SimPsf

__all__ = ["SimTruth", "truth_hdulist", "write_truth", "read_truth"]


@dataclass
class SimTruth:
    """Contents of a truth file.

    Attributes
    ----------
    sources, cosmic_rays, bad_columns : `astropy.table.Table`
    wcs : `astropy.wcs.WCS`
        True TAN-SIP WCS.
    psf : SimPsf
        True PSF (`lsstlite.sim.true_psf_image(truth.psf, x, y, size)`).
    header : `astropy.io.fits.Header`
        Primary header with the simulation parameters.
    """

    sources: Table
    cosmic_rays: Table
    bad_columns: Table
    wcs: WCS
    psf: SimPsf
    header: fits.Header


def truth_hdulist(frame) -> fits.HDUList:
    """Build the truth file's HDUs for a `SimulatedFrame`."""
    cfg = frame.config
    primary = fits.PrimaryHDU()
    header = primary.header
    header.extend(frame.wcs.to_header(relax=True), update=True)
    for key, (value, comment) in frame.psf.to_header().items():
        header[key] = (value, comment)
    header["SIMSEED"] = (frame.seed, "random seed")
    header["WIDTH"] = (cfg.width, "[pix] frame width")
    header["HEIGHT"] = (cfg.height, "[pix] frame height")
    header["FILTER"] = (cfg.band, "filter")
    header["GAIN"] = (cfg.gain, "[e-/DN] gain")
    header["RDNOISE"] = (cfg.read_noise_e, "[e-] read noise")
    header["SATURATE"] = (cfg.saturation, "[DN] saturation level")
    header["SKY"] = (cfg.sky, "[DN] sky at the frame centre")
    header["SKYGX"] = (cfg.sky_gradient[0], "[DN] sky change across the width")
    header["SKYGY"] = (cfg.sky_gradient[1], "[DN] sky change across the height")
    header["MAGZERO"] = (cfg.zero_point, "AB magnitude of 1 DN")
    header["NJYPERDN"] = (cfg.nanojansky_per_dn, "[nJy] flux of 1 DN")
    header["SATSTAR"] = (int(frame.truth.meta.get("SATSTAR", 0)), "id of the bright saturated star (0: none)")
    header["PURENOIS"] = (cfg.pure_noise, "sky and noise only")
    sources = frame.truth.copy(copy_data=False)
    sources.meta.clear()
    hdus = [primary, fits.table_to_hdu(sources), fits.table_to_hdu(frame.cosmic_rays),
            fits.table_to_hdu(frame.bad_columns)]
    for hdu, name in zip(hdus[1:], ("SOURCES", "COSMICS", "BADCOLS")):
        hdu.name = name
    return fits.HDUList(hdus)


def write_truth(frame, path: str | os.PathLike) -> None:
    """Write the truth file of a `SimulatedFrame` atomically."""
    atomic_write_fits(truth_hdulist(frame), path)


def read_truth(path: str | os.PathLike) -> SimTruth:
    """Read a truth file written by `write_truth`."""
    with fits.open(path) as hdul:
        names = [hdu.name for hdu in hdul]
        for needed in ("SOURCES", "COSMICS", "BADCOLS"):
            if needed not in names:
                msg = f"{path}: not a lsstlite.sim truth file (no {needed} HDU)"
                raise ValueError(msg)
        header = hdul[0].header.copy()
        sources = Table.read(hdul["SOURCES"])
        cosmic_rays = Table.read(hdul["COSMICS"])
        bad_columns = Table.read(hdul["BADCOLS"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)  # a table file's primary HDU has no image axes
        wcs = WCS(header)
    wcs.pixel_shape = (header["WIDTH"], header["HEIGHT"])
    return SimTruth(sources=sources, cosmic_rays=cosmic_rays, bad_columns=bad_columns, wcs=wcs,
                    psf=SimPsf.from_header(header), header=header)
