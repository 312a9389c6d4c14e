"""Matcher tests against synthetic truth (known star identities)."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.astrom.match import MatchError, match_to_reference, pairs_within

from .synthetic import SHAPE, make_scene, perturbed_tan


@pytest.mark.parametrize(("seed", "shift", "rotation", "scale"), [
    (1, (1.2, 1.6), 0.5, 1.0),
    (2, (6.0, 8.0), 1.0, 1.01),
    (3, (-6.0, 8.0), -1.0, 0.99),
    (4, (10.0, 0.0), 1.0, 1.0),
])
def test_match_perturbed_wcs(seed, shift, rotation, scale):
    scene = make_scene(np.random.default_rng(seed))
    init = perturbed_tan(scene.wcs, shift, rotation, scale)
    m = match_to_reference(scene.x, scene.y, scene.ref_ra, scene.ref_dec, init,
                           source_flux=scene.flux, ref_flux=scene.ref_flux, frame_shape=SHAPE)
    correct = scene.source_star[m.source_index] == scene.ref_star[m.ref_index]
    true_pairs = np.intersect1d(scene.source_star[scene.source_star >= 0],
                                scene.ref_star[scene.ref_star >= 0]).size
    # one-to-one
    assert np.unique(m.source_index).size == m.n_matches
    assert np.unique(m.ref_index).size == m.n_matches
    # almost all true pairs found, almost no false ones (random pairs within 0.3": ~1e-4)
    assert correct.sum() >= 0.95 * true_pairs
    assert (~correct).sum() <= 2
    assert m.n_matches >= 50
    # the vote recovers the inverse of the perturbation to within the grid step
    assert abs(m.rotation_deg + rotation) < 0.2


def test_match_without_fluxes_and_frame_shape():
    scene = make_scene(np.random.default_rng(7), n_stars=150)
    init = perturbed_tan(scene.wcs, (3.0, -2.0), 0.3)
    m = match_to_reference(scene.x, scene.y, scene.ref_ra, scene.ref_dec, init)
    correct = scene.source_star[m.source_index] == scene.ref_star[m.ref_index]
    assert correct.sum() >= 0.9 * 0.64 * 150
    assert (~correct).sum() <= 1


def test_match_fails_cleanly_on_unrelated_catalogue():
    rng = np.random.default_rng(5)
    scene = make_scene(rng, n_stars=100)
    ra = scene.ref_ra + 1.0  # one degree away: nothing on the frame
    with pytest.raises(MatchError, match="reference"):
        match_to_reference(scene.x, scene.y, ra, scene.ref_dec, scene.wcs, frame_shape=SHAPE)


def test_pairs_within_matches_brute_force():
    rng = np.random.default_rng(3)
    xa, ya = rng.uniform(0, 100, 60), rng.uniform(0, 100, 60)
    xb, yb = rng.uniform(0, 100, 80), rng.uniform(0, 100, 80)
    ia, ib, dist = pairs_within(xa, ya, xb, yb, 9.0)
    d = np.hypot(xa[:, None] - xb[None, :], ya[:, None] - yb[None, :])
    ja, jb = np.nonzero(d <= 9.0)
    assert sorted(zip(ia, ib)) == sorted(zip(ja, jb))
    np.testing.assert_allclose(dist, d[ia, ib])
