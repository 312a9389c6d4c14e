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
        # one watershed per sign for all the parents (see _watershed)
        groups = {1.0: [], -1.0: []}
        for row in np.flatnonzero(npeaks > 1):
            if cfg.maxFootprintSize and footprints.npix[row] > cfg.maxFootprintSize:
                too_big[row] = True
                continue
            lo, hi = bounds[0, row], bounds[1, row]
            if cfg.maxNumberOfPeaks and hi - lo > cfg.maxNumberOfPeaks:
                too_many[row] = True
                hi = lo + cfg.maxNumberOfPeaks
            k = hi - lo
            groups[-1.0 if peaks.value[lo] < 0 else 1.0].append((row, lo, hi, next_label))
            child_parent.extend([row] * k)
            child_leaf.extend(range(next_label, next_label + k))
            next_label += k
            n_child[row] = k
            leaf[row] = 0
        pixels = [self._watershed(labels, out_labels, smoothed, footprints, peaks, members, sign)
                  for sign, members in groups.items() if members]

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

        bbox, npix, px, py, pv = self._leaf_statistics(pixels, child_leaf, peaks, child_parent,
                                                       footprints)
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
    def _watershed(labels, out_labels, smoothed, footprints, peaks, members,
                   sign) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Split the parents ``members`` (row, first and end peak, first child label) of one
        sign by a watershed of ``-sign * smoothed`` from their peaks; children written to
        ``out_labels``. Returns the child label, y and x of every pixel of these parents.

        The parents' boxes are laid side by side, one empty column apart, in one small image
        and flooded together (one call instead of one per parent): footprints on different
        boxes never touch, and a watershed's flooding order within one footprint does not
        depend on the others, so every parent gets the children of its own watershed.
        """
        from lsstlite.kernels.watershed import watershed

        box = footprints.bbox[np.array([m[0] for m in members])].astype(np.int64)
        widths = box[:, 2] - box[:, 0] + 1
        heights = box[:, 3] - box[:, 1] + 1
        starts = np.concatenate([[0], np.cumsum(widths + 1)[:-1]])
        shape = (int(heights.max()), int(starts[-1] + widths[-1]))
        flood = np.zeros(shape, dtype=np.float32)
        inside = np.zeros(shape, dtype=bool)
        markers = np.zeros(shape, dtype=np.int32)
        cuts = []
        for (row, lo, hi, first), (bx0, by0, bx1, by1), start in zip(members, box, starts):
            src = (slice(by0, by1 + 1), slice(bx0, bx1 + 1))
            dst = (slice(0, by1 + 1 - by0), slice(start, start + bx1 + 1 - bx0))
            inside[dst] = labels[src] == footprints.leaf[row]
            flood[dst] = smoothed[src]
            markers[peaks.y[lo:hi] - by0, peaks.x[lo:hi] - bx0 + start] = np.arange(
                first, first + hi - lo, dtype=np.int32)
            cuts.append((src, dst))
        flood *= np.float32(-sign)
        regions = watershed(flood, markers, inside)
        for src, dst in cuts:
            np.copyto(out_labels[src], regions[dst], where=inside[dst])
        y, x = np.nonzero(inside)
        which = np.searchsorted(starts, x, side="right") - 1
        return regions[y, x], y + box[which, 1], x - starts[which] + box[which, 0]

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
    def _leaf_statistics(pixels, child_leaf, peaks, child_parent, footprints):
        """bbox, npix and brightest peak of every child leaf (peaks from the parent's list);
        ``pixels``: (label, y, x) arrays of the children's pixels, from `_watershed`."""
        k = len(child_leaf)
        if k == 0:
            empty = np.zeros(0)
            return np.zeros((0, 4), np.int64), np.zeros(0, np.int64), empty, empty, empty
        label, y, x = (np.concatenate(a) for a in zip(*pixels))
        order = np.argsort(label, kind="stable")
        child = label[order] - int(child_leaf[0])  # child labels are consecutive
        y, x = y[order], x[order]
        npix = np.bincount(child, minlength=k)
        start = np.concatenate([[0], np.cumsum(npix)[:-1]])  # every child holds its peak pixel
        bbox = np.stack([np.minimum.reduceat(x, start), np.minimum.reduceat(y, start),
                         np.maximum.reduceat(x, start), np.maximum.reduceat(y, start)], axis=1)
        # each child is grown from exactly one of its parent's peaks, taken in order
        parent_leaf = footprints.leaf[child_parent]
        start = np.searchsorted(peaks.label, parent_leaf)
        change = np.r_[True, child_parent[1:] != child_parent[:-1]]
        group_start = np.maximum.accumulate(np.where(change, np.arange(k), 0))
        index = start + (np.arange(k) - group_start)
        return (bbox, npix, peaks.x[index].astype(np.float64), peaks.y[index].astype(np.float64),
                peaks.value[index].astype(np.float64))
