"""Match detected sources to reference objects through an approximate initial WCS.

The initial WCS may be wrong by a shift of several arcsec, a rotation of about a degree and a
scale error of a per cent or two. The matcher works in the pixel frame of the image:

1. **Vote.** Reference objects are projected to pixels with the initial WCS. The error of the
   WCS is modelled as a similarity transform about the frame centre ``c``,
   ``s - c = z (r - c) + t`` with complex ``z = (1 + scale error) exp(i rotation)`` and
   translation ``t``. For every ``z`` on a grid (step chosen so that the worst displacement at
   the frame corner stays below one vote bin) the translations ``t`` implied by all close
   (bright source, bright reference) pairs are histogrammed; true pairs pile up in one bin,
   wrong pairs (galaxies, missing references, other stars) spread over the whole search
   area. The ``(z, t)`` cell with the most votes (2x2 bin boxes, so a peak on a bin edge is
   not split) wins.
2. **Nearest neighbour with a shrinking radius.** The voters of the winning cell fix an affine
   transform from reference pixels to source pixels; then ``num_iter`` rounds of one-to-one
   nearest-neighbour matching, each followed by a polynomial refit (affine, quadratic once
   there are 30 matches), with the next radius ``mean + match_distance_sigma * std`` of the
   match distances (LSST's ``matchDistanceSigma`` rule), never below
   ``min_match_dist_arcsec``.

Only numpy is used; pair finding sorts by ``x`` and searches a strip, so the cost is
proportional to the number of close pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lsstlite.image.wcs import pixel_scale_matrix, reference_pixel

__all__ = ["MatchError", "MatchResult", "match_to_reference", "pixel_scale_arcsec"]


class MatchError(RuntimeError):
    """Raised when no consistent offset/rotation is found between sources and references."""


@dataclass(frozen=True)
class MatchResult:
    """Matches between sources and reference objects.

    Attributes
    ----------
    source_index, ref_index : `numpy.ndarray` of int
        Indices into the input source and reference arrays; one-to-one.
    separation_arcsec : `numpy.ndarray`
        Distance between each source and its reference after the fitted pixel-frame
        correction of the initial WCS (arcsec).
    transform : `numpy.ndarray`
        Polynomial coefficients of the final correction, see `apply_transform`.
    transform_order : int
        Total order of that polynomial (1 = affine, 2 = quadratic).
    centre, norm : tuple of float, float
        Normalisation of the polynomial variables: ``u = (x - centre) / norm``.
    offset_pix : tuple of float
        Translation ``(dx, dy)`` found by the vote, pixels, about the frame centre.
    rotation_deg, scale : float
        Rotation (deg, counter-clockwise in pixel coordinates) and scale of the vote winner.
    n_votes : int
        Votes in the winning cell.
    match_radius_arcsec : float
        Radius of the last nearest-neighbour round.
    """

    source_index: np.ndarray
    ref_index: np.ndarray
    separation_arcsec: np.ndarray
    transform: np.ndarray
    transform_order: int
    centre: tuple[float, float]
    norm: float
    offset_pix: tuple[float, float]
    rotation_deg: float
    scale: float
    n_votes: int
    match_radius_arcsec: float

    @property
    def n_matches(self) -> int:
        """Number of matches."""
        return int(self.source_index.size)

    def apply_transform(self, x_ref: np.ndarray, y_ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map reference pixel positions (from the initial WCS) to corrected source pixels."""
        return _apply_poly(self.transform, self.transform_order, self.centre, self.norm,
                           np.asarray(x_ref, float), np.asarray(y_ref, float))


def pixel_scale_arcsec(wcs) -> float:
    """Mean pixel scale of a celestial WCS (`TanSipWcs` or astropy) at its reference point
    (arcsec/px)."""
    return float(np.sqrt(abs(np.linalg.det(pixel_scale_matrix(wcs)))) * 3600.0)


def _as_1d(name: str, values, n: int | None = None) -> np.ndarray:
    arr = np.ascontiguousarray(values, dtype=np.float64).ravel()
    if n is not None and arr.size != n:
        msg = f"{name} has {arr.size} elements, expected {n}"
        raise ValueError(msg)
    return arr


def pairs_within(xa: np.ndarray, ya: np.ndarray, xb: np.ndarray, yb: np.ndarray,
                 radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs (i, j) with ``|a_i - b_j| <= radius``.

    Returns
    -------
    ia, ib : `numpy.ndarray` of int
        Indices into ``a`` and ``b``.
    dist : `numpy.ndarray`
        Pair distances.
    """
    order = np.argsort(xb, kind="stable")
    xs = xb[order]
    lo = np.searchsorted(xs, xa - radius, side="left")
    hi = np.searchsorted(xs, xa + radius, side="right")
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0)
    ia = np.repeat(np.arange(xa.size), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    ib = order[np.repeat(lo, counts) + (np.arange(total) - starts)]
    dist = np.hypot(xa[ia] - xb[ib], ya[ia] - yb[ib])
    keep = dist <= radius
    return ia[keep], ib[keep], dist[keep]


def _monomials(u: np.ndarray, v: np.ndarray, order: int) -> np.ndarray:
    cols = [u**p * v**(total - p) for total in range(order + 1) for p in range(total, -1, -1)]
    return np.stack(cols, axis=-1)


def _apply_poly(coeffs, order, centre, norm, x, y):
    design = _monomials((x - centre[0]) / norm, (y - centre[1]) / norm, order)
    out = design @ coeffs
    return out[..., 0], out[..., 1]


def _fit_poly(xr, yr, xs, ys, order, centre, norm):
    design = _monomials((xr - centre[0]) / norm, (yr - centre[1]) / norm, order)
    coeffs, *_ = np.linalg.lstsq(design, np.stack([xs, ys], axis=-1), rcond=None)
    return coeffs


def _one_to_one(ia: np.ndarray, ib: np.ndarray, dist: np.ndarray):
    """Keep, for every a and every b, only its closest partner (mutual nearest neighbours)."""
    order = np.lexsort((dist, ia))
    ia, ib, dist = ia[order], ib[order], dist[order]
    first = np.ones(ia.size, bool)
    first[1:] = ia[1:] != ia[:-1]
    ia, ib, dist = ia[first], ib[first], dist[first]
    order = np.lexsort((dist, ib))
    ia, ib, dist = ia[order], ib[order], dist[order]
    first = np.ones(ib.size, bool)
    first[1:] = ib[1:] != ib[:-1]
    return ia[first], ib[first], dist[first]


def _brightest(flux: np.ndarray | None, candidates: np.ndarray, n: int) -> np.ndarray:
    if flux is None or candidates.size <= n:
        return candidates
    f = np.where(np.isfinite(flux[candidates]), flux[candidates], -np.inf)
    return candidates[np.argsort(-f, kind="stable")[:n]]


def _vote(sx, sy, rx, ry, centre, half_diag, max_trans, max_scale_error, max_rot_rad, bin_pix):
    """Return (z, t, votes, voter source idx, voter ref idx) of the best similarity transform."""
    dz_max = float(np.hypot(max_scale_error, np.sin(max_rot_rad)))
    reach = max_trans + half_diag * dz_max + 2.0 * bin_pix
    ia, ib, _ = pairs_within(sx, sy, rx, ry, reach)
    if ia.size == 0:
        msg = f"no source lies within {reach:.1f} px of a reference object"
        raise MatchError(msg)
    s = (sx[ia] - centre[0]) + 1j * (sy[ia] - centre[1])
    r = (rx[ib] - centre[0]) + 1j * (ry[ib] - centre[1])
    step = bin_pix / half_diag
    n_re = int(np.ceil(max_scale_error / step))
    n_im = int(np.ceil(np.sin(max_rot_rad) / step))
    re = 1.0 + step * np.arange(-n_re, n_re + 1)
    im = step * np.arange(-n_im, n_im + 1)
    z = (re[:, None] + 1j * im[None, :]).ravel()
    t = s[None, :] - z[:, None] * r[None, :]
    nb = int(np.ceil(2 * (max_trans + bin_pix) / bin_pix)) + 1
    lo = -(nb * bin_pix) / 2.0
    ix = np.floor((t.real - lo) / bin_pix).astype(np.intp)
    iy = np.floor((t.imag - lo) / bin_pix).astype(np.intp)
    ok = (ix >= 0) & (ix < nb) & (iy >= 0) & (iy < nb)
    combo = np.broadcast_to(np.arange(z.size)[:, None], t.shape)
    flat = (combo[ok] * nb + iy[ok]) * nb + ix[ok]
    hist = np.bincount(flat, minlength=z.size * nb * nb).reshape(z.size, nb, nb)
    box = hist[:, :-1, :-1] + hist[:, 1:, :-1] + hist[:, :-1, 1:] + hist[:, 1:, 1:]
    k, by, bx = np.unravel_index(int(np.argmax(box)), box.shape)
    votes = int(box[k, by, bx])
    t_peak = complex(lo + (bx + 1) * bin_pix, lo + (by + 1) * bin_pix)
    sel = np.abs(t[k] - t_peak) <= 1.5 * bin_pix
    return z[k], t_peak, votes, ia[sel], ib[sel]


def match_to_reference(x, y, ref_ra, ref_dec, wcs, *, source_flux=None, ref_flux=None,
                       frame_shape: tuple[int, int] | None = None,
                       max_offset_arcsec: float = 15.0, max_rotation_deg: float = 1.5,
                       max_scale_error: float = 0.02, vote_bin_pix: float = 3.0,
                       num_bright_sources: int = 150, num_bright_refs: int = 450,
                       max_match_dist_arcsec: float = 3.0, min_match_dist_arcsec: float = 0.3,
                       match_distance_sigma: float = 2.0, num_iter: int = 3,
                       min_votes: int = 5) -> MatchResult:
    """Match sources to reference objects through an initial WCS that may be off.

    Parameters
    ----------
    x, y : array_like
        Source pixel positions (0-based, ``x`` = column).
    ref_ra, ref_dec : array_like
        Reference positions (deg).
    wcs : `lsstlite.image.wcs.TanSipWcs` or `astropy.wcs.WCS`
        Initial celestial WCS; may be wrong by ``max_offset_arcsec``,
        ``max_rotation_deg`` and ``max_scale_error``.
    source_flux, ref_flux : array_like, optional
        Brightness (flux or S/N; any monotonic measure) used to pick the brightest
        ``num_bright_sources`` / ``num_bright_refs`` for the vote. All are used when omitted.
    frame_shape : tuple of int, optional
        ``(height, width)`` of the image; defaults to the extent of the sources.
    max_offset_arcsec, max_rotation_deg, max_scale_error : float
        Search range of the vote.
    vote_bin_pix : float
        Bin size of the translation histogram (pixels); also the tolerance for the WCS
        distortion not modelled by a similarity transform.
    num_bright_sources, num_bright_refs : int
        Sizes of the bright subsets that vote.
    max_match_dist_arcsec : float
        Radius of the first nearest-neighbour round.
    min_match_dist_arcsec : float
        Floor of the shrinking radius.
    match_distance_sigma : float
        Next radius = mean + ``match_distance_sigma`` * std of the match distances.
    num_iter : int
        Nearest-neighbour rounds.
    min_votes : int
        Fewest votes accepted for the offset/rotation solution.

    Returns
    -------
    result : `MatchResult`

    Raises
    ------
    MatchError
        If the vote finds fewer than ``min_votes`` consistent pairs or no match survives.
    """
    xs = _as_1d("x", x)
    ys = _as_1d("y", y, xs.size)
    ra = _as_1d("ref_ra", ref_ra)
    dec = _as_1d("ref_dec", ref_dec, ra.size)
    sflux = None if source_flux is None else _as_1d("source_flux", source_flux, xs.size)
    rflux = None if ref_flux is None else _as_1d("ref_flux", ref_flux, ra.size)
    good_src = np.flatnonzero(np.isfinite(xs) & np.isfinite(ys))
    if good_src.size == 0 or ra.size == 0:
        msg = f"nothing to match: {good_src.size} usable sources, {ra.size} reference objects"
        raise MatchError(msg)

    scale = pixel_scale_arcsec(wcs)
    rx, ry = wcs.all_world2pix(ra, dec, 0, quiet=True)
    rx = np.asarray(rx, float)
    ry = np.asarray(ry, float)
    if frame_shape is None:
        x0, x1 = float(xs[good_src].min()), float(xs[good_src].max())
        y0, y1 = float(ys[good_src].min()), float(ys[good_src].max())
    else:
        x0, y0, x1, y1 = -0.5, -0.5, frame_shape[1] - 0.5, frame_shape[0] - 0.5
    centre = (0.5 * (x0 + x1), 0.5 * (y0 + y1))
    half_diag = max(0.5 * float(np.hypot(x1 - x0, y1 - y0)), 1.0)
    max_rot = np.deg2rad(max_rotation_deg)
    dz_max = float(np.hypot(max_scale_error, np.sin(max_rot)))
    crpix = reference_pixel(wcs)
    max_trans = max_offset_arcsec / scale + dz_max * float(np.hypot(crpix[0] - centre[0],
                                                                    crpix[1] - centre[1]))
    pad = max_trans + half_diag * dz_max + 2.0 * vote_bin_pix
    in_box = np.isfinite(rx) & np.isfinite(ry) & (rx > x0 - pad) & (rx < x1 + pad) \
        & (ry > y0 - pad) & (ry < y1 + pad)
    good_ref = np.flatnonzero(in_box)
    if good_ref.size == 0:
        msg = "no reference object projects onto the frame through the initial WCS"
        raise MatchError(msg)

    vs = _brightest(sflux, good_src, num_bright_sources)
    vr = _brightest(rflux, good_ref, num_bright_refs)
    z, t, votes, v_src, v_ref = _vote(xs[vs], ys[vs], rx[vr], ry[vr], centre, half_diag,
                                      max_trans, max_scale_error, max_rot, vote_bin_pix)
    if votes < min_votes:
        msg = (f"offset/rotation search found only {votes} consistent source-reference pairs "
               f"(need {min_votes}); is the initial WCS within {max_offset_arcsec}\" and "
               f"{max_rotation_deg} deg?")
        raise MatchError(msg)
    src_v, ref_v = vs[v_src], vr[v_ref]
    ia, ib = _one_to_one_by_residual(src_v, ref_v, xs, ys, rx, ry, z, t, centre)
    order = 1
    coeffs = _fit_poly(rx[ib], ry[ib], xs[ia], ys[ia], order, centre, half_diag) if ia.size >= 3 \
        else _similarity_coeffs(z, t, centre, half_diag)

    radius = max_match_dist_arcsec / scale
    floor = min_match_dist_arcsec / scale
    gx, gy = xs[good_src], ys[good_src]
    for it in range(num_iter):
        px, py = _apply_poly(coeffs, order, centre, half_diag, rx[good_ref], ry[good_ref])
        ia, ib, dist = pairs_within(gx, gy, px, py, radius)
        ia, ib, dist = _one_to_one(ia, ib, dist)
        if ia.size == 0:
            msg = f"no source within {radius * scale:.2f}\" of a reference after the offset search"
            raise MatchError(msg)
        if it == num_iter - 1:
            break
        order = 2 if ia.size >= 30 else 1
        coeffs = _fit_poly(rx[good_ref[ib]], ry[good_ref[ib]], gx[ia], gy[ia], order, centre,
                           half_diag)
        px, py = _apply_poly(coeffs, order, centre, half_diag, rx[good_ref[ib]],
                             ry[good_ref[ib]])
        resid = np.hypot(px - gx[ia], py - gy[ia])
        radius = min(radius, max(floor, float(resid.mean() + match_distance_sigma * resid.std())))

    return MatchResult(source_index=good_src[ia], ref_index=good_ref[ib],
                       separation_arcsec=dist * scale, transform=coeffs, transform_order=order,
                       centre=centre, norm=half_diag, offset_pix=(t.real, t.imag),
                       rotation_deg=float(np.rad2deg(np.angle(z))), scale=float(abs(z)),
                       n_votes=votes, match_radius_arcsec=radius * scale)


def _one_to_one_by_residual(src, ref, xs, ys, rx, ry, z, t, centre):
    pred = z * ((rx[ref] - centre[0]) + 1j * (ry[ref] - centre[1])) + t
    resid = np.abs((xs[src] - centre[0]) + 1j * (ys[src] - centre[1]) - pred)
    return _one_to_one(src, ref, resid)[:2]


def _similarity_coeffs(z, t, centre, norm):
    """Affine coefficients (monomial order 1, u, v) of ``s - c = z (r - c) + t``."""
    a, b = z.real, z.imag
    return np.array([[centre[0] + t.real, centre[1] + t.imag],
                     [a * norm, b * norm],
                     [-b * norm, a * norm]])
