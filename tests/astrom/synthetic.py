"""Synthetic astrometric truth: a TAN-SIP WCS, a reference catalogue and detected sources."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS, Sip

SHAPE = (1489, 2048)  # (height, width)
SCALE_ARCSEC = 0.2


def true_wcs(shape=SHAPE, scale_arcsec=SCALE_ARCSEC, crval=(351.65, 0.1)) -> WCS:
    """A TAN-SIP WCS with ~3-5 px of distortion at the frame corners."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
    w.wcs.crpix = [(shape[1] + 1) / 2.0 + 10.3, (shape[0] + 1) / 2.0 - 7.1]
    w.wcs.crval = list(crval)
    s = scale_arcsec / 3600.0
    theta = np.deg2rad(20.0)
    w.wcs.cd = s * np.array([[-np.cos(theta), np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    a = np.zeros((4, 4))
    b = np.zeros((4, 4))
    a[2, 0], a[1, 1], a[0, 2] = 2.0e-6, -1.0e-6, 1.5e-6
    b[2, 0], b[1, 1], b[0, 2] = -1.2e-6, 2.0e-6, 0.8e-6
    a[3, 0], a[1, 2] = 1.5e-9, 1.0e-9
    b[0, 3], b[2, 1] = -1.2e-9, 0.8e-9
    w.sip = Sip(a, b, None, None, w.wcs.crpix)
    w.wcs.set()
    return w


def perturbed_tan(wcs: WCS, shift_arcsec=(1.2, 1.6), rotation_deg=0.5, scale=1.0) -> WCS:
    """TAN-only copy of ``wcs`` (SIP dropped), CRVAL shifted and CD rotated/scaled."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crpix = wcs.wcs.crpix
    dec = wcs.wcs.crval[1]
    w.wcs.crval = [wcs.wcs.crval[0] + shift_arcsec[0] / 3600.0 / np.cos(np.deg2rad(dec)),
                   dec + shift_arcsec[1] / 3600.0]
    t = np.deg2rad(rotation_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    w.wcs.cd = scale * rot @ wcs.wcs.cd
    w.wcs.set()
    return w


@dataclass
class Scene:
    wcs: WCS
    x: np.ndarray
    y: np.ndarray
    flux: np.ndarray
    ref_ra: np.ndarray
    ref_dec: np.ndarray
    ref_flux: np.ndarray
    source_star: np.ndarray  # index of the true star, -1 for galaxies / spurious
    ref_star: np.ndarray


def make_scene(rng, n_stars=500, frac_unmatched=0.2, ref_noise_mas=10.0, pix_noise=0.05,
               shape=SHAPE, n_extra_refs=None) -> Scene:
    """Stars on the frame; 20 % of sources have no reference and 20 % of references no source."""
    wcs = true_wcs(shape)
    h, w = shape
    xs = rng.uniform(-0.5, w - 0.5, n_stars)
    ys = rng.uniform(-0.5, h - 0.5, n_stars)
    flux = 10 ** rng.uniform(2.5, 5.5, n_stars)
    ra, dec = wcs.all_pix2world(xs, ys, 0)
    n_keep = int(round(n_stars * (1 - frac_unmatched)))
    src_idx = rng.permutation(n_stars)[:n_keep]
    ref_idx = rng.permutation(n_stars)[:n_keep]
    n_gal = int(round(n_keep * frac_unmatched / (1 - frac_unmatched)))
    n_extra = n_gal if n_extra_refs is None else n_extra_refs
    # references: kept stars with position noise, plus stars off the detection list
    sig = ref_noise_mas / 3.6e6
    ref_ra = ra[ref_idx] + rng.normal(0, sig, n_keep) / np.cos(np.deg2rad(dec[ref_idx]))
    ref_dec = dec[ref_idx] + rng.normal(0, sig, n_keep)
    ex, ey = rng.uniform(-200, w + 200, n_extra), rng.uniform(-200, h + 200, n_extra)
    era, edec = wcs.all_pix2world(ex, ey, 0)
    # sources: kept stars with centroid noise, plus galaxies with no reference
    gx, gy = rng.uniform(-0.5, w - 0.5, n_gal), rng.uniform(-0.5, h - 0.5, n_gal)
    return Scene(
        wcs=wcs,
        x=np.concatenate([xs[src_idx] + rng.normal(0, pix_noise, n_keep), gx]),
        y=np.concatenate([ys[src_idx] + rng.normal(0, pix_noise, n_keep), gy]),
        flux=np.concatenate([flux[src_idx], 10 ** rng.uniform(2.5, 5.5, n_gal)]),
        ref_ra=np.concatenate([ref_ra, era]), ref_dec=np.concatenate([ref_dec, edec]),
        ref_flux=np.concatenate([flux[ref_idx], 10 ** rng.uniform(2.5, 5.5, n_extra)]),
        source_star=np.concatenate([src_idx, np.full(n_gal, -1)]),
        ref_star=np.concatenate([ref_idx, np.full(n_extra, -1)]),
    )
