"""Synthetic star fields with known WCS and fluxes for the calibration task tests."""

from __future__ import annotations

import numpy as np
from astropy.table import Table
from astropy.wcs import WCS

from lsstlite.image import Exposure
from lsstlite.table import Schema, SourceCatalog

WIDTH, HEIGHT = 2048, 1489
SCALE_ARCSEC = 0.396
RADII = (3.0, 4.5, 6.0, 9.0, 12.0, 17.0, 25.0, 35.0, 50.0, 70.0)
MOFFAT_ALPHA, MOFFAT_BETA = 3.0, 3.0


def tan_wcs(crval=(351.65, 0.1), rotation_deg=0.0, shift_arcsec=(0.0, 0.0)) -> WCS:
    """TAN WCS of the frame, optionally rotated about and shifted from the truth."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crpix = [(WIDTH + 1) / 2, (HEIGHT + 1) / 2]
    dec0 = crval[1] + shift_arcsec[1] / 3600
    wcs.wcs.crval = [crval[0] + shift_arcsec[0] / 3600 / np.cos(np.deg2rad(dec0)), dec0]
    s = SCALE_ARCSEC / 3600
    th = np.deg2rad(rotation_deg)
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    wcs.wcs.cd = rot @ np.array([[-s, 0.0], [0.0, s]])
    wcs.wcs.set()
    return wcs


def truth_wcs() -> WCS:
    """Truth: a TAN with a small quadratic SIP distortion (~0.5 px at the corners)."""
    from astropy.wcs import Sip

    wcs = tan_wcs()
    wcs.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
    a = np.zeros((3, 3))
    b = np.zeros((3, 3))
    a[2, 0] = 4e-7
    b[0, 2] = -3e-7
    b[1, 1] = 2e-7
    wcs.sip = Sip(a, b, None, None, wcs.wcs.crpix)
    wcs.wcs.set()
    return wcs


def moffat_enclosed(r):
    return 1.0 - (1.0 + (np.asarray(r, float) / MOFFAT_ALPHA) ** 2) ** (1.0 - MOFFAT_BETA)


def make_field(rng, n_stars=300, n_galaxies=60, zero_point=28.0, centroid_sigma=None,
               margin=300):
    """Stars with reference entries plus galaxies without; returns a dict of arrays.

    ``zero_point`` is the AB magnitude of one *total* count. ``centroid_sigma`` (px) defaults
    to a per-source value from the S/N, ``FWHM / (2.35 S/N) * sqrt(2)`` with FWHM 3 px
    (0.01-0.06 px for these magnitudes). Aperture fluxes follow a Moffat
    growth curve (noise-free apart from a 0.3 % scatter per star).
    """
    wcs = truth_wcs()
    n = n_stars + n_galaxies
    x = rng.uniform(-margin, WIDTH - 1 + margin, n)
    y = rng.uniform(-margin, HEIGHT - 1 + margin, n)
    mag = rng.uniform(15.5, 21.0, n)
    ra, dec = wcs.all_pix2world(x, y, 0)
    flux_njy = 10 ** (-0.4 * (mag - 31.4))
    total_counts = flux_njy / 10 ** (-0.4 * (zero_point - 31.4))
    on = (x > -0.5) & (x < WIDTH - 0.5) & (y > -0.5) & (y < HEIGHT - 0.5)
    star = np.arange(n) < n_stars
    return dict(x=x, y=y, ra=ra, dec=dec, mag=mag, flux_njy=flux_njy, counts=total_counts,
                on=on, star=star, rng=rng, centroid_sigma=centroid_sigma)


def write_refcat(field, path, with_errors=True):
    table = Table()
    s = field["star"]
    table["id"] = np.arange(s.sum()) + 1000
    table["ra"] = field["ra"][s]
    table["dec"] = field["dec"][s]
    table["ra"].unit = "deg"
    table["dec"].unit = "deg"
    table["r_flux"] = field["flux_njy"][s]
    table["r_flux"].unit = "nJy"
    if with_errors:
        table["r_fluxErr"] = 0.001 * field["flux_njy"][s]
        table["r_fluxErr"].unit = "nJy"
    table.write(path, overwrite=True)
    return path


def make_catalog(field, calib_radius=12.0):
    """Source catalogue of the objects on the frame, with the LSST column names."""
    rng = field["rng"]
    on = field["on"]
    n = int(on.sum())
    schema = Schema()
    schema.addField("base_SdssCentroid_x", "float64", "pixel", "x")
    schema.addField("base_SdssCentroid_y", "float64", "pixel", "y")
    schema.addField("base_SdssCentroid_flag", bool, "", "flag")
    schema.setAlias("slot_Centroid", "base_SdssCentroid")
    schema.addField("base_PixelFlags_flag_saturatedCenter", bool, "", "saturated")
    schema.addField("base_ClassificationExtendedness_value", "float64", "", "extendedness")
    names = ["base_PsfFlux", "base_GaussianFlux"] + [
        f"base_CircularApertureFlux_{f'{r:.1f}'.replace('.', '_')}" for r in RADII]
    for name in names:
        schema.addField(f"{name}_instFlux", "float64", "count", "flux")
        schema.addField(f"{name}_instFluxErr", "float64", "count", "flux error")
        schema.addField(f"{name}_flag", bool, "", "failed")
    schema.setAlias("slot_PsfFlux", "base_PsfFlux")
    schema.setAlias("slot_GaussianFlux", "base_GaussianFlux")
    schema.setAlias("slot_CalibFlux",
                    f"base_CircularApertureFlux_{f'{calib_radius:.1f}'.replace('.', '_')}")
    cat = SourceCatalog(schema, n)
    cat["id"] = np.arange(1, n + 1)
    counts = field["counts"][on]
    noise = np.sqrt(counts + 400.0)  # Poisson plus sky
    sig = field["centroid_sigma"]
    if sig is None:
        sig = 3.0 / 2.35 * np.sqrt(2.0) * noise / counts
    cat["slot_Centroid_x"] = field["x"][on] + sig * rng.standard_normal(n)
    cat["slot_Centroid_y"] = field["y"][on] + sig * rng.standard_normal(n)
    cat["base_PsfFlux_instFlux"] = counts + noise * rng.standard_normal(n)
    cat["base_PsfFlux_instFluxErr"] = noise
    cat["base_GaussianFlux_instFlux"] = 0.9 * counts
    cat["base_GaussianFlux_instFluxErr"] = noise
    scatter = 1 + 0.003 * rng.standard_normal(n)
    for r, name in zip(RADII, names[2:]):
        f = counts * moffat_enclosed(r) * scatter
        err = np.sqrt(f + 400.0 * (r / 3) ** 2)
        cat[f"{name}_instFlux"] = f + err * rng.standard_normal(n)
        cat[f"{name}_instFluxErr"] = err
    star = field["star"][on]
    cat["base_ClassificationExtendedness_value"] = np.where(star, 0.0, 1.0)
    return cat


def make_exposure(wcs, filterName="r", header=None):
    from astropy.io import fits

    exp = Exposure(np.zeros((HEIGHT, WIDTH), np.float32), wcs=wcs, filterName=filterName,
                   metadata=fits.Header(header or {}))
    return exp
