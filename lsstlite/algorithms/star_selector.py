"""Object-size star selection: cluster adaptive-moment widths and keep the narrowest cluster."""

from __future__ import annotations

import numpy as np

__all__ = ["select_stars_by_size"]


def _kmeans_1d(values: np.ndarray, centres: np.ndarray, n_iter: int = 20) -> np.ndarray:
    """Assign values to the nearest of ``centres``, re-centre on cluster medians, repeat."""
    centres = centres.copy()
    labels = np.zeros(values.size, dtype=np.int64)
    for _ in range(n_iter):
        labels = np.argmin(np.abs(values[:, None] - centres[None, :]), axis=1)
        new = centres.copy()
        for k in range(centres.size):
            members = values[labels == k]
            if members.size:
                new[k] = np.median(members)
        if np.array_equal(new, centres):
            break
        centres = new
    return labels


def select_stars_by_size(xx: np.ndarray, yy: np.ndarray, snr: np.ndarray, bad: np.ndarray, *,
                         width_min: float = 0.9, width_max: float = 10.0, snr_min: float = 50.0,
                         width_std_allowed: float = 0.15, n_sigma_clip: float = 2.0,
                         n_clusters: int = 4) -> np.ndarray:
    """Select point sources as the cluster of smallest adaptive-moment width.

    Parameters
    ----------
    xx, yy : ndarray
        Adaptive second moments (pixels²) of each source.
    snr : ndarray
        Signal-to-noise ratio of each source (e.g. PSF flux over its error).
    bad : ndarray of bool
        Sources excluded by flags (edge, saturated or interpolated centre, cosmic ray, ...).
    width_min, width_max : float
        Allowed range of the width ``sqrt((xx + yy) / 2)`` in pixels.
    snr_min : float
        Minimum signal-to-noise ratio.
    width_std_allowed : float
        Clipping of the star cluster stops once its robust scatter is below this width (pixels);
        also sets the spacing of the initial cluster centres.
    n_sigma_clip : float
        Clipping threshold around the cluster median, in units of its robust scatter.
    n_clusters : int
        Number of clusters of the 1-D k-means on the widths.

    Returns
    -------
    selected : ndarray of bool
        True for the sources judged to be stars.
    """
    width = np.sqrt(0.5 * (np.asarray(xx, float) + np.asarray(yy, float)))
    ok = (~np.asarray(bad, bool) & np.isfinite(width) & np.isfinite(snr)
          & (np.asarray(snr, float) >= snr_min) & (width >= width_min) & (width <= width_max))
    selected = np.zeros(width.size, dtype=bool)
    if ok.sum() == 0:
        return selected
    w = width[ok]
    base = np.percentile(w, 10)
    centres = base * (1.0 + 2.0 * width_std_allowed * np.arange(n_clusters))
    labels = _kmeans_1d(w, centres)
    members = labels == labels[np.argmin(w)]
    for _ in range(20):
        med = np.median(w[members])
        q75, q25 = np.percentile(w[members], [75, 25])
        sigma = min(np.std(w[members]), 0.741 * (q75 - q25))
        if sigma < width_std_allowed or members.sum() < 3:
            break
        new = np.abs(w - med) <= n_sigma_clip * sigma
        if np.array_equal(new, members):
            break
        members = new
    selected[np.flatnonzero(ok)[members]] = True
    return selected
