"""SourceDeblendTask on detections of synthetic stars with known positions."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.table import Schema
from lsstlite.tasks.deblend import SourceDeblendTask
from lsstlite.tasks.detection import SourceDetectionTask

from .test_detection_task import SN_PER_FLUX, make_exposure, nearest


def detect_and_deblend(xs, ys, sn, shape=(200, 240), **deblend_config):
    schema = Schema()
    detection = SourceDetectionTask(schema=schema)
    detection.config.reEstimateBackground = False
    deblend = SourceDeblendTask(schema=schema)
    for key, value in deblend_config.items():
        setattr(deblend.config, key, value)
    exp = make_exposure(np.asarray(xs, float), np.asarray(ys, float),
                        np.asarray(sn, float) / SN_PER_FLUX, shape=shape)
    det = detection.run(exp)
    deb = deblend.run(exp, det.sources, det.footprints, det.smoothed)
    return det, deb


# S/N 12 stars 10 px apart: separate above threshold, merged by the 4-px growth
PAIR = dict(xs=[100.0, 110.0], ys=[100.0, 100.0], sn=[12.0, 12.0])
LONE = dict(xs=[40.0], ys=[150.0], sn=[30.0])


def test_pair_split_into_two_children():
    xs, ys = PAIR["xs"] + LONE["xs"], PAIR["ys"] + LONE["ys"]
    det, deb = detect_and_deblend(xs, ys, PAIR["sn"] + LONE["sn"])
    assert len(det.sources) == 2
    cat, fp = deb.sources, deb.footprints
    assert len(cat) == 4 and len(fp) == 4
    ids, parent = np.asarray(cat["id"]), np.asarray(cat["parent"])
    assert len(set(ids)) == 4
    # input rows first and unchanged, children after them
    np.testing.assert_array_equal(ids[:2], det.sources["id"])
    np.testing.assert_array_equal(parent[:2], 0)
    pair_row = int(np.flatnonzero(det.footprints.npix == det.footprints.npix.max())[0])
    lone_row = 1 - pair_row
    assert cat["deblend_nChild"][pair_row] == 2
    assert cat["deblend_nChild"][lone_row] == 0
    np.testing.assert_array_equal(parent[2:], ids[pair_row])
    assert not cat["deblend_skipped"].any()
    # the lone source keeps its footprint; the parent's leaf becomes 0
    assert fp.leaf[lone_row] == det.footprints.leaf[lone_row]
    assert fp.leaf[pair_row] == 0
    np.testing.assert_array_equal(fp.labels == fp.leaf[lone_row],
                                  det.footprints.labels == det.footprints.leaf[lone_row])
    # children's pixels partition the parent's
    parent_pixels = det.footprints.labels == det.footprints.leaf[pair_row]
    child_pixels = [fp.labels == leaf for leaf in fp.leaf[2:]]
    np.testing.assert_array_equal(child_pixels[0] | child_pixels[1], parent_pixels)
    assert not (child_pixels[0] & child_pixels[1]).any()
    np.testing.assert_array_equal([c.sum() for c in child_pixels], fp.npix[2:])
    assert fp.npix[2:].sum() == det.footprints.npix[pair_row]
    # each child holds one true star at its peak, on its own side of the midpoint
    np.testing.assert_array_equal(sorted(nearest(fp.peak_x[2:], fp.peak_y[2:],
                                                 np.array(PAIR["xs"]), np.array(PAIR["ys"])) <= 1.0),
                                  [True, True])
    for c, px, py in zip(child_pixels, fp.peak_x[2:], fp.peak_y[2:]):
        assert c[int(py), int(px)]
        # within 3 px of its own star (in x) every pixel belongs to that star's child: the
        # watershed line sits in the valley between them, where the noise may move it
        near = np.zeros_like(c)
        near[:, int(px) - 3:int(px) + 4] = True
        np.testing.assert_array_equal(c[near], parent_pixels[near])
    for i in (2, 3):
        x0, y0, x1, y1 = fp.bbox[i]
        assert child_pixels[i - 2][y0:y1 + 1, x0:x1 + 1].sum() == fp.npix[i]
    owned = fp.own_leaves(ids, parent)
    np.testing.assert_array_equal(sorted(owned[pair_row]), sorted(fp.leaf[2:]))


def test_parent_too_big_is_skipped():
    det, deb = detect_and_deblend(**PAIR, maxFootprintSize=10)
    assert len(det.sources) == 1
    cat = deb.sources
    assert len(cat) == 1
    assert cat["deblend_skipped"][0] and cat["deblend_parentTooBig"][0]
    assert cat["deblend_nChild"][0] == 0
    np.testing.assert_array_equal(deb.footprints.labels, det.footprints.labels)
    assert deb.footprints.leaf[0] == det.footprints.leaf[0]


def test_too_many_peaks_keeps_the_brightest():
    xs, ys, sn = [100.0, 110.0, 120.0], [100.0, 100.0, 100.0], [12.0, 25.0, 12.0]
    det, deb = detect_and_deblend(xs, ys, sn, maxNumberOfPeaks=2)
    assert len(det.sources) == 1 and len(det.footprints.peaks.x) == 3
    cat, fp = deb.sources, deb.footprints
    assert cat["deblend_tooManyPeaks"][0]
    assert cat["deblend_nChild"][0] == 2
    # the brightest star (S/N 25 at x = 110) is a child's peak
    assert nearest(fp.peak_x[1:], fp.peak_y[1:], np.array([110.0]), np.array([100.0]))[0] <= 1.0
    parent_pixels = det.footprints.labels == 1
    np.testing.assert_array_equal(np.isin(fp.labels, fp.leaf[1:]), parent_pixels)


def test_footprints_without_peaks_are_rejected():
    det, _ = detect_and_deblend(**PAIR)
    del det.footprints.peaks
    deblend = SourceDeblendTask(schema=Schema())
    with pytest.raises(ValueError, match="peaks"):
        deblend.run(make_exposure(shape=(200, 240)), det.sources, det.footprints, det.smoothed)


def test_parents_flooded_together_match_one_watershed_each():
    """Children of several positive and negative parents (one watershed per sign for all) are
    those of a watershed of each parent on its own, with their bbox and npix."""
    from skimage.segmentation import watershed

    xs = [60.0, 69.0, 150.0, 158.0, 166.0, 60.0, 70.0, 180.0]
    ys = [50.0, 52.0, 60.0, 57.0, 61.0, 150.0, 148.0, 160.0]
    sn = [15.0, 12.0, 20.0, 14.0, 13.0, -15.0, -13.0, 30.0]
    schema = Schema()
    detection = SourceDetectionTask(schema=schema)
    detection.config.reEstimateBackground = False
    detection.config.thresholdPolarity = "both"
    deblend = SourceDeblendTask(schema=schema)
    exp = make_exposure(np.array(xs), np.array(ys), np.array(sn) / SN_PER_FLUX, shape=(200, 240))
    det = detection.run(exp)
    deb = deblend.run(exp, det.sources, det.footprints, det.smoothed)
    fp, cat = deb.footprints, deb.sources
    nchild = np.asarray(cat["deblend_nChild"])
    assert sorted(nchild[nchild > 0].tolist()) == [2, 2, 3]
    peaks = det.footprints.peaks
    for row in np.flatnonzero(nchild):
        leaf = det.footprints.leaf[row]
        x0, y0, x1, y1 = det.footprints.bbox[row]
        box = (slice(y0, y1 + 1), slice(x0, x1 + 1))
        inside = det.footprints.labels[box] == leaf
        sel = peaks.label == leaf
        markers = np.zeros(inside.shape, np.int32)
        markers[peaks.y[sel] - y0, peaks.x[sel] - x0] = np.arange(1, sel.sum() + 1)
        sign = -1.0 if peaks.value[sel][0] < 0 else 1.0
        alone = watershed(-sign * det.smoothed[box], markers=markers, mask=inside, connectivity=2)
        children = np.flatnonzero(np.asarray(cat["parent"]) == cat["id"][row])
        for k, child in enumerate(children):
            pixels = fp.labels == fp.leaf[child]
            np.testing.assert_array_equal(pixels[box], alone == k + 1)
            assert pixels.sum() == fp.npix[child]
            ys_, xs_ = np.nonzero(pixels)
            assert tuple(fp.bbox[child]) == (xs_.min(), ys_.min(), xs_.max(), ys_.max())
