"""Detection: footprints, peaks and growth against truth and scipy/numpy references."""

from __future__ import annotations

import numpy as np
import pytest

ndi = pytest.importorskip("scipy.ndimage")

from lsstlite.algorithms.detection import FootprintSet, detect_footprints  # noqa: E402
from lsstlite.algorithms.label_pixels import pixels_by_label  # noqa: E402
from lsstlite.kernels.footprints import (  # noqa: E402
    find_peaks,
    grow_runs,
    label_8,
    label_runs,
    label_statistics,
    or_runs,
    paint_runs,
    run_statistics,
    threshold_runs,
)
from lsstlite.kernels.smooth import gaussian_kernel_1d, gaussian_smooth  # noqa: E402

NOISE = 5.0
PSF_SIGMA = 1.5


def _star_frame(nstars=80, height=600, width=800, seed=21, flux=(3e3, 3e4)):
    """Stars on a jittered grid (well separated), Gaussian PSF, white noise."""
    rng = np.random.default_rng(seed)
    gy, gx = np.mgrid[40:height - 40:60, 40:width - 40:60]
    pick = rng.choice(gx.size, size=nstars, replace=False)
    xs = gx.ravel()[pick] + rng.uniform(-0.3, 0.3, nstars)
    ys = gy.ravel()[pick] + rng.uniform(-0.3, 0.3, nstars)
    fluxes = rng.uniform(*flux, nstars)
    image = rng.normal(0.0, NOISE, size=(height, width))
    y, x = np.mgrid[0:height, 0:width]
    for xs_, ys_, f in zip(xs, ys, fluxes):
        sl = (slice(int(ys_) - 10, int(ys_) + 11), slice(int(xs_) - 10, int(xs_) + 11))
        image[sl] += f / (2 * np.pi * PSF_SIGMA**2) * np.exp(
            -0.5 * ((x[sl] - xs_) ** 2 + (y[sl] - ys_) ** 2) / PSF_SIGMA**2)
    return image.astype(np.float32), xs, ys


def _smoothed_noise_sigma(half):
    w = gaussian_kernel_1d(PSF_SIGMA, half)
    return NOISE * np.sum(w**2)  # separable kernel: sqrt(sum_ij (w_i w_j)^2) = sum_i w_i^2


def test_all_stars_found_with_peaks_within_half_pixel():
    image, xs, ys = _star_frame()
    smoothed, half = gaussian_smooth(image, PSF_SIGMA)
    threshold = 5.0 * _smoothed_noise_sigma(half)
    fs = detect_footprints(smoothed, threshold, nGrow=3, border=half)
    assert len(fs) == len(xs)  # one footprint per star, no noise peaks at 5 sigma
    brightest = fs.peaks[fs.peak_offsets[:-1]]
    dist = np.hypot(brightest["x"][:, None] - xs[None, :], brightest["y"][:, None] - ys[None, :])
    assert np.all(dist.min(axis=0) <= 0.5)
    assert np.all(fs.npeaks == 1)
    # each star's footprint contains the star
    for i in range(len(fs)):
        p = fs.peaks_of(i)[0]
        assert fs.labels[p["y"], p["x"]] == i + 1


def test_pure_noise_has_few_detections():
    rng = np.random.default_rng(22)
    image = rng.normal(0.0, NOISE, size=(600, 800)).astype(np.float32)
    smoothed, half = gaussian_smooth(image, PSF_SIGMA)
    fs = detect_footprints(smoothed, 5.0 * _smoothed_noise_sigma(half), border=half)
    assert len(fs) <= 2


def test_label_8_matches_scipy():
    rng = np.random.default_rng(23)
    binary = ndi.gaussian_filter(rng.normal(size=(300, 400)), 1.5) > 0.15
    labels, n = label_8(binary)
    ref, nref = ndi.label(binary, structure=np.ones((3, 3)))
    assert n == nref
    assert np.array_equal(labels, ref)
    # diagonal contact joins, a gap separates
    b = np.zeros((5, 6), bool)
    b[0, 0] = b[1, 1] = b[3, 4] = True
    labels, n = label_8(b)
    assert n == 2 and labels[0, 0] == labels[1, 1] == 1 and labels[3, 4] == 2


@pytest.mark.parametrize("radius", [1, 2, 3, 5])
@pytest.mark.parametrize("isotropic", [True, False])
def test_dilate_matches_scipy(radius, isotropic):
    rng = np.random.default_rng(24)
    binary = rng.random((120, 150)) < 0.01
    binary[0, 0] = binary[-1, 75] = True  # edges
    y, x = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    struct = (x**2 + y**2 <= radius**2) if isotropic else (np.abs(x) + np.abs(y) <= radius)
    ref = ndi.binary_dilation(binary, structure=struct)
    y0, x0, x1, _ = threshold_runs(binary.astype(np.float32), 0.5)
    grown = grow_runs(y0, x0, x1, radius, isotropic, binary.shape)
    assert np.array_equal(paint_runs(binary.shape, *grown, np.ones(len(grown[0]), np.int32)) > 0, ref)
    # maximal runs: no two runs of a row touch
    gy, g0, g1 = grown
    same_row = gy[1:] == gy[:-1]
    assert np.all(g0[1:][same_row] > g1[:-1][same_row])


def _runs_reference(above):
    """Maximal horizontal runs of a boolean image, raster order: (y, x0, x1 exclusive)."""
    out = []
    for y in range(above.shape[0]):
        padded = np.concatenate([[False], above[y], [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded))
        out.extend((y, a, b) for a, b in zip(edges[::2], edges[1::2]))
    return out


@pytest.mark.parametrize("per_pixel", [False, True])
def test_threshold_runs_labels_and_statistics_match_dense_references(per_pixel):
    rng = np.random.default_rng(27)
    work = ndi.gaussian_filter(rng.normal(size=(90, 110)), 1.2).astype(np.float32) * 10
    work[5, 7] = np.nan
    threshold = (np.where(np.arange(110)[None, :] < 50, 1.0, 1.5) * np.ones((90, 1))).astype(np.float32)
    threshold = threshold if per_pixel else 1.0
    bad = rng.random(work.shape) < 0.02
    border = 3
    above = (work >= threshold) & ~bad
    above[:border] = above[-border:] = False
    above[:, :border] = above[:, -border:] = False
    y, x0, x1, high = threshold_runs(work, threshold, border=border, bad=bad, multiplier=2.0)
    assert list(zip(y.tolist(), x0.tolist(), x1.tolist())) == _runs_reference(above)
    reaches = work >= np.float32(2.0) * np.asarray(threshold, np.float32)
    assert high.tolist() == [bool(reaches[a, b:c].any()) for a, b, c in zip(y, x0, x1)]
    labels, n = label_runs(y, x0, x1)
    ref, nref = ndi.label(above, structure=np.ones((3, 3)))
    assert n == nref
    painted = paint_runs(work.shape, y, x0, x1, labels)
    assert np.array_equal(painted, ref)
    npix, bbox = run_statistics(y, x0, x1, labels, n)
    assert np.array_equal(npix, np.bincount(ref.ravel(), minlength=n + 1)[1:])
    ref_bbox = [(sx.start, sy.start, sx.stop - 1, sy.stop - 1) for sy, sx in ndi.find_objects(ref)]
    assert np.array_equal(bbox, ref_bbox)
    mask = np.full(work.shape, 4, np.int32)
    or_runs(mask, y, x0, x1, 1)
    assert np.array_equal(mask, np.where(above, 5, 4))


def test_label_statistics_and_pixels_by_label():
    rng = np.random.default_rng(25)
    binary = ndi.gaussian_filter(rng.normal(size=(100, 120)), 1.5) > 0.2
    values = rng.normal(size=binary.shape).astype(np.float32)
    labels, n = label_8(binary)
    npix, bbox, vmax, xmax, ymax = label_statistics(labels, n, values)
    index, starts = pixels_by_label(labels, n + 2)  # two more labels than present
    assert starts.size == n + 4 and starts[-1] == starts[-3] == binary.sum()
    for i, sl in enumerate(ndi.find_objects(labels)):
        sel = labels == i + 1
        assert npix[i] == sel.sum()
        assert tuple(bbox[i]) == (sl[1].start, sl[0].start, sl[1].stop - 1, sl[0].stop - 1)
        assert vmax[i] == values[sel].max() and values[ymax[i], xmax[i]] == vmax[i]
        assert np.array_equal(index[starts[i + 1]:starts[i + 2]], np.flatnonzero(sel.ravel()))


def _peaks_reference(labels, values):
    """Brute force: no larger same-label neighbour, no equal one earlier in raster order."""
    out = []
    ny, nx = labels.shape
    for y, x in zip(*np.nonzero(labels)):
        ok = True
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                yy, xx = y + dy, x + dx
                if (dy, dx) == (0, 0) or not (0 <= yy < ny and 0 <= xx < nx):
                    continue
                if labels[yy, xx] != labels[y, x]:
                    continue
                if values[yy, xx] > values[y, x] or (values[yy, xx] == values[y, x] and (dy, dx) < (0, 0)):
                    ok = False
        if ok:
            out.append((labels[y, x] - 1, -values[y, x], y * nx + x, x, y))
    out.sort()
    return out


def test_find_peaks_matches_reference():
    rng = np.random.default_rng(26)
    values = np.round(ndi.gaussian_filter(rng.normal(size=(80, 90)), 1.0) * 20).astype(np.float32)  # ties
    labels, n = label_8(values > 2)
    y, x0, x1, _ = threshold_runs(values, 2.5)  # integer values: >= 2.5 is > 2
    run_label, nrun = label_runs(y, x0, x1)
    assert nrun == n
    fid, px, py, pv = find_peaks(values, 2.5, (y, x0, x1), run_label)
    ref = _peaks_reference(labels, values)
    assert len(ref) == len(fid)
    assert [(r[0], r[3], r[4]) for r in ref] == list(zip(fid.tolist(), px.tolist(), py.tolist()))
    assert np.array_equal(pv, [-r[1] for r in ref])
    assert set(fid.tolist()) == set(range(n))  # every footprint has a peak


def test_flat_maximum_gives_one_peak_and_min_separation():
    image = np.zeros((20, 30), np.float32)
    image[5:8, 5:9] = 10.0  # flat top
    image[12, 10] = image[12, 14] = 8.0
    image[12, 11:14] = 7.0
    fs = detect_footprints(image, 5.0)
    assert len(fs) == 2
    assert fs.npeaks.tolist() == [1, 2]
    assert (fs.peaks_of(0)["x"][0], fs.peaks_of(0)["y"][0]) == (5, 5)
    thinned = detect_footprints(image, 5.0, min_separation=5.0)
    assert thinned.npeaks.tolist() == [1, 1]


def test_growth_merges_touching_footprints_and_keeps_peaks():
    image = np.zeros((40, 60), np.float32)
    image[10, 10] = 10.0
    image[10, 15] = 9.0  # gap of 4 px: disks of radius 2 overlap/touch -> merged
    image[30, 10] = 8.0
    image[30, 17] = 7.0  # gap of 6 px: stays separate with nGrow=2
    fs = detect_footprints(image, 5.0, nGrow=2)
    assert len(fs) == 3
    assert fs.npeaks.tolist() == [2, 1, 1]
    assert fs.peaks_of(0)["value"].tolist() == [10.0, 9.0]
    y, x = np.mgrid[-2:3, -2:3]
    ref = ndi.binary_dilation(image >= 5.0, structure=x**2 + y**2 <= 4)
    assert np.array_equal(fs.labels > 0, ref)
    assert fs.npix.tolist() == [int((fs.labels == k).sum()) for k in (1, 2, 3)]


def test_include_threshold_multiplier_and_min_pixels():
    image = np.zeros((30, 40), np.float32)
    image[5, 5] = 6.0  # 1 pixel, faint
    image[20, 20:23] = [6.0, 60.0, 6.0]  # 3 pixels, bright
    image[10, 30:32] = 7.0  # 2 pixels, faint
    assert len(detect_footprints(image, 5.0)) == 3
    bright = detect_footprints(image, 5.0, includeThresholdMultiplier=10.0)
    assert len(bright) == 1 and bright.peaks["value"].tolist() == [60.0]
    big = detect_footprints(image, 5.0, minPixels=2)
    assert len(big) == 2 and big.npix.tolist() == [2, 3]


def test_negative_polarity_threshold_array_border_and_bad():
    image = np.zeros((30, 40), np.float32)
    image[10, 10] = -20.0
    image[10, 20] = 20.0
    image[1, 20] = -20.0  # inside the border
    image[20, 30] = -20.0
    bad = np.zeros(image.shape, bool)
    bad[20, 30] = True
    neg = detect_footprints(image, 5.0, polarity="negative", border=2, bad=bad)
    assert neg.negative and len(neg) == 1
    assert (neg.peaks["x"][0], neg.peaks["y"][0], neg.peaks["value"][0]) == (10, 10, -20.0)
    threshold = np.full(image.shape, 5.0, np.float32)
    threshold[:, 15:] = 25.0
    pos = detect_footprints(image, threshold)
    assert len(pos) == 0


def test_footprint_set_accessors():
    image, _, _ = _star_frame(nstars=10, height=250, width=400)
    smoothed, half = gaussian_smooth(image, PSF_SIGMA)
    fs = detect_footprints(smoothed, 5.0 * _smoothed_noise_sigma(half), nGrow=2, border=half)
    assert isinstance(fs, FootprintSet) and len(fs) == 10
    mask = np.zeros(image.shape, np.int32)
    fs.set_mask(mask, 5)
    assert np.array_equal(mask == 32, fs.labels > 0)
    from_labels = FootprintSet(fs.labels, fs.peaks)  # no runs: statistics from the image
    assert np.array_equal(from_labels.npix, fs.npix) and np.array_equal(from_labels.bbox, fs.bbox)
    mask2 = np.zeros(image.shape, np.int32)
    from_labels.set_mask(mask2, 5)
    assert np.array_equal(mask2, mask)
    for i in range(len(fs)):
        cut = fs.mask_of(i)
        y, x = fs.pixels_of(i)
        assert cut.sum() == fs.npix[i] == len(y)
        sy, sx = fs.slices(i)
        assert np.all((y >= sy.start) & (y < sy.stop) & (x >= sx.start) & (x < sx.stop))
        assert np.all(fs.labels[y, x] == i + 1)
