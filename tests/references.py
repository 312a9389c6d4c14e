"""Plain-numpy reference definitions shared by several test areas."""

import numpy as np


def meanclip(values, nsigma=3.0, niter=3):
    """afw's MEANCLIP of ``values``: ``(mean, stdev, n)`` of the last clipped set.

    The window starts at the median with half-width ``nsigma * 0.741 * IQR``; each of the
    ``niter`` passes keeps ``|v - centre| <= half-width`` and moves the window to the kept
    values' mean and ``nsigma`` times their standard deviation (``n - 1`` denominator).
    """
    q1, med, q3 = np.percentile(values, [25.0, 50.0, 75.0])
    centre, hw = med, nsigma * 0.741 * (q3 - q1)
    for _ in range(niter):
        kept = values[np.abs(values - centre) <= hw]
        centre, sd = kept.mean(), kept.std(ddof=1)
        hw = nsigma * sd
    return centre, sd, kept.size
