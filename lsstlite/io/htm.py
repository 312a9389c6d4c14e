"""Hierarchical Triangular Mesh (HTM) trixel ids, vectorised with numpy.

Convention of Kunszt, Szalay & Thakar (2001), as used by LSST reference-catalogue shards:
the octahedron vertices are ``v0=(0,0,1), v1=(1,0,0), v2=(0,1,0), v3=(-1,0,0), v4=(0,-1,0),
v5=(0,0,-1)``; the eight root trixels are S0..S3 = ids 8..11 = ``(v1,v5,v2), (v2,v5,v3),
(v3,v5,v4), (v4,v5,v1)`` and N0..N3 = ids 12..15 = ``(v1,v0,v4), (v4,v0,v3), (v3,v0,v2),
(v2,v0,v1)``. A trixel ``(a, b, c)`` is split with the normalised edge midpoints
``w0 = b+c, w1 = a+c, w2 = a+b`` into children 0: ``(a, w2, w1)``, 1: ``(b, w0, w2)``,
2: ``(c, w1, w0)``, 3: ``(w0, w1, w2)``, and a child's id is ``4 * parent + k``. Trixel ids at
depth ``d`` therefore lie in ``[8 * 4**d, 16 * 4**d)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["htm_index", "trixels_in_circle", "trixel_vertices", "MAX_DEPTH"]

#: Deepest level whose ids fit comfortably in int64.
MAX_DEPTH = 25

_V = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
               [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
_ROOT_VERTEX_INDEX = np.array([
    [1, 5, 2], [2, 5, 3], [3, 5, 4], [4, 5, 1],   # S0..S3, ids 8..11
    [1, 0, 4], [4, 0, 3], [3, 0, 2], [2, 0, 1],   # N0..N3, ids 12..15
])
_ROOTS = _V[_ROOT_VERTEX_INDEX]                   # (8, 3, 3)
_ROOT_IDS = np.arange(8, 16, dtype=np.int64)


def _check_depth(depth: int) -> int:
    if not isinstance(depth, (int, np.integer)) or isinstance(depth, bool):
        msg = f"HTM depth must be an integer, not {depth!r}"
        raise TypeError(msg)
    if not 0 <= depth <= MAX_DEPTH:
        msg = f"HTM depth must be in [0, {MAX_DEPTH}], not {depth}"
        raise ValueError(msg)
    return int(depth)


def _unit_vectors(ra_deg, dec_deg) -> np.ndarray:
    ra = np.radians(np.asarray(ra_deg, dtype=np.float64))
    dec = np.radians(np.asarray(dec_deg, dtype=np.float64))
    ra, dec = np.broadcast_arrays(ra, dec)
    if not (np.all(np.isfinite(ra)) and np.all(np.isfinite(dec))):
        msg = "HTM: ra/dec contain non-finite values"
        raise ValueError(msg)
    if np.any(np.abs(dec) > np.pi / 2 + 1e-12):
        msg = f"HTM: |dec| > 90 deg (max {np.degrees(np.abs(dec)).max():.6f})"
        raise ValueError(msg)
    cos_dec = np.cos(dec)
    return np.stack([cos_dec * np.cos(ra), cos_dec * np.sin(ra), np.sin(dec)], axis=-1)


def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _side(u: np.ndarray, v: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``(u x v) . p`` row by row: >= 0 when p is on the inner side of the arc u -> v."""
    return np.einsum("...i,...i->...", np.cross(u, v), p)


def _root_of(p: np.ndarray) -> np.ndarray:
    """Index (0..7) into the root table of the root trixel holding each unit vector."""
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    north = z >= 0
    # Quadrants in the order of the root table (see module docstring).
    south_quadrant = np.where(x >= 0, np.where(y >= 0, 0, 3), np.where(y >= 0, 1, 2))
    north_quadrant = np.where(x >= 0, np.where(y > 0, 3, 0), np.where(y > 0, 2, 1))
    return np.where(north, 4 + north_quadrant, south_quadrant)


def _split(tri: np.ndarray) -> np.ndarray:
    """Children of trixels ``tri`` (..., 3, 3) -> (..., 4, 3, 3) in HTM child order."""
    a, b, c = tri[..., 0, :], tri[..., 1, :], tri[..., 2, :]
    w0, w1, w2 = _normalise(b + c), _normalise(a + c), _normalise(a + b)
    return np.stack([np.stack([a, w2, w1], axis=-2), np.stack([b, w0, w2], axis=-2),
                     np.stack([c, w1, w0], axis=-2), np.stack([w0, w1, w2], axis=-2)], axis=-3)


def htm_index(ra_deg, dec_deg, depth: int) -> np.ndarray:
    """HTM trixel id of each position at the given depth.

    Parameters
    ----------
    ra_deg, dec_deg : float or array-like
        ICRS right ascension and declination in degrees (broadcast together).
    depth : int
        HTM depth (LSST reference catalogues use 7).

    Returns
    -------
    ids : `numpy.ndarray` of int64
        Trixel ids, same shape as the broadcast input (0-d for scalar input).
    """
    depth = _check_depth(depth)
    p_in = _unit_vectors(ra_deg, dec_deg)
    shape = p_in.shape[:-1]
    p = p_in.reshape(-1, 3)
    root = _root_of(p)
    ids = _ROOT_IDS[root].copy()
    a, b, c = (_ROOTS[root, k].copy() for k in range(3))
    for _ in range(depth):
        w0, w1, w2 = _normalise(b + c), _normalise(a + c), _normalise(a + b)
        # Inside the parent, only the inner edge of each corner child needs testing.
        in0 = _side(w2, w1, p) >= 0
        in1 = ~in0 & (_side(w0, w2, p) >= 0)
        in2 = ~in0 & ~in1 & (_side(w1, w0, p) >= 0)
        child = np.full(len(p), 3, dtype=np.int64)
        child[in2], child[in1], child[in0] = 2, 1, 0
        ids = 4 * ids + child
        in0, in1, in2 = in0[:, None], in1[:, None], in2[:, None]
        new_a = np.where(in0, a, np.where(in1, b, np.where(in2, c, w0)))
        new_b = np.where(in0, w2, np.where(in1, w0, w1))
        new_c = np.where(in0, w1, np.where(in1, w2, np.where(in2, w0, w2)))
        a, b, c = new_a, new_b, new_c
    return ids.reshape(shape)


def trixel_vertices(trixel_id: int) -> np.ndarray:
    """Unit-vector vertices (3, 3) of one trixel, rows ``a, b, c`` in HTM order.

    Parameters
    ----------
    trixel_id : int
        Trixel id (any depth).

    Returns
    -------
    vertices : `numpy.ndarray`, shape (3, 3)
    """
    tid = int(trixel_id)
    if tid < 8:
        msg = f"invalid HTM trixel id {trixel_id}: ids start at 8"
        raise ValueError(msg)
    digits = []
    while tid >= 16:
        digits.append(tid & 3)
        tid >>= 2
    tri = _ROOTS[tid - 8]
    for k in reversed(digits):
        tri = _split(tri)[k]
    return tri


def _arc_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angular distance (rad) from unit vector ``p`` (3,) to the minor arcs ``a -> b`` (N, 3)."""
    n = np.cross(a, b)
    n_norm = np.linalg.norm(n, axis=-1)
    n = n / n_norm[:, None]
    pn = n @ p
    q = p[None, :] - pn[:, None] * n
    q_norm = np.linalg.norm(q, axis=-1)
    on_arc = (q_norm > 0) & (_side(a, q, n) >= 0) & (_side(q, b, n) >= 0)
    d_plane = np.arcsin(np.clip(np.abs(pn), 0.0, 1.0))
    d_a = np.arccos(np.clip(a @ p, -1.0, 1.0))
    d_b = np.arccos(np.clip(b @ p, -1.0, 1.0))
    return np.where(on_arc, d_plane, np.minimum(d_a, d_b))


def _intersects_cap(tri: np.ndarray, p: np.ndarray, radius: float) -> np.ndarray:
    """Whether trixels ``tri`` (N, 3, 3) touch the cap of angular ``radius`` around ``p``."""
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    cos_r = np.cos(radius)
    vertex_in = (a @ p >= cos_r) | (b @ p >= cos_r) | (c @ p >= cos_r)
    centre_in = (_side(a, b, p) >= 0) & (_side(b, c, p) >= 0) & (_side(c, a, p) >= 0)
    edge_near = ((_arc_distance(p, a, b) <= radius) | (_arc_distance(p, b, c) <= radius)
                 | (_arc_distance(p, c, a) <= radius))
    return vertex_in | centre_in | edge_near


def trixels_in_circle(ra_deg: float, dec_deg: float, radius_deg: float, depth: int) -> list[int]:
    """Ids of every trixel at ``depth`` that intersects a circle on the sky.

    The test is exact for spherical triangles (vertex in cap, cap centre in triangle, or an edge
    within the radius), with a tiny angular tolerance added so that it errs on the inclusive side.

    Parameters
    ----------
    ra_deg, dec_deg : float
        Circle centre in degrees.
    radius_deg : float
        Circle radius in degrees (>= 0).
    depth : int
        HTM depth.

    Returns
    -------
    ids : list of int
        Sorted trixel ids.
    """
    depth = _check_depth(depth)
    if not np.isfinite(radius_deg) or radius_deg < 0:
        msg = f"trixels_in_circle: radius must be finite and >= 0, not {radius_deg}"
        raise ValueError(msg)
    p = _unit_vectors(float(ra_deg), float(dec_deg)).reshape(3)
    radius = min(np.radians(radius_deg) + 1e-12, np.pi)
    tri, ids = _ROOTS, _ROOT_IDS
    keep = _intersects_cap(tri, p, radius)
    tri, ids = tri[keep], ids[keep]
    for _ in range(depth):
        tri = _split(tri).reshape(-1, 3, 3)
        ids = (4 * ids[:, None] + np.arange(4, dtype=np.int64)[None, :]).reshape(-1)
        keep = _intersects_cap(tri, p, radius)
        tri, ids = tri[keep], ids[keep]
    return sorted(int(i) for i in ids)
