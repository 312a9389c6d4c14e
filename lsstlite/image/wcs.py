"""Gnomonic (TAN) WCS with optional SIP distortion, in numpy: `TanSipWcs`, `wcs_from_header`.

`TanSipWcs` is the WCS of lsstlite's frames: the SDSS header TAN, the fitted TAN-SIP of the
astrometry, and any image whose header is a plain TAN or TAN-SIP. It has the calls of
`astropy.wcs.WCS` that the pipeline and users make on ``exposure.wcs`` (``all_pix2world``,
``all_world2pix``, ``wcs_pix2world``, ``wcs_world2pix``, ``pixel_to_world_values``,
``world_to_pixel_values``, ``to_header``, ``pixel_shape``) with the same call forms and results
(to ~1e-10 px / 1e-12 deg), and `TanSipWcs.to_astropy` for everything else: ``.wcs``,
``.sip``, ``.celestial``, SkyCoord calls (``pixel_to_world``), WCSAxes, `astropy.wcs.utils`.
Differences: `all_world2pix` refines to ``tolerance=1e-10`` px by default (astropy: 1e-4),
takes neither ``adaptive`` nor ``detect_divergence``, and raises `NoConvergenceError` (a
`ValueError`, not astropy's ``NoConvergence``). Importing this module does not import
`astropy.wcs` (about 0.13 s, with astropy.coordinates and astropy.table).

Transforms (pixels 0-based with ``origin=0``, FITS 1-based with ``origin=1``):

* SIP (Shupe et al. 2005): ``u = x + 1 - CRPIX1``, ``v = y + 1 - CRPIX2`` (``origin=0``);
  ``U = u + A(u, v)``, ``V = v + B(u, v)`` with ``A(u, v) = sum A_p_q u^p v^q`` over
  ``p + q <= A_ORDER``.
* Linear: intermediate world coordinates ``(X, Y) = CD (U, V)`` in degrees.
* TAN (Calabretta & Greisen 2002, zenithal with ``theta_0 = 90``): native longitude
  ``phi = arg(-Y, X)``, latitude ``theta = atan(180 / (pi R))`` with ``R = hypot(X, Y)``; the
  native pole is the reference point ``CRVAL`` and ``LONPOLE = phi_p = 180 deg``. The spherical
  rotation to (RA, Dec) is evaluated in Cartesian form, with arctangents only (exact near the
  poles and at RA = 0/360). Right ascension comes out in [0, 360] when ``CRVAL1 >= 0`` and in
  [-360, 0] otherwise, as wcslib's.
* Sky to pixel inverts these; points 90 deg or more from ``CRVAL`` have no TAN image and give
  NaN (as astropy). With SIP, ``AP``/``BP`` (``p + q`` from 0) give the first guess, then Newton
  iterations on the forward SIP polynomial reach ``tolerance`` (default 1e-10 px).

`wcs_from_header` returns a `TanSipWcs` for a header that is exactly such a WCS and an astropy
WCS otherwise (other projections, TPV/PV terms, distortion tables, ...).
"""

from __future__ import annotations

import logging
import math
import re
import warnings

import numpy as np

__all__ = ["NoConvergenceError", "TanSipWcs", "pixel_scale_matrix", "reference_pixel",
           "wcs_from_header"]

log = logging.getLogger(__name__)

_TAN_CTYPES = ("RA---TAN", "DEC--TAN")
_SIP_CTYPES = ("RA---TAN-SIP", "DEC--TAN-SIP")
_LONPOLE = 180.0
#: Default equinox of the supported FK frames (ICRS has none).
_EQUINOX = {"ICRS": None, "FK5": 2000.0, "FK4": 1950.0}
#: Primary header keys of WCS features a `TanSipWcs` does not have: projection parameters
#: (TPV, ZPN-like TAN), CROTA, lookup-table and polynomial distortions, DSS plate solutions,
#: IRAF TNX/ZPX terms.
_FOREIGN_KEY = re.compile(
    r"^(PV\d+_\d+|PS\d+_\d+|PROJP\d+|CROTA\d+|AXISCORR|PLTRAH|AMD[XY]\d+|WAT\d_\d+|"
    r"(CPDIS|CQDIS|CPERR|CQERR|DP|DQ)\d.*|D2IM.*)$")
_SIP_NAMES = ("A", "B", "AP", "BP")


class NoConvergenceError(ValueError):
    """`TanSipWcs.all_world2pix` did not reach its tolerance for some points."""


def _float(header, key: str, default: float | None = None) -> float:
    if key not in header:
        if default is None:
            msg = f"WCS header has no {key}"
            raise ValueError(msg)
        return default
    value = header[key]
    if isinstance(value, (bool, str)) or value is None:
        msg = f"WCS header {key} = {value!r} is not a number"
        raise ValueError(msg)
    number = float(value)
    if not math.isfinite(number):
        msg = f"WCS header {key} = {value!r} is not finite"
        raise ValueError(msg)
    return number


def _string_card(key: str, value: str, comment: str) -> str:
    """A string card as wcslib writes it: value not padded to 8 characters, comment at col 32."""
    return f"{key:<8}= {chr(39) + value + chr(39):<20} / {comment}"[:80].ljust(80)


class _SipPolynomial:
    """One SIP polynomial ``sum c_pq u^p v^q`` (``p + q <= order``) and its derivatives."""

    def __init__(self, name: str, coefficients) -> None:
        matrix = np.array(coefficients, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 3:
            msg = (f"SIP {name} must be a square (order + 1) x (order + 1) matrix with order "
                   f">= 2, got shape {matrix.shape}")
            raise ValueError(msg)
        if not np.all(np.isfinite(matrix)):
            msg = f"SIP {name} has non-finite coefficients"
            raise ValueError(msg)
        order = matrix.shape[0] - 1
        p, q = np.indices(matrix.shape)
        if np.any(matrix[p + q > order]):
            msg = f"SIP {name} of order {order} has non-zero coefficients with p + q > {order}"
            raise ValueError(msg)
        matrix.flags.writeable = False
        self.matrix = matrix
        self.order = order
        self.terms = [(int(i), int(j), float(matrix[i, j])) for i, j in zip(*np.nonzero(matrix))]

    def value(self, upow: list, vpow: list) -> np.ndarray:
        total = np.zeros_like(upow[0])
        for p, q, c in self.terms:
            total = total + c * upow[p] * vpow[q]
        return total

    def gradient(self, upow: list, vpow: list) -> tuple[np.ndarray, np.ndarray]:
        du = np.zeros_like(upow[0])
        dv = np.zeros_like(upow[0])
        for p, q, c in self.terms:
            if p:
                du = du + (c * p) * upow[p - 1] * vpow[q]
            if q:
                dv = dv + (c * q) * upow[p] * vpow[q - 1]
        return du, dv


def _powers(values: np.ndarray, order: int) -> list[np.ndarray]:
    powers = [np.ones_like(values), values]
    for _ in range(2, order + 1):
        powers.append(powers[-1] * values)
    return powers


def _parse_call(args: tuple, kwargs: dict, name: str):
    """``(x, y, origin)`` or ``(xy, origin)`` -> (pair form?, x, y, origin) as astropy takes them."""
    if "origin" in kwargs:
        origin = kwargs.pop("origin")
    elif args:
        *args, origin = args
    else:
        msg = f"{name}: the pixel origin (0 or 1) is required"
        raise TypeError(msg)
    if kwargs:
        msg = f"{name}: unexpected keyword argument(s) {', '.join(sorted(kwargs))}"
        raise TypeError(msg)
    if np.ndim(origin) != 0:
        msg = f"{name}: the last positional argument is the pixel origin (0 or 1), got an array"
        raise TypeError(msg)
    if len(args) == 2:
        first, second = np.broadcast_arrays(np.asarray(args[0], dtype=np.float64),
                                            np.asarray(args[1], dtype=np.float64))
        return True, first, second, float(origin)
    if len(args) == 1:
        pairs = np.asarray(args[0], dtype=np.float64)
        if pairs.ndim < 1 or pairs.shape[-1] != 2:
            msg = f"{name}: an array of coordinate pairs must have shape (N, 2), got {pairs.shape}"
            raise ValueError(msg)
        return False, pairs[..., 0], pairs[..., 1], float(origin)
    msg = f"{name}: give (x, y, origin) or (xy, origin), got {len(args) + 1} positional arguments"
    raise TypeError(msg)


def _result(pair_form: bool, first: np.ndarray, second: np.ndarray):
    if pair_form:
        return [first, second]
    return np.stack([first, second], axis=-1)


class TanSipWcs:
    """Celestial TAN WCS with optional SIP distortion (the module docstring has the equations).

    Parameters
    ----------
    crval : sequence of 2 float
        RA, Dec of the reference point (deg).
    crpix : sequence of 2 float
        Reference pixel, FITS 1-based (``CRPIX1``, ``CRPIX2``).
    cd : array_like, 2 x 2
        Linear transformation (deg / pixel), FITS ``CDi_j``.
    a, b : array_like, optional
        SIP pixel-to-sky polynomials, square ``(order + 1) x (order + 1)`` matrices indexed
        ``[p, q]`` (as `astropy.wcs.Sip`), order >= 2, zero where ``p + q > order``. Both or
        neither.
    ap, bp : array_like, optional
        SIP sky-to-pixel polynomials (first guess of `all_world2pix`); both or neither, and
        only with ``a``/``b``.
    pixel_shape : tuple of int, optional
        ``(width, height)`` of the image.
    radesys : str
        ``"ICRS"`` (default), ``"FK5"`` or ``"FK4"``.
    equinox : float, optional
        Equinox of an FK frame (default 2000 for FK5, 1950 for FK4); ignored for ICRS.

    Raises
    ------
    ValueError
        Non-finite values, ``|Dec| > 90``, a singular CD matrix, malformed SIP matrices or an
        unsupported ``radesys``.

    Notes
    -----
    ``LONPOLE`` is always 180 deg, the default of a zenithal projection with the reference
    point off the pole (`to_header` writes it, so the header means the same to astropy even
    for ``CRVAL2 = 90``). The object is immutable except for ``pixel_shape``.
    """

    def __init__(self, crval, crpix, cd, *, a=None, b=None, ap=None, bp=None,
                 pixel_shape=None, radesys: str = "ICRS", equinox: float | None = None) -> None:
        self._crval = self._array("crval", crval, (2,))
        self._crpix = self._array("crpix", crpix, (2,))
        self._cd = self._array("cd", cd, (2, 2))
        if abs(self._crval[1]) > 90.0:
            msg = f"TanSipWcs: CRVAL2 = {float(self._crval[1])} is not a declination in [-90, 90]"
            raise ValueError(msg)
        det = float(self._cd[0, 0] * self._cd[1, 1] - self._cd[0, 1] * self._cd[1, 0])
        if det == 0.0 or not math.isfinite(det):
            msg = f"TanSipWcs: the CD matrix {self._cd.tolist()} is singular"
            raise ValueError(msg)
        self._cd_inv = np.array([[self._cd[1, 1], -self._cd[0, 1]],
                                 [-self._cd[1, 0], self._cd[0, 0]]]) / det
        if (a is None) != (b is None) or (ap is None) != (bp is None):
            msg = "TanSipWcs: give both SIP a and b (and both ap and bp) or neither"
            raise ValueError(msg)
        if ap is not None and a is None:
            msg = "TanSipWcs: SIP ap/bp given without a/b"
            raise ValueError(msg)
        self._sip = None if a is None else (_SipPolynomial("a", a), _SipPolynomial("b", b))
        self._sip_inverse = None if ap is None else (_SipPolynomial("ap", ap),
                                                     _SipPolynomial("bp", bp))
        frame = str(radesys).strip().upper()
        if frame not in _EQUINOX:
            msg = f"TanSipWcs: radesys {radesys!r} not supported (ICRS, FK5 or FK4)"
            raise ValueError(msg)
        self._radesys = frame
        if frame == "ICRS":
            self._equinox = None
        else:
            self._equinox = _EQUINOX[frame] if equinox is None else float(equinox)
        #: (PC, CDELT) when read from a header written that way: `to_header` writes them back.
        self._pc_cdelt: tuple[np.ndarray, np.ndarray] | None = None
        dec0 = math.radians(self._crval[1])
        self._sin_dec0, self._cos_dec0 = math.sin(dec0), math.cos(dec0)
        self._pixel_shape = None
        self.pixel_shape = pixel_shape

    def __setstate__(self, state: dict) -> None:
        # unpickled arrays (the -j workers get exposures this way) are writeable: freeze them
        # again, as writing CRVAL would leave the cached sin/cos of its declination stale
        self.__dict__.update(state)
        for name in ("_crval", "_crpix", "_cd", "_cd_inv"):
            getattr(self, name).flags.writeable = False
        for polynomials in (self._sip, self._sip_inverse):
            for polynomial in polynomials or ():
                polynomial.matrix.flags.writeable = False

    @staticmethod
    def _array(name: str, values, shape: tuple[int, ...]) -> np.ndarray:
        array = np.array(values, dtype=np.float64)
        if array.shape != shape or not np.all(np.isfinite(array)):
            msg = f"TanSipWcs: {name} must be {shape} finite numbers, got {values!r}"
            raise ValueError(msg)
        array.flags.writeable = False
        return array

    # ---- attributes -------------------------------------------------------------------------

    @property
    def crval(self) -> np.ndarray:
        """RA, Dec of the reference point (deg), read-only."""
        return self._crval

    @property
    def crpix(self) -> np.ndarray:
        """Reference pixel, FITS 1-based, read-only."""
        return self._crpix

    @property
    def cd(self) -> np.ndarray:
        """CD matrix (deg / pixel), read-only."""
        return self._cd

    @property
    def pixel_scale_matrix(self) -> np.ndarray:
        """The CD matrix (astropy's name for it)."""
        return self._cd

    @property
    def ctype(self) -> tuple[str, str]:
        """``("RA---TAN-SIP", "DEC--TAN-SIP")`` with SIP, else ``("RA---TAN", "DEC--TAN")``."""
        return _SIP_CTYPES if self._sip is not None else _TAN_CTYPES

    @property
    def a(self) -> np.ndarray | None:
        """SIP ``A`` matrix (read-only) or None."""
        return None if self._sip is None else self._sip[0].matrix

    @property
    def b(self) -> np.ndarray | None:
        """SIP ``B`` matrix (read-only) or None."""
        return None if self._sip is None else self._sip[1].matrix

    @property
    def ap(self) -> np.ndarray | None:
        """SIP ``AP`` matrix (read-only) or None."""
        return None if self._sip_inverse is None else self._sip_inverse[0].matrix

    @property
    def bp(self) -> np.ndarray | None:
        """SIP ``BP`` matrix (read-only) or None."""
        return None if self._sip_inverse is None else self._sip_inverse[1].matrix

    @property
    def radesys(self) -> str:
        """Celestial reference frame: ``"ICRS"``, ``"FK5"`` or ``"FK4"``."""
        return self._radesys

    @property
    def equinox(self) -> float | None:
        """Equinox of an FK frame (years), None for ICRS."""
        return self._equinox

    @property
    def has_celestial(self) -> bool:
        """Always True (astropy's test for a celestial WCS)."""
        return True

    @property
    def pixel_shape(self) -> tuple[int, int] | None:
        """``(width, height)`` of the image, or None."""
        return self._pixel_shape

    @pixel_shape.setter
    def pixel_shape(self, value) -> None:
        if value is None:
            self._pixel_shape = None
            return
        shape = tuple(value)
        if len(shape) != 2 or any(int(n) != n or n < 0 for n in shape):
            msg = f"TanSipWcs: pixel_shape must be (width, height) non-negative integers, got {value!r}"
            raise ValueError(msg)
        self._pixel_shape = (int(shape[0]), int(shape[1]))

    # ---- transforms -------------------------------------------------------------------------

    def _distort(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = self._sip
        order = max(a.order, b.order)
        upow, vpow = _powers(u, order), _powers(v, order)
        return u + a.value(upow, vpow), v + b.value(upow, vpow)

    def _pixel_to_sky(self, x, y, origin: float, distort: bool) -> tuple[np.ndarray, np.ndarray]:
        u = (x + (1.0 - origin)) - self._crpix[0]
        v = (y + (1.0 - origin)) - self._crpix[1]
        if distort and self._sip is not None:
            u, v = self._distort(u, v)
        cd = self._cd
        xi = np.deg2rad(cd[0, 0] * u + cd[0, 1] * v)
        eta = np.deg2rad(cd[1, 0] * u + cd[1, 1] * v)
        # Native direction (C&G eq. 54-55 for TAN) rotated to the celestial frame whose pole
        # of the native system is CRVAL (C&G eq. 2 with phi_p = 180 deg), in Cartesian form.
        along = self._cos_dec0 - eta * self._sin_dec0
        ra = self._crval[0] + np.rad2deg(np.arctan2(xi, along))
        dec = np.rad2deg(np.arctan2(self._sin_dec0 + eta * self._cos_dec0, np.hypot(xi, along)))
        if self._crval[0] >= 0.0:
            ra = np.where(ra < 0.0, ra + 360.0, ra)
            ra = np.where(ra > 360.0, ra - 360.0, ra)
        else:
            ra = np.where(ra > 0.0, ra - 360.0, ra)
            ra = np.where(ra < -360.0, ra + 360.0, ra)
        return ra, dec

    def _sky_to_intermediate_pixel(self, ra, dec) -> tuple[np.ndarray, np.ndarray]:
        """Undistorted offsets ``(U, V)`` from CRPIX (pixels); NaN with no TAN image."""
        dra = np.deg2rad(ra - self._crval[0])
        dec_r = np.deg2rad(dec)
        cos_dec, sin_dec = np.cos(dec_r), np.sin(dec_r)
        x_dir = cos_dec * np.cos(dra)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = x_dir * self._cos_dec0 + sin_dec * self._sin_dec0
            xi = np.rad2deg(cos_dec * np.sin(dra) / w)
            eta = np.rad2deg((sin_dec * self._cos_dec0 - x_dir * self._sin_dec0) / w)
        behind = ~(w > 0.0)
        xi = np.where(behind, np.nan, xi)
        eta = np.where(behind, np.nan, eta)
        inv = self._cd_inv
        return inv[0, 0] * xi + inv[0, 1] * eta, inv[1, 0] * xi + inv[1, 1] * eta

    def _undistort(self, big_u: np.ndarray, big_v: np.ndarray, tolerance: float, maxiter: int,
                   quiet: bool) -> tuple[np.ndarray, np.ndarray]:
        """Solve ``u + A(u, v) = U``, ``v + B(u, v) = V`` by Newton iterations."""
        if self._sip_inverse is not None:
            ap, bp = self._sip_inverse
            order = max(ap.order, bp.order)
            upow, vpow = _powers(big_u, order), _powers(big_v, order)
            u, v = big_u + ap.value(upow, vpow), big_v + bp.value(upow, vpow)
        else:
            u, v = big_u.copy(), big_v.copy()
        a, b = self._sip
        order = max(a.order, b.order)
        todo = np.isfinite(u) & np.isfinite(v)
        step = np.zeros_like(u)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for _ in range(int(maxiter)):
                upow, vpow = _powers(u, order), _powers(v, order)
                res_u = u + a.value(upow, vpow) - big_u
                res_v = v + b.value(upow, vpow) - big_v
                a_u, a_v = a.gradient(upow, vpow)
                b_u, b_v = b.gradient(upow, vpow)
                j11, j22 = 1.0 + a_u, 1.0 + b_v
                det = j11 * j22 - a_v * b_u
                du = (j22 * res_u - a_v * res_v) / det
                dv = (j11 * res_v - b_u * res_u) / det
                u = np.where(todo, u - du, u)
                v = np.where(todo, v - dv, v)
                step = np.where(todo, np.hypot(du, dv), 0.0)
                if not np.any(step > tolerance) and np.all(np.isfinite(step)):
                    break
        failed = np.isfinite(big_u) & np.isfinite(big_v) & ~(step <= tolerance)
        if np.any(failed) and not quiet:
            msg = (f"all_world2pix: {int(np.count_nonzero(failed))} of {failed.size} points did "
                   f"not converge to {tolerance:g} px in {maxiter} iterations (largest last "
                   f"step {np.nanmax(np.where(failed, step, np.nan)):g} px); pass quiet=True "
                   "to accept them")
            raise NoConvergenceError(msg)
        return u, v

    def _sky_to_pixel(self, ra, dec, origin: float, distort: bool, tolerance: float = 1e-10,
                      maxiter: int = 20, quiet: bool = False) -> tuple[np.ndarray, np.ndarray]:
        big_u, big_v = self._sky_to_intermediate_pixel(ra, dec)
        if distort and self._sip is not None:
            big_u, big_v = self._undistort(big_u, big_v, tolerance, maxiter, quiet)
        return (big_u + self._crpix[0]) - (1.0 - origin), (big_v + self._crpix[1]) - (1.0 - origin)

    def all_pix2world(self, *args, **kwargs):
        """Pixel to (RA, Dec) in degrees, SIP included (astropy's signature).

        ``all_pix2world(x, y, origin)`` returns ``[ra, dec]`` (arrays of the broadcast input
        shape); ``all_pix2world(xy, origin)`` with ``xy`` of shape (N, 2) returns (N, 2).
        ``origin`` 0 for 0-based pixels, 1 for FITS pixels. NaN in, NaN out.
        """
        pair, x, y, origin = _parse_call(args, kwargs, "all_pix2world")
        return _result(pair, *self._pixel_to_sky(x, y, origin, distort=True))

    def wcs_pix2world(self, *args, **kwargs):
        """As `all_pix2world` without the SIP distortion (the linear TAN only)."""
        pair, x, y, origin = _parse_call(args, kwargs, "wcs_pix2world")
        return _result(pair, *self._pixel_to_sky(x, y, origin, distort=False))

    def all_world2pix(self, *args, tolerance: float = 1e-10, maxiter: int = 20,
                      quiet: bool = False, **kwargs):
        """(RA, Dec) in degrees to pixels, SIP included (astropy's signature).

        ``all_world2pix(ra, dec, origin)`` returns ``[x, y]``; ``all_world2pix(radec, origin)``
        with shape (N, 2) returns (N, 2). Points 90 deg or more from CRVAL, and NaN input, give
        NaN.

        Parameters
        ----------
        tolerance : float
            Newton iterations stop when every point's last step is below this (pixels).
        maxiter : int
            Most Newton iterations.
        quiet : bool
            Return points that did not converge as they are instead of raising.

        Raises
        ------
        NoConvergenceError
            If some points did not converge and ``quiet`` is False.
        """
        pair, ra, dec, origin = _parse_call(args, kwargs, "all_world2pix")
        return _result(pair, *self._sky_to_pixel(ra, dec, origin, True, tolerance, maxiter,
                                                 quiet))

    def wcs_world2pix(self, *args, **kwargs):
        """As `all_world2pix` without the SIP distortion (the linear TAN only)."""
        pair, ra, dec, origin = _parse_call(args, kwargs, "wcs_world2pix")
        return _result(pair, *self._sky_to_pixel(ra, dec, origin, distort=False))

    def pixel_to_world_values(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """``(ra, dec)`` in degrees of 0-based pixels, SIP included."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return self._pixel_to_sky(x, y, 0.0, distort=True)

    def world_to_pixel_values(self, ra, dec) -> tuple[np.ndarray, np.ndarray]:
        """0-based ``(x, y)`` of ``(ra, dec)`` in degrees, SIP included."""
        ra, dec = np.broadcast_arrays(np.asarray(ra, dtype=np.float64),
                                      np.asarray(dec, dtype=np.float64))
        return self._sky_to_pixel(ra, dec, 0.0, distort=True)

    # ---- FITS headers -----------------------------------------------------------------------

    def _card_images(self, relax: bool) -> list[str]:
        from lsstlite.io.fits_write import card

        sip = relax and self._sip is not None
        if self._pc_cdelt is None:
            pc, cdelt = self._cd, np.ones(2)
        else:
            pc, cdelt = self._pc_cdelt
        cards = [card("WCSAXES", 2, "Number of coordinate axes")]
        cards += [card(f"CRPIX{i + 1}", float(self._crpix[i]), "Pixel coordinate of reference point")
                  for i in range(2)]
        cards += [card(f"PC{i + 1}_{j + 1}", float(pc[i, j]),
                       "Coordinate transformation matrix element")
                  for i in range(2) for j in range(2) if pc[i, j] != (1.0 if i == j else 0.0)]
        cards += [card(f"CDELT{i + 1}", float(cdelt[i]),
                       "[deg] Coordinate increment at reference point") for i in range(2)]
        cards += [_string_card(f"CUNIT{i + 1}", "deg", "Units of coordinate increment and value")
                  for i in range(2)]
        if sip:
            comments = ("TAN (gnomonic) projection + SIP distortions",) * 2
        else:
            comments = ("Right ascension, gnomonic projection", "Declination, gnomonic projection")
        ctypes = _SIP_CTYPES if sip else _TAN_CTYPES
        cards += [_string_card(f"CTYPE{i + 1}", ctypes[i], comments[i]) for i in range(2)]
        cards += [card(f"CRVAL{i + 1}", float(self._crval[i]),
                       "[deg] Coordinate value at reference point") for i in range(2)]
        cards.append(card("LONPOLE", _LONPOLE, "[deg] Native longitude of celestial pole"))
        # theta_0 = 90: the native pole is the reference point, so delta_p = CRVAL2
        cards.append(card("LATPOLE", float(self._crval[1]), "[deg] Native latitude of celestial pole"))
        cards.append(_string_card("RADESYS", self._radesys, "Equatorial coordinate system"))
        if self._equinox is not None:
            cards.append(card("EQUINOX", self._equinox, "[yr] Equinox of equatorial coordinates"))
        if sip:
            polynomials = [*self._sip, *(self._sip_inverse or ())]
            for name, poly in zip(_SIP_NAMES, polynomials):
                direction = "sky to detector" if name.endswith("P") else "detector to sky"
                cards.append(card(f"{name}_ORDER", poly.order,
                                  f"SIP polynomial order, axis {_SIP_NAMES.index(name) % 2}, "
                                  f"{direction}"))
                cards += [card(f"{name}_{p}_{q}", c, "SIP distortion coefficient")
                          for p, q, c in poly.terms]
        return cards

    def to_header(self, relax: bool = True):
        """The FITS-WCS cards as a `lsstlite.io.header.Header` (``.to_astropy()`` gives an
        astropy header), as astropy writes this WCS.

        Same keys, order and comments as ``astropy.wcs.WCS.to_header`` of the equivalent WCS
        (without its time reference keys ``MJDREF``/``DATEREF``); floats are written with the
        shortest exact representation, so `from_header` gives back this WCS bit for bit.

        Parameters
        ----------
        relax : bool
            Write the SIP keywords and the ``-SIP`` CTYPE suffix (True, default); False writes
            the linear TAN part only, as astropy with ``relax=False``.
        """
        from lsstlite.io.header import Header

        return Header.fromstring("".join(self._card_images(relax)))

    @classmethod
    def from_header(cls, header) -> TanSipWcs:
        """The WCS of a header that is exactly a TAN or TAN-SIP `TanSipWcs` represents.

        ``CTYPE1/2`` ``RA---TAN``/``DEC--TAN`` (both with ``-SIP`` iff ``A_ORDER``/``B_ORDER`` >=
        2 are present), ``CDi_j`` (missing elements 0) or ``PCi_j`` (default unity) with
        ``CDELTi`` (default 1), ``CUNITi`` absent or ``deg``, ``LONPOLE`` absent (reference point
        off the pole) or 180, ``RADESYS``/``RADECSYS`` ICRS, FK5 or FK4 (default from
        ``EQUINOX`` as wcslib), no projection parameters (``PVi_j``), ``CROTAi``, or distortion
        tables; ``pixel_shape`` from ``NAXIS1/2``. Alternate WCSs (``CTYPE1A`` ...) and time
        keys are ignored, as astropy does for the primary WCS.

        Parameters
        ----------
        header : `astropy.io.fits.Header` or mapping
            The image header.

        Returns
        -------
        wcs : `TanSipWcs`

        Raises
        ------
        ValueError
            Naming the first key that makes the header something else (`wcs_from_header` then
            uses astropy).
        """
        ctype = tuple(str(header.get(f"CTYPE{i}", "")).strip() for i in (1, 2))
        if ctype not in (_TAN_CTYPES, _SIP_CTYPES):
            msg = f"CTYPE1/2 = {ctype[0]!r}/{ctype[1]!r} are not RA---TAN/DEC--TAN (or -SIP)"
            raise ValueError(msg)
        if "WCSAXES" in header and header["WCSAXES"] != 2:
            msg = f"WCSAXES = {header['WCSAXES']!r}, not 2"
            raise ValueError(msg)
        for key in header:
            if _FOREIGN_KEY.match(key):
                msg = f"header key {key} is not part of a TAN-SIP WCS"
                raise ValueError(msg)
        for i in (1, 2):
            unit = header.get(f"CUNIT{i}")
            if unit is not None and str(unit).strip() != "deg":
                msg = f"CUNIT{i} = {unit!r}, not 'deg'"
                raise ValueError(msg)
        crval = [_float(header, "CRVAL1"), _float(header, "CRVAL2")]
        crpix = [_float(header, "CRPIX1"), _float(header, "CRPIX2")]
        lonpole = _float(header, "LONPOLE", _LONPOLE if crval[1] < 90.0 else 0.0)
        if lonpole != _LONPOLE:
            msg = f"LONPOLE = {lonpole!r} (default or given), not 180"
            raise ValueError(msg)
        pairs = [(i, j) for i in (1, 2) for j in (1, 2)]
        has_cd = any(f"CD{i}_{j}" in header for i, j in pairs)
        has_pc = any(f"PC{i}_{j}" in header for i, j in pairs)
        has_cdelt = any(f"CDELT{i}" in header for i in (1, 2))
        pc_cdelt = None
        if has_cd:
            if has_pc or has_cdelt:
                msg = "CDi_j together with PCi_j or CDELTi"
                raise ValueError(msg)
            cd = np.array([[_float(header, f"CD{i}_{j}", 0.0) for j in (1, 2)] for i in (1, 2)])
        else:
            pc = np.array([[_float(header, f"PC{i}_{j}", 1.0 if i == j else 0.0) for j in (1, 2)]
                           for i in (1, 2)])
            cdelt = np.array([_float(header, f"CDELT{i}", 1.0) for i in (1, 2)])
            cd = cdelt[:, None] * pc
            pc_cdelt = (pc, cdelt)
        sip = cls._sip_from_header(header, ctype == _SIP_CTYPES)
        radesys, equinox = cls._frame_from_header(header)
        shape = None
        if "NAXIS1" in header and "NAXIS2" in header:
            shape = (int(header["NAXIS1"]), int(header["NAXIS2"]))
        wcs = cls(crval, crpix, cd, **sip, pixel_shape=shape, radesys=radesys, equinox=equinox)
        if pc_cdelt is not None:
            for array in pc_cdelt:
                array.flags.writeable = False
            wcs._pc_cdelt = pc_cdelt
        return wcs

    @staticmethod
    def _sip_from_header(header, sip_ctype: bool) -> dict:
        orders = {name: header.get(f"{name}_ORDER") for name in _SIP_NAMES}
        present = {name for name, order in orders.items() if order is not None}
        if not sip_ctype:
            if present:
                msg = f"SIP keys {sorted(present)} with CTYPE1/2 without -SIP"
                raise ValueError(msg)
            return {}
        if present not in ({"A", "B"}, set(_SIP_NAMES)):
            msg = f"CTYPE -SIP with SIP orders for {sorted(present) or 'none'} (need A, B[, AP, BP])"
            raise ValueError(msg)
        sip = {}
        for name in sorted(present):
            order = orders[name]
            if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 2:
                msg = f"{name}_ORDER = {order!r} is not an integer >= 2"
                raise ValueError(msg)
            matrix = np.zeros((order + 1, order + 1))
            for p in range(order + 1):
                for q in range(order + 1 - p):
                    matrix[p, q] = _float(header, f"{name}_{p}_{q}", 0.0)
            sip[name.lower()] = matrix
        return sip

    @staticmethod
    def _frame_from_header(header) -> tuple[str, float | None]:
        frame = header.get("RADESYS", header.get("RADECSYS"))
        if "EQUINOX" not in header and "EPOCH" in header:
            msg = "EPOCH without EQUINOX (wcslib reads it as the equinox)"
            raise ValueError(msg)
        equinox = None if "EQUINOX" not in header else _float(header, "EQUINOX")
        if frame is None:
            frame = "ICRS" if equinox is None else ("FK4" if equinox < 1984.0 else "FK5")
        frame = str(frame).strip().upper()
        if frame not in _EQUINOX:
            msg = f"RADESYS = {frame!r} is not ICRS, FK5 or FK4"
            raise ValueError(msg)
        return frame, equinox

    def to_astropy(self):
        """The equivalent `astropy.wcs.WCS` (same transforms and header), e.g. for SkyCoord or
        WCSAxes. Imports astropy.wcs."""
        from astropy.wcs import WCS

        wcs = WCS(self.to_header().to_astropy())
        wcs.pixel_shape = self._pixel_shape
        return wcs

    def copy(self) -> TanSipWcs:
        """A copy (the arrays are read-only, so they are shared)."""
        new = object.__new__(TanSipWcs)
        new.__dict__.update(self.__dict__)
        return new

    def deepcopy(self) -> TanSipWcs:
        """A copy (as `copy`: nothing in it is mutable except ``pixel_shape``)."""
        return self.copy()

    def __repr__(self) -> str:
        sip = "" if self._sip is None else (
            f", sip_order=({self._sip[0].order}, {self._sip[1].order})"
            + ("" if self._sip_inverse is None else
               f", inverse_order=({self._sip_inverse[0].order}, {self._sip_inverse[1].order})"))
        return (f"TanSipWcs(crval={self._crval.tolist()}, crpix={self._crpix.tolist()}, "
                f"cd={self._cd.tolist()}{sip}, pixel_shape={self._pixel_shape}, "
                f"radesys={self._radesys!r})")


def wcs_from_header(header, *, path: str | None = None):
    """The celestial WCS of an image header, as every lsstlite reader reads it.

    Parameters
    ----------
    header : `astropy.io.fits.Header` or mapping
        The image header.
    path : str, optional
        File named in the warning when astropy cannot parse the header.

    Returns
    -------
    wcs : `TanSipWcs`, `astropy.wcs.WCS` or None
        A `TanSipWcs` when the header is a plain TAN or TAN-SIP (`TanSipWcs.from_header`);
        otherwise ``astropy.wcs.WCS(header, naxis=2)`` (``FITSFixedWarning`` silenced); None
        when the header has no ``CTYPE`` key, astropy cannot parse it (a warning naming
        ``path``, never an exception) or its WCS is not celestial.
    """
    if not any(k.startswith("CTYPE") for k in header):
        return None
    try:
        return TanSipWcs.from_header(header)
    except ValueError as err:
        log.debug("%s: WCS read by astropy (%s)", path or "header", err)
    from astropy.wcs import WCS, FITSFixedWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(header, naxis=2)
    except Exception as err:  # astropy raises many types for bad WCS headers
        log.warning("%s: ignoring unusable WCS (%s)", path or "",
                    str(err).splitlines()[0] if str(err) else err)
        return None
    if not wcs.has_celestial:
        return None
    return wcs


def pixel_scale_matrix(wcs) -> np.ndarray:
    """2 x 2 matrix (deg / pixel) at the reference point.

    Parameters
    ----------
    wcs : `TanSipWcs` or `astropy.wcs.WCS`

    Returns
    -------
    matrix : `numpy.ndarray`
        The CD of a `TanSipWcs`; astropy's ``pixel_scale_matrix`` of the celestial axes of
        an astropy WCS.
    """
    if isinstance(wcs, TanSipWcs):
        return np.array(wcs.cd)
    return np.asarray(wcs.celestial.pixel_scale_matrix, dtype=np.float64)


def reference_pixel(wcs) -> tuple[float, float]:
    """0-based pixel of the reference point.

    Parameters
    ----------
    wcs : `TanSipWcs` or `astropy.wcs.WCS`

    Returns
    -------
    x, y : float
        ``CRPIX - 1``.
    """
    crpix = wcs.crpix if isinstance(wcs, TanSipWcs) else wcs.wcs.crpix
    return float(crpix[0] - 1.0), float(crpix[1] - 1.0)
