"""A simple deblender: split multi-peak footprints by a watershed of the smoothed image.

This is *not* LSST's SDSS-style deblender (symmetric templates and flux apportioning): every
pixel of a parent goes wholly to one child, the child whose peak it drains to when the
(smoothed) image is flooded from the peaks downwards (``skimage.segmentation.watershed`` of
``-image`` with the peaks as markers, 8-connected, restricted to the parent footprint).
Measurement is expected to replace the other children by noise, as LSST's NoiseReplacer does.

Parents with a single peak get no children (``nchild = 0``, measured as themselves). Parents
whose bounding box is larger than ``maxFootprintSize`` along either axis are skipped
(``skipped = True``, LSST's ``deblend_skipped`` / "too big"); with ``maxNumberOfPeaks > 0`` only
that many of a parent's most significant peaks make children (``tooManyPeaks = True``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lsstlite.algorithms.detection import PEAK_DTYPE, FootprintSet

__all__ = ["DeblendResult", "deblend_footprints"]


@dataclass
class DeblendResult:
    """Children of the deblended parents.

    Attributes
    ----------
    children : FootprintSet
        Child footprints (labels ``k + 1`` for child ``k``), one peak each.
    parent : ndarray of int32, shape (nchildren,)
        Index of each child's parent in the parent `FootprintSet`.
    nchild : ndarray of int32, shape (nparents,)
        Number of children of every parent (0: not deblended).
    skipped : ndarray of bool, shape (nparents,)
        Parent larger than ``maxFootprintSize``: not deblended.
    tooManyPeaks : ndarray of bool, shape (nparents,)
        Parent had more than ``maxNumberOfPeaks`` peaks; only the brightest were used.
    """

    children: FootprintSet
    parent: np.ndarray
    nchild: np.ndarray
    skipped: np.ndarray
    tooManyPeaks: np.ndarray

    def children_of(self, i: int) -> np.ndarray:
        """Indices of the children of parent ``i`` (brightest peak first)."""
        return np.flatnonzero(self.parent == i)


def deblend_footprints(
    footprints: FootprintSet,
    image: np.ndarray,
    *,
    maxFootprintSize: int = 0,
    maxNumberOfPeaks: int = 0,
) -> DeblendResult:
    """Split every multi-peak footprint into children (see the module docstring).

    Parameters
    ----------
    footprints : FootprintSet
        Parents (normally the grown detection footprints).
    image : ndarray, 2-D
        The smoothed image the peaks were found on.
    maxFootprintSize : int
        Skip parents whose bounding box is wider or taller than this (pixels); <= 0: no limit.
    maxNumberOfPeaks : int
        Use at most this many peaks per parent; <= 0: all.

    Returns
    -------
    result : DeblendResult
    """
    from skimage.segmentation import watershed

    from lsstlite.kernels.footprints import relabel

    img = np.ascontiguousarray(image, dtype=np.float32)
    if img.shape != footprints.labels.shape:
        msg = f"deblend_footprints: image shape {img.shape} differs from footprints {footprints.labels.shape}"
        raise ValueError(msg)
    n = len(footprints)
    width = footprints.bbox[:, 2] - footprints.bbox[:, 0] + 1
    height = footprints.bbox[:, 3] - footprints.bbox[:, 1] + 1
    skipped = np.zeros(n, bool)
    if maxFootprintSize > 0:
        skipped = (width > maxFootprintSize) | (height > maxFootprintSize)
    npeaks = footprints.npeaks
    tooMany = (npeaks > maxNumberOfPeaks) if maxNumberOfPeaks > 0 else np.zeros(n, bool)
    todo = (npeaks > 1) & ~skipped

    peaks = footprints.peaks
    rank = np.arange(len(peaks)) - footprints.peak_offsets[peaks["footprint"]]
    use = todo[peaks["footprint"]]
    if maxNumberOfPeaks > 0:
        use &= rank < maxNumberOfPeaks
    child_peaks = peaks[use]
    nchildren = len(child_peaks)
    nchild = np.bincount(child_peaks["footprint"], minlength=n).astype(np.int32)

    if nchildren == 0:
        labels = np.zeros_like(footprints.labels)
    else:
        in_todo = np.zeros(n + 1, dtype=np.int32)
        in_todo[1:] = todo
        region = relabel(footprints.labels, in_todo).astype(bool)
        ys, xs = np.nonzero(region)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        markers = np.zeros((y1 - y0, x1 - x0), dtype=np.int32)
        markers[child_peaks["y"] - y0, child_peaks["x"] - x0] = np.arange(1, nchildren + 1, dtype=np.int32)
        # flood downwards from the peaks: maxima of the image (minima for negative footprints)
        flood = img[y0:y1, x0:x1] if footprints.negative else -img[y0:y1, x0:x1]
        crop = watershed(flood, markers, mask=region[y0:y1, x0:x1], connectivity=2)
        labels = np.zeros_like(footprints.labels)
        labels[y0:y1, x0:x1] = crop

    out_peaks = np.empty(nchildren, dtype=PEAK_DTYPE)
    out_peaks["footprint"] = np.arange(nchildren, dtype=np.int32)
    for name in ("x", "y", "value"):
        out_peaks[name] = child_peaks[name]
    children = FootprintSet(labels, out_peaks, negative=footprints.negative)
    return DeblendResult(children=children, parent=child_peaks["footprint"].astype(np.int32),
                         nchild=nchild, skipped=skipped, tooManyPeaks=tooMany & todo)
