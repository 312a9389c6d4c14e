"""The simulator's true WCS (TAN with SIP distortion) and the plain-TAN header approximation."""

from __future__ import annotations

import numpy as np
from astropy.wcs import WCS, Sip

__all__ = ["make_true_wcs", "tan_part", "perturb_wcs", "max_distortion"]

# Shape of the distortion, in units of the corner distance (scaled to the requested amplitude).
_A_PATTERN = {(2, 0): 0.6, (1, 1): -0.3, (0, 2): 0.2, (3, 0): 0.3, (1, 2): 0.2}
_B_PATTERN = {(2, 0): -0.2, (1, 1): 0.4, (0, 2): 0.5, (2, 1): 0.25, (0, 3): 0.3}
_SIP_ORDER = 3


def _sip_matrix(pattern: dict, scale: float, reach: float) -> np.ndarray:
    m = np.zeros((_SIP_ORDER + 1, _SIP_ORDER + 1))
    for (p, q), value in pattern.items():
        m[p, q] = value * scale / reach ** (p + q - 1)
    return m


def _tan_wcs(width, height, ra_deg, dec_deg, pixel_scale_arcsec, rotation_deg) -> WCS:
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [ra_deg, dec_deg]
    wcs.wcs.crpix = [(width + 1) / 2.0, (height + 1) / 2.0]  # FITS 1-based: the frame centre
    theta = np.radians(rotation_deg)
    scale = pixel_scale_arcsec / 3600.0
    # East left, north up, rotated by theta.
    wcs.wcs.cd = scale * np.array([[-np.cos(theta), np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    wcs.wcs.radesys = "ICRS"
    wcs.pixel_shape = (width, height)
    return wcs


def max_distortion(wcs: WCS) -> float:
    """Largest SIP displacement (pixels) over the frame of ``wcs.pixel_shape``."""
    if wcs.sip is None:
        return 0.0
    width, height = wcs.pixel_shape
    gx, gy = np.meshgrid(np.linspace(0, width - 1, 33), np.linspace(0, height - 1, 33))
    pix = np.column_stack([gx.ravel(), gy.ravel()])
    centre = wcs.wcs.crpix[None, :] - 1.0  # 0-based reference pixel, where SIP is zero
    shift = wcs.sip_pix2foc(pix, 0) - wcs.sip_pix2foc(centre, 0) - (pix - centre)
    return float(np.hypot(shift[:, 0], shift[:, 1]).max())


def make_true_wcs(width: int, height: int, ra_deg: float, dec_deg: float, pixel_scale_arcsec: float,
                  rotation_deg: float, distortion_px: float) -> WCS:
    """TAN-SIP WCS of the simulated frame.

    Parameters
    ----------
    width, height : int
        Frame size in pixels; ``CRPIX`` is the frame centre.
    ra_deg, dec_deg : float
        ``CRVAL``, the sky position of the frame centre.
    pixel_scale_arcsec : float
        Pixel scale.
    rotation_deg : float
        Position angle of the pixel y axis east of north.
    distortion_px : float
        Largest SIP displacement over the frame in pixels (0 gives a plain TAN WCS).

    Returns
    -------
    wcs : `astropy.wcs.WCS`
        With ``CTYPE = RA---TAN-SIP`` (forward A/B polynomials of order 3) when distorted.
    """
    wcs = _tan_wcs(width, height, ra_deg, dec_deg, pixel_scale_arcsec, rotation_deg)
    if distortion_px == 0:
        return wcs
    reach = np.hypot(width / 2.0, height / 2.0)
    crpix = wcs.wcs.crpix.copy()
    unit = WCS(wcs.to_header())
    unit.pixel_shape = (width, height)
    unit.sip = Sip(_sip_matrix(_A_PATTERN, 1.0, reach), _sip_matrix(_B_PATTERN, 1.0, reach), None, None, crpix)
    factor = distortion_px / max_distortion(unit)
    wcs.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
    wcs.sip = Sip(_sip_matrix(_A_PATTERN, factor, reach), _sip_matrix(_B_PATTERN, factor, reach),
                  None, None, crpix)
    return wcs


def tan_part(wcs: WCS) -> WCS:
    """The WCS without its SIP distortion (what the image header carries, as real frames do)."""
    tan = WCS(naxis=2)
    tan.wcs.ctype = [c.replace("-SIP", "") for c in wcs.wcs.ctype]
    tan.wcs.crval = wcs.wcs.crval
    tan.wcs.crpix = wcs.wcs.crpix
    tan.wcs.cd = wcs.wcs.cd
    tan.wcs.radesys = wcs.wcs.radesys
    tan.pixel_shape = wcs.pixel_shape
    return tan


def perturb_wcs(wcs: WCS, shift_arcsec: tuple[float, float], rotation_deg: float,
                distortion_scale: float = 1.0) -> WCS:
    """A copy of a TAN or TAN-SIP ``wcs`` pointing ``shift_arcsec`` (east, north) away and rotated by
    ``rotation_deg`` about the reference pixel, its SIP distortion (if any) times
    ``distortion_scale`` (an imperfect initial WCS for astrometry tests)."""
    out = wcs.deepcopy()
    if out.sip is not None and distortion_scale != 1.0:
        out.sip = Sip(out.sip.a * distortion_scale, out.sip.b * distortion_scale, None, None, out.sip.crpix)
    east, north = shift_arcsec
    dec = out.wcs.crval[1] + north / 3600.0
    out.wcs.crval = [out.wcs.crval[0] + east / 3600.0 / np.cos(np.radians(dec)), dec]
    theta = np.radians(rotation_deg)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    out.wcs.cd = rotation @ wcs.wcs.cd
    return out
