"""Cosmic-ray finder against truth (injected tracks among stars) and a numpy reference."""

import numpy as np
import pytest

from lsstlite.kernels.cosmic_ray import (cr_candidates, find_cosmic_rays,
                                         psf_sharpness_thresholds)

SIGMA_PSF = 1.3
SKY_VAR = 50.0  # DN^2


def gaussian_kernel(sigma, size=11):
    r = np.arange(size) - size // 2
    g = np.exp(-0.5 * (r[:, None] ** 2 + r[None, :] ** 2) / sigma**2)
    return g / g.sum()


def render_stars(shape, xs, ys, fluxes, sigma):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    img = np.zeros(shape)
    for x, y, f in zip(xs, ys, fluxes):
        img += f / (2 * np.pi * sigma**2) * np.exp(-0.5 * ((xx - x) ** 2 + (yy - y) ** 2) / sigma**2)
    return img


def make_scene(seed=1, shape=(300, 300), nstar=40, ncr=30):
    rng = np.random.default_rng(seed)
    xs = rng.uniform(10, shape[1] - 10, nstar)
    ys = rng.uniform(10, shape[0] - 10, nstar)
    fluxes = 10 ** rng.uniform(3, 5.5, nstar)
    stars = render_stars(shape, xs, ys, fluxes, SIGMA_PSF)
    variance = SKY_VAR + np.maximum(stars, 0) / 4.0
    image = stars + rng.normal(0, np.sqrt(variance))
    cr_truth = np.zeros(shape, bool)
    for _ in range(ncr):
        x, y = rng.integers(5, shape[1] - 5), rng.integers(5, shape[0] - 5)
        length = rng.integers(1, 7)
        dx, dy = [(1, 0), (0, 1), (1, 1), (1, -1)][rng.integers(4)]
        for k in range(length):
            yy, xx = y + k * dy, x + k * dx
            if 0 < yy < shape[0] - 1 and 0 < xx < shape[1] - 1:
                image[yy, xx] += rng.uniform(300, 3000)
                cr_truth[yy, xx] = True
    return image.astype(np.float32), variance.astype(np.float32), cr_truth, stars


def test_finds_injected_cosmic_rays_and_spares_stars():
    image, variance, truth, stars = make_scene()
    mask = np.zeros(image.shape, np.int32)
    thresholds = psf_sharpness_thresholds(gaussian_kernel(SIGMA_PSF), 0.6)
    is_cr = find_cosmic_rays(image, variance, mask, thresholds=thresholds, bkg=0.0, bad_bits=1,
                             min_sigma=6.0, cond3_fac=2.5, min_dn=150.0, niteration=3)
    recovered = (is_cr & truth).sum() / truth.sum()
    assert recovered >= 0.95
    star_pixels = (stars > 5 * np.sqrt(SKY_VAR)) & ~truth
    false_on_stars = (is_cr & star_pixels).sum() / star_pixels.sum()
    assert false_on_stars < 0.001


def test_bad_pixels_are_never_cosmic_rays():
    image, variance, truth, _ = make_scene(seed=2)
    mask = np.where(truth, 1, 0).astype(np.int32)
    thresholds = psf_sharpness_thresholds(gaussian_kernel(SIGMA_PSF), 0.6)
    is_cr = find_cosmic_rays(image, variance, mask, thresholds=thresholds, bkg=0.0, bad_bits=1)
    assert not (is_cr & truth).any()


def numpy_pair_tests(image, variance, bkg, thresholds, min_sigma, cond3_fac):
    """Conditions 2 and 3 at every interior pixel in numpy: (candidate mask, replacement value:
    the largest pair mean among the sharp pairs)."""
    img = image.astype(np.float64)
    var = variance.astype(np.float64)
    ny, nx = img.shape
    v0 = img[1:-1, 1:-1]
    s0 = np.sqrt(var[1:-1, 1:-1])
    pairs = [((-1, 0), (1, 0)), ((0, -1), (0, 1)), ((-1, -1), (1, 1)), ((1, -1), (-1, 1))]
    significant = np.zeros(v0.shape, bool)
    sharp = np.zeros(v0.shape, bool)
    best = np.full(v0.shape, -np.inf)
    for (a, b), thres in zip(pairs, thresholds):
        def sl(d, arr):
            return arr[1 + d[0]: ny - 1 + d[0], 1 + d[1]: nx - 1 + d[1]]
        mean = 0.5 * (sl(a, img) + sl(b, img))
        sm = 0.5 * np.sqrt(sl(a, var) + sl(b, var))
        significant |= v0 > mean + min_sigma * s0
        is_sharp = thres * (v0 - bkg - cond3_fac * s0) > (mean - bkg) + cond3_fac * sm
        sharp |= is_sharp
        best = np.where(is_sharp & (mean > best), mean, best)
    out = np.zeros(img.shape, bool)
    out[1:-1, 1:-1] = significant & sharp
    value = np.zeros(img.shape)
    value[1:-1, 1:-1] = best
    return out, value


def numpy_candidates(image, variance, bkg, thresholds, min_sigma, cond3_fac):
    return numpy_pair_tests(image, variance, bkg, thresholds, min_sigma, cond3_fac)[0]


def test_candidates_match_numpy_reference():
    image, variance, _, _ = make_scene(seed=3)
    thresholds = psf_sharpness_thresholds(gaussian_kernel(SIGMA_PSF), 0.6)
    mask = np.zeros(image.shape, np.int32)
    cand, _ = cr_candidates(image, variance, mask, 1, 0, 0.0, thresholds, 6.0, 2.5)
    ref = numpy_candidates(image, variance, 0.0, thresholds, 6.0, 2.5)
    assert ref.sum() > 10
    # float32 vs float64 arithmetic may flip pixels sitting exactly on a threshold
    assert (cand != ref).sum() <= 1


def numpy_find_cosmic_rays(image, variance, mask, thresholds, bkg, bad_bits, min_sigma,
                           cond3_fac, min_dn, niteration):
    """The whole finder in numpy: candidates, 8-connected groups above ``min_dn``, then growth
    passes that re-test every neighbour of a cosmic ray on the repaired image."""
    from scipy import ndimage

    usable = (mask & bad_bits) == 0
    img = image.astype(np.float64)
    cand, value = numpy_pair_tests(image, variance, bkg, thresholds, min_sigma, cond3_fac)
    cand &= usable
    labels, n = ndimage.label(cand, structure=np.ones((3, 3)))
    excess = ndimage.sum(img - bkg, labels, index=np.arange(1, n + 1))
    is_cr = cand & np.isin(labels, np.flatnonzero(excess >= min_dn) + 1)
    work = np.where(is_cr, value, img).astype(np.float32)
    for _ in range(niteration):
        near = ndimage.binary_dilation(is_cr, structure=np.ones((3, 3))) & ~is_cr
        ok, value = numpy_pair_tests(work, variance, bkg, thresholds, 0.5 * min_sigma, 0.0)
        new = near & ok & usable
        if not new.any():
            break
        is_cr |= new
        work = np.where(new, value.astype(np.float32), work)
    return is_cr


@pytest.mark.parametrize(("seed", "min_sigma", "cond3_fac", "niteration"),
                         [(4, 6.0, 2.5, 3), (5, 3.0, 1.0, 6), (6, 0.0, 2.5, 2)])
def test_finder_with_growth_matches_numpy_reference(seed, min_sigma, cond3_fac, niteration):
    pytest.importorskip("scipy")
    image, variance, truth, _ = make_scene(seed=seed, ncr=60)
    mask = np.zeros(image.shape, np.int32)
    mask[40:60, 100] = 1  # a bad column piece: never a cosmic ray
    thresholds = psf_sharpness_thresholds(gaussian_kernel(SIGMA_PSF), 0.6)
    args = dict(thresholds=thresholds, bkg=0.5, bad_bits=1, min_sigma=min_sigma,
                cond3_fac=cond3_fac, min_dn=150.0, niteration=niteration)
    ours = find_cosmic_rays(image, variance, mask, **args)
    ref = numpy_find_cosmic_rays(image, variance, mask, **args)
    first = find_cosmic_rays(image, variance, mask, **{**args, "niteration": 0})
    assert ref.sum() > first.sum() >= 0.9 * truth.sum()  # the growth adds pixels
    # float32 vs float64 arithmetic may flip a pixel sitting exactly on a threshold
    assert (ours != ref).sum() <= 2


def test_thresholds_reject_bad_kernel():
    with pytest.raises(ValueError, match="non-positive central pixel"):
        psf_sharpness_thresholds(np.zeros((5, 5)), 0.6)
