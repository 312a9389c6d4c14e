"""Synthetic frames with known stars, and their footprints, for measurement tests."""

from __future__ import annotations

import numpy as np

from lsstlite.image import Exposure, GaussianPsf
from lsstlite.meas.footprints import SourceFootprints

SIGMA = 1.5
SKY_SIGMA = 5.0


def pixel_gaussian(shape, x, y, flux, sigma=SIGMA):
    """Circular Gaussian sampled at pixel centres, like `GaussianPsf` (sum = flux to 1e-6)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    r2 = (xx - x) ** 2 + (yy - y) ** 2
    return flux * np.exp(-0.5 * r2 / sigma**2) / (2 * np.pi * sigma**2)


def star_field(seed=0, shape=(200, 240), positions=None, fluxes=None, noise=True):
    """An exposure with Gaussian stars, their truth and footprints from the noiseless image."""
    rng = np.random.default_rng(seed)
    if positions is None:
        gy, gx = np.mgrid[:4, :5]
        positions = np.stack([30 + 45 * gx.ravel() + rng.uniform(-0.5, 0.5, 20),
                              30 + 45 * gy.ravel() + rng.uniform(-0.5, 0.5, 20)], axis=1)
    positions = np.asarray(positions, float)
    if fluxes is None:
        fluxes = 10 ** rng.uniform(3.5, 5, len(positions))
    truth = np.zeros(shape)
    for (x, y), f in zip(positions, fluxes):
        truth += pixel_gaussian(shape, x, y, f)
    variance = np.full(shape, SKY_SIGMA**2)
    image = truth + (rng.normal(0, SKY_SIGMA, shape) if noise else 0.0)
    exposure = Exposure(image.astype(np.float32), variance=variance.astype(np.float32),
                        psf=GaussianPsf(SIGMA))
    from skimage.measure import label

    labels = label(truth > 3 * SKY_SIGMA / 5, connectivity=2).astype(np.int32)
    n = int(labels.max())
    bbox = np.zeros((n, 4), np.int64)
    npix = np.zeros(n, np.int64)
    peak_x = np.zeros(n)
    peak_y = np.zeros(n)
    for lab in range(1, n + 1):
        ys, xs = np.nonzero(labels == lab)
        bbox[lab - 1] = xs.min(), ys.min(), xs.max(), ys.max()
        npix[lab - 1] = xs.size
        k = np.argmax(truth[ys, xs])
        peak_x[lab - 1], peak_y[lab - 1] = xs[k], ys[k]
    footprints = SourceFootprints(labels, np.arange(1, n + 1, dtype=np.int32), bbox, npix,
                                  peak_x, peak_y, truth[peak_y.astype(int), peak_x.astype(int)])
    # match truth to footprints (one star per footprint by construction)
    order = np.array([labels[int(round(y)), int(round(x))] - 1 for x, y in positions])
    return exposure, footprints, positions[np.argsort(order)], np.asarray(fluxes)[np.argsort(order)]
