"""Instrument signature removal for one frame: calibration frames, saturation, variance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lsstlite.config import Config, Field, RangeField
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["IsrConfig", "IsrTask"]


class IsrConfig(Config):
    """Configuration of `IsrTask`.

    The image-level facts a user sets on the command line (``gain``, ``readNoise``,
    ``saturation``, ``doVariance``) live on the root `ProcessFileConfig` and are passed to
    `IsrTask.run`; this config holds the ISR steps themselves.
    """

    doBias = Field("Subtract a bias frame when one is configured or found in --calib", bool,
                   default=True)
    doDark = Field("Subtract a dark frame (scaled by EXPTIME) when one is configured or found in "
                   "--calib", bool, default=True)
    doFlat = Field("Divide by a flat field (normalised to mean 1) when one is configured or found "
                   "in --calib", bool, default=True)
    biasPath = Field("Bias frame; default: bias*.fits[.gz|.fz] in the --calib directory", str,
                     optional=True)
    darkPath = Field("Dark frame; default: dark*.fits[.gz|.fz] in the --calib directory", str,
                     optional=True)
    flatPath = Field("Flat field; default: flat*<FILTER>*.fits[.gz|.fz], else flat*.fits in "
                     "the --calib directory", str, optional=True)
    doSaturation = Field("Mask pixels at or above the saturation level as SAT", bool, default=True)
    saturatedMaskName = Field("Mask plane for saturated pixels", str, default="SAT")
    suspectLevel = Field("Pixels at or above this level (DN, before bias) are marked SUSPECT; "
                         "None disables", float, optional=True)
    numEdgePixels = RangeField("Width in pixels of the frame border marked EDGE", int, default=0,
                               min=0)


def _find_calib(directory: Path | None, stem: str, filter_name: str | None) -> Path | None:
    """Find a calibration frame by naming convention in ``directory``."""
    if directory is None:
        return None
    suffixes = (".fits", ".fit", ".fits.gz", ".fit.gz", ".fits.fz", ".fz")
    candidates = sorted(p for p in directory.iterdir()
                        if p.name.lower().startswith(stem) and p.name.lower().endswith(suffixes))
    if filter_name and stem == "flat":
        in_band = [p for p in candidates if f"-{filter_name.lower()}" in p.name.lower()
                   or f"_{filter_name.lower()}" in p.name.lower()]
        candidates = in_band or candidates
    return candidates[0] if candidates else None


class IsrTask(Task):
    """Remove the instrument signature and build the variance and saturation planes.

    Steps, each switchable: bias, dark and flat frames (from the config or the ``--calib``
    directory by naming convention), SUSPECT and SAT planes, EDGE border, and the variance
    ``max(image, 0) / gain + readNoise² + darkVariance`` (DN²).
    """

    ConfigClass = IsrConfig
    _DefaultName = "isr"

    @timeMethod
    def run(self, exposure, *, gain: float = 0.0, readNoise: float = 0.0,
            saturation: float = math.nan, doVariance: bool = True, cameraGain: float | None = None,
            darkVariance: float = 0.0, calibDir: str | Path | None = None) -> Struct:
        """Process one exposure in place.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            Frame in DN (modified in place).
        gain : float
            e-/DN; 0 takes ``cameraGain``, else the header ``GAIN``, else 1 with a warning.
        readNoise : float
            Read noise in DN; 0 takes the header ``RDNOISE`` (electrons, the FITS convention)
            divided by the gain, if present.
        saturation : float
            Saturation level in DN; NaN or 0 takes the header ``SATURATE`` if any.
        doVariance : bool
            Compute the variance plane; when False and the plane is empty, a constant variance
            is estimated from the image (with a warning) so downstream steps never see zeros.
        cameraGain : float, optional
            Gain supplied by a camera reader (e.g. the SDSS psField).
        darkVariance : float
            Extra variance per pixel (DN²), e.g. SDSS dark variance.
        calibDir : str or path, optional
            Directory searched for bias/dark/flat frames (``--calib``).

        Returns
        -------
        result : `Struct`
            ``exposure`` and ``gain`` (the value used).
        """
        header = exposure.metadata
        calib_dir = Path(calibDir) if calibDir else None
        if calib_dir is not None and not calib_dir.is_dir():
            msg = f"--calib {calib_dir}: not a directory"
            raise TaskError(msg)
        raw = exposure.image.copy() if self.config.suspectLevel is not None else None
        self._apply_calibs(exposure, calib_dir)
        gain = self._resolve_gain(gain, cameraGain, header)
        readNoise = self._resolve_read_noise(readNoise, gain, header)
        if self.config.suspectLevel is not None:
            exposure.mask[raw >= self.config.suspectLevel] |= exposure.planes.bitmask("SUSPECT")
        if self.config.doSaturation:
            self._mask_saturation(exposure, saturation, header)
        if self.config.numEdgePixels > 0:
            self._mask_edge(exposure, self.config.numEdgePixels)
        no_data = exposure.planes.bitmask("NO_DATA")
        if doVariance:
            # in place, each step rounded to float32 as the expression
            # max(image, 0) / gain + readNoise**2 + darkVariance would be
            variance = exposure.variance
            np.maximum(exposure.image, np.float32(0.0), out=variance)
            variance /= np.float32(gain)
            variance += np.float32(readNoise**2)
            variance += np.float32(darkVariance)
        elif not np.any(exposure.variance[(exposure.mask & no_data) == 0]):
            self._estimate_constant_variance(exposure, no_data)
        np.copyto(exposure.variance, np.float32(np.inf), where=(exposure.mask & no_data) != 0)
        exposure.metadata["GAIN"] = (gain, "e-/DN used by lsstlite ISR")
        self.metadata["gain"] = float(gain)
        self.metadata["readNoise"] = float(readNoise)
        return Struct(exposure=exposure, gain=gain)

    def _resolve_gain(self, gain: float, cameraGain: float | None, header) -> float:
        header_gain = header.get("GAIN") if header is not None else None
        if not (isinstance(header_gain, (int, float)) and header_gain > 0):
            header_gain = None
        if gain > 0:
            known, source = (cameraGain, "camera's") if cameraGain else (header_gain, "header's")
            if known and known != gain:
                self.log.info("Using the configured gain %.4g e-/DN instead of the %s %.4g", gain,
                              source, known)
            else:
                self.log.info("Using the configured gain %.4g e-/DN", gain)
            return float(gain)
        if cameraGain:
            self.log.info("Using the camera's gain %.4g e-/DN", cameraGain)
            return float(cameraGain)
        if header_gain is not None:
            self.log.info("Using the header GAIN %.4g e-/DN", header_gain)
            return float(header_gain)
        self.log.warning("No gain given (-c gain=...) and no GAIN in the header: assuming 1 e-/DN")
        return 1.0

    def _resolve_read_noise(self, readNoise: float, gain: float, header) -> float:
        if readNoise > 0:
            return float(readNoise)
        header_noise = header.get("RDNOISE") if header is not None else None
        if isinstance(header_noise, (int, float)) and header_noise > 0:
            self.log.info("Using the header RDNOISE %.4g e- = %.4g DN", header_noise,
                          header_noise / gain)
            return float(header_noise) / gain
        return 0.0

    def _mask_saturation(self, exposure, saturation: float, header) -> None:
        level = saturation
        if not (level > 0):
            header_level = header.get("SATURATE") if header is not None else None
            level = float(header_level) if isinstance(header_level, (int, float)) else math.nan
        if not (level > 0):
            return
        saturated = exposure.image >= level
        np.bitwise_or(exposure.mask, np.int32(exposure.planes.bitmask(self.config.saturatedMaskName)),
                      out=exposure.mask, where=saturated)
        self.metadata["saturationLevel"] = float(level)
        self.metadata["numSaturated"] = int(saturated.sum())

    @staticmethod
    def _mask_edge(exposure, width: int) -> None:
        edge = exposure.planes.bitmask("EDGE")
        exposure.mask[:width, :] |= edge
        exposure.mask[-width:, :] |= edge
        exposure.mask[:, :width] |= edge
        exposure.mask[:, -width:] |= edge

    def _estimate_constant_variance(self, exposure, no_data: int) -> None:
        from astropy.stats import sigma_clipped_stats

        good = exposure.image[(exposure.mask & no_data) == 0]
        _, _, std = sigma_clipped_stats(good, sigma=3.0, maxiters=5)
        self.log.warning("doVariance=False and the variance plane is empty: using the clipped "
                         "image variance %.4g DN² everywhere (set -c doVariance=True gain=...)",
                         std**2)
        exposure.variance[...] = np.float32(std**2)

    def _apply_calibs(self, exposure, calib_dir: Path | None) -> None:
        from lsstlite.io import read_image

        config = self.config
        steps = (("bias", config.doBias, config.biasPath), ("dark", config.doDark, config.darkPath),
                 ("flat", config.doFlat, config.flatPath))
        for stem, enabled, configured in steps:
            if not enabled:
                continue
            path = Path(configured) if configured else _find_calib(calib_dir, stem,
                                                                   exposure.filterName)
            if path is None:
                continue
            frame = read_image(path).image
            if frame.shape != exposure.image.shape:
                msg = f"{stem} frame {path}: shape {frame.shape} differs from the image {exposure.image.shape}"
                raise TaskError(msg)
            if stem == "bias":
                exposure.image -= frame
            elif stem == "dark":
                exposure.image -= frame * self._dark_scale(exposure, path)
            else:
                norm = float(np.median(frame[frame > 0])) if np.any(frame > 0) else 0.0
                if not norm > 0:
                    msg = f"flat frame {path}: no positive pixels"
                    raise TaskError(msg)
                flat = frame / norm
                bad = flat <= 0
                exposure.image /= np.where(bad, 1.0, flat)
                exposure.mask[bad] |= exposure.planes.bitmask("BAD")
            self.log.info("Applied %s frame %s", stem, path)
            self.metadata[f"{stem}Frame"] = str(path)

    @staticmethod
    def _dark_scale(exposure, path: Path) -> float:
        from astropy.io import fits

        exptime = exposure.metadata.get("EXPTIME")
        dark_time = fits.getheader(path).get("EXPTIME") or fits.getheader(path).get("DARKTIME")
        if isinstance(exptime, (int, float)) and isinstance(dark_time, (int, float)) and dark_time > 0:
            return float(exptime) / float(dark_time)
        return 1.0
