"""Peer pipeline with sep: the lsstlite stages on one frame, for the speed comparison.

``python bench/peers/sep_pipeline.py FRAME OUTDIR [--psf-sigma 1.1] [--bin-size N]``

Stages (same pixels and thresholds as lsstlite; ``../shared/docs/algorithms.md`` §3.1-3.2):

1. read: astropy, native float32; SDSS fpC: SOFTBIAS removed, the 128 overlap rows trimmed;
2. background: ``sep.Background`` with ``bw = bh`` = lsstlite's cell size (512 SDSS, else 128),
   subtracted;
3. detection: ``sep.extract`` with the separable Gaussian of the PSF sigma as a ``conv`` filter
   (not sep's matched filter) and an absolute threshold of 5 x the clipped standard deviation of
   the smoothed image (LSST 2020 ``thresholdType="stdev"``; sep's own ``thresh * err`` would
   compare the smoothed image with the *unsmoothed* noise); ``minarea=1`` (LSST ``minPixels``),
   no cleaning, sep's multi-threshold deblending;
4. circular apertures 3, 4.5, 6, 9, 12, 17, 25 px (exact overlap up to 10 px, pixel centres
   beyond, as LSST's sinc and naive apertures);
5. Kron radius (6 a) and flux in 2.5 Kron radii (circle of 1.75 px minimum);
6. windowed centroids (``sep.winpos``, sigma from the half-light radius, at most 25 px);
7. write ``OUTDIR/<frame>_sep.fits``.

Prints one ``peer-timings: {json}`` line with the stage times.
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sep  # noqa: E402
from astropy.table import Table  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

_T_IMPORTS = time.perf_counter() - _T_START

KRON_MIN_RADIUS = 1.75
SINC_MAX_RADIUS = 10.0


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0])
    clock = common.StageClock(_T_START)
    clock.stages["imports"] = _T_IMPORTS
    sep.set_extract_pixstack(5_000_000)
    sep.set_sub_object_limit(4096)

    with clock.stage("read"):
        image, info = common.read_frame(args.frame)
    bin_size = args.bin_size or (common.BIN_SIZE_SDSS if info["sdss"] else common.BIN_SIZE_DEFAULT)

    with clock.stage("background"):
        bkg = sep.Background(image, bw=bin_size, bh=bin_size, fw=3, fh=3)
        bkg.subfrom(image)
        noise = bkg.globalrms

    with clock.stage("detection"):
        smoothed = common.smooth_separable(image, args.psf_sigma)
        threshold, stdev = common.detection_threshold(smoothed, args.psf_sigma)
        del smoothed
        objects = sep.extract(image, threshold, err=None, minarea=1,
                              filter_kernel=common.gaussian_kernel2d(args.psf_sigma),
                              filter_type="conv", clean=False)
    x, y = objects["x"], objects["y"]
    a = np.maximum(objects["a"], 0.1)
    b = np.maximum(objects["b"], 0.1)
    # float32 pi/2 rounds above float64 pi/2, which the aperture functions reject
    theta = np.clip(objects["theta"].astype(np.float64), -np.pi / 2, np.pi / 2)

    columns = {"id": np.arange(1, len(objects) + 1), "x": x, "y": y, "a": a, "b": b,
               "theta": theta, "peak": objects["cpeak"], "npix": objects["npix"],
               "detect_flag": objects["flag"]}
    with clock.stage("apertures"):
        for radius in common.APERTURE_RADII:
            subpix = 0 if radius <= SINC_MAX_RADIUS else 1
            flux, flux_err, flag = sep.sum_circle(image, x, y, radius, err=noise,
                                                  gain=info["gain"], subpix=subpix)
            name = f"ap_{radius:g}".replace(".", "_")
            columns[f"{name}_flux"] = flux
            columns[f"{name}_flux_err"] = flux_err
            columns[f"{name}_flag"] = flag

    with clock.stage("kron"):
        kron_radius, kron_flag = sep.kron_radius(image, x, y, a, b, theta, 6.0)
        kron_radius = np.where(np.isfinite(kron_radius), kron_radius, 0.0)
        small = ~(kron_radius * np.sqrt(a * b) >= KRON_MIN_RADIUS)
        big = ~small
        kron_flux = np.zeros(len(x))
        kron_flux_err = np.zeros(len(x))
        flux_flag = np.zeros(len(x), dtype=np.int16)
        kron_flux[big], kron_flux_err[big], flux_flag[big] = sep.sum_ellipse(
            image, x[big], y[big], a[big], b[big], theta[big], 2.5 * kron_radius[big], err=noise,
            gain=info["gain"], subpix=1)
        kron_flux[small], kron_flux_err[small], flux_flag[small] = sep.sum_circle(
            image, x[small], y[small], KRON_MIN_RADIUS, err=noise, gain=info["gain"], subpix=1)
        columns.update(kron_radius=kron_radius, kron_flux=kron_flux, kron_flux_err=kron_flux_err,
                       kron_flag=kron_flag | flux_flag)

    with clock.stage("centroid"):
        half_light, _ = sep.flux_radius(image, x, y, 6.0 * a, 0.5,
                                        normflux=np.where(kron_flux > 0, kron_flux, 1.0), subpix=5)
        # the half-light radius bounded by the largest aperture: a bad column detected as one
        # 700-px object would otherwise make a 600-px window
        half_light = np.clip(np.nan_to_num(half_light, nan=1.0), 0.5, max(common.APERTURE_RADII))
        sig = 2.0 / 2.35 * half_light
        x_win, y_win, win_flag = sep.winpos(image, x, y, sig)
        columns.update(x_win=x_win, y_win=y_win, win_flag=win_flag)

    with clock.stage("write"):
        table = Table(columns)
        table.meta.update(FRAME=Path(args.frame).name[:68], THRESH=threshold, SMSTDEV=stdev,
                          BKGRMS=noise, BINSIZE=bin_size, PSFSIG=args.psf_sigma)
        os.makedirs(args.outdir, exist_ok=True)
        stem = Path(args.frame).name.split(".")[0]
        table.write(Path(args.outdir) / f"{stem}_sep.fits", overwrite=True)

    clock.report("sep", len(objects), {"threshold": threshold, "smoothed_stdev": stdev,
                                       "bin_size": bin_size})
    return 0


if __name__ == "__main__":
    sys.exit(main())
