"""Shared steps of the peer pipelines (`sep_pipeline.py`, `photutils_pipeline.py`).

Only numpy and astropy: the peers must not import lsstlite. Each function reproduces the
lsstlite (LSST 2020) definition it is named after, so that the peers do the same work on the
same pixels with the same thresholds (``../shared/docs/algorithms.md`` §1.1, §3.1-3.2).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: Aperture radii (pixels) measured by every peer (lsstlite's CircularApertureFlux radii up to 25).
APERTURE_RADII = (3.0, 4.5, 6.0, 9.0, 12.0, 17.0, 25.0)
#: Detection threshold in units of the clipped standard deviation of the smoothed image.
THRESHOLD_SIGMA = 5.0
#: Rows at the top of an SDSS fpC frame that repeat the next field (obs_sdss ``overlapSize``).
SDSS_OVERLAP_ROWS = 128
#: Background cell size: LSST's default and obs_sdss' (lsstlite ``config_overrides/sdss.py``).
BIN_SIZE_DEFAULT = 128
BIN_SIZE_SDSS = 512
#: Gaussian sigma (pixels) of the detection smoothing: the PSF determinant radius of SDSS r.
PSF_SIGMA_DEFAULT = 1.1

_FPC_NAME = re.compile(r"^fpC-\d{6}-[ugriz]\d-\d{4}\.fit(s)?(\.gz)?$")


def is_sdss_fpc(path: str | os.PathLike) -> bool:
    """True if ``path`` is named like an SDSS fpC corrected frame."""
    return bool(_FPC_NAME.match(Path(path).name))


def read_frame(path: str | os.PathLike) -> tuple[np.ndarray, dict]:
    """Read the primary image as native-order, C-contiguous float32.

    SDSS fpC frames get ``SOFTBIAS`` subtracted and the 128 overlap rows trimmed (as lsstlite
    and obs_sdss do).

    Returns
    -------
    image : `numpy.ndarray`
        float32, native byte order.
    info : dict
        ``sdss`` (bool), ``gain`` (header GAIN or None), ``shape``.
    """
    from astropy.io import fits

    with fits.open(path, memmap=False) as hdul:
        header = hdul[0].header
        data = hdul[0].data
    if data is None or data.ndim != 2:
        msg = f"{path}: primary HDU is not a 2-D image"
        raise ValueError(msg)
    sdss = is_sdss_fpc(path)
    if sdss:
        data = data[: data.shape[0] - SDSS_OVERLAP_ROWS]
    image = np.ascontiguousarray(data, dtype=np.float32)
    softbias = header.get("SOFTBIAS")
    if softbias:
        image -= np.float32(softbias)
    gain = header.get("GAIN")
    return image, {"sdss": sdss, "gain": float(gain) if gain else None, "shape": image.shape}


def gaussian_weights(sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian taps of LSST's detection kernel: ``kw = (int(7 sigma + 0.5) // 2) * 2 + 1``."""
    width = (int(7.0 * sigma + 0.5) // 2) * 2 + 1
    half = width // 2
    x = np.arange(-half, half + 1, dtype=np.float64)
    w = np.exp(-0.5 * (x / sigma) ** 2)
    return (w / w.sum()).astype(np.float32)


def gaussian_kernel2d(sigma: float) -> np.ndarray:
    """The separable kernel as a 2-D array (sums to 1), for libraries that take one."""
    w = gaussian_weights(sigma)
    return np.outer(w, w).astype(np.float32)


def smooth_separable(image: np.ndarray, sigma: float) -> np.ndarray:
    """Correlate with the separable Gaussian in numpy (zero outside the image).

    Used only to compute the threshold (sep smooths internally for detection).
    """
    w = gaussian_weights(sigma)
    half = len(w) // 2
    ny, nx = image.shape
    padded = np.zeros((ny, nx + 2 * half), dtype=np.float32)
    padded[:, half:half + nx] = image
    rows = np.zeros((ny + 2 * half, nx), dtype=np.float32)
    middle = rows[half:half + ny]
    for k, wk in enumerate(w):
        middle += wk * padded[:, k:k + nx]
    out = np.zeros((ny, nx), dtype=np.float32)
    for k, wk in enumerate(w):
        out += wk * rows[k:k + ny]
    return out


def clipped_stdev(values: np.ndarray, nsigma: float = 3.0, niter: int = 3) -> float:
    """afw ``STDEVCLIP``: start at the median with sigma = 0.741 IQR, then ``niter`` rounds of
    clipped mean and standard deviation within ``nsigma``.

    The starting quartiles come from every ``stride``-th value (about 2e5 of them, as lsstlite
    does): they only place the first clipping window; the iterations use every value.
    """
    values = values.ravel()
    stride = max(1, values.size // 200_000)
    q25, q50, q75 = np.percentile(values[::stride], [25.0, 50.0, 75.0])
    centre, sigma = float(q50), 0.741 * float(q75 - q25)
    for _ in range(niter):
        kept = values[np.abs(values - centre) < nsigma * sigma]
        centre, sigma = float(kept.mean()), float(kept.std())
    return sigma


def detection_threshold(smoothed: np.ndarray, sigma: float) -> tuple[float, float]:
    """LSST 2020 ``thresholdType="stdev"``: T = 5 x clipped stdev of the smoothed image, pixels
    within ``kw // 2`` of the edge excluded. Returns ``(T, stdev)``."""
    half = len(gaussian_weights(sigma)) // 2
    stdev = clipped_stdev(smoothed[half:-half, half:-half])
    return THRESHOLD_SIGMA * stdev, stdev


def parse_args(description: str) -> argparse.Namespace:
    """Command line shared by the peers: ``FRAME OUTDIR [--psf-sigma S] [--bin-size N]``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("frame", help="FITS image (SDSS fpC frames are recognised by name)")
    parser.add_argument("outdir", help="directory for the output catalogue")
    parser.add_argument("--psf-sigma", type=float, default=PSF_SIGMA_DEFAULT,
                        help=f"Gaussian sigma of the detection smoothing, pixels "
                             f"(default {PSF_SIGMA_DEFAULT}, SDSS r)")
    parser.add_argument("--bin-size", type=int, default=0,
                        help=f"background cell size (default {BIN_SIZE_SDSS} for SDSS fpC, "
                             f"else {BIN_SIZE_DEFAULT})")
    return parser.parse_args()


class StageClock:
    """Wall-clock seconds per stage, printed as one ``peer-timings: {json}`` line.

    ``start`` is the `time.perf_counter` value at the top of the script (before the imports).
    """

    def __init__(self, start: float) -> None:
        self.start = start
        self.stages: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = time.perf_counter() - t0

    def report(self, peer: str, nsources: int, extra: dict | None = None) -> None:
        record = {"peer": peer, "nsources": nsources, "total": time.perf_counter() - self.start,
                  "stages": self.stages, **(extra or {})}
        print("peer-timings: " + json.dumps(record), flush=True)
