"""Split multi-peak footprints into children (a watershed stand-in for LSST's
``SourceDeblendTask``).

Method: every parent footprint with more than one peak is divided by a watershed of the
negated smoothed image (for negative footprints, of the smoothed image itself), flooded from
its peaks and restricted to the parent's pixels; each pixel goes wholly to one child. LSST's
single-frame deblender instead builds a template symmetric about each peak and apportions
every pixel's flux between children in proportion to the templates ("heavy footprints"); here
flux sharing between overlapping children is left to measurement, which replaces the other
children by noise.
"""

from __future__ import annotations

import numpy as np

from lsstlite.config import Config, RangeField
from lsstlite.tasks.base import Struct, Task, timeMethod

__all__ = ["SourceDeblendConfig", "SourceDeblendTask"]


class SourceDeblendConfig(Config):
    """Configuration of `SourceDeblendTask`."""

    maxFootprintSize = RangeField("Skip parents with more pixels than this (0: no limit). LSST's "
                                  "2020 calibrate set 2000 to bound the cost of its template "
                                  "fits; a watershed is cheap, so we do not limit by default",
                                  int, default=0, min=0)
    maxNumberOfPeaks = RangeField("Deblend only the brightest this many peaks of a parent and "
                                  "flag it deblend_tooManyPeaks (0: no limit)", int, default=0,
                                  min=0)


class SourceDeblendTask(Task):
    """Split footprints with several peaks into child sources.

    Parameters
    ----------
    schema : `lsstlite.table.Schema`
        Schema the ``deblend_*`` fields are added to.
    **kwargs
        Passed on to `Task`.

    Notes
    -----
    The output catalogue holds the input rows first, unchanged apart from the ``deblend_*``
    fields, then the children of each parent in parent order, with new ids after the largest
    input id and ``parent`` set to the parent's id. Each child gets a new leaf label (after the
    largest input label); a deblended parent's leaf becomes 0 and it owns its children's leaves
    through ``parent`` (`SourceFootprints.own_leaves`).
    """

    ConfigClass = SourceDeblendConfig
    _DefaultName = "deblend"

    def __init__(self, schema, **kwargs) -> None:
        super().__init__(**kwargs)
        self.schema = schema
        schema.addField("deblend_nChild", np.int32, doc="number of children this object has")
        schema.addField("deblend_skipped", bool,
                        doc="deblender skipped this multi-peak source (too big: see "
                            "deblend_parentTooBig); it is measured as one object")
        schema.addField("deblend_tooManyPeaks", bool,
                        doc="source had more than maxNumberOfPeaks peaks; only the brightest "
                            "were deblended")
        schema.addField("deblend_parentTooBig", bool,
                        doc="parent footprint had more than maxFootprintSize pixels")

    @timeMethod
    def run(self, exposure, sources, footprints, smoothed) -> Struct:
        """Deblend ``sources``.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            The detected exposure (its shape must match the label image).
        sources : `lsstlite.table.SourceCatalog`
            Detection catalogue (with this task's schema fields).
        footprints : `lsstlite.meas.footprints.SourceFootprints`
            Footprints aligned with ``sources``; their ``peaks`` attribute (a `Struct` of
            ``label``, ``x``, ``y``, ``value`` grouped by label, most significant first, as
            made by `SourceDetectionTask`) gives the children's seeds.
        smoothed : ndarray, 2-D
            The smoothed image the peaks were found on.

        Returns
        -------
        result : `Struct`
            ``sources`` (new catalogue, parents then children) and ``footprints`` (aligned
            `SourceFootprints` with a relabelled label image).
        """
        from skimage.segmentation import watershed

        from lsstlite.meas.footprints import SourceFootprints

        cfg = self.config
        smoothed = np.asarray(smoothed, dtype=np.float32)
        labels = footprints.labels
        if smoothed.shape != labels.shape or exposure.shape != labels.shape:
            msg = (f"SourceDeblendTask: smoothed image {smoothed.shape}, exposure {exposure.shape} "
                   f"and footprint labels {labels.shape} must have the same shape")
            raise ValueError(msg)
        peaks = getattr(footprints, "peaks", None)
        if peaks is None:
            msg = ("SourceDeblendTask: footprints have no 'peaks' attribute; pass the footprints "
                   "made by SourceDetectionTask (peaks are found on the ungrown footprints)")
            raise ValueError(msg)
        n = len(sources)
        bounds = np.searchsorted(peaks.label, np.stack([footprints.leaf, footprints.leaf + 1]))
        npeaks = np.where(footprints.leaf > 0, bounds[1] - bounds[0], 0)

        out_labels = labels.copy()
        next_label = int(max(labels.max(initial=0), footprints.leaf.max(initial=0))) + 1
        next_id = int(np.max(sources["id"], initial=0)) + 1
        n_child = np.zeros(n, dtype=np.int32)
        too_big = np.zeros(n, dtype=bool)
        too_many = np.zeros(n, dtype=bool)
        leaf = footprints.leaf.copy()
        child_parent, child_leaf = [], []
        for row in np.flatnonzero(npeaks > 1):
            if cfg.maxFootprintSize and footprints.npix[row] > cfg.maxFootprintSize:
                too_big[row] = True
                continue
            lo, hi = bounds[0, row], bounds[1, row]
            if cfg.maxNumberOfPeaks and hi - lo > cfg.maxNumberOfPeaks:
                too_many[row] = True
                hi = lo + cfg.maxNumberOfPeaks
            x0, y0, x1, y1 = (int(v) for v in footprints.bbox[row])
            box = (slice(y0, y1 + 1), slice(x0, x1 + 1))
            inside = labels[box] == footprints.leaf[row]
            sign = -1.0 if peaks.value[lo] < 0 else 1.0
            markers = np.zeros(inside.shape, dtype=np.int32)
            k = hi - lo
            markers[peaks.y[lo:hi] - y0, peaks.x[lo:hi] - x0] = np.arange(1, k + 1, dtype=np.int32)
            regions = watershed(-sign * smoothed[box], markers=markers, mask=inside,
                                connectivity=2)
            out_labels[box][inside] = regions[inside] + (next_label - 1)
            child_parent.extend([row] * k)
            child_leaf.extend(range(next_label, next_label + k))
            next_label += k
            n_child[row] = k
            leaf[row] = 0

        n_children = len(child_leaf)
        child_leaf = np.asarray(child_leaf, dtype=np.int32)
        child_parent = np.asarray(child_parent, dtype=np.int64)
        parents = sources.copy()
        parents["deblend_nChild"] = n_child
        parents["deblend_parentTooBig"] = too_big
        parents["deblend_tooManyPeaks"] = too_many
        parents["deblend_skipped"] = too_big
        children = self._children(sources, child_parent, next_id, n_children)
        out = type(sources).concatenate([parents, children])

        bbox, npix, px, py, pv = self._leaf_statistics(out_labels, child_leaf, smoothed, peaks,
                                                       child_parent, footprints)
        result_fp = SourceFootprints(
            labels=out_labels,
            leaf=np.concatenate([leaf, child_leaf]).astype(np.int32),
            bbox=np.concatenate([footprints.bbox, bbox]).astype(np.int64),
            npix=np.concatenate([footprints.npix, npix]).astype(np.int64),
            peak_x=np.concatenate([footprints.peak_x, px]).astype(np.float64),
            peak_y=np.concatenate([footprints.peak_y, py]).astype(np.float64),
            peak_value=np.concatenate([footprints.peak_value, pv]).astype(np.float64))
        result_fp.peaks = peaks
        self.log.info("Deblended %d parents into %d children (%d skipped as too big, %d with "
                      "too many peaks)", int((n_child > 0).sum()), n_children, int(too_big.sum()),
                      int(too_many.sum()))
        self.metadata["numParents"] = int((n_child > 0).sum())
        self.metadata["numChildren"] = n_children
        self.metadata["numSkipped"] = int(too_big.sum())
        return Struct(sources=out, footprints=result_fp)

    @staticmethod
    def _children(sources, child_parent: np.ndarray, next_id: int, n_children: int):
        """Child rows: new ids, ``parent`` set; flags_negative inherited from the parent."""
        children = type(sources)(sources.schema, n_children)
        children["id"] = np.arange(next_id, next_id + n_children, dtype=np.int64)
        children["parent"] = np.asarray(sources["id"])[child_parent]
        if "flags_negative" in sources:
            children["flags_negative"] = np.asarray(sources["flags_negative"])[child_parent]
        return children

    @staticmethod
    def _leaf_statistics(labels, child_leaf, smoothed, peaks, child_parent, footprints):
        """bbox, npix and brightest peak of every child leaf (peaks from the parent's list)."""
        from lsstlite.kernels.footprints import label_statistics

        k = len(child_leaf)
        if k == 0:
            empty = np.zeros(0)
            return np.zeros((0, 4), np.int64), np.zeros(0, np.int64), empty, empty, empty
        first = int(child_leaf[0])
        # statistics over the child labels only: shift them to 1..k, everything else to 0
        mapped = np.where(labels >= first, labels - (first - 1), 0).astype(np.int32)
        npix, bbox, _, _, _ = label_statistics(mapped, k)
        # each child is grown from exactly one of its parent's peaks, taken in order
        parent_leaf = footprints.leaf[child_parent]
        start = np.searchsorted(peaks.label, parent_leaf)
        change = np.r_[True, child_parent[1:] != child_parent[:-1]]
        group_start = np.maximum.accumulate(np.where(change, np.arange(k), 0))
        index = start + (np.arange(k) - group_start)
        return (bbox, npix, peaks.x[index].astype(np.float64), peaks.y[index].astype(np.float64),
                peaks.value[index].astype(np.float64))
