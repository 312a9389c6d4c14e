"""Detector effects: Poisson and read noise, cosmic rays, saturation with bleed trails, bad columns."""

from __future__ import annotations

import numpy as np

__all__ = ["add_noise", "draw_cosmic_rays", "bleed_and_saturate", "draw_bad_columns", "apply_bad_columns"]


def add_noise(rng: np.random.Generator, model_dn: np.ndarray, gain: float, read_noise_e: float) -> np.ndarray:
    """Poisson noise on the signal in electrons plus Gaussian read noise; returns DN.

    The variance of a pixel in DN is ``model / gain + (read_noise_e / gain)**2``.
    """
    electrons = rng.poisson(np.maximum(model_dn, 0.0) * gain).astype(np.float64)
    electrons += rng.normal(0.0, read_noise_e, model_dn.shape)
    return electrons / gain


def draw_cosmic_rays(rng: np.random.Generator, n: int, width: int, height: int,
                     length_range=(2.0, 20.0), deposit_range=(150.0, 2000.0)) -> dict[str, np.ndarray]:
    """Straight, sharp cosmic-ray tracks rasterised onto pixels.

    Each track has a uniform random start, direction and length, and deposits a log-uniform
    charge per pixel of path (DN per pixel length); a pixel receives deposit x path length
    inside it. Pixels crossed for less than 0.2 px are dropped.

    Returns
    -------
    pixels : dict of ndarray
        ``x``, ``y`` (int), ``value`` (DN added), ``cr_id`` (track number, from 0); one row per
        affected pixel (overlapping tracks are summed into the first track's row).
    """
    if n == 0:
        return {"x": np.zeros(0, np.int32), "y": np.zeros(0, np.int32), "value": np.zeros(0),
                "cr_id": np.zeros(0, np.int32)}
    x0 = rng.uniform(0, width - 1, n)
    y0 = rng.uniform(0, height - 1, n)
    angle = rng.uniform(0, np.pi, n)
    length = rng.uniform(*length_range, n)
    deposit = np.exp(rng.uniform(np.log(deposit_range[0]), np.log(deposit_range[1]), n))
    step = 0.02
    steps = np.ceil(length / step).astype(int)
    track = np.repeat(np.arange(n), steps)
    s = (np.arange(track.size) - np.repeat(np.cumsum(steps) - steps, steps) + 0.5) * step
    px = np.rint(x0[track] + s * np.cos(angle[track])).astype(np.int64)
    py = np.rint(y0[track] + s * np.sin(angle[track])).astype(np.int64)
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    track, px, py = track[inside], px[inside], py[inside]
    key = (track * height + py) * width + px
    unique, first, counts = np.unique(key, return_index=True, return_counts=True)
    path = counts * step
    keep = path >= 0.2
    t = track[first][keep]
    xs, ys, values = px[first][keep], py[first][keep], (deposit[track[first]] * path)[keep]
    pixel = ys * width + xs
    order = np.lexsort((t, pixel))
    pixel, t, xs, ys, values = pixel[order], t[order], xs[order], ys[order], values[order]
    start = np.r_[True, pixel[1:] != pixel[:-1]]
    summed = np.add.reduceat(values, np.flatnonzero(start)) if values.size else values
    return {"x": xs[start].astype(np.int32), "y": ys[start].astype(np.int32), "value": summed,
            "cr_id": t[start].astype(np.int32)}


def _spill(column: np.ndarray, excess: float, start: int, direction: int, saturation: float) -> float:
    """Fill pixels from ``start`` in ``direction`` up to saturation with ``excess``; return what is left."""
    index = np.arange(start, column.size) if direction > 0 else np.arange(start, -1, -1)
    if index.size == 0 or excess <= 0:
        return excess
    room = np.maximum(saturation - column[index], 0.0)
    filled = np.cumsum(room)
    full = np.searchsorted(filled, excess)  # pixels fully filled before the last, partial one
    column[index[:full]] = saturation
    if full < index.size:
        column[index[full]] += excess - (filled[full - 1] if full > 0 else 0.0)
        return 0.0
    return excess - filled[-1]


def bleed_and_saturate(image: np.ndarray, saturation: float) -> np.ndarray:
    """Move charge above ``saturation`` along columns (half up, half down), then clip.

    Charge is conserved except where a trail leaves the image. Returns a boolean array of the
    pixels at the saturation level afterwards.
    """
    for x in np.flatnonzero((image > saturation).any(axis=0)):
        column = image[:, x]
        over = column > saturation
        # contiguous runs of saturated pixels in this column
        edges = np.flatnonzero(np.diff(np.r_[0, over.view(np.int8), 0]))
        for top, end in zip(edges[::2], edges[1::2]):
            excess = float(np.sum(column[top:end] - saturation))
            column[top:end] = saturation
            _spill(column, excess / 2, end, +1, saturation)
            _spill(column, excess / 2, top - 1, -1, saturation)
    np.minimum(image, saturation, out=image)
    return image >= saturation


def draw_bad_columns(rng: np.random.Generator, n: int, width: int, height: int) -> dict[str, np.ndarray]:
    """Bad columns: alternately dead (10% response) and hot (+800 DN); the second and later
    ones cover part of the height. Returns ``x``, ``y0``, ``y1`` (inclusive) and ``kind``."""
    edge = min(20, width // 4)  # keep bad columns off the frame edges
    xs = rng.choice(np.arange(edge, width - edge), size=n, replace=False)
    y0 = np.zeros(n, dtype=np.int32)
    y1 = np.full(n, height - 1, dtype=np.int32)
    if n > 1:
        y0[1:] = rng.integers(0, height // 2, n - 1)
    kind = np.array(["dead" if i % 2 == 0 else "hot" for i in range(n)])
    return {"x": xs.astype(np.int32), "y0": y0, "y1": y1, "kind": kind}


def apply_bad_columns(image: np.ndarray, columns: dict[str, np.ndarray]) -> None:
    """Apply dead (x0.1) and hot (+800 DN) columns in place."""
    for x, y0, y1, kind in zip(columns["x"], columns["y0"], columns["y1"], columns["kind"]):
        segment = image[y0:y1 + 1, x]
        image[y0:y1 + 1, x] = segment * 0.1 if kind == "dead" else segment + 800.0
