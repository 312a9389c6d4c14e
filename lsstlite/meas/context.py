"""What a plugin sees while measuring one batch of sources."""

from __future__ import annotations

from dataclasses import dataclass
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
        The exposure (variance, mask, planes, psf, wcs); its image is the original.
    footprints : `lsstlite.meas.footprints.SourceFootprints`
        Footprints of the whole catalogue.
    own : list of ndarray
        Leaf labels owned by every catalogue row (`SourceFootprints.own_leaves`).
    """

    catalog: Any
    rows: np.ndarray
    image: np.ndarray
    exposure: Any
    footprints: Any
    own: list

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
        also sets the flag.
        """
        rows = self.rows
        peak_x = self.footprints.peak_x[rows].astype(float)
        peak_y = self.footprints.peak_y[rows].astype(float)
        schema = self.catalog.schema
        if "slot_Centroid_x" not in schema:
            return peak_x, peak_y
        x = np.array(self.catalog["slot_Centroid_x"][rows], dtype=float)
        y = np.array(self.catalog["slot_Centroid_y"][rows], dtype=float)
        bad = ~(np.isfinite(x) & np.isfinite(y))
        flagged = bad.copy()
        if "slot_Centroid_flag" in schema:
            flagged |= np.asarray(self.catalog["slot_Centroid_flag"][rows], bool)
        if plugin.name + "_x" != schema.resolve("slot_Centroid_x"):
            self.catalog[plugin.flag][rows[flagged]] = True
        x[bad] = peak_x[bad]
        y[bad] = peak_y[bad]
        return x, y
