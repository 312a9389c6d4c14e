"""What a plugin sees while measuring one batch of sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BatchContext"]


@dataclass
class BatchContext:
    """One batch of sources and the pixels to measure them on.

    Attributes
    ----------
    catalog : `lsstlite.table.SourceCatalog`
        The whole catalogue; plugins write only ``rows``.
    rows : ndarray of int
        Catalogue rows of this batch.
    image : ndarray of float32
        Image with every footprint not owned by the batch replaced by noise.
    exposure : `lsstlite.image.Exposure`
        The exposure (variance, mask, planes, psf, wcs: a `TanSipWcs` or an astropy WCS, used
        through ``all_pix2world``/``all_world2pix`` only); its image is the original.
    footprints : `lsstlite.meas.footprints.SourceFootprints`
        Footprints of the whole catalogue.
    own : list of ndarray
        Leaf labels owned by every catalogue row (`SourceFootprints.own_leaves`).

    Notes
    -----
    The slot centroid is read once per batch, at the first `centroid` call: the framework
    runs the slot centroid's plugin first, so it is final by then.
    """

    catalog: Any
    rows: np.ndarray
    image: np.ndarray
    exposure: Any
    footprints: Any
    own: list
    _centroid: tuple | None = field(default=None, init=False, repr=False)

    @property
    def variance(self) -> np.ndarray:
        """Variance plane of the exposure."""
        return self.exposure.variance

    @property
    def mask(self) -> np.ndarray:
        """Mask plane of the exposure."""
        return self.exposure.mask

    def centroid(self, plugin) -> tuple[np.ndarray, np.ndarray]:
        """Slot centroid of the batch's sources, for ``plugin``.

        Where the slot centroid is NaN the footprint's peak is used and the plugin's general
        flag is set (LSST's ``badCentroid`` behaviour); a merely flagged centroid is used but
        also sets the flag. The arrays are shared by all plugins of the batch: do not modify
        them.
        """
        if self._centroid is None:
            self._centroid = self._read_centroid()
        x, y, flagged, provider = self._centroid
        if flagged.any() and plugin.name + "_x" != provider:
            self.catalog[plugin.flag][self.rows[flagged]] = True
        return x, y

    def _read_centroid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
        """(x, y, flagged, column of the slot centroid's x) of the batch's sources."""
        rows = self.rows
        peak_x = self.footprints.peak_x[rows].astype(float)
        peak_y = self.footprints.peak_y[rows].astype(float)
        schema = self.catalog.schema
        if "slot_Centroid_x" not in schema:
            return peak_x, peak_y, np.zeros(rows.size, dtype=bool), None
        x = np.array(self.catalog["slot_Centroid_x"][rows], dtype=float)
        y = np.array(self.catalog["slot_Centroid_y"][rows], dtype=float)
        bad = ~(np.isfinite(x) & np.isfinite(y))
        flagged = bad.copy()
        if "slot_Centroid_flag" in schema:
            flagged |= np.asarray(self.catalog["slot_Centroid_flag"][rows], bool)
        x[bad] = peak_x[bad]
        y[bad] = peak_y[bad]
        return x, y, flagged, schema.resolve("slot_Centroid_x")
