"""HTM trixel ids: the Szalay convention, checked by geometry and on the shared refcat shards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.io.htm import htm_index, trixel_vertices, trixels_in_circle


def _unit(ra_deg, dec_deg):
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def _inside(tri, p):
    a, b, c = tri
    return (np.cross(a, b) @ p >= -1e-12) and (np.cross(b, c) @ p >= -1e-12) \
        and (np.cross(c, a) @ p >= -1e-12)


def _random_sky(rng, n):
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    return ra, dec


def test_root_ids_follow_szalay_convention():
    # N0..N3 = 12..15 around the north pole (quadrants x>0,y<0 / x<0,y<0 / x<0,y>0 / x>0,y>0).
    ra = np.array([315.0, 225.0, 135.0, 45.0])
    assert list(htm_index(ra, 10.0, 0)) == [12, 13, 14, 15]
    # S0..S3 = 8..11: (v1,v5,v2) x>0,y>0; (v2,v5,v3); (v3,v5,v4); (v4,v5,v1).
    assert list(htm_index([45.0, 135.0, 225.0, 315.0], -10.0, 0)) == [8, 9, 10, 11]


def test_ids_are_children_of_their_parents():
    rng = np.random.default_rng(1)
    ra, dec = _random_sky(rng, 2000)
    deep = htm_index(ra, dec, 8)
    for depth in range(8):
        assert np.array_equal(htm_index(ra, dec, depth), deep >> (2 * (8 - depth)))
    assert deep.min() >= 8 * 4**8 and deep.max() < 16 * 4**8
    assert deep.dtype == np.int64


def test_point_lies_in_its_trixel():
    rng = np.random.default_rng(2)
    ra, dec = _random_sky(rng, 300)
    ids = htm_index(ra, dec, 6)
    p = _unit(ra, dec)
    for i in range(len(ra)):
        assert _inside(trixel_vertices(ids[i]), p[i])


def test_scalar_input_gives_scalar():
    assert htm_index(10.0, 20.0, 3).shape == ()


def test_bad_depth_and_dec():
    with pytest.raises(ValueError, match="depth"):
        htm_index(0.0, 0.0, -1)
    with pytest.raises(ValueError, match="dec"):
        htm_index(0.0, 91.0, 3)


@pytest.mark.parametrize("ra,dec,radius", [(351.65, 0.10, 0.18), (10.0, 89.9, 0.5),
                                           (200.0, -45.0, 2.0), (0.0, 0.0, 0.05)])
def test_circle_contains_every_sampled_trixel(ra, dec, radius):
    depth = 7
    found = set(trixels_in_circle(ra, dec, radius, depth))
    # Dense sampling of the disc: every sampled trixel must be reported.
    rng = np.random.default_rng(3)
    n = 20000
    r = np.radians(radius) * np.sqrt(rng.uniform(0, 1, n))
    phi = rng.uniform(0, 2 * np.pi, n)
    centre = _unit(ra, dec)
    east = np.cross([0.0, 0.0, 1.0], centre)
    east /= np.linalg.norm(east)
    north = np.cross(centre, east)
    p = (np.cos(r)[:, None] * centre
         + np.sin(r)[:, None] * (np.cos(phi)[:, None] * east + np.sin(phi)[:, None] * north))
    sampled = set(htm_index(np.degrees(np.arctan2(p[:, 1], p[:, 0])) % 360,
                            np.degrees(np.arcsin(np.clip(p[:, 2], -1, 1))), depth).tolist())
    assert sampled <= found
    # ... and every reported trixel really comes within the radius (distance to vertices or
    # inside it); a trixel of depth 7 is < 1 deg across, so allow that much slack.
    for tid in found:
        verts = trixel_vertices(tid)
        closest = np.degrees(np.arccos(np.clip(verts @ centre, -1, 1))).min()
        assert closest <= radius + 0.9


def test_small_circle_inside_one_trixel():
    ids = htm_index(123.4, -5.6, 5)
    assert trixels_in_circle(123.4, -5.6, 1e-6, 5) == [int(ids)]


def test_shared_refcat_shard_ids(sdss_data: Path):
    """Every star in shard ``N.fits`` maps to id N at depth 7; the r frame circle hits 6 shards."""
    shards = sorted((sdss_data / "refcat").glob("1*.fits"))
    assert len(shards) == 54
    for shard in shards:
        data = fits.getdata(shard, 1)
        ids = htm_index(np.degrees(data["coord_ra"]), np.degrees(data["coord_dec"]), 7)
        assert np.all(ids == int(shard.stem)), shard.name
    assert trixels_in_circle(351.6495369, 0.10366058, 0.1778, 7) == [
        188488, 188516, 188532, 196740, 196760, 196792]
