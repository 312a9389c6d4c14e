"""Section (b): the pipeline on the SDSS Stripe 82 frames (run 4192, camcol 4, field 300).

The r frame is compared with the reference catalogue (astrometry, PSF fluxes of stars), its
tsField zero point (``MAGZP`` of the exposure) and a sep run on lsstlite's own
background-subtracted calexp image; all five bands are processed for the zero point.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pipeline import process
from report import Report, Target
from stats import clipped_std, median_with_error

log = logging.getLogger("validation.sdss")

BANDS = "ugriz"
TSFIELD_ZERO_POINT_R = 28.245
SEP_MATCH_RADIUS = 1.5      # px
DETECTION_NSIGMA = 5.0
APERTURE_RADIUS = 6.0       # px
APERTURE_MIN_SNR = 50.0
SECTION = "SDSS"


def frame_path(sdss: Path, band: str) -> Path:
    return sdss / "run4192" / f"fpC-004192-{band}4-0300.fit.gz"


def run_bands(sdss: Path) -> dict:
    """Process every band with the shared refcat; a failure is kept as its one-line message."""
    results = {}
    for band in BANDS:
        try:
            results[band] = process(frame_path(sdss, band), refcat=sdss / "refcat")
        except Exception as error:  # the report says which band failed and why
            results[band] = f"{type(error).__name__}: {error}"
    return results


def _col(cat, name):
    return np.asarray(cat[name])


def _smooth(image, sigma):
    from scipy.ndimage import correlate1d

    half = int(np.ceil(4 * sigma))
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    k /= k.sum()
    return correlate1d(correlate1d(image, k, axis=0, mode="constant"), k, axis=1, mode="constant")


def sep_detections(exposure) -> tuple[np.ndarray, float]:
    """sep on lsstlite's calexp image pre-smoothed by the PSF-sigma Gaussian, at 5 clipped stdev."""
    import sep

    image = np.ascontiguousarray(exposure.image, dtype=np.float64)
    sigma = exposure.psf.fwhm() / 2.3548200450309493
    smoothed = _smooth(image, sigma)
    values = smoothed[np.isfinite(smoothed)].ravel()
    for _ in range(3):
        med, std = np.median(values), np.std(values)
        values = values[np.abs(values - med) < 3 * std]
    threshold = DETECTION_NSIGMA * float(np.std(values))
    sep.set_extract_pixstack(5_000_000)
    sep.set_sub_object_limit(4096)
    objects = sep.extract(smoothed, threshold, minarea=1, filter_kernel=None, clean=False)
    return np.c_[objects["x"], objects["y"]], threshold


def analyse(results: dict, report: Report) -> None:
    import matplotlib.pyplot as plt
    from scipy.spatial import cKDTree
    import sep

    report.text("## (b) SDSS frames (run 4192, camcol 4, field 300)")
    failed = {b: r for b, r in results.items() if isinstance(r, str)}
    report.add(Target(SECTION, "bands processed without error", float(len(BANDS) - len(failed)), low=5, fmt=".0f",
                      source="issue 7", note="; ".join(f"{b}: {m}" for b, m in failed.items())))
    rows = []
    for band in BANDS:
        r = results[band]
        if isinstance(r, str):
            rows.append([band, "failed", r, "", "", "", "", "", ""])
            continue
        zp, ts = r.exposure.photoCalib.zeroPoint, float(r.exposure.metadata["MAGZP"])
        a = r.astrometry
        gx, gy = np.meshgrid(np.linspace(-0.5, r.exposure.width - 0.5, 21),
                             np.linspace(-0.5, r.exposure.height - 0.5, 21))
        model = "asTrans distortion, CRVAL+CD" if a.fit.distortion is not None else f"TAN-SIP order {a.fit.order}"
        rows.append([band, len(r.sourceCat), a.numMatches, f"{a.medianArcsec:.4f}", f"{a.rmsArcsec:.4f}", model,
                     f"{a.fit.position_error_arcsec(gx, gy).max():.4f}", f"{zp:.4f}", f"{ts:.4f}", f"{zp - ts:+.4f}"])
    report.text("### All bands\n\nThe WCS fitted: photo's asTrans distortion kept and CRVAL and CD fitted, or a "
                "cubic TAN-SIP where the matches reject that distortion (F-test at 1%), with the fit's predicted "
                "1-sigma error at worst over the frame. Zero point of total counts vs the tsField value (`MAGZP` "
                "header of the exposure, from aa, kk and airmass).")
    report.table(["band", "sources", "matches", "median sep (\")", "rms (\")", "WCS fitted", "predicted max (\")",
                  "ZP", "tsField ZP", "ZP - tsField"], rows)
    r = results.get("r")
    if isinstance(r, str) or r is None:
        return
    src, exposure, matches = r.sourceCat, r.exposure, r.matches
    for band in BANDS:
        other = results[band]
        if band == "r" or isinstance(other, str):
            continue
        dz = other.exposure.photoCalib.zeroPoint - float(other.exposure.metadata["MAGZP"])
        report.add(Target(SECTION, f"{band} zero point - tsField, absolute (the r tolerance applied to every band)",
                          abs(dz), high=0.01, unit=" mag", fmt=".4f", source="issue 7 (r only)"))
    zp = exposure.photoCalib.zeroPoint
    report.add(Target(SECTION, "r zero point - 28.245 (tsField), absolute", abs(zp - TSFIELD_ZERO_POINT_R),
                      high=0.01, unit=" mag", fmt=".4f", source="issue 7",
                      note=f"ZP {zp:.4f} +- {r.photoCal.zeroPointErr:.4f}."))

    # -- astrometry
    a = r.astrometry
    row_of = {int(i): k for k, i in enumerate(_col(src, "id"))}
    rows_m = np.array([row_of[int(i)] for i in matches["src_id"]])
    dec = np.asarray(matches["ref_coord_dec"], float)
    dra = (np.asarray(matches["src_coord_ra"], float) - np.asarray(matches["ref_coord_ra"], float))
    dra = (dra + np.pi) % (2 * np.pi) - np.pi
    east = np.rad2deg(dra * np.cos(dec)) * 3600
    north = np.rad2deg(np.asarray(matches["src_coord_dec"], float) - dec) * 3600
    sep_arcsec = np.hypot(east, north)
    report.add(Target(SECTION, "r astrometric matches", float(a.numMatches), low=50, fmt=".0f", source="issue 7"),
               Target(SECTION, "r median match separation", float(np.median(sep_arcsec)), high=0.05, unit='"',
                      fmt=".4f", source="issue 7", note=f"task metadata: {a.medianArcsec:.4f}\""),
               Target(SECTION, "r rms match separation", float(np.sqrt(np.mean(sep_arcsec ** 2))), high=0.1,
                      unit='"', fmt=".4f", source="issue 7", note=f"task metadata: {a.rmsArcsec:.4f}\""))
    mx, my = _col(src, "slot_Centroid_x")[rows_m], _col(src, "slot_Centroid_y")[rows_m]
    fig, ax = plt.subplots(figsize=(9, 7))
    q = ax.quiver(mx, my, east, north, angles="xy", scale_units="xy", scale=0.1 / 200, width=0.003)
    ax.quiverkey(q, 0.85, 1.03, 0.1, '0.1"', labelpos="E")
    ax.set(xlabel="x (px)", ylabel="y (px)", xlim=(0, exposure.width), ylim=(0, exposure.height), aspect="equal",
           title=f"r: source - reference, {len(east)} matches, median {np.median(sep_arcsec):.3f}\", "
                 f"mean ({np.mean(east) * 1000:+.0f}, {np.mean(north) * 1000:+.0f}) mas (E, N)")
    report.text("### r-band astrometry\n\nResiduals (source - reference, east and north) of the matches "
                "the astrometry task used, recomputed from `srcMatch` coordinates.")
    report.figure(fig, "sdss_astrometry_quiver", "Astrometric residuals vs the refcat (1 px of arrow = 0.5 mas)")

    # -- PSF photometry vs the refcat
    good = (~_col(src, "base_PixelFlags_flag_saturated")[rows_m] & ~_col(src, "base_PsfFlux_flag")[rows_m]
            & (_col(src, "parent")[rows_m] == 0) & (_col(src, "deblend_nChild")[rows_m] == 0)
            & (_col(src, "base_ClassificationExtendedness_value")[rows_m] == 0))
    ref_flux = np.asarray(matches["ref_r_flux"], float)
    ratio = _col(src, "base_PsfFlux_flux")[rows_m] / ref_flux
    med, err = median_with_error(ratio[good])
    report.add(Target(SECTION, "r PsfFlux / refcat flux - 1, unsaturated unblended stars (median)", med - 1,
                      low=-0.01, high=0.01, fmt="+.4f", source="issue 7",
                      note=f"{int(good.sum())} stars, median error {err:.4f}."))
    ref_mag = -2.5 * np.log10(ref_flux) + 31.4
    dmag = -2.5 * np.log10(ratio)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(ref_mag[good], dmag[good], "o", ms=4, label="used")
    ax.plot(ref_mag[~good], dmag[~good], "x", ms=4, label="saturated/blended/extended/flagged")
    ax.axhline(-2.5 * np.log10(med), c="k", lw=0.8, label=f"median {-2.5 * np.log10(med):+.4f}")
    ax.axhspan(-0.0108, 0.0108, color="g", alpha=0.2)
    ax.set(xlabel="reference r mag", ylabel="PSF mag - reference mag", ylim=(-0.3, 0.3))
    ax.legend(fontsize=8)
    report.text("### r-band PSF photometry vs the reference catalogue")
    report.figure(fig, "sdss_psf_vs_ref", "Calibrated PSF magnitude minus reference magnitude (band: 1%)")

    # -- star / galaxy separation
    psf_mag = _col(src, "base_PsfFlux_mag")
    gauss_mag = _col(src, "base_GaussianFlux_mag")
    kron_mag = exposure.photoCalib.instFluxToMagnitude(_col(src, "base_KronFlux_instFlux"))
    ext = _col(src, "base_ClassificationExtendedness_value")
    leaf = _col(src, "deblend_nChild") == 0
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, other, name in [(axes[0], gauss_mag, "Gaussian"), (axes[1], kron_mag, "Kron")]:
        for value, colour, label in [(0, "C0", "extendedness 0 (point)"), (1, "C3", "extendedness 1")]:
            sel = leaf & (ext == value)
            ax.plot(psf_mag[sel], (psf_mag - other)[sel], ".", ms=3, c=colour, label=label)
        ax.set(xlabel="PSF mag", ylabel=f"PSF - {name} mag", ylim=(-0.5, 2.5), xlim=(13, 24))
        ax.legend(fontsize=8)
    report.text("### r-band star/galaxy separation")
    report.figure(fig, "sdss_star_galaxy", "PSF minus Gaussian and Kron magnitudes vs PSF magnitude, coloured "
                  "by base_ClassificationExtendedness_value")

    # -- sep on the same calexp image
    positions, threshold = sep_detections(exposure)
    x, y = _col(src, "slot_Centroid_x").astype(float), _col(src, "slot_Centroid_y").astype(float)
    fin = np.isfinite(x) & np.isfinite(y)
    tree = cKDTree(np.c_[x[fin], y[fin]])
    dist, _ = tree.query(positions, distance_upper_bound=SEP_MATCH_RADIUS)
    recovered = np.isfinite(dist)
    fraction = float(recovered.mean())
    lost = positions[~recovered]
    lost_note = ""
    if len(lost):
        d2, _ = tree.query(lost)
        lost_note = (f"{len(lost)} sep detections unmatched; distance to the nearest lsstlite source: median "
                     f"{np.median(d2):.1f} px, {int((d2 < 5).sum())} within 5 px (blend/deblend differences), "
                     f"{int(np.isinf(d2).sum())} none.")
    report.add(Target(SECTION, f"r: sep detections recovered within {SEP_MATCH_RADIUS} px", fraction, low=0.97,
                      fmt=".4f", source="issue 5",
                      note=f"{int(recovered.sum())} of {len(positions)} (sep threshold {threshold:.2f} DN on the "
                           f"smoothed image; lsstlite has {len(src)} sources). {lost_note}"))
    image = np.ascontiguousarray(exposure.image, dtype=np.float64)
    ap = _col(src, "base_CircularApertureFlux_6_0_instFlux")
    ap_err = _col(src, "base_CircularApertureFlux_6_0_instFluxErr")
    sel = (fin & (ap / ap_err > APERTURE_MIN_SNR) & ~_col(src, "base_CircularApertureFlux_6_0_flag")
           & (_col(src, "parent") == 0) & (_col(src, "deblend_nChild") == 0)
           & ~_col(src, "base_PixelFlags_flag_edge"))
    sep_flux, _, sep_flag = sep.sum_circle(image, x[sel], y[sel], APERTURE_RADIUS, subpix=0)
    ok = sep_flag == 0
    ap_ratio = ap[sel][ok] / sep_flux[ok]
    med6, err6 = median_with_error(ap_ratio)
    report.add(Target(SECTION, "r: 6 px aperture / sep.sum_circle(r=6) - 1, S/N>50 (median)", med6 - 1,
                      low=-0.003, high=0.003, fmt="+.5f", source="issue 6",
                      note=f"{len(ap_ratio)} unblended sources; median error {err6:.5f}; clipped std of the "
                           f"ratio {clipped_std(ap_ratio)[0]:.4f}."))
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    axes[0].plot(x[fin], y[fin], ".", ms=2, c="0.6", label="lsstlite")
    axes[0].plot(positions[recovered, 0], positions[recovered, 1], "+", ms=3, c="C0", label="sep, recovered")
    axes[0].plot(lost[:, 0], lost[:, 1], "o", mfc="none", c="C3", label="sep, not recovered")
    axes[0].set(xlabel="x", ylabel="y", aspect="equal", title=f"{fraction:.1%} of {len(positions)} sep detections")
    axes[0].legend(fontsize=7, loc="upper right")
    mag6 = exposure.photoCalib.instFluxToMagnitude(ap[sel][ok])
    axes[1].plot(mag6, ap_ratio, ".", ms=4)
    axes[1].axhline(med6, c="k", lw=0.8, label=f"median {med6:.5f}")
    axes[1].axhspan(0.997, 1.003, color="g", alpha=0.2)
    axes[1].set(xlabel="6 px aperture mag", ylabel="lsstlite / sep 6 px aperture flux")
    axes[1].legend(fontsize=8)
    report.text("### r band vs sep on the same calexp\n\nsep detects on lsstlite's background-subtracted calexp "
                "image smoothed by the Gaussian of the PSF model's sigma, above 5 times the clipped standard "
                "deviation of the smoothed image (minarea 1, sep deblending); fluxes are `sep.sum_circle` "
                "(exact overlap, r = 6 px) at lsstlite's centroids.")
    report.figure(fig, "sdss_vs_sep", "Detections (sep recovered by lsstlite within 1.5 px) and 6 px aperture "
                  "flux ratio")
