"""Iteratively sigma-clipped mean and standard deviation of many pixel values."""

from __future__ import annotations

import numpy as np

__all__ = ["clipped_mean_std"]


def clipped_mean_std(values: np.ndarray, nsigma: float = 3.0, niter: int = 3,
                     mask: np.ndarray | None = None) -> tuple[float, float]:
    """Iterative ``nsigma``-clipped mean and standard deviation (afw MEANCLIP / STDEVCLIP).

    The first clipping window is centred on the median with half-width ``nsigma`` times
    0.741 x the interquartile range, both taken on an evenly spaced subsample of at most ~5e4
    values (they only place the window, to ~0.5% of sigma); each of the ``niter`` iterations then keeps the values
    within the window and re-centres it on their mean and standard deviation (one pass of a
    Numba kernel over the values, no copies). Non-finite values are never kept.

    Parameters
    ----------
    values : array_like
        Pixel values (any shape; contiguous float32 is used without a copy).
    nsigma : float
        Clipping half-width in standard deviations.
    niter : int
        Clipping iterations.
    mask : array_like of bool, optional
        Same shape as ``values``: only values where it is true are used (default: all).

    Returns
    -------
    mean, std : float
        NaN for an empty (or all non-finite) input.
    """
    from lsstlite.kernels.clipped import clipped_sums

    values = np.ascontiguousarray(values, dtype=np.float32).ravel()
    use = (np.ones(values.shape, dtype=bool) if mask is None
           else np.ascontiguousarray(mask, dtype=bool).ravel())
    if use.shape != values.shape:
        msg = f"mask: {use.size} values for {values.size} values"
        raise ValueError(msg)
    stride = max(1, values.size // 50_000)
    sample = values[::stride][use[::stride]]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        sample = values[use]
        sample = sample[np.isfinite(sample)]
        if sample.size == 0:
            return float("nan"), float("nan")
    q25, centre, q75 = np.percentile(sample, [25.0, 50.0, 75.0])
    centre = float(centre)
    sigma = 0.741 * float(q75 - q25)
    for _ in range(niter):
        n, s, ss = clipped_sums(values, use, centre, nsigma * sigma)
        if n == 0:
            break
        shift = s / n
        centre += shift
        sigma = float(np.sqrt(max(ss / n - shift * shift, 0.0)))
    return centre, sigma
