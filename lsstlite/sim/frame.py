"""Simulate one seeded, SDSS-like frame with its truth: `simulate_frame` -> `SimulatedFrame`."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from lsstlite.sim import detector
from lsstlite.sim.psf import PSF_QUADRATURE_ORDER, SimPsf, psf_fwhm, psf_moments
from lsstlite.sim.refcat import REFCAT_BANDS, draw_reference_catalog
from lsstlite.sim.render import add_objects
from lsstlite.sim.sources import (NJY_ZERO_POINT, convolve_with_psf, draw_galaxy_shapes, galaxy_covariances,
                                  mag_to_dn, power_law_magnitudes, star_colours)
from lsstlite.sim.wcs import make_true_wcs, perturb_wcs, tan_part

__all__ = ["SimConfig", "SimulatedFrame", "simulate_frame"]

log = logging.getLogger(__name__)

_GALAXY_QUADRATURE_ORDER = 2


@dataclass(frozen=True)
class SimConfig:
    """Every parameter of a simulated frame (defaults: an SDSS r-band frame).

    Attributes
    ----------
    width, height : int
        Frame size in pixels.
    band : str
        Filter name written to ``FILTER`` (one of u, g, r, i, z; the refcat carries all five).
    pixel_scale : float
        Arcsec per pixel.
    ra, dec : float
        Sky position (degrees) of the frame centre.
    rotation_deg : float
        Angle of the pixel y axis east of north.
    distortion_px : float
        Largest SIP distortion over the frame (pixels) of the true WCS.
    header_wcs_shift_arcsec : (float, float)
        Error (east, north) of the header WCS pointing; default none (the header WCS is the
        TAN part of the true WCS).
    header_wcs_rotation_deg : float
        Rotation error of the header WCS.
    header_distortion : bool
        The header WCS carries the true SIP distortion (TAN-SIP, as for a camera whose
        distortion model is known); default its TAN part only, as SDSS fpC headers. The shift
        and rotation errors apply either way.
    header_distortion_error : float
        Fractional error of that distortion model: the header's SIP ``A``/``B`` are the true
        ones times ``1 + header_distortion_error``.
    zero_point : float
        AB magnitude of 1 DN (``MAGZERO``/``PHOTZP``).
    exptime : float
        Exposure time (s), for the header.
    gain : float
        Electrons per DN.
    read_noise_e : float
        Read noise in electrons (``RDNOISE``).
    saturation : float
        Saturation level in DN (``SATURATE``); charge above it bleeds along columns.
    sky : float
        Sky level at the frame centre (DN).
    sky_gradient : (float, float)
        Change of the sky across the full width and height (DN); the sky is
        ``sky + gx * (x / (W - 1) - 0.5) + gy * (y / (H - 1) - 0.5)``.
    fwhm : float
        PSF FWHM at the frame centre (pixels).
    psf_wing_fraction, psf_sigma_ratio : float
        Double-Gaussian PSF: flux fraction and relative width of the wide component.
    psf_variation : float
        Multiplies the default spatial variation of PSF size and ellipticity (0 = constant PSF).
    star_density, galaxy_density : float
        Objects per square arcminute (drawn over the frame plus ``margin``).
    star_mags, galaxy_mags : (float, float)
        Magnitude ranges of the power laws.
    star_slope, galaxy_slope : float
        Power-law slopes, ``dN/dm ~ 10**(slope * m)``.
    devauc_fraction : float
        Fraction of galaxies with a de Vaucouleurs profile (the rest are exponential).
    saturated_star_mag : float or None
        Magnitude of the one bright, saturated star placed in the central half of the frame.
    n_cosmic_rays, n_bad_columns : int
        Numbers of cosmic-ray tracks and bad columns.
    margin : int
        Pixels around the frame also populated with objects (and covered by the refcat).
    refcat_mag_limit, refcat_completeness_width : float
        50% completeness magnitude of the refcat and the width of its fall-off.
    refcat_position_error_mas, refcat_flux_error : float
        Refcat position scatter per coordinate (mas) and fractional flux error, for bright
        objects; both double at the limit.
    refcat_galaxies : bool
        List galaxies in the refcat too (``starnotgal = 0``).
    pure_noise : bool
        Sky and noise only: no objects, cosmic rays or bad columns (false-detection tests).
    """

    width: int = 2048
    height: int = 1489
    band: str = "r"
    pixel_scale: float = 0.396
    ra: float = 150.0
    dec: float = 2.2
    rotation_deg: float = 0.3
    distortion_px: float = 0.8
    header_wcs_shift_arcsec: tuple[float, float] = (0.0, 0.0)
    header_wcs_rotation_deg: float = 0.0
    header_distortion: bool = False
    header_distortion_error: float = 0.0
    zero_point: float = 28.245
    exptime: float = 53.907
    gain: float = 4.0
    read_noise_e: float = 5.0
    saturation: float = 55000.0
    sky: float = 150.0
    sky_gradient: tuple[float, float] = (4.0, -3.0)
    fwhm: float = 2.7
    psf_wing_fraction: float = 0.15
    psf_sigma_ratio: float = 2.2
    psf_variation: float = 1.0
    star_density: float = 3.0
    galaxy_density: float = 3.0
    star_mags: tuple[float, float] = (14.0, 24.0)
    galaxy_mags: tuple[float, float] = (17.0, 24.0)
    star_slope: float = 0.25
    galaxy_slope: float = 0.35
    devauc_fraction: float = 0.4
    saturated_star_mag: float | None = 11.0
    n_cosmic_rays: int = 30
    n_bad_columns: int = 2
    margin: int = 300
    refcat_mag_limit: float = 21.5
    refcat_completeness_width: float = 0.5
    refcat_position_error_mas: float = 10.0
    refcat_flux_error: float = 0.01
    refcat_galaxies: bool = True
    pure_noise: bool = False

    def __post_init__(self):
        checks = [
            ("width", self.width >= 16), ("height", self.height >= 16),
            ("band", self.band in REFCAT_BANDS), ("pixel_scale", self.pixel_scale > 0),
            ("gain", self.gain > 0), ("read_noise_e", self.read_noise_e >= 0),
            ("saturation", self.saturation > self.sky), ("sky", self.sky >= 0), ("fwhm", self.fwhm > 0),
            ("star_density", self.star_density >= 0), ("galaxy_density", self.galaxy_density >= 0),
            ("n_cosmic_rays", self.n_cosmic_rays >= 0),
            ("n_bad_columns", 0 <= self.n_bad_columns <= self.width // 2),
            ("margin", self.margin >= 0), ("dec", -90 < self.dec < 90),
            ("header_distortion_error", bool(np.isfinite(self.header_distortion_error))),
        ]
        for name, ok in checks:
            if not ok:
                msg = f"SimConfig: invalid {name}={getattr(self, name)!r}"
                raise ValueError(msg)

    def make_psf(self) -> SimPsf:
        """The true PSF of this configuration."""
        defaults = SimPsf(self.width, self.height)
        spatial = {name: getattr(defaults, name) * self.psf_variation
                   for name in ("c_u", "c_v", "c_uu", "c_vv", "c_uv", "e1_0", "e1_u", "e1_v", "e2_0", "e2_u", "e2_v")}
        return SimPsf(self.width, self.height, fwhm0=self.fwhm, wing_fraction=self.psf_wing_fraction,
                      sigma_ratio=self.psf_sigma_ratio, **spatial)

    @property
    def nanojansky_per_dn(self) -> float:
        """Calibration: nJy of 1 DN."""
        return float(10.0 ** (-0.4 * (self.zero_point - NJY_ZERO_POINT)))


@dataclass
class SimulatedFrame:
    """A simulated frame and everything known about it.

    Attributes
    ----------
    image : ndarray, float32, shape (height, width)
        Pixel values in DN, sky not subtracted, with noise, cosmic rays, saturation and bad columns.
    header : `astropy.io.fits.Header`
        The image header: the header WCS (``header_wcs``), ``GAIN``, ``RDNOISE``, ``SATURATE``, ``FILTER``,
        ``EXPTIME``, ``MAGZERO``, ``PHOTZP``.
    truth : `astropy.table.Table`
        One row per object (on the frame or in the margin); columns as in `lsstlite.sim.truth`.
    wcs : `astropy.wcs.WCS`
        The true WCS (TAN-SIP); ``truth['ra'], truth['dec']`` are ``wcs.all_pix2world(x, y, 0)``.
    header_wcs : `astropy.wcs.WCS`
        The WCS written into ``header``: the TAN part of ``wcs`` (all of it with
        ``header_distortion``), perturbed if asked.
    psf : SimPsf
        The true PSF (see `lsstlite.sim.true_psf_image`).
    noiseless : ndarray, float64
        Sky plus objects, before noise, cosmic rays, saturation and bad columns.
    sky : ndarray, float64
        The sky model alone.
    cosmic_rays : `astropy.table.Table`
        One row per cosmic-ray pixel: ``x``, ``y``, ``value`` (DN added), ``cr_id``.
    bad_columns : `astropy.table.Table`
        ``x``, ``y0``, ``y1`` (inclusive rows), ``kind`` (dead: x0.1, hot: +800 DN).
    saturated : ndarray of bool
        Pixels at the saturation level in ``image``.
    refcat : dict of ndarray
        The reference-catalogue columns (write with `write_reference_catalog`).
    config : SimConfig
    seed : int
    """

    image: np.ndarray
    header: fits.Header
    truth: Table
    wcs: WCS
    header_wcs: WCS
    psf: SimPsf
    noiseless: np.ndarray
    sky: np.ndarray
    cosmic_rays: Table
    bad_columns: Table
    saturated: np.ndarray
    refcat: dict = field(repr=False)
    config: SimConfig = field(repr=False)
    seed: int = 0

    def image_hdulist(self) -> fits.HDUList:
        """The image file: one primary HDU, float32 pixels in DN, with `header`."""
        return fits.HDUList([fits.PrimaryHDU(self.image, header=self.header)])

    def write(self, image_path, truth_path=None, refcat_dir=None) -> list[str]:
        """Write the image, and optionally the truth file and refcat shard directory, atomically.

        Returns
        -------
        written : list of str
            One line per output describing what was written.
        """
        from lsstlite.io.atomic import atomic_write_fits
        from lsstlite.sim.refcat import write_reference_catalog
        from lsstlite.sim.truth import write_truth

        atomic_write_fits(self.image_hdulist(), image_path)
        cfg = self.config
        written = [f"{image_path}: {cfg.width}x{cfg.height} float32 DN image, band {cfg.band}, seed {self.seed}, "
                   f"{int(self.truth['on_frame'].sum())} objects on the frame"]
        if truth_path is not None:
            write_truth(self, truth_path)
            written.append(f"{truth_path}: truth ({len(self.truth)} objects, {len(self.cosmic_rays)} cosmic-ray "
                           f"pixels, {len(self.bad_columns)} bad columns, true TAN-SIP WCS and PSF)")
        if refcat_dir is not None:
            shards = write_reference_catalog(self.refcat, refcat_dir)
            written.append(f"{refcat_dir}: reference catalogue, {len(self.refcat['id'])} objects in "
                           f"{len(shards)} HTM depth-7 shards")
        return written


def _sky_model(cfg: SimConfig) -> np.ndarray:
    gx, gy = cfg.sky_gradient
    x = np.arange(cfg.width) / max(cfg.width - 1, 1) - 0.5
    y = np.arange(cfg.height) / max(cfg.height - 1, 1) - 0.5
    return cfg.sky + gx * x[None, :] + gy * y[:, None]


def _draw_objects(cfg: SimConfig, rng_stars, rng_gals) -> dict[str, np.ndarray]:
    lo_x, hi_x = -cfg.margin, cfg.width - 1 + cfg.margin
    lo_y, hi_y = -cfg.margin, cfg.height - 1 + cfg.margin
    area_arcmin2 = (hi_x - lo_x) * (hi_y - lo_y) * (cfg.pixel_scale / 60.0) ** 2
    n_star = 0 if cfg.pure_noise else rng_stars.poisson(cfg.star_density * area_arcmin2)
    n_gal = 0 if cfg.pure_noise else rng_gals.poisson(cfg.galaxy_density * area_arcmin2)
    star_mag = power_law_magnitudes(rng_stars, n_star, *cfg.star_mags, cfg.star_slope)
    sx, sy = rng_stars.uniform(lo_x, hi_x, n_star), rng_stars.uniform(lo_y, hi_y, n_star)
    if cfg.saturated_star_mag is not None and not cfg.pure_noise:
        star_mag = np.r_[cfg.saturated_star_mag, star_mag]
        sx = np.r_[rng_stars.uniform(0.25, 0.75) * (cfg.width - 1), sx]
        sy = np.r_[rng_stars.uniform(0.25, 0.75) * (cfg.height - 1), sy]
    gal_mag = power_law_magnitudes(rng_gals, n_gal, *cfg.galaxy_mags, cfg.galaxy_slope)
    gx, gy = rng_gals.uniform(lo_x, hi_x, n_gal), rng_gals.uniform(lo_y, hi_y, n_gal)
    shapes = draw_galaxy_shapes(rng_gals, gal_mag, cfg.pixel_scale, cfg.devauc_fraction)
    colours = star_colours(rng_stars, star_mag.size)
    gal_colours = star_colours(rng_gals, gal_mag.size)
    n_s, n_g = star_mag.size, gal_mag.size
    objects = {
        "x": np.r_[sx, gx], "y": np.r_[sy, gy], "mag": np.r_[star_mag, gal_mag],
        "is_star": np.r_[np.ones(n_s, bool), np.zeros(n_g, bool)],
        "sersic_n": np.r_[np.zeros(n_s, np.int16), shapes["sersic_n"]],
        "r_e": np.r_[np.zeros(n_s), shapes["r_e"]],
        "q": np.r_[np.ones(n_s), shapes["q"]],
        "pa_deg": np.r_[np.zeros(n_s), shapes["pa_deg"]],
    }
    for band in REFCAT_BANDS:
        offset = np.r_[colours[band], gal_colours[band]] - np.r_[colours[cfg.band], gal_colours[cfg.band]]
        objects[f"mag_{band}"] = objects["mag"] + offset
    return objects


def _render(cfg: SimConfig, psf: SimPsf, objects: dict, image: np.ndarray) -> dict[str, np.ndarray]:
    """Add every object into ``image``; return intrinsic second moments (xx, yy, xy) per object."""
    x, y, flux = objects["x"], objects["y"], objects["flux"]
    n = x.size
    moments = np.zeros((n, 2, 2))
    star_half = psf.stamp_half_size()
    reach = (x > -star_half - 1) & (x < cfg.width + star_half) & (y > -star_half - 1) & (y < cfg.height + star_half)
    stars = np.flatnonzero(objects["is_star"] & reach)
    fractions, covs = psf.components(x[stars], y[stars])
    add_objects(image, x[stars], y[stars], flux[stars, None] * fractions[None, :], covs,
                2 * star_half + 1, PSF_QUADRATURE_ORDER)
    for sersic in (1, 4):
        sel = np.flatnonzero(~objects["is_star"] & (objects["sersic_n"] == sersic))
        if sel.size == 0:
            continue
        gal_fractions, gal_covs = galaxy_covariances(sersic, objects["r_e"][sel], objects["q"][sel],
                                                     objects["pa_deg"][sel])
        moments[sel] = np.einsum("k,nkij->nij", gal_fractions, gal_covs)
        amps, conv = convolve_with_psf(gal_fractions, gal_covs, psf, x[sel], y[sel], flux[sel])
        widest = np.sqrt(np.linalg.eigvalsh(conv).max(axis=(1, 2)))
        half = np.maximum(star_half, 4 * np.ceil(4.5 * widest / 4)).astype(int)
        visible = (x[sel] > -half - 1) & (x[sel] < cfg.width + half) & (y[sel] > -half - 1) & (y[sel] < cfg.height + half)
        for h in np.unique(half[visible]):
            group = np.flatnonzero(visible & (half == h))
            add_objects(image, x[sel][group], y[sel][group], amps[group], conv[group], 2 * h + 1,
                        _GALAXY_QUADRATURE_ORDER)
    return {"xx": moments[:, 0, 0], "yy": moments[:, 1, 1], "xy": moments[:, 0, 1]}


def _image_header(cfg: SimConfig, header_wcs: WCS, seed: int) -> fits.Header:
    header = fits.Header()
    header["OBJECT"] = ("lsstlite.sim", "simulated frame")
    header["ORIGIN"] = ("lsstlite.sim", "software that made this file")
    header["SIMSEED"] = (seed, "lsstlite.sim random seed")
    header["BUNIT"] = ("adu", "pixel values in DN (ADU), sky not subtracted")
    header["FILTER"] = (cfg.band, "filter")
    header["EXPTIME"] = (cfg.exptime, "[s] exposure time")
    header["GAIN"] = (cfg.gain, "[e-/DN] gain")
    header["RDNOISE"] = (cfg.read_noise_e, "[e-] read noise")
    header["SATURATE"] = (cfg.saturation, "[DN] saturation level")
    header["MAGZERO"] = (cfg.zero_point, "AB magnitude of 1 DN")
    header["PHOTZP"] = (cfg.zero_point, "AB magnitude of 1 DN")
    header["PIXSCALE"] = (cfg.pixel_scale, "[arcsec/pixel] nominal pixel scale")
    header.extend(header_wcs.to_header(relax=header_wcs.sip is not None), update=True)
    header["EQUINOX"] = 2000.0
    return header


def simulate_frame(seed: int = 0, size: int | tuple[int, int] | None = None, *, config: SimConfig | None = None,
                   **overrides) -> SimulatedFrame:
    """Simulate one frame with its truth.

    Parameters
    ----------
    seed : int
        Random seed; the same seed and parameters give identical output. Objects, noise,
        cosmic rays, bad columns and the refcat draw from independent streams, so e.g. changing
        the number of stars leaves the noise realisation unchanged.
    size : int or (width, height), optional
        Frame size; overrides ``config.width``/``height``.
    config : SimConfig, optional
        Base configuration (default `SimConfig()`).
    **overrides
        Any `SimConfig` field, e.g. ``pure_noise=True``, ``n_cosmic_rays=0``.

    Returns
    -------
    frame : SimulatedFrame
    """
    cfg = config or SimConfig()
    if size is not None:
        width, height = (size, size) if np.isscalar(size) else size
        overrides = {"width": int(width), "height": int(height), **overrides}
    unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(SimConfig)})
    if unknown:
        msg = f"simulate_frame: unknown parameter(s) {', '.join(unknown)}"
        raise TypeError(msg)
    cfg = dataclasses.replace(cfg, **overrides)
    rng_stars, rng_gals, rng_noise, rng_cr, rng_bad, rng_ref = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))

    psf = cfg.make_psf()
    wcs = make_true_wcs(cfg.width, cfg.height, cfg.ra, cfg.dec, cfg.pixel_scale, cfg.rotation_deg, cfg.distortion_px)
    header_wcs = perturb_wcs(wcs if cfg.header_distortion else tan_part(wcs), cfg.header_wcs_shift_arcsec,
                             cfg.header_wcs_rotation_deg, distortion_scale=1.0 + cfg.header_distortion_error)
    objects = _draw_objects(cfg, rng_stars, rng_gals)
    objects["flux"] = mag_to_dn(objects["mag"], cfg.zero_point)

    sky = _sky_model(cfg)
    noiseless = sky.copy()
    moments = _render(cfg, psf, objects, noiseless)

    image = detector.add_noise(rng_noise, noiseless, cfg.gain, cfg.read_noise_e)
    n_cr = 0 if cfg.pure_noise else cfg.n_cosmic_rays
    crs = detector.draw_cosmic_rays(rng_cr, n_cr, cfg.width, cfg.height)
    np.add.at(image, (crs["y"], crs["x"]), crs["value"])
    detector.bleed_and_saturate(image, cfg.saturation)
    n_bad = 0 if cfg.pure_noise else cfg.n_bad_columns
    bad = detector.draw_bad_columns(rng_bad, n_bad, cfg.width, cfg.height)
    detector.apply_bad_columns(image, bad)
    saturated = detector.bleed_and_saturate(image, cfg.saturation)

    truth = _truth_table(cfg, psf, wcs, objects, moments, saturated)
    refcat = draw_reference_catalog(rng_ref, truth, cfg.refcat_mag_limit, cfg.refcat_completeness_width,
                                    cfg.refcat_position_error_mas, cfg.refcat_flux_error, cfg.refcat_galaxies)
    truth["in_refcat"] = refcat.pop("in_refcat")
    log.debug("simulated %dx%d frame: %d objects, %d CR pixels", cfg.width, cfg.height, len(truth), len(crs["x"]))
    return SimulatedFrame(
        image=np.ascontiguousarray(image, dtype=np.float32), header=_image_header(cfg, header_wcs, seed),
        truth=truth, wcs=wcs, header_wcs=header_wcs, psf=psf, noiseless=noiseless, sky=sky,
        cosmic_rays=Table(crs), bad_columns=Table(bad), saturated=saturated, refcat=refcat,
        config=cfg, seed=seed)


def _truth_table(cfg, psf, wcs, objects, moments, saturated) -> Table:
    x, y = objects["x"], objects["y"]
    n = x.size
    ra, dec = wcs.all_pix2world(x, y, 0) if n else (np.zeros(0), np.zeros(0))
    pxx, pyy, pxy = psf_moments(psf, x, y) if n else (np.zeros(0),) * 3
    on_frame = (x >= -0.5) & (x < cfg.width - 0.5) & (y >= -0.5) & (y < cfg.height - 0.5)
    ix = np.clip(np.rint(x).astype(int), 0, cfg.width - 1)
    iy = np.clip(np.rint(y).astype(int), 0, cfg.height - 1)
    table = Table()
    table["id"] = np.arange(1, n + 1, dtype=np.int64)
    table["type"] = np.where(objects["is_star"], "star", "galaxy").astype("U6")
    table["is_star"] = objects["is_star"]
    table["x"] = x
    table["y"] = y
    table["ra"] = np.mod(ra, 360.0)
    table["dec"] = dec
    table["flux"] = objects["flux"]
    table["flux_nJy"] = objects["flux"] * cfg.nanojansky_per_dn
    table["mag"] = objects["mag"]
    for band in REFCAT_BANDS:
        table[f"mag_{band}"] = objects[f"mag_{band}"]
    table["sersic_n"] = objects["sersic_n"]
    table["r_e"] = objects["r_e"]
    table["q"] = objects["q"]
    table["pa_deg"] = objects["pa_deg"]
    table["shape_xx"], table["shape_yy"], table["shape_xy"] = moments["xx"], moments["yy"], moments["xy"]
    table["psf_fwhm"] = psf_fwhm(psf, x, y)
    table["psf_xx"], table["psf_yy"], table["psf_xy"] = pxx, pyy, pxy
    table["on_frame"] = on_frame
    table["saturated"] = on_frame & saturated[iy, ix]
    units = {"x": "pix", "y": "pix", "ra": "deg", "dec": "deg", "flux": "adu", "flux_nJy": "nJy", "mag": "mag",
             "r_e": "pix", "pa_deg": "deg", "psf_fwhm": "pix"}
    units.update({k: "pix2" for k in ("shape_xx", "shape_yy", "shape_xy", "psf_xx", "psf_yy", "psf_xy")})
    for name, unit in units.items():
        table[name].unit = unit
    table.meta["SATSTAR"] = 1 if (cfg.saturated_star_mag is not None and not cfg.pure_noise) else 0
    return table
