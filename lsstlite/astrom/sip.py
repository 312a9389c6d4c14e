"""Fit a TAN-SIP WCS to matched (pixel, sky) pairs by linear least squares.

Method (Shupe et al. 2005 SIP convention; the recipe of LSST's ``CreateWcsWithSip``):

* ``CRPIX`` is fixed (frame centre when ``frame_shape`` is given, else the mean matched pixel,
  or the caller's value). Reference positions are projected gnomonically about ``CRVAL``
  (start: the mean reference unit vector) to intermediate world coordinates ``(xi, eta)``.
* ``xi`` and ``eta`` are fitted as polynomials of total order ``order`` in
  ``u = x - CRPIX_x``, ``v = y - CRPIX_y`` (scaled by the largest ``|u|, |v|`` for
  conditioning). A non-zero constant term means the tangent point is not at ``CRPIX``:
  ``CRVAL`` is moved to it and the fit repeated until the constant is below 1e-9 arcsec.
  The linear terms are the CD matrix; the higher terms, multiplied by ``CD^-1``, are the SIP
  ``A``/``B`` polynomials.
* The reverse polynomials ``AP``/``BP`` (order ``inverse_order``, default ``order + 1``, or
  the fixed distortion's order + 1) are fitted on a grid of ``max(20, 5 (k + 1))`` points per
  axis spanning the frame, ``k`` the forward order.
* With a fixed ``distortion`` (SIP ``A``/``B`` about a fixed ``CRPIX``, e.g. the camera's
  distortion carried by the input WCS) the polynomial is of order 1 in the distorted
  coordinates ``U = u + A(u, v)``, ``V = v + B(u, v)``: only ``CRVAL`` and ``CD`` are fitted
  (LSST's ``FitAffineWcsTask`` on a camera distortion model), 3 terms per axis instead of 10
  for a cubic.
* Sigma clipping is symmetric: after a fit, residuals ``d_xi, d_eta`` of *all* matches are
  computed and a match is kept when ``|d_xi| <= rej_sigma * sigma_xi`` and
  ``|d_eta| <= rej_sigma * sigma_eta`` (sigma = standard deviation of the kept residuals); this
  is repeated ``num_rej_iter`` times, then the WCS is refitted. ``num_iter`` such rounds are
  made (LSST's FitTanSipWcs: ``numIter=3``, ``numRejIter=1``, ``rejSigma=3``). LSST's
  one-sided test ``dx > 3 sigma`` is a bug that this module avoids.

Pixel convention: 0-based in and out (WCS calls with ``origin=0``); the FITS ``CRPIX`` of
the returned `lsstlite.image.wcs.TanSipWcs` is 1-based as FITS requires.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lsstlite.image.wcs import TanSipWcs

__all__ = ["SipFitError", "SipFitResult", "fit_tan_sip", "sky_separation_arcsec"]

_DEFAULT_ORDER = 3


class SipFitError(RuntimeError):
    """Raised when the matches cannot constrain the requested fit: too few of them, or
    positions that are degenerate for the polynomial order (e.g. all on a line)."""


@dataclass(frozen=True)
class SipFitResult:
    """Result of `fit_tan_sip`.

    Attributes
    ----------
    wcs : `lsstlite.image.wcs.TanSipWcs`
        Fitted WCS; ``RA---TAN-SIP``/``DEC--TAN-SIP`` with ``A, B, AP, BP`` when
        ``order >= 2``, plain ``TAN`` for ``order == 1`` (``to_astropy()`` converts it).
    used : `numpy.ndarray` of bool
        Matches kept by the sigma clipping.
    separation_arcsec : `numpy.ndarray`
        On-sky distance between every match's reference position and its source position
        mapped through ``wcs`` (arcsec), for all matches.
    rms_arcsec, median_arcsec : float
        RMS and median of ``separation_arcsec`` over the used matches.
    n_used : int
        Number of used matches.
    order : int
        Forward polynomial order.
    crpix0 : tuple of float
        Reference pixel (0-based) about which the polynomial is expanded.
    norm : float
        Scale of the polynomial variables: ``u = (x - crpix0[0]) / norm``.
    covariance_arcsec2 : `numpy.ndarray`
        Covariance (arcsec²) of the coefficients of the ``xi`` polynomial (the same for
        ``eta``): the weighted least-squares covariance scaled by the reduced chi-square of the
        used matches, so it holds for relative weights too.
    chi2 : float
        Weighted sum of squared residuals of the used matches (both axes), in the units of
        the weights times arcsec²: with inverse variances in 1/arcsec², a chi-square with
        ``2 * (n_used - number of terms)`` degrees of freedom.
    distortion : tuple of `numpy.ndarray` or None
        The fixed SIP ``A``, ``B`` the fit was made on (``order`` is then 1), else None.
    """

    wcs: TanSipWcs
    used: np.ndarray
    separation_arcsec: np.ndarray
    rms_arcsec: float
    median_arcsec: float
    n_used: int
    order: int
    crpix0: tuple[float, float]
    norm: float
    covariance_arcsec2: np.ndarray
    chi2: float
    distortion: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n_terms(self) -> int:
        """Number of fitted coefficients per tangent-plane axis."""
        return (self.order + 1) * (self.order + 2) // 2

    def position_error_arcsec(self, x, y) -> np.ndarray:
        """Predicted 1-sigma error of the fitted WCS at pixel positions (0-based), arcsec.

        The root of the summed variances of the two tangent-plane coordinates (the rms
        length of the 2-D error vector), from the fit's covariance: how well the matches
        constrain the polynomial there. At the frame corners, beyond most matches, it is
        several times the error at the centre.
        """
        u = np.asarray(x, float) - self.crpix0[0]
        v = np.asarray(y, float) - self.crpix0[1]
        if self.distortion is not None:
            u, v = _distorted(self.distortion, u, v)
        design = _design(u / self.norm, v / self.norm, _terms(self.order))
        var = np.einsum("...i,ij,...j->...", design, self.covariance_arcsec2, design)
        return np.sqrt(2.0 * var)


def _unit(ra_deg: np.ndarray, dec_deg: np.ndarray) -> np.ndarray:
    ra, dec = np.deg2rad(ra_deg), np.deg2rad(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def _tangent_basis(crval: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ra, dec = np.deg2rad(crval)
    centre = np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])
    east = np.array([-np.sin(ra), np.cos(ra), 0.0])
    north = np.array([-np.sin(dec) * np.cos(ra), -np.sin(dec) * np.sin(ra), np.cos(dec)])
    return centre, east, north


def _project(vec: np.ndarray, crval: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gnomonic projection about ``crval`` (deg) -> (xi, eta) in deg."""
    centre, east, north = _tangent_basis(crval)
    w = vec @ centre
    return np.rad2deg(vec @ east / w), np.rad2deg(vec @ north / w)


def _deproject(xi_deg: float, eta_deg: float, crval: np.ndarray) -> np.ndarray:
    centre, east, north = _tangent_basis(crval)
    p = centre + np.deg2rad(xi_deg) * east + np.deg2rad(eta_deg) * north
    p /= np.linalg.norm(p)
    return np.array([np.rad2deg(np.arctan2(p[1], p[0])) % 360.0,
                     np.rad2deg(np.arcsin(np.clip(p[2], -1.0, 1.0)))])


def _terms(order: int, min_total: int = 0) -> list[tuple[int, int]]:
    return [(p, t - p) for t in range(min_total, order + 1) for p in range(t, -1, -1)]


def _design(u: np.ndarray, v: np.ndarray, terms: list[tuple[int, int]]) -> np.ndarray:
    return np.stack([u**p * v**q for p, q in terms], axis=-1)


def _distorted(distortion: tuple[np.ndarray, np.ndarray], u: np.ndarray,
               v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intermediate pixel offsets ``(u + A(u, v), v + B(u, v))`` of SIP matrices ``A, B``
    (every term, constant and linear ones included, as `TanSipWcs` applies them)."""
    a, b = distortion
    big_u, big_v = u.copy(), v.copy()
    for p, q in _terms(a.shape[0] - 1):
        if a[p, q]:
            big_u += a[p, q] * u**p * v**q
    for p, q in _terms(b.shape[0] - 1):
        if b[p, q]:
            big_v += b[p, q] * u**p * v**q
    return big_u, big_v


def sky_separation_arcsec(ra1, dec1, ra2, dec2) -> np.ndarray:
    """Great-circle distance (arcsec) between positions in degrees (stable at small angles)."""
    a, b = _unit(np.asarray(ra1, float), np.asarray(dec1, float)), \
        _unit(np.asarray(ra2, float), np.asarray(dec2, float))
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    dot = np.sum(a * b, axis=-1)
    return np.rad2deg(np.arctan2(cross, dot)) * 3600.0


class _LinearSolution:
    """Polynomial fit of (xi, eta) about a fixed CRPIX, with CRVAL at the tangent point."""

    def __init__(self, u, v, vec, crval, order, norm, weights=None):
        terms = _terms(order)
        self.order, self.norm, self.terms = order, norm, terms
        root_w = np.ones(len(u)) if weights is None else np.sqrt(weights)
        design = _design(u / norm, v / norm, terms) * root_w[:, None]
        rank = np.linalg.matrix_rank(design)
        if rank < len(terms):
            msg = (f"the {len(u)} matches do not constrain a TAN-SIP of order {order}: their "
                   f"positions are degenerate (e.g. on a line; rank {rank} of {len(terms)} terms)")
            raise SipFitError(msg)
        for _ in range(20):
            xi, eta = _project(vec, crval)
            target = np.stack([xi, eta], axis=-1) * root_w[:, None]
            coeffs, *_ = np.linalg.lstsq(design, target, rcond=None)
            if np.hypot(*coeffs[0]) * 3600.0 < 1e-9:
                break
            crval = _deproject(coeffs[0, 0], coeffs[0, 1], crval)
        self.crval, self.coeffs = crval, coeffs
        resid = (target - design @ coeffs) * 3600.0
        dof = max(2 * (len(u) - len(terms)), 1)
        self.chi2 = float(np.sum(resid**2))
        self.covariance_arcsec2 = np.linalg.inv(design.T @ design) * self.chi2 / dof

    def residuals_arcsec(self, u, v, vec):
        xi, eta = _project(vec, self.crval)
        pred = _design(u / self.norm, v / self.norm, self.terms) @ self.coeffs
        return (xi - pred[:, 0]) * 3600.0, (eta - pred[:, 1]) * 3600.0

    def cd_and_sip(self):
        """Return CD (deg/px) and SIP A, B arrays (pixel units) from the coefficients."""
        idx = {pq: i for i, pq in enumerate(self.terms)}
        cd = np.array([[self.coeffs[idx[(1, 0)], 0], self.coeffs[idx[(0, 1)], 0]],
                       [self.coeffs[idx[(1, 0)], 1], self.coeffs[idx[(0, 1)], 1]]]) / self.norm
        det = float(np.linalg.det(cd))
        if not np.isfinite(det) or det == 0.0:
            msg = f"the fitted CD matrix is singular (determinant {det:g} deg^2/px^2)"
            raise SipFitError(msg)
        cd_inv = np.linalg.inv(cd)
        a = np.zeros((self.order + 1, self.order + 1))
        b = np.zeros_like(a)
        for (p, q), i in idx.items():
            if p + q < 2:
                continue
            f, g = cd_inv @ self.coeffs[i] / self.norm ** (p + q)
            a[p, q], b[p, q] = f, g
        return cd, a, b


def _fit_inverse(a, b, bounds, crpix0, inverse_order):
    """Fit AP, BP on a grid so that ``u = U + AP(U, V)``, ``v = V + BP(U, V)``."""
    order = max(a.shape[0], b.shape[0]) - 1
    n = max(20, 5 * (order + 1))
    gx, gy = np.meshgrid(np.linspace(bounds[0], bounds[2], n), np.linspace(bounds[1], bounds[3], n))
    u, v = gx.ravel() - crpix0[0], gy.ravel() - crpix0[1]
    big_u, big_v = _distorted((a, b), u, v)
    norm = max(float(np.max(np.abs(big_u))), float(np.max(np.abs(big_v))), 1.0)
    terms = _terms(inverse_order)
    design = _design(big_u / norm, big_v / norm, terms)
    coeffs, *_ = np.linalg.lstsq(design, np.stack([u - big_u, v - big_v], axis=-1), rcond=None)
    ap = np.zeros((inverse_order + 1, inverse_order + 1))
    bp = np.zeros_like(ap)
    for (p, q), c in zip(terms, coeffs):
        ap[p, q], bp[p, q] = c / norm ** (p + q)
    return ap, bp


def _make_wcs(sol: _LinearSolution, crpix0, bounds, inverse_order, frame_shape,
              distortion, inverse) -> TanSipWcs:
    cd, a, b = sol.cd_and_sip()
    if distortion is not None:
        a, b = distortion
    sip = {}
    if a.shape[0] >= 3:
        ap, bp = _fit_inverse(a, b, bounds, crpix0, inverse_order) if inverse is None else inverse
        sip = {"a": a, "b": b, "ap": ap, "bp": bp}
    shape = None if frame_shape is None else (int(frame_shape[1]), int(frame_shape[0]))
    return TanSipWcs(sol.crval, (crpix0[0] + 1.0, crpix0[1] + 1.0), cd, **sip, pixel_shape=shape,
                     radesys="ICRS")


def fit_tan_sip(x, y, ra, dec, *, order: int = _DEFAULT_ORDER, inverse_order: int | None = None,
                num_iter: int = 3, num_rej_iter: int = 1, rej_sigma: float = 3.0,
                crpix: tuple[float, float] | None = None,
                frame_shape: tuple[int, int] | None = None, weights=None,
                distortion: tuple[np.ndarray, np.ndarray] | None = None,
                distortion_inverse: tuple[np.ndarray, np.ndarray] | None = None) -> SipFitResult:
    """Fit a TAN-SIP WCS to matched source pixels and reference sky positions.

    Parameters
    ----------
    x, y : array_like
        Source pixel positions of the matches (0-based).
    ra, dec : array_like
        Reference positions of the matches (deg).
    order : int
        Total order of the forward polynomial (1 = plain TAN, >= 2 adds SIP ``A``/``B``).
        Default 3: it holds the cubic distortion of SDSS-like cameras with ~50 matches; use 4
        (LSST's default) when there are a few hundred matches.
    inverse_order : int, optional
        Order of ``AP``/``BP`` (>= 2, as FITS readers ignore lower ones); default ``order + 1``,
        or with ``distortion`` its order + 1. Unused when ``distortion_inverse`` is given.
    num_iter, num_rej_iter, rej_sigma
        Clipping schedule (see the module docstring).
    crpix : tuple of float, optional
        Fixed reference pixel (0-based); default the frame centre if ``frame_shape`` is given,
        else the mean matched pixel.
    frame_shape : tuple of int, optional
        ``(height, width)``; sets the grid of the reverse fit and ``wcs.pixel_shape``.
    weights : array_like, optional
        Inverse variance of each match's position (any consistent unit, e.g. 1/arcsec²):
        a weighted least-squares fit, so that faint stars' noisy centroids do not bend the
        distortion at the frame corners. Default: equal weights.
    distortion : tuple of array_like, optional
        Fixed SIP ``A``, ``B`` matrices (pixel units, ``(k + 1) x (k + 1)``, about ``crpix``,
        which is then required): fit only ``CRVAL`` and ``CD`` on top of this distortion
        (``order`` must be 1). The returned WCS carries it, with ``AP``/``BP`` refitted
        unless ``distortion_inverse`` is given.
    distortion_inverse : tuple of array_like, optional
        ``AP``, ``BP`` of ``distortion`` (e.g. the input WCS's), put in the WCS as they are
        instead of refitted: they depend on the distortion only, not on CRVAL and CD.

    Returns
    -------
    result : `SipFitResult`

    Raises
    ------
    SipFitError
        If fewer matches are left than needed for the order.
    ValueError
        If the inputs have inconsistent lengths, ``order < 1`` or ``inverse_order < 2``.
    """
    xs = np.asarray(x, float).ravel()
    ys = np.asarray(y, float).ravel()
    ras = np.asarray(ra, float).ravel()
    decs = np.asarray(dec, float).ravel()
    if not (xs.size == ys.size == ras.size == decs.size):
        msg = f"x, y, ra, dec lengths differ: {xs.size}, {ys.size}, {ras.size}, {decs.size}"
        raise ValueError(msg)
    if order < 1:
        msg = f"order must be >= 1, got {order}"
        raise ValueError(msg)
    if distortion_inverse is not None:
        if distortion is None:
            msg = "distortion_inverse is the inverse of a fixed distortion, which is not given"
            raise ValueError(msg)
        distortion_inverse = _check_sip_matrices(distortion_inverse, "distortion_inverse")
    if distortion is not None:
        distortion = _check_distortion(distortion, order, crpix)
        default_inverse = max(m.shape[0] for m in distortion)  # distortion order + 1
    else:
        default_inverse = order + 1
    inverse_order = default_inverse if inverse_order is None else int(inverse_order)
    if (order >= 2 or distortion is not None) and inverse_order < 2:
        msg = f"inverse_order must be >= 2, got {inverse_order}"
        raise ValueError(msg)
    ws = np.ones(xs.size) if weights is None else np.asarray(weights, float).ravel()
    if ws.size != xs.size:
        msg = f"weights has {ws.size} values for {xs.size} matches"
        raise ValueError(msg)
    finite = (np.isfinite(xs) & np.isfinite(ys) & np.isfinite(ras) & np.isfinite(decs)
              & np.isfinite(ws) & (ws > 0))
    n_terms = (order + 1) * (order + 2) // 2
    if finite.sum() < n_terms + 1:
        msg = f"{int(finite.sum())} matches cannot constrain a TAN-SIP of order {order} " \
              f"({n_terms} terms per axis)"
        raise SipFitError(msg)

    if crpix is not None:
        crpix0 = (float(crpix[0]), float(crpix[1]))
    elif frame_shape is not None:
        crpix0 = ((frame_shape[1] - 1) / 2.0, (frame_shape[0] - 1) / 2.0)
    else:
        crpix0 = (float(xs[finite].mean()), float(ys[finite].mean()))
    if frame_shape is not None:
        bounds = (-0.5, -0.5, frame_shape[1] - 0.5, frame_shape[0] - 0.5)
    else:
        bounds = (xs[finite].min(), ys[finite].min(), xs[finite].max(), ys[finite].max())

    vec = _unit(ras, decs)
    u, v = xs - crpix0[0], ys - crpix0[1]
    if distortion is not None:
        u, v = _distorted(distortion, np.where(finite, u, 0.0), np.where(finite, v, 0.0))
    norm = max(float(np.max(np.abs(u[finite]))), float(np.max(np.abs(v[finite]))), 1.0)
    mean_vec = vec[finite].mean(axis=0)
    crval = np.array([np.rad2deg(np.arctan2(mean_vec[1], mean_vec[0])) % 360.0,
                      np.rad2deg(np.arcsin(mean_vec[2] / np.linalg.norm(mean_vec)))])

    used = finite.copy()
    sol = _LinearSolution(u[used], v[used], vec[used], crval, order, norm, ws[used])
    for _ in range(num_iter):
        dxi, deta = sol.residuals_arcsec(np.where(finite, u, 0), np.where(finite, v, 0),
                                         np.where(finite[:, None], vec, vec[finite][0]))
        for _ in range(num_rej_iter):
            sx, sy = np.std(dxi[used]), np.std(deta[used])
            used = finite & (np.abs(dxi) <= rej_sigma * sx) & (np.abs(deta) <= rej_sigma * sy)
        if used.sum() < n_terms + 1:
            msg = f"sigma clipping left {int(used.sum())} matches for {n_terms} terms per axis"
            raise SipFitError(msg)
        sol = _LinearSolution(u[used], v[used], vec[used], sol.crval, order, norm, ws[used])

    wcs = _make_wcs(sol, crpix0, bounds, inverse_order, frame_shape, distortion, distortion_inverse)
    sep = np.full(xs.size, np.nan)
    wra, wdec = wcs.all_pix2world(xs[finite], ys[finite], 0)
    sep[finite] = sky_separation_arcsec(wra, wdec, ras[finite], decs[finite])
    return SipFitResult(wcs=wcs, used=used, separation_arcsec=sep,
                        rms_arcsec=float(np.sqrt(np.mean(sep[used] ** 2))),
                        median_arcsec=float(np.median(sep[used])), n_used=int(used.sum()),
                        order=order, crpix0=crpix0, norm=norm,
                        covariance_arcsec2=sol.covariance_arcsec2, chi2=sol.chi2,
                        distortion=distortion)


def _check_distortion(distortion, order: int, crpix) -> tuple[np.ndarray, np.ndarray]:
    if order != 1:
        msg = f"a fixed distortion is fitted with order 1 (CRVAL and CD only), got order {order}"
        raise ValueError(msg)
    if crpix is None:
        msg = "a fixed distortion needs the crpix it is defined about"
        raise ValueError(msg)
    return _check_sip_matrices(distortion, "distortion")


def _check_sip_matrices(pair, what: str) -> tuple[np.ndarray, np.ndarray]:
    first, second = (np.asarray(m, float) for m in pair)
    for name, m in zip(("A", "B") if what == "distortion" else ("AP", "BP"), (first, second)):
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 3 or not np.all(np.isfinite(m)):
            msg = f"{what} {name} must be a finite square SIP matrix of order >= 2, got shape {m.shape}"
            raise ValueError(msg)
    return first, second
