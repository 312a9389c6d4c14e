"""Watershed deblender on synthetic blends with known positions."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.algorithms.deblend import deblend_footprints
from lsstlite.algorithms.detection import detect_footprints
from lsstlite.kernels.smooth import gaussian_kernel_1d, gaussian_smooth

SIGMA_PSF = 1.5
NOISE = 2.0


def _blend_frame(seed=31):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:120, 0:160]
    stars = [(40.0, 40.0, 2e4), (48.0, 40.0, 2e4),  # equal pair, 8 px apart: one blended parent
             (100.0, 80.0, 3e4), (107.0, 84.0, 1e4), (110.0, 76.0, 1e4),  # triple
             (40.0, 95.0, 2e4)]  # isolated
    image = rng.normal(0.0, NOISE, size=y.shape)
    for xs, ys, f in stars:
        image += f / (2 * np.pi * SIGMA_PSF**2) * np.exp(-0.5 * ((x - xs) ** 2 + (y - ys) ** 2) / SIGMA_PSF**2)
    smoothed, half = gaussian_smooth(image.astype(np.float32), SIGMA_PSF)
    threshold = 5.0 * NOISE * np.sum(gaussian_kernel_1d(SIGMA_PSF, half) ** 2)
    fs = detect_footprints(smoothed, threshold, nGrow=3, border=half)
    return smoothed, fs, stars


def test_blends_split_into_children_at_the_stars():
    smoothed, fs, stars = _blend_frame()
    assert len(fs) == 3 and sorted(fs.npeaks.tolist()) == [1, 2, 3]
    result = deblend_footprints(fs, smoothed)
    assert sorted(result.nchild.tolist()) == [0, 2, 3]
    assert len(result.children) == 5 and not result.skipped.any()
    # children tile their parent exactly
    for i in np.flatnonzero(result.nchild):
        kids = result.children_of(i)
        assert len(kids) == result.nchild[i]
        union = np.isin(result.children.labels, kids + 1)
        assert np.array_equal(union, fs.labels == i + 1)
    # every blended star is the peak of exactly one child, within half a pixel
    px, py = result.children.peaks["x"], result.children.peaks["y"]
    for xs, ys, _ in stars[:5]:
        assert np.sum(np.hypot(px - xs, py - ys) <= 0.5) == 1
    # the equal pair splits at the bisector x = 44: pixels > 1 px from it go to the nearer star
    kid_left = result.children.labels[40, 40]
    kid_right = result.children.labels[40, 48]
    assert kid_left != kid_right
    parent_pix = fs.labels == fs.labels[40, 40]
    yy, xx = np.nonzero(parent_pix)
    left, right = xx < 43, xx > 45
    assert np.all(result.children.labels[yy[left], xx[left]] == kid_left)
    assert np.all(result.children.labels[yy[right], xx[right]] == kid_right)


def test_max_footprint_size_and_max_peaks():
    smoothed, fs, _ = _blend_frame()
    small = deblend_footprints(fs, smoothed, maxFootprintSize=15)
    big_multi = (fs.npeaks > 1) & ((fs.bbox[:, 2] - fs.bbox[:, 0] + 1 > 15) | (fs.bbox[:, 3] - fs.bbox[:, 1] + 1 > 15))
    assert big_multi.any()
    assert np.array_equal(small.skipped & (fs.npeaks > 1), big_multi)
    assert np.all(small.nchild[small.skipped] == 0)
    capped = deblend_footprints(fs, smoothed, maxNumberOfPeaks=2)
    triple = int(np.flatnonzero(fs.npeaks == 3)[0])
    assert capped.nchild[triple] == 2 and capped.tooManyPeaks[triple]
    assert capped.tooManyPeaks.sum() == 1


def test_negative_footprints_and_nothing_to_do():
    smoothed, fs, _ = _blend_frame()
    neg = detect_footprints(-smoothed, 1e9)
    result = deblend_footprints(neg, -smoothed)
    assert len(result.children) == 0 and result.nchild.size == 0
    negfs = detect_footprints(-smoothed, 0.0, polarity="negative", border=4, nGrow=3)
    negfs2 = detect_footprints(smoothed, 0.0, border=4, nGrow=3)
    r_neg = deblend_footprints(negfs, -smoothed)
    r_pos = deblend_footprints(negfs2, smoothed)
    assert np.array_equal(r_neg.children.labels, r_pos.children.labels)
    with pytest.raises(ValueError, match="shape"):
        deblend_footprints(fs, smoothed[:10])
