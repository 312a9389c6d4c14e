"""Marker watershed kernel against a heapq priority-flood reference and scikit-image."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from lsstlite.kernels.watershed import watershed

# up, left, right, down, then the corners in raster order
NEIGHBOURS = [(-1, 0), (0, -1), (0, 1), (1, 0), (-1, -1), (-1, 1), (1, -1), (1, 1)]


def reference_watershed(image, markers, mask):
    """Priority flood with heapq: entries (level, age, y, x); a pixel is labelled when it
    enters the queue, at level max(own value, level of the pixel that reached it)."""
    image = np.asarray(image, dtype=np.float32)
    ny, nx = image.shape
    labels = np.where(mask, markers, 0).astype(np.int32)
    queue = []
    age = 0
    for y, x in zip(*np.nonzero(labels)):
        queue.append((float(image[y, x]), age, int(y), int(x)))
        age += 1
    heapq.heapify(queue)
    while queue:
        level, _, y, x = heapq.heappop(queue)
        for dy, dx in NEIGHBOURS:
            yy, xx = y + dy, x + dx
            if 0 <= yy < ny and 0 <= xx < nx and mask[yy, xx] and labels[yy, xx] == 0:
                labels[yy, xx] = labels[y, x]
                heapq.heappush(queue, (max(float(image[yy, xx]), level), age, yy, xx))
                age += 1
    return labels


def random_case(rng, levels=None, distinct_marker_values=False):
    """Random image (continuous, or integer ``levels`` for plateaus), mask and markers."""
    shape = tuple(int(s) for s in rng.integers(1, 30, 2))
    if levels is None:
        image = rng.random(shape).astype(np.float32)
    else:
        image = rng.integers(0, levels, shape).astype(np.float32)
    mask = rng.random(shape) < rng.uniform(0.5, 1.0)
    markers = np.zeros(shape, np.int32)
    k = int(rng.integers(0, min(8, markers.size) + 1))
    where = rng.choice(markers.size, k, replace=False)
    markers.flat[where] = rng.permutation(np.arange(1, k + 1)) * int(rng.choice([1, -3]))
    if distinct_marker_values:
        image.flat[where] = rng.permutation(k) - 0.5 + int(rng.integers(0, levels))
    return image, markers, mask


@pytest.mark.parametrize("levels", [None, 2, 3, 6])
def test_matches_heapq_reference(levels):
    """Continuous images (no ties) and plateau images (ties decided by queue order)."""
    rng = np.random.default_rng(11 if levels is None else levels)
    for _ in range(150):
        image, markers, mask = random_case(rng, levels)
        np.testing.assert_array_equal(watershed(image, markers, mask),
                                      reference_watershed(image, markers, mask))


def test_matches_skimage_on_continuous_images():
    segmentation = pytest.importorskip("skimage.segmentation",
                                       reason="scikit-image is not installed")
    rng = np.random.default_rng(5)
    for _ in range(200):
        image, markers, mask = random_case(rng)
        expected = segmentation.watershed(image, markers=markers, mask=mask, connectivity=2)
        np.testing.assert_array_equal(watershed(image, markers, mask), expected)


def test_matches_skimage_on_plateaus_with_distinct_marker_values():
    """scikit-image queues all markers at one age, so only equal-valued markers may differ."""
    segmentation = pytest.importorskip("skimage.segmentation",
                                       reason="scikit-image is not installed")
    rng = np.random.default_rng(6)
    for _ in range(200):
        image, markers, mask = random_case(rng, levels=3, distinct_marker_values=True)
        expected = segmentation.watershed(image, markers=markers, mask=mask, connectivity=2)
        np.testing.assert_array_equal(watershed(image, markers, mask), expected)


def test_two_basins_split_at_the_ridge():
    """Two valleys separated by a ridge column: each marker takes its own valley."""
    x = np.arange(9, dtype=np.float32)
    image = np.tile(-np.abs(x - 4) + 4, (5, 1))  # ridge at x = 4, minima at both edges
    image[:, 4] += 0.5 * np.arange(5)  # ridge lowest at the top row
    markers = np.zeros(image.shape, np.int32)
    markers[2, 0], markers[2, 8] = 1, 2
    labels = watershed(image, markers, np.ones(image.shape, bool))
    assert (labels[:, :4] == 1).all() and (labels[:, 5:] == 2).all()
    assert set(labels[:, 4].tolist()) <= {1, 2}


def test_unreached_mask_pixels_stay_zero():
    image = np.zeros((5, 7), np.float32)
    mask = np.zeros(image.shape, bool)
    mask[:, :3] = True
    mask[:, 4:] = True  # column 3 separates two components
    markers = np.zeros(image.shape, np.int32)
    markers[2, 1] = 4
    labels = watershed(image, markers, mask)
    np.testing.assert_array_equal(labels, np.where(mask & (np.arange(7) < 3), 4, 0))


def test_no_markers_gives_zeros():
    rng = np.random.default_rng(1)
    labels = watershed(rng.random((6, 4)), np.zeros((6, 4), np.int32), np.ones((6, 4), bool))
    assert labels.dtype == np.int32 and not labels.any()


def test_marker_outside_mask_is_ignored():
    image = np.zeros((4, 4), np.float32)
    mask = np.ones(image.shape, bool)
    mask[0, 0] = False
    markers = np.zeros(image.shape, np.int32)
    markers[0, 0], markers[3, 3] = 7, 2
    labels = watershed(image, markers, mask)
    np.testing.assert_array_equal(labels, np.where(mask, 2, 0))


def test_empty_mask_gives_zeros():
    markers = np.ones((3, 5), np.int32)
    labels = watershed(np.zeros((3, 5)), markers, np.zeros((3, 5), bool))
    assert labels.shape == (3, 5) and not labels.any()


@pytest.mark.parametrize(("marker", "inside", "expected"),
                         [(3, True, 3), (3, False, 0), (0, True, 0)])
def test_one_pixel_image(marker, inside, expected):
    labels = watershed(np.array([[1.0]]), np.array([[marker]]), np.array([[inside]]))
    np.testing.assert_array_equal(labels, [[expected]])


def test_inputs_are_coerced():
    """float64, int64, big-endian, non-contiguous and integer-mask inputs give the same labels."""
    rng = np.random.default_rng(2)
    image, markers, mask = random_case(rng)
    while not markers.any():
        image, markers, mask = random_case(rng)
    expected = watershed(image, markers, mask)
    big = np.zeros((image.shape[0], 2 * image.shape[1]), dtype=">f8")
    big[:, ::2] = image
    labels = watershed(big[:, ::2], markers.astype(np.int64).T.copy().T, mask.astype(np.uint8))
    np.testing.assert_array_equal(labels, expected)


def test_bad_inputs_are_rejected():
    image = np.zeros((3, 4), np.float32)
    mask = np.ones((3, 4), bool)
    with pytest.raises(ValueError, match="shape"):
        watershed(image, np.zeros((4, 3), np.int32), mask)
    with pytest.raises(ValueError, match="shape"):
        watershed(np.zeros(12, np.float32), np.zeros(12, np.int32), np.ones(12, bool))
    with pytest.raises(ValueError, match="integer"):
        watershed(image, np.zeros((3, 4), np.float64), mask)
    with pytest.raises(ValueError, match="int32"):
        watershed(image, np.full((3, 4), 2**40, np.int64), mask)
