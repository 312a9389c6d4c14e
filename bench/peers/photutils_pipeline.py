"""Peer pipeline with photutils: the lsstlite stages on one frame, for the speed comparison.

``python bench/peers/photutils_pipeline.py FRAME OUTDIR [--psf-sigma 1.1] [--bin-size N]``

photutils is not an lsstlite dependency: ``pip install photutils`` (written for 3.0) to run it.
Stages (same pixels and thresholds as lsstlite and the sep peer; see ``sep_pipeline.py``):

1. read: astropy, native float32; SDSS fpC: SOFTBIAS removed, the 128 overlap rows trimmed;
2. background: ``Background2D`` with boxes of lsstlite's cell size (512 SDSS, else 128),
   3x3 median filter of the mesh, 3-sigma clipping, SExtractor estimator; subtracted;
3. detection: the image convolved (``astropy.convolution.convolve``, as photutils documents)
   with the separable Gaussian of the PSF sigma as a 2-D kernel; ``detect_sources`` at 5 x the
   clipped standard deviation of the convolved image, 8-connected, ``n_pixels=1``;
   ``deblend_sources`` (32 levels, contrast 0.005, as sep);
4. ``SourceCatalog``: circular apertures 3, 4.5, 6, 9, 12, 17, 25 px;
5. Kron radius and flux (photutils defaults, ``kron_params=(2.5, 1.4, 0)``);
6. windowed centroids (``x_centroid_win``);
7. write ``OUTDIR/<frame>_photutils.fits``.

Prints one ``peer-timings: {json}`` line with the stage times (photutils computes catalogue
properties lazily: each stage's time is that of the first property it asks for).
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from astropy.convolution import convolve  # noqa: E402
from astropy.stats import SigmaClip  # noqa: E402
from astropy.table import Table  # noqa: E402
from photutils.background import Background2D, SExtractorBackground  # noqa: E402
from photutils.segmentation import SourceCatalog, deblend_sources, detect_sources  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

_T_IMPORTS = time.perf_counter() - _T_START


def main() -> int:
    args = common.parse_args(__doc__.splitlines()[0])
    clock = common.StageClock(_T_START)
    clock.stages["imports"] = _T_IMPORTS

    with clock.stage("read"):
        image, info = common.read_frame(args.frame)
    bin_size = args.bin_size or (common.BIN_SIZE_SDSS if info["sdss"] else common.BIN_SIZE_DEFAULT)

    with clock.stage("background"):
        bkg = Background2D(image, bin_size, filter_size=3,
                           sigma_clip=SigmaClip(sigma=3.0, maxiters=3),
                           bkg_estimator=SExtractorBackground())
        image -= bkg.background.astype(np.float32)
        error = bkg.background_rms

    with clock.stage("detection"):
        kernel = common.gaussian_kernel2d(args.psf_sigma)
        convolved = convolve(image, kernel, normalize_kernel=False, boundary="fill",
                             fill_value=0.0)
        threshold, stdev = common.detection_threshold(convolved, args.psf_sigma)
        segments = detect_sources(convolved, threshold, n_pixels=1, connectivity=8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "the deblending mode of one or more sources..."
            segments = deblend_sources(convolved, segments, n_pixels=1, n_levels=32,
                                       contrast=0.005, progress_bar=False)
        catalog = SourceCatalog(image, segments, convolved_data=convolved, error=error)

    columns = {"id": catalog.label, "x": catalog.x_centroid, "y": catalog.y_centroid}
    with clock.stage("apertures"):
        for radius in common.APERTURE_RADII:
            flux, flux_err = catalog.circular_photometry(radius)
            name = f"ap_{radius:g}".replace(".", "_")
            columns[f"{name}_flux"] = np.asarray(flux)
            columns[f"{name}_flux_err"] = np.asarray(flux_err)

    with clock.stage("kron"):
        columns.update(kron_radius=np.asarray(catalog.kron_radius),
                       kron_flux=np.asarray(catalog.kron_flux),
                       kron_flux_err=np.asarray(catalog.kron_flux_err))

    with clock.stage("centroid"):
        columns.update(x_win=catalog.x_centroid_win, y_win=catalog.y_centroid_win)

    with clock.stage("write"):
        table = Table(columns)
        table.meta.update(FRAME=Path(args.frame).name[:68], THRESH=threshold, SMSTDEV=stdev,
                          BINSIZE=bin_size, PSFSIG=args.psf_sigma)
        os.makedirs(args.outdir, exist_ok=True)
        stem = Path(args.frame).name.split(".")[0]
        table.write(Path(args.outdir) / f"{stem}_photutils.fits", overwrite=True)

    clock.report("photutils", len(catalog), {"threshold": threshold, "smoothed_stdev": stdev,
                                             "bin_size": bin_size})
    return 0


if __name__ == "__main__":
    sys.exit(main())
