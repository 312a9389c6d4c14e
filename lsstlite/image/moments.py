"""Adaptive second moments (Bernstein & Jarvis 2002) of a small image, in plain numpy."""

from __future__ import annotations

import numpy as np


class MomentsError(ValueError):
    """Adaptive moments failed (non-positive weighted flux or a degenerate shape)."""


def adaptive_moments(image: np.ndarray, x: float | None = None, y: float | None = None,
                     max_iter: int = 200, tol: float = 1e-9) -> tuple[float, float, float, float, float]:
    """Converged elliptical-Gaussian-weighted moments of ``image``.

    The weight is an elliptical Gaussian whose centre and covariance are iterated until the
    weighted moments equal half the weight covariance (the Bernstein & Jarvis / SdssShape fixed
    point). For a Gaussian profile of covariance C the result is exactly C (``xx = yy = sigma²``).

    Parameters
    ----------
    image : ndarray
        2-D image, ``[y, x]``, background-free.
    x, y : float, optional
        Starting centre (pixel coordinates in ``image``); default the central pixel.
    max_iter : int
        Iteration limit.
    tol : float
        Convergence on the covariance, relative to its trace.

    Returns
    -------
    xc, yc, xx, yy, xy : float
        Centre and second moments (pixels, pixels²).

    Raises
    ------
    MomentsError
        If the weighted flux is not positive or the shape degenerates.
    """
    img = np.asarray(image, dtype=float)
    ny, nx = img.shape
    xc = (nx - 1) / 2.0 if x is None else float(x)
    yc = (ny - 1) / 2.0 if y is None else float(y)
    gx = np.arange(nx, dtype=float)
    gy = np.arange(ny, dtype=float)[:, None]
    pos = np.clip(img, 0.0, None)
    total = pos.sum()
    if not total > 0:
        msg = "adaptive moments: image has no positive flux"
        raise MomentsError(msg)
    start = max(((pos * (gx - xc) ** 2).sum() + (pos * (gy - yc) ** 2).sum()) / (2 * total), 0.25)
    m = np.array([[start, 0.0], [0.0, start]])
    for _ in range(max_iter):
        minv = np.linalg.inv(m)
        dx = gx - xc
        dy = gy - yc
        arg = minv[0, 0] * dx * dx + 2.0 * minv[0, 1] * dx * dy + minv[1, 1] * dy * dy
        wimg = np.exp(-0.5 * arg) * img
        s = wimg.sum()
        if not s > 0:
            msg = "adaptive moments: weighted flux is not positive"
            raise MomentsError(msg)
        mx = (wimg * dx).sum() / s
        my = (wimg * dy).sum() / s
        qxx = (wimg * dx * dx).sum() / s - mx * mx
        qyy = (wimg * dy * dy).sum() / s - my * my
        qxy = (wimg * dx * dy).sum() / s - mx * my
        q = np.array([[qxx, qxy], [qxy, qyy]])
        if np.linalg.det(q) <= 0 or qxx <= 0:
            msg = "adaptive moments: weighted covariance is not positive definite"
            raise MomentsError(msg)
        # Deconvolve the weight: object^-1 = Q^-1 - W^-1 (exact for Gaussians); fall back to 2Q.
        d = np.linalg.inv(q) - minv
        m_new = np.linalg.inv(d) if (d[0, 0] > 0 and np.linalg.det(d) > 0) else 2.0 * q
        # The weighted centroid moves by the fraction (object + weight)^-1 weight of the offset.
        shift = (m_new + m) @ np.linalg.solve(m, np.array([mx, my]))
        step = np.clip(shift, -1.0, 1.0)
        xc += step[0]
        yc += step[1]
        change = np.abs(m_new - m).max() + np.abs(step).max()
        m = m_new
        if change < tol * np.trace(m):
            break
    return float(xc), float(yc), float(m[0, 0]), float(m[1, 1]), float(m[0, 1])
