"""Replace neighbours by noise while measuring, in a few batches of non-interfering sources.

LSST's NoiseReplacer measures one source at a time with every other footprint replaced by noise.
lsstlite gets the same pixels with batched kernels: sources are split into batches (a greedy
colouring) such that no source's measurement box touches the footprint of another source of
the same batch; each batch is measured in one kernel call on an image where every footprint
pixel not owned by the batch is noise.
"""

from __future__ import annotations

import numpy as np

from lsstlite.algorithms.clipped_stats import clipped_mean_std

__all__ = ["NoiseReplacer", "colour_batches"]


def colour_batches(boxes: np.ndarray, footprint_boxes: np.ndarray,
                   related: np.ndarray) -> list[np.ndarray]:
    """Split sources into batches whose measurement boxes avoid each other's footprints.

    Parameters
    ----------
    boxes : ndarray, shape (n, 4)
        Measurement box ``x0, y0, x1, y1`` of each source.
    footprint_boxes : ndarray, shape (n, 4)
        Bounding box of each source's footprint.
    related : ndarray of int, shape (k, 2)
        Pairs of rows that share pixels (a parent and one of its children); they always go
        to different batches.

    Returns
    -------
    batches : list of ndarray of int
        Row indices of each batch.
    """
    n = len(boxes)
    if n == 0:
        return []
    b = np.asarray(boxes, dtype=np.int32)
    f = np.asarray(footprint_boxes, dtype=np.int32)
    # conflict[i, j]: box of i overlaps footprint of j (or the converse)
    overlap = ((b[:, None, 0] <= f[None, :, 2]) & (f[None, :, 0] <= b[:, None, 2])
               & (b[:, None, 1] <= f[None, :, 3]) & (f[None, :, 1] <= b[:, None, 3]))
    conflict = overlap | overlap.T
    pairs = np.asarray(related, dtype=np.int64).reshape(-1, 2)
    conflict[pairs[:, 0], pairs[:, 1]] = True
    conflict[pairs[:, 1], pairs[:, 0]] = True
    np.fill_diagonal(conflict, False)
    colour = np.full(n, -1)
    order = np.argsort(-conflict.sum(axis=1), kind="stable")
    for i in order:
        used = set(colour[conflict[i]].tolist())
        c = 0
        while c in used:
            c += 1
        colour[i] = c
    return [np.flatnonzero(colour == c) for c in range(colour.max() + 1)]


class NoiseReplacer:
    """Replace every footprint of an image by noise, in place, while batches of sources are measured.

    As LSST's NoiseReplacer, the image itself is modified (no copy of the frame): on creation
    every footprint pixel becomes noise; `insert` puts a batch's own footprint pixels back and
    `remove` restores their noise, so each batch costs its own pixels; `restore` (or leaving a
    ``with`` block) puts every original pixel back. The noise of each footprint pixel is drawn
    once, in the order of `SourceFootprints.pixels_by_leaf`.

    Parameters
    ----------
    image, variance : ndarray, shape (ny, nx)
        Background-subtracted image (writeable, C-contiguous: it is modified until `restore`)
        and its variance.
    footprints : `lsstlite.meas.footprints.SourceFootprints`
        Footprints of all sources (their leaf label image and its pixel grouping).
    mask : ndarray of int32
        Mask plane.
    bad_bitmask : int
        Mask bits of pixels not to use for the noise statistics (with ``measure``).
    noise_source : {"measure", "variance"}
        ``measure``: Gaussian noise with the clipped mean and standard deviation of the sky;
        ``variance``: zero-mean noise with the per-pixel variance.
    seed : int
        Random seed (the same seed gives the same measurements).

    Raises
    ------
    ValueError
        An unknown ``noise_source``, or an image that cannot be modified in place.
    """

    def __init__(self, image: np.ndarray, variance: np.ndarray, footprints, mask: np.ndarray,
                 bad_bitmask: int, noise_source: str = "measure", seed: int = 1):
        if not (image.flags.c_contiguous and image.flags.writeable):
            msg = "NoiseReplacer: the image must be a writeable C-contiguous array (it is " \
                  "modified in place)"
            raise ValueError(msg)
        self.image = image
        self.footprints = footprints
        self._flat = image.reshape(-1)  # a view: writes go to the image
        order, _ = footprints.pixels_by_leaf
        rng = np.random.default_rng(seed)
        count = order.size
        if noise_source == "variance":
            sigma = np.sqrt(np.clip(variance.ravel()[order], 0, None))
            noise = rng.standard_normal(count) * sigma
            self.mean, self.sigma = 0.0, float(np.median(sigma)) if count else 0.0
        elif noise_source == "measure":
            # sky: outside every footprint and free of the bad bits (one int32 temporary); the
            # clipping passes run over all of it in place, without gathering it
            outside = np.bitwise_and(mask, bad_bitmask)
            np.bitwise_or(outside, footprints.labels, out=outside)
            self.mean, self.sigma = clipped_mean_std(image, mask=outside == 0)
            if not np.isfinite(self.sigma):
                self.mean, self.sigma = 0.0, 0.0
            noise = self.mean + self.sigma * rng.standard_normal(count)
        else:
            msg = f"noiseSource {noise_source!r}: expected 'measure' or 'variance'"
            raise ValueError(msg)
        self._noise = noise.astype(image.dtype)
        self._original = self._flat[order]
        self._flat[order] = self._noise
        self._inserted = np.zeros(0, dtype=np.int64)

    def insert(self, own_labels: np.ndarray) -> np.ndarray:
        """Put the original pixels of ``own_labels`` back into the image and return it."""
        self._inserted = self.footprints.pixels_of(own_labels)
        pixels = self.footprints.pixels_by_leaf[0][self._inserted]
        self._flat[pixels] = self._original[self._inserted]
        return self.image

    def remove(self) -> None:
        """Put the noise back on the pixels of the last `insert`."""
        pixels = self.footprints.pixels_by_leaf[0][self._inserted]
        self._flat[pixels] = self._noise[self._inserted]
        self._inserted = np.zeros(0, dtype=np.int64)

    def restore(self) -> None:
        """Put every original footprint pixel back: the image is as it was before."""
        self._flat[self.footprints.pixels_by_leaf[0]] = self._original

    def __enter__(self) -> NoiseReplacer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.restore()
