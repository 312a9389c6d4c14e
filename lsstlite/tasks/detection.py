"""Source detection (LSST's ``SourceDetectionTask``): smooth with the PSF-sized Gaussian,
threshold, find footprints and peaks, grow them, set DETECTED, re-estimate the background.

The footprint definitions (8-connected pixels above threshold, peaks on the smoothed image,
isotropic growth merging touching footprints) are those of `lsstlite.algorithms.detection`;
this module turns them into a source catalogue and the `SourceFootprints` the measurement
task consumes.
"""

from __future__ import annotations

import numpy as np

from lsstlite.algorithms.clipped_stats import clipped_mean_std
from lsstlite.config import ChoiceField, Config, ConfigurableField, Field, ListField, RangeField
from lsstlite.tasks.background import SubtractBackgroundTask
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["SourceDetectionConfig", "SourceDetectionTask"]


class SourceDetectionConfig(Config):
    """Configuration of `SourceDetectionTask` (LSST 2020 single-frame defaults)."""

    minPixels = RangeField("Smallest footprint kept, in pixels (before growth)", int, default=1,
                           min=0)
    isotropicGrow = Field("Grow footprints by a disk (True) rather than a diamond (Manhattan "
                          "distance). LSST's 2020 default was False; it changed to True in 2021 "
                          "and we use circles", bool, default=True)
    nSigmaToGrow = RangeField("Growth radius in units of the PSF sigma: "
                              "int(nSigmaToGrow * sigma + 0.5) pixels", float, default=2.4,
                              min=0.0)
    thresholdValue = RangeField("Detection threshold, in units of thresholdType", float,
                                default=5.0, min=0.0)
    includeThresholdMultiplier = RangeField("Keep a footprint only if some pixel reaches "
                                            "thresholdValue times this (10 in characterisation)",
                                            float, default=1.0, min=0.0)
    thresholdType = ChoiceField("What thresholdValue is measured in", str, default="stdev",
                                allowed={"stdev": "clipped standard deviation of the smoothed "
                                                  "image (LSST 2020 default)",
                                         "pixel_stdev": "per pixel, sqrt of the smoothed "
                                                        "variance plane (LSST default since 2023)",
                                         "variance": "per pixel, the smoothed variance plane",
                                         "value": "counts of the smoothed image"},
                                optional=False)
    thresholdPolarity = ChoiceField("Detect positive sources, negative ones or both", str,
                                    default="positive",
                                    allowed={"positive": "pixels above the threshold",
                                             "negative": "pixels below minus the threshold",
                                             "both": "both; negative sources get flags_negative"},
                                    optional=False)
    reEstimateBackground = Field("Fit and subtract the background again once sources are masked "
                                 "DETECTED", bool, default=True)
    background = ConfigurableField("Background re-estimation after detection",
                                   SubtractBackgroundTask)
    doSmooth = Field("Smooth the image with a Gaussian of the PSF sigma before thresholding",
                     bool, default=True)
    nSigmaForKernel = RangeField("Smoothing kernel width in units of the PSF sigma "
                                 "(int(sigma*nSigmaForKernel + 0.5)//2*2 + 1 pixels)", float,
                                 default=7.0, min=0.0)
    statsMask = ListField("Mask planes ignored when measuring the image's standard deviation",
                          str, default=["BAD", "SAT", "EDGE", "NO_DATA"])


class SourceDetectionTask(Task):
    """Detect sources above a threshold on the PSF-smoothed image.

    Parameters
    ----------
    schema : `lsstlite.table.Schema`, optional
        Schema of the output catalogue (a new minimal one by default). With
        ``thresholdPolarity="both"`` the flag ``flags_negative`` is added to it.
    **kwargs
        Passed on to `Task` (``config``, ``name``, ``parentTask``).

    Notes
    -----
    The output catalogue has one row per (grown, merged) footprint, ids ``1..N`` and
    ``parent`` 0; positive footprints come first. Its `SourceFootprints` carry an extra
    attribute ``peaks``: a `Struct` of arrays ``label``, ``x``, ``y``, ``value`` with every peak
    of every footprint, grouped by label and sorted by decreasing significance — the input
    of the deblender.
    """

    ConfigClass = SourceDetectionConfig
    _DefaultName = "sourceDetection"

    def __init__(self, schema=None, **kwargs) -> None:
        super().__init__(**kwargs)
        from lsstlite.table import Schema

        self.schema = Schema() if schema is None else schema
        self.negativeFlagKey = None
        if self.config.thresholdPolarity == "both":
            self.negativeFlagKey = "flags_negative"
            self.schema.addField("flags_negative", bool,
                                 doc="set if the source was detected as a negative one")
        self.makeSubtask("background")

    @timeMethod
    def run(self, exposure, doSmooth: bool = True, background=None) -> Struct:
        """Detect sources on ``exposure`` (mask planes and, with reEstimateBackground, pixels
        are modified in place).

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            Background-subtracted exposure with a PSF.
        doSmooth : bool
            Smooth before thresholding (and only if ``config.doSmooth`` too); pass False when
            the image is already smoothed.
        background : `lsstlite.tasks.background.BackgroundList`, optional
            List the re-estimated background is appended to.

        Returns
        -------
        result : `Struct`
            ``sources`` (`SourceCatalog`), ``footprints`` (`SourceFootprints` with ``peaks``),
            ``background`` (the list, or None without re-estimation), ``numPos``, ``numNeg``
            (footprints), ``smoothed`` (float32 image the peaks were found on), ``sigma``
            (PSF determinant radius used).
        """
        from lsstlite.algorithms.detection import detect_footprints
        from lsstlite.kernels.smooth import gaussian_smooth

        cfg = self.config
        planes = exposure.planes
        for name in ("DETECTED", "DETECTED_NEGATIVE", "EDGE"):
            if name not in planes:
                planes.add(name)
        exposure.mask &= ~np.int32(planes.bitmask("DETECTED", "DETECTED_NEGATIVE"))
        if exposure.psf is None:
            msg = "SourceDetectionTask: the exposure has no PSF; detection needs its sigma"
            raise TaskError(msg)
        sigma = float(exposure.psf.determinantRadius((exposure.width - 1) / 2.0,
                                                     (exposure.height - 1) / 2.0))

        smooth = doSmooth and cfg.doSmooth
        if smooth:
            smoothed, border = gaussian_smooth(exposure.image, sigma,
                                               nSigmaForKernel=cfg.nSigmaForKernel)
            self._mark_edge(exposure.mask, border, planes.bitmask("EDGE"))
        else:
            smoothed, border = np.ascontiguousarray(exposure.image, dtype=np.float32), 0
        threshold = self._threshold(exposure, smoothed, sigma, border, smooth)

        bad_planes = [p for p in ("NO_DATA",) if p in planes]
        bad = exposure.maskedPixels(*bad_planes) if bad_planes else None
        nGrow = int(cfg.nSigmaToGrow * sigma + 0.5)
        polarities = {"positive": ["positive"], "negative": ["negative"],
                      "both": ["positive", "negative"]}[cfg.thresholdPolarity]
        sets = {pol: detect_footprints(smoothed, threshold, polarity=pol, minPixels=cfg.minPixels,
                                       includeThresholdMultiplier=cfg.includeThresholdMultiplier,
                                       nGrow=nGrow, isotropic=cfg.isotropicGrow, border=border,
                                       bad=bad)
                for pol in polarities}
        pos = sets.get("positive")
        neg = sets.get("negative")
        numPos = len(pos) if pos is not None else 0
        numNeg = len(neg) if neg is not None else 0
        if pos is not None:
            pos.set_mask(exposure.mask, planes.bit("DETECTED"))
        if neg is not None:
            neg.set_mask(exposure.mask, planes.bit("DETECTED_NEGATIVE"))

        sources, footprints = self._make_catalog(pos, neg)
        for kind, fps in (("positive", pos), ("negative", neg)):
            if fps is not None:
                self.log.info("Detected %d %s peaks in %d footprints to %g sigma", len(fps.peaks),
                              kind, len(fps), cfg.thresholdValue * cfg.includeThresholdMultiplier)
        scalar_threshold = float(np.median(threshold)) if np.ndim(threshold) else float(threshold)
        self.metadata["sigma"] = sigma
        self.metadata["threshold"] = scalar_threshold
        self.metadata["nGrow"] = nGrow
        self.metadata["numPosFootprints"] = numPos
        self.metadata["numNegFootprints"] = numNeg
        self.metadata["numPosPeaks"] = len(pos.peaks) if pos is not None else 0
        self.metadata["numNegPeaks"] = len(neg.peaks) if neg is not None else 0

        if cfg.reEstimateBackground:
            background = self.background.run(exposure, background).background
        return Struct(sources=sources, footprints=footprints, background=background,
                      numPos=numPos, numNeg=numNeg, smoothed=smoothed, sigma=sigma)

    @staticmethod
    def _mark_edge(mask: np.ndarray, border: int, bit: int) -> None:
        """OR ``bit`` into the ``border``-pixel frame where the smoothing kernel is truncated."""
        if border <= 0:
            return
        value = np.int32(bit)
        mask[:border, :] |= value
        mask[-border:, :] |= value
        mask[border:-border, :border] |= value
        mask[border:-border, -border:] |= value

    def _threshold(self, exposure, smoothed: np.ndarray, sigma: float, border: int,
                   smooth: bool) -> float | np.ndarray:
        """Threshold in counts of ``smoothed``: a scalar, or per pixel for the variance types.

        The smoothed variance is the variance plane correlated with the squared kernel. The
        kernel is separable, ``g(x) g(y)``, and the squared sampled Gaussian ``g**2`` is
        ``sum(g**2)`` times a normalised sampled Gaussian of sigma ``sigma / sqrt(2)`` on the
        same taps, so ``var_s = (sum g**2)**2 * smooth(var, sigma / sqrt(2))``.
        """
        from lsstlite.kernels.smooth import gaussian_kernel_1d, gaussian_smooth

        cfg = self.config
        kind = cfg.thresholdType
        if kind == "value":
            return float(cfg.thresholdValue)
        if kind == "stdev":
            planes = exposure.planes
            ignored = planes.bitmask(*[p for p in cfg.statsMask if p in planes])
            good = (exposure.mask & ignored) == 0
            stdev = clipped_mean_std(smoothed, mask=good)[1]
            if not np.isfinite(stdev) or stdev <= 0:
                msg = (f"SourceDetectionTask: clipped stdev of the smoothed image is {stdev}; "
                       f"no usable pixels outside statsMask={list(cfg.statsMask)}?")
                raise TaskError(msg)
            self.metadata["smoothedStdev"] = stdev
            return float(cfg.thresholdValue * stdev)
        if smooth:
            taps = gaussian_kernel_1d(sigma, border)
            variance, _ = gaussian_smooth(exposure.variance, sigma / np.sqrt(2.0),
                                          half_width=border)
            variance *= np.float32(np.sum(taps**2) ** 2)
        else:
            variance = exposure.variance
        if not np.any(variance > 0):
            msg = f"SourceDetectionTask: thresholdType={kind!r} needs a variance plane, but it is all <= 0"
            raise TaskError(msg)
        if kind == "pixel_stdev":
            return (cfg.thresholdValue * np.sqrt(np.maximum(variance, 0.0))).astype(np.float32)
        return (cfg.thresholdValue * variance).astype(np.float32)

    def _make_catalog(self, pos, neg):
        """One catalogue row per footprint (positive first) and the aligned `SourceFootprints`."""
        from lsstlite.kernels.footprints import label_statistics
        from lsstlite.meas.footprints import SourceFootprints
        from lsstlite.table import SourceCatalog

        numPos = len(pos) if pos is not None else 0
        numNeg = len(neg) if neg is not None else 0
        n = numPos + numNeg
        peak_parts = [(fps.peaks, off) for fps, off in ((pos, 0), (neg, numPos)) if fps is not None]
        if pos is not None and neg is not None:
            # grown negative footprints may overlap grown positive ones: positive pixels win
            labels = pos.labels.copy()
            free = (labels == 0) & (neg.labels > 0)
            labels[free] = neg.labels[free] + numPos
            npix, bbox, _, _, _ = label_statistics(labels, n)
        else:
            single = pos if pos is not None else neg
            labels, npix, bbox = single.labels, single.npix, single.bbox
        all_peaks = np.concatenate([p for p, _ in peak_parts])
        peaks = Struct(label=np.concatenate([p["footprint"].astype(np.int32) + 1 + off
                                             for p, off in peak_parts]),
                       x=all_peaks["x"], y=all_peaks["y"], value=all_peaks["value"])
        first = np.searchsorted(peaks.label, np.arange(1, n + 1))
        footprints = SourceFootprints(labels=labels, leaf=np.arange(1, n + 1, dtype=np.int32),
                                      bbox=bbox.astype(np.int64), npix=npix.astype(np.int64),
                                      peak_x=peaks.x[first].astype(np.float64),
                                      peak_y=peaks.y[first].astype(np.float64),
                                      peak_value=peaks.value[first].astype(np.float64))
        footprints.peaks = peaks
        sources = SourceCatalog(self.schema, n)
        sources["id"] = np.arange(1, n + 1, dtype=np.int64)
        if self.negativeFlagKey is not None:
            negative = np.zeros(n, dtype=bool)
            negative[numPos:] = True
            sources[self.negativeFlagKey] = negative
        return sources, footprints
