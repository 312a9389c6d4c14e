"""Source detection on a (smoothed) image: thresholding, footprints, peaks, growth.

The definitions follow LSST's SourceDetectionTask / afw FootprintSet (2020):

* footprint pixels: ``polarity * image >= threshold`` (scalar or per-pixel threshold, e.g.
  ``5 * sqrt(smoothed variance)`` for ``pixel_stdev``), excluding a ``border`` (the unreliable
  edge of the smoothing kernel) and pixels flagged in ``bad``; 8-connected;
* a footprint is kept when it has ``>= minPixels`` pixels and at least one pixel with
  ``polarity * image >= threshold * includeThresholdMultiplier``;
* peaks are found on the ungrown footprints (`lsstlite.kernels.footprints.find_peaks`): local
  maxima of ``polarity * image`` among 8-neighbours in the same footprint, one per flat
  maximum, sorted by decreasing value;
* growth by ``nGrow`` pixels, a disk (``isotropic=True``, LSST since 2021) or a diamond
  (``isotropic=False``, the 2020 Manhattan growth), of the whole set at once
  (``combinedGrow``): grown footprints that overlap or touch (8-connected) merge and keep the
  union of their peaks. Growth is clipped to the image, not to the border.

For ``polarity="negative"`` everything is done on ``-image``; the reported peak values are
those of ``image`` (negative), sorted by decreasing ``|value|``.
"""

from __future__ import annotations

import numpy as np

from lsstlite.algorithms.label_pixels import pixels_by_label

__all__ = ["FootprintSet", "detect_footprints"]

PEAK_DTYPE = np.dtype([("footprint", np.int32), ("x", np.int32), ("y", np.int32), ("value", np.float32)])


class FootprintSet:
    """A set of footprints stored as a label image plus per-footprint arrays.

    Parameters
    ----------
    labels : ndarray of int32, 2-D
        0 where there is no footprint, ``i + 1`` on the pixels of footprint ``i``.
    peaks : structured ndarray with fields ``footprint``, ``x``, ``y``, ``value``
        All peaks, sorted by footprint and, within a footprint, by decreasing significance
        (``value`` for positive, ``-value`` for negative footprints).
    negative : bool
        True for footprints of ``-image`` (DETECTED_NEGATIVE).
    runs : tuple of ndarray, optional
        ``(y, x0, x1, label)``: the footprints as runs of pixels ``[x0, x1)`` of row ``y`` (as
        `lsstlite.kernels.footprints` makes them), every pixel of ``labels`` once. When given,
        the statistics and `set_mask` cost in proportion to the footprint pixels.

    Attributes
    ----------
    labels : ndarray of int32
    npix : ndarray of int64, shape (n,)
        Pixels in each footprint.
    bbox : ndarray of int32, shape (n, 4)
        ``xmin, ymin, xmax, ymax`` of each footprint, inclusive (LSST ``Box2I`` min/max).
    peaks : structured ndarray
    peak_offsets : ndarray of int64, shape (n + 1,)
        Peaks of footprint ``i`` are ``peaks[peak_offsets[i]:peak_offsets[i+1]]``.
    negative : bool
    runs : tuple of ndarray or None
    """

    def __init__(self, labels: np.ndarray, peaks: np.ndarray, negative: bool = False, *,
                 runs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None):
        self.labels = np.ascontiguousarray(labels, dtype=np.int32)
        if runs is None:
            from lsstlite.kernels.footprints import label_statistics

            n = int(self.labels.max()) if self.labels.size else 0
            self.npix, self.bbox, _, _, _ = label_statistics(self.labels, n)
        else:
            from lsstlite.kernels.footprints import run_statistics

            n = int(runs[3].max()) if len(runs[3]) else 0
            self.npix, self.bbox = run_statistics(*runs, n)
        self.runs = runs
        self.peaks = np.asarray(peaks, dtype=PEAK_DTYPE)
        if self.peaks.size and np.any(np.diff(self.peaks["footprint"]) < 0):
            msg = "FootprintSet: peaks must be sorted by footprint"
            raise ValueError(msg)
        self.peak_offsets = np.searchsorted(self.peaks["footprint"], np.arange(n + 1)).astype(np.int64)
        self.negative = bool(negative)
        self._pixel_index = None

    def __len__(self) -> int:
        return len(self.npix)

    def __repr__(self) -> str:
        kind = "negative" if self.negative else "positive"
        return f"FootprintSet({len(self)} {kind} footprints, {len(self.peaks)} peaks)"

    @property
    def npeaks(self) -> np.ndarray:
        """Number of peaks of every footprint."""
        return np.diff(self.peak_offsets)

    def slices(self, i: int) -> tuple[slice, slice]:
        """``(slice_y, slice_x)`` of the bounding box of footprint ``i``."""
        x0, y0, x1, y1 = self.bbox[i]
        return slice(int(y0), int(y1) + 1), slice(int(x0), int(x1) + 1)

    def mask_of(self, i: int) -> np.ndarray:
        """Boolean mask of footprint ``i`` over its bounding box (place it with `slices`)."""
        return self.labels[self.slices(i)] == i + 1

    def peaks_of(self, i: int) -> np.ndarray:
        """Peaks of footprint ``i``, most significant first."""
        return self.peaks[self.peak_offsets[i]:self.peak_offsets[i + 1]]

    def pixels_of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(y, x)`` int64 arrays of the pixels of footprint ``i`` (raster order)."""
        offsets, index = self.pixel_index()
        flat = index[offsets[i]:offsets[i + 1]]
        return np.divmod(flat, self.labels.shape[1])

    def pixel_index(self) -> tuple[np.ndarray, np.ndarray]:
        """All footprints' flat pixel indices, grouped: ``(offsets, index)`` (cached)."""
        if self._pixel_index is None:
            order, starts = pixels_by_label(self.labels, len(self))
            self._pixel_index = starts[1:len(self) + 2], order
        return self._pixel_index

    def set_mask(self, mask: np.ndarray, bit: int) -> None:
        """OR mask plane bit number ``bit`` into ``mask`` (int32, in place) on footprint pixels."""
        value = np.int32(1 << bit)
        if self.runs is None:
            np.bitwise_or(mask, value, out=mask, where=self.labels > 0)
        else:
            from lsstlite.kernels.footprints import or_runs

            or_runs(mask, *self.runs[:3], value)


def detect_footprints(
    image: np.ndarray,
    threshold: float | np.ndarray,
    *,
    polarity: str = "positive",
    minPixels: int = 1,
    includeThresholdMultiplier: float = 1.0,
    nGrow: int = 0,
    isotropic: bool = True,
    border: int = 0,
    bad: np.ndarray | None = None,
    min_separation: float = 0.0,
) -> FootprintSet:
    """Find footprints and peaks above a threshold (see the module docstring).

    Parameters
    ----------
    image : ndarray, 2-D
        The image to threshold, normally the smoothed image (counts).
    threshold : float or ndarray
        Threshold in the image's units, positive; an array gives a per-pixel threshold.
    polarity : {"positive", "negative"}
        Detect ``image >= threshold`` or ``image <= -threshold``.
    minPixels : int
        Smallest footprint kept (before growth).
    includeThresholdMultiplier : float
        A footprint is kept only if some pixel reaches ``threshold * includeThresholdMultiplier``.
    nGrow : int
        Growth radius in pixels (LSST: ``int(nSigmaToGrow * sigma_psf + 0.5)``).
    isotropic : bool
        Disk (True) or diamond (False) growth.
    border : int
        Pixels closer than this to an image edge are never footprint pixels before growth
        (pass the smoothing kernel's half-width; mark them EDGE).
    bad : ndarray of bool, optional
        Pixels that may not be footprint pixels before growth (e.g. NO_DATA).
    min_separation : float
        Drop peaks closer than this to a brighter peak of the same footprint (0: keep all).

    Returns
    -------
    footprints : FootprintSet
    """
    from lsstlite.kernels.footprints import (
        find_peaks,
        grow_runs,
        label_runs,
        paint_runs,
        run_statistics,
        threshold_runs,
    )

    img = np.ascontiguousarray(image, dtype=np.float32)
    if img.ndim != 2:
        msg = f"detect_footprints: image must be 2-D, got shape {img.shape}"
        raise ValueError(msg)
    if polarity not in ("positive", "negative"):
        msg = f"detect_footprints: polarity must be 'positive' or 'negative', got {polarity!r}"
        raise ValueError(msg)
    thr = np.asarray(threshold, dtype=np.float32)
    if thr.ndim not in (0, 2) or (thr.ndim == 2 and thr.shape != img.shape):
        msg = f"detect_footprints: threshold must be a scalar or an array of shape {img.shape}, got {thr.shape}"
        raise ValueError(msg)
    sign = 1.0 if polarity == "positive" else -1.0
    work = img if sign > 0 else -img
    border = max(int(border), 0)

    ry, rx0, rx1, high = threshold_runs(work, thr, border=border, bad=bad,
                                        multiplier=includeThresholdMultiplier)
    run_label, n = label_runs(ry, rx0, rx1)
    npix, _ = run_statistics(ry, rx0, rx1, run_label, n)
    keep = npix >= minPixels
    # a pixel at threshold * multiplier (always true for a multiplier <= 1)
    keep &= np.bincount(run_label[high], minlength=n + 1)[1:] > 0
    if not keep.all():
        mapping = np.zeros(n + 1, dtype=np.int32)
        mapping[1:][keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
        run_label = mapping[run_label]
        n = int(keep.sum())
    fid, px, py, pv = find_peaks(work, thr, (ry, rx0, rx1), run_label, border=border, bad=bad,
                                 min_separation=min_separation)

    kept = run_label > 0
    runs = (ry[kept], rx0[kept], rx1[kept])
    if nGrow > 0 and n > 0:
        runs = grow_runs(*runs, nGrow, isotropic, img.shape)
        run_label, n = label_runs(*runs)
        labels = paint_runs(img.shape, *runs, run_label)
        # each original footprint lies inside one grown footprint; map through a peak pixel
        fid = labels[py, px] - 1
        order = np.lexsort((-pv.astype(np.float64), fid))
        fid, px, py, pv = fid[order], px[order], py[order], pv[order]
    else:
        run_label = run_label[kept]
        labels = paint_runs(img.shape, *runs, run_label)

    peaks = np.empty(len(fid), dtype=PEAK_DTYPE)
    peaks["footprint"] = fid
    peaks["x"] = px
    peaks["y"] = py
    peaks["value"] = pv * sign
    return FootprintSet(labels, peaks, negative=sign < 0, runs=(*runs, run_label))
