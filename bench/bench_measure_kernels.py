"""Per-source timings of the measurement kernels: 600 stars on a 2048x1489 synthetic frame.

Run: ``python bench/bench_measure_kernels.py``. Each kernel is called once to compile (or load
the cache), then timed over all sources in one call (best of 5).
"""

from __future__ import annotations

import time

import numpy as np

from lsstlite.kernels.aperture import DEFAULT_RADII, circular_aperture_flux
from lsstlite.kernels.centroid import sdss_centroid
from lsstlite.kernels.kron import kron_flux
from lsstlite.kernels.moments import adaptive_moments, gaussian_flux
from lsstlite.kernels.psf_flux import psf_flux

NY, NX, NSRC, SIGMA, SKY = 1489, 2048, 600, 1.5, 5.0
STAMP = 31


def make_frame(rng):
    xs = rng.uniform(80, NX - 80, NSRC)
    ys = rng.uniform(80, NY - 80, NSRC)
    flux = 10 ** rng.uniform(3, 5, NSRC)
    img = rng.normal(0, SKY, (NY, NX))
    half = STAMP // 2
    grid = np.arange(-half, half + 1)
    stamps = np.empty((NSRC, STAMP, STAMP))
    for i in range(NSRC):
        ix, iy = int(round(xs[i])), int(round(ys[i]))
        g = np.exp(-((grid[None, :] + ix - xs[i]) ** 2 + (grid[:, None] + iy - ys[i]) ** 2)
                   / (2 * SIGMA ** 2))
        stamps[i] = g / g.sum()
        img[iy - half: iy + half + 1, ix - half: ix + half + 1] += flux[i] * stamps[i]
    x0 = np.round(xs).astype(int) - half
    y0 = np.round(ys).astype(int) - half
    return img.astype(np.float32), xs, ys, stamps, x0, y0


def best_time(func, repeat=5):
    func()
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    rng = np.random.default_rng(42)
    img, xs, ys, stamps, x0, y0 = make_frame(rng)
    var = np.full(img.shape, SKY ** 2, np.float32)
    mask = np.zeros(img.shape, np.int32)
    peaks_x, peaks_y = np.round(xs), np.round(ys)
    cen = sdss_centroid(img, var, peaks_x, peaks_y, SIGMA)
    mom = adaptive_moments(img, var, cen.x, cen.y)
    cases = {
        "sdss_centroid": lambda: sdss_centroid(img, var, peaks_x, peaks_y, SIGMA),
        "adaptive_moments": lambda: adaptive_moments(img, var, cen.x, cen.y),
        "gaussian_flux": lambda: gaussian_flux(img, var, cen.x, cen.y, mom.xx, mom.yy, mom.xy),
        "psf_flux (31x31)": lambda: psf_flux(img, var, mask, stamps, x0, y0),
        "apertures r<=10 (sinc x4)": lambda: circular_aperture_flux(
            img, var, cen.x, cen.y, [r for r in DEFAULT_RADII if r <= 10]),
        "apertures r>10 (exact x6)": lambda: circular_aperture_flux(
            img, var, cen.x, cen.y, [r for r in DEFAULT_RADII if r > 10]),
        "apertures all 10 radii": lambda: circular_aperture_flux(img, var, cen.x, cen.y),
        "kron_flux": lambda: kron_flux(img, var, mask, cen.x, cen.y, mom.xx, mom.yy, mom.xy),
    }
    print(f"{NSRC} sources on a {NX}x{NY} frame (sigma {SIGMA} px), best of 5 after warm-up")
    total = 0.0
    for name, func in cases.items():
        t = best_time(func)
        if not name.startswith("apertures r"):
            total += t
        print(f"  {name:28s} {1e6 * t / NSRC:8.1f} us/source  {1e3 * t:7.2f} ms")
    print(f"  {'total (distinct kernels)':28s} {1e6 * total / NSRC:8.1f} us/source  {1e3 * total:7.2f} ms")


if __name__ == "__main__":
    main()
