"""The whole pipeline on the SDSS Stripe 82 frames (run 4192, camcol 4, field 300)."""

import numpy as np
import pytest

from .run import process

TSFIELD_ZERO_POINT_R = 28.245


@pytest.fixture(scope="module")
def r_frame(sdss_data):
    frame = sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz"
    return process(frame, refcat=sdss_data / "refcat")[1]


@pytest.mark.sdss
def test_astrometry_against_the_reference_catalogue(r_frame):
    astrometry = r_frame.astrometry
    assert astrometry.numMatches >= 50
    assert astrometry.medianArcsec <= 0.05
    assert astrometry.rmsArcsec <= 0.1


@pytest.mark.sdss
def test_zero_point_of_total_counts_matches_tsfield(r_frame):
    assert abs(r_frame.exposure.photoCalib.zeroPoint - TSFIELD_ZERO_POINT_R) <= 0.01


@pytest.mark.sdss
def test_psf_fluxes_of_stars_agree_with_the_reference(r_frame):
    src, matches = r_frame.sourceCat, r_frame.matches
    row = {int(i): k for k, i in enumerate(src["id"])}
    rows = np.array([row[int(i)] for i in matches["src_id"]])
    good = (~src["base_PixelFlags_flag_saturated"][rows] & ~src["base_PsfFlux_flag"][rows]
            & (src["parent"][rows] == 0) & (src["deblend_nChild"][rows] == 0)
            & (src["base_ClassificationExtendedness_value"][rows] == 0))
    ratio = src["base_PsfFlux_flux"][rows][good] / np.asarray(matches["ref_r_flux"])[good]
    assert good.sum() >= 30
    assert abs(np.median(ratio) - 1) <= 0.01


@pytest.mark.sdss
def test_psf_model_and_star_moments_agree(r_frame):
    """Bright stars' adaptive moments vs the psField model's at their positions.

    Ixx and the determinant radius agree within 3%. Iyy (the drift-scan direction) of the stars
    is ~5.6% larger than the model's everywhere on the frame: measuring the model's own image
    with the same moments code reproduces the model values, and no row offset or transposed
    coefficient order removes it, so it is a property of the psField model for this frame
    (algorithms.md §1.3 noted it too), not of the measurement.
    """
    src, exposure = r_frame.sourceCat, r_frame.exposure
    bright = ((src["base_PsfFlux_instFlux"] / src["base_PsfFlux_instFluxErr"] > 100)
              & (src["base_ClassificationExtendedness_value"] == 0)
              & ~src["base_SdssShape_flag"] & ~src["base_PixelFlags_flag_saturatedCenter"]
              & (src["parent"] == 0) & (src["deblend_nChild"] == 0))
    assert bright.sum() >= 10
    xx, yy, xy = (src[f"base_SdssShape_{q}"][bright] for q in ("xx", "yy", "xy"))
    pxx, pyy, pxy = (src[f"base_SdssShape_psf_{q}"][bright] for q in ("xx", "yy", "xy"))
    assert abs(np.median(xx / pxx) - 1) <= 0.03
    det_ratio = ((xx * yy - xy**2) / (pxx * pyy - pxy**2)) ** 0.25
    assert abs(np.median(det_ratio) - 1) <= 0.03
    assert exposure.psf.fwhm(1023.5, 680.0) == pytest.approx(2.60, abs=0.05)


@pytest.mark.sdss
@pytest.mark.slow
@pytest.mark.parametrize("band", ["u", "g", "i", "z"])
def test_every_band_processes(sdss_data, band):
    frame = sdss_data / "run4192" / f"fpC-004192-{band}4-0300.fit.gz"
    result = process(frame, refcat=sdss_data / "refcat")[1]
    assert result.astrometry.numMatches >= 10 and result.astrometry.rmsArcsec <= 0.1
    tsfield = result.exposure.metadata["MAGZP"]
    assert abs(result.exposure.photoCalib.zeroPoint - tsfield) <= 0.02


@pytest.mark.sdss
def test_six_pixel_apertures_agree_with_sep(r_frame):
    """6 px sinc apertures vs sep's exact circles on the same calexp pixels (S/N > 50)."""
    sep = pytest.importorskip("sep")
    src, exposure = r_frame.sourceCat, r_frame.exposure
    flux = np.asarray(src["base_CircularApertureFlux_6_0_instFlux"])
    err = np.asarray(src["base_CircularApertureFlux_6_0_instFluxErr"])
    good = (flux / err > 50) & ~np.asarray(src["base_CircularApertureFlux_6_0_flag"]) & \
        (np.asarray(src["deblend_nChild"]) == 0) & (np.asarray(src["parent"]) == 0)
    x = np.asarray(src["slot_Centroid_x"])[good]
    y = np.asarray(src["slot_Centroid_y"])[good]
    ref, _, _ = sep.sum_circle(exposure.image.astype(np.float64), x, y, 6.0, subpix=0)
    assert good.sum() >= 50
    assert abs(np.median(flux[good] / ref) - 1) <= 0.003


@pytest.mark.sdss
def test_detection_recovers_sep_sources(r_frame):
    """sep on the same background-subtracted image, smoothed by the same Gaussian, at the same
    threshold: lsstlite recovers >= 97% of its sources within 1.5 px."""
    sep = pytest.importorskip("sep")
    from lsstlite.kernels.smooth import gaussian_smooth
    from lsstlite.algorithms.clipped_stats import clipped_mean_std

    exposure, src = r_frame.exposure, r_frame.sourceCat
    sigma = exposure.psf.determinantRadius()
    smoothed, border = gaussian_smooth(exposure.image, sigma)
    threshold = 5.0 * clipped_mean_std(smoothed[border:-border, border:-border])[1]
    found = sep.extract(smoothed.astype(np.float64), threshold, filter_kernel=None, minarea=1,
                        deblend_cont=1.0, clean=False)
    inner = ((found["x"] > 2 * border) & (found["x"] < exposure.width - 2 * border)
             & (found["y"] > 2 * border) & (found["y"] < exposure.height - 2 * border))
    peaks_x = np.concatenate([np.asarray(src["slot_Centroid_x"])])
    peaks_y = np.concatenate([np.asarray(src["slot_Centroid_y"])])
    d2 = (found["x"][inner, None] - peaks_x[None, :]) ** 2 + \
        (found["y"][inner, None] - peaks_y[None, :]) ** 2
    recovered = np.nanmin(d2, axis=1) <= 1.5**2
    assert inner.sum() >= 300
    assert recovered.mean() >= 0.97


@pytest.mark.sdss
def test_pca_psf_matches_the_psfield_psf_at_the_centre(sdss_data):
    """Characterise the r frame with our own PCA PSF and compare with psField's model."""
    from lsstlite.kernels.moments import adaptive_moments_stamp
    from lsstlite.io.sdss import read_sdss_frame

    frame = sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz"
    psfield = read_sdss_frame(frame)[0].psf
    _, result = process(frame, refcat=None, **{"charImage.doMeasurePsf": True,
                                               "doCalibrate": False})
    cx, cy = 1023.5, 680.0
    ours = adaptive_moments_stamp(result.exposure.psf.computeKernelImage(cx, cy))
    theirs = adaptive_moments_stamp(psfield.computeKernelImage(cx, cy))
    assert type(result.exposure.psf).__name__ == "PcaPsf"
    assert ours.xx == pytest.approx(theirs.xx, rel=0.03)
    assert ours.yy == pytest.approx(theirs.yy, rel=0.03)


@pytest.mark.sdss
def test_background_agrees_with_sep_on_the_same_pixels(r_frame, sdss_data):
    """Our subtracted background (all models) vs sep.Background on the same pixels, within 0.5 DN rms.

    Apples to apples: sep sees the post-ISR image (calexp + background), the pixels our model
    ignores (BAD, EDGE, DETECTED, DETECTED_NEGATIVE, NO_DATA of the calexp mask) masked, and our
    cell size (512 px with the SDSS overrides). fpC pixels are integer DN: sep's mode
    (2.5 median - 1.5 mean) takes the median of integers, which snaps to the nearest integer or
    half-integer, so its estimate moves by up to +-1.25 DN with the fractional part of the sky
    level (0.59 DN rms against ours on the raw integers, 4x the 0.14 DN left once the rounding is
    undone). A uniform sub-DN dither undoes the rounding in distribution without changing the
    expected sky; LSST's clipped mean is insensitive to it.
    """
    sep = pytest.importorskip("sep")
    from lsstlite.tasks.processFile import ProcessFileConfig, ProcessFileTask

    frame = sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz"
    config = ProcessFileConfig()
    for override in ProcessFileTask.cameraOverrides([str(frame)]):
        config.load(str(override))
    background = config.charImage.background
    exposure = r_frame.exposure
    ours = r_frame.background.evaluate().astype(np.float64)
    counts = np.rint(exposure.image + ours)
    dithered = counts + np.random.default_rng(0).uniform(-0.5, 0.5, counts.shape)
    ignored = (exposure.mask & exposure.planes.bitmask(*background.ignoredPixelMask)) != 0
    theirs = sep.Background(dithered, mask=ignored, bw=background.binSize, bh=background.binSize,
                            fw=3, fh=3).back()
    assert np.sqrt(np.mean((ours - theirs) ** 2)) < 0.5
