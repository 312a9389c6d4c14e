"""Benchmark: lsstlite separable Gaussian smoothing vs ``scipy.ndimage.gaussian_filter``.

Run ``python bench/bench_smooth.py [--repeat N] [--sigma S]``. Frame: 2048 x 1489 float32
(the SDSS frame size). Reports the median of N timed runs after one warm-up call each.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _median_ms(func, repeat: int) -> float:
    func()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sigma", type=float, default=1.1)
    args = parser.parse_args()

    from scipy import ndimage

    from lsstlite.kernels.smooth import gaussian_smooth, kernel_width

    rng = np.random.default_rng(0)
    image = rng.normal(145.0, 5.6, size=(1489, 2048)).astype(np.float32)
    half = kernel_width(args.sigma) // 2
    t_ours = _median_ms(lambda: gaussian_smooth(image, args.sigma), args.repeat)
    # same truncation radius for scipy as for lsstlite
    t_scipy = _median_ms(lambda: ndimage.gaussian_filter(image, args.sigma, radius=half), args.repeat)
    print(f"frame 2048x1489 float32, sigma={args.sigma}, kernel {2 * half + 1} taps, "
          f"median of {args.repeat}")
    print(f"lsstlite gaussian_smooth : {t_ours:8.2f} ms")
    print(f"scipy gaussian_filter    : {t_scipy:8.2f} ms")
    print(f"speed-up                 : {t_scipy / t_ours:8.1f}x")


if __name__ == "__main__":
    main()
