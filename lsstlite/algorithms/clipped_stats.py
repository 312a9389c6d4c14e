"""Iteratively sigma-clipped mean and standard deviation of many pixel values."""

from __future__ import annotations

import numpy as np

__all__ = ["clipped_mean_std"]


def clipped_mean_std(values: np.ndarray, nsigma: float = 3.0, niter: int = 3,
                     max_samples: int | None = None) -> tuple[float, float]:
    """Iterative ``nsigma``-clipped mean and standard deviation (afw MEANCLIP / STDEVCLIP).

    The first clipping window is centred on the median with half-width ``nsigma`` times
    0.741 x the interquartile range, both taken on every ``stride``-th value (at most ~2e5 of
    them: they only place the window); each of the ``niter`` iterations then keeps the values
    within the window and re-centres it on their mean and standard deviation. Non-finite values
    are never kept.

    Parameters
    ----------
    values : array_like
        Pixel values (any shape; float32 is kept, without a float64 copy).
    nsigma : float
        Clipping half-width in standard deviations.
    niter : int
        Clipping iterations.
    max_samples : int, optional
        Use only an evenly spaced subsample of at most this many values for everything (the
        statistic is then known to ~1/sqrt(max_samples)).

    Returns
    -------
    mean, std : float
        NaN for an empty (or all non-finite) input.
    """
    values = np.asarray(values, dtype=np.float32).ravel()
    if max_samples is not None and values.size > max_samples:
        values = values[::values.size // max_samples]
    if not np.isfinite(values).any():
        return float("nan"), float("nan")
    stride = max(1, values.size // 200_000)
    q25, centre, q75 = np.nanpercentile(values[::stride], [25.0, 50.0, 75.0])
    centre = float(centre)
    sigma = 0.741 * float(q75 - q25)
    work = np.empty_like(values)
    for _ in range(niter):
        np.subtract(values, np.float32(centre), out=work)
        np.abs(work, out=work)
        kept = values[work <= np.float32(nsigma * sigma)]
        if kept.size == 0:
            break
        centre = float(kept.sum(dtype=np.float64)) / kept.size
        kept -= np.float32(centre)  # centred, so a float32 dot product keeps ~1e-6 precision
        sigma = float(np.sqrt(float(np.dot(kept, kept)) / kept.size))
    return centre, sigma
