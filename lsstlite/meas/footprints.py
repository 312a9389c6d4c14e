"""Footprints of the sources in a catalogue, as the measurement framework sees them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lsstlite.algorithms.label_pixels import pixels_by_label

__all__ = ["SourceFootprints"]


@dataclass
class SourceFootprints:
    """Pixels and peaks of every source of a catalogue (rows aligned with the catalogue).

    Attributes
    ----------
    labels : ndarray of int32, shape (ny, nx)
        Leaf label of every pixel: 0 for no source, otherwise the label of the undeblended
        source or deblended child owning the pixel.
    leaf : ndarray of int32, shape (n,)
        Leaf label of each catalogue row; 0 for a deblended parent (it owns its children's
        leaves, found through the catalogue's ``parent`` column).
    bbox : ndarray of int64, shape (n, 4)
        ``x0, y0, x1, y1`` (inclusive) of each source's pixels.
    npix : ndarray of int64, shape (n,)
        Number of pixels of each source.
    peak_x, peak_y, peak_value : ndarray, shape (n,)
        Brightest peak of each source (pixels; value on the smoothed image).
    """

    labels: np.ndarray
    leaf: np.ndarray
    bbox: np.ndarray
    npix: np.ndarray
    peak_x: np.ndarray
    peak_y: np.ndarray
    peak_value: np.ndarray

    def __len__(self) -> int:
        return len(self.leaf)

    def own_leaves(self, ids: np.ndarray, parents: np.ndarray) -> list[np.ndarray]:
        """Leaf labels owned by each row: its own leaf, or its children's for a parent."""
        by_parent: dict[int, list[int]] = {}
        for row in np.flatnonzero(parents != 0):
            by_parent.setdefault(int(parents[row]), []).append(int(self.leaf[row]))
        return [np.array([self.leaf[i]]) if self.leaf[i] != 0
                else np.array(by_parent.get(int(ids[i]), []), dtype=np.int32)
                for i in range(len(self.leaf))]

    @cached_property
    def pixels_by_leaf(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices of all footprint pixels, grouped by leaf label (computed once).

        Returns
        -------
        order : ndarray of int64
            Flat (``labels.ravel()``) indices of every pixel with a non-zero label, sorted by
            label, ascending within a label.
        starts : ndarray of int64, shape (labels.max() + 2,)
            Leaf ``k`` owns ``order[starts[k]:starts[k + 1]]`` (label 0, the sky, owns none).
        """
        return pixels_by_label(self.labels)

    def pixels_of(self, leaves: np.ndarray) -> np.ndarray:
        """Positions in ``pixels_by_leaf[0]`` of the pixels of the given leaf labels."""
        _, starts = self.pixels_by_leaf
        leaves = np.asarray(leaves, dtype=np.int64)
        leaves = leaves[(leaves > 0) & (leaves < starts.size - 1)]
        first = starts[leaves]
        lengths = starts[leaves + 1] - first
        # concatenated ranges first[i] .. first[i] + lengths[i] - 1, without a Python loop
        shift = np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
        return np.arange(shift.size, dtype=np.int64) + shift

    def select(self, rows: np.ndarray) -> SourceFootprints:
        """Footprints of a subset of rows (same label image)."""
        return SourceFootprints(self.labels, self.leaf[rows], self.bbox[rows], self.npix[rows],
                                self.peak_x[rows], self.peak_y[rows], self.peak_value[rows])
