"""Photometric calibration: a constant nJy-per-count factor with its uncertainty."""

from __future__ import annotations

import math

import numpy as np

#: AB magnitude of 1 nJy: -2.5 log10(1e-9 / 3631).
AB_MAG_OF_NJY = 2.5 * math.log10(3631.0e9)


class PhotoCalib:
    """Conversion of instrumental fluxes (counts) to nJy and AB magnitudes.

    Parameters
    ----------
    calibrationMean : float
        nJy per count; must be positive and finite.
    calibrationErr : float, optional
        1-sigma uncertainty of ``calibrationMean`` (nJy per count), >= 0.
    """

    def __init__(self, calibrationMean: float, calibrationErr: float = 0.0) -> None:
        mean = float(calibrationMean)
        err = float(calibrationErr)
        if not (math.isfinite(mean) and mean > 0):
            msg = f"PhotoCalib: calibrationMean must be positive and finite, not {mean!r}"
            raise ValueError(msg)
        if not (math.isfinite(err) and err >= 0):
            msg = f"PhotoCalib: calibrationErr must be >= 0 and finite, not {err!r}"
            raise ValueError(msg)
        self.calibrationMean = mean
        self.calibrationErr = err

    @classmethod
    def fromZeroPoint(cls, zeroPoint: float, zeroPointErr: float = 0.0) -> PhotoCalib:
        """Build from the AB magnitude of 1 count and its error (mag)."""
        mean = 10.0 ** (-0.4 * (float(zeroPoint) - AB_MAG_OF_NJY))
        return cls(mean, mean * 0.4 * math.log(10.0) * float(zeroPointErr))

    @property
    def zeroPoint(self) -> float:
        """AB magnitude of a source giving 1 count."""
        return AB_MAG_OF_NJY - 2.5 * math.log10(self.calibrationMean)

    @property
    def zeroPointErr(self) -> float:
        """Uncertainty of `zeroPoint` (mag)."""
        return 2.5 / math.log(10.0) * self.calibrationErr / self.calibrationMean

    @property
    def fluxMag0(self) -> float:
        """Counts of a magnitude-0 (AB) source, the old ``FLUXMAG0`` Calib value."""
        return 10.0 ** (0.4 * self.zeroPoint)

    @property
    def fluxMag0Err(self) -> float:
        """Uncertainty of `fluxMag0` (counts)."""
        return self.fluxMag0 * self.calibrationErr / self.calibrationMean

    def instFluxToNanojansky(self, instFlux, instFluxErr=None):
        """Calibrated flux in nJy.

        Parameters
        ----------
        instFlux : float or array_like
            Instrumental flux (counts).
        instFluxErr : float or array_like, optional
            Its 1-sigma error.

        Returns
        -------
        flux : float or ndarray
            Flux in nJy, when ``instFluxErr`` is not given.
        flux, fluxErr : tuple
            When ``instFluxErr`` is given: the error adds the calibration error in quadrature,
            ``hypot(instFluxErr * mean, instFlux * err)``.
        """
        f = np.asarray(instFlux, dtype=float)
        flux = f * self.calibrationMean
        if instFluxErr is None:
            return _scalar(flux)
        ferr = np.asarray(instFluxErr, dtype=float)
        err = np.hypot(ferr * self.calibrationMean, f * self.calibrationErr)
        return _scalar(flux), _scalar(err)

    def instFluxToMagnitude(self, instFlux, instFluxErr=None):
        """AB magnitude (NaN for non-positive flux).

        Parameters
        ----------
        instFlux : float or array_like
            Instrumental flux (counts).
        instFluxErr : float or array_like, optional
            Its 1-sigma error.

        Returns
        -------
        mag : float or ndarray
            When ``instFluxErr`` is not given.
        mag, magErr : tuple
            When it is: ``magErr = 2.5/ln(10) * fluxErr / flux``.
        """
        f = np.asarray(instFlux, dtype=float)
        flux = f * self.calibrationMean
        with np.errstate(divide="ignore", invalid="ignore"):
            mag = np.where(flux > 0, AB_MAG_OF_NJY - 2.5 * np.log10(np.where(flux > 0, flux, 1.0)),
                           np.nan)
            if instFluxErr is None:
                return _scalar(mag)
            _, flux_err = self.instFluxToNanojansky(f, instFluxErr)
            mag_err = np.where(flux > 0, 2.5 / math.log(10.0) * np.asarray(flux_err) / flux, np.nan)
        return _scalar(mag), _scalar(mag_err)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PhotoCalib):
            return NotImplemented
        return (self.calibrationMean, self.calibrationErr) == (
            other.calibrationMean, other.calibrationErr)

    def __repr__(self) -> str:
        return (f"PhotoCalib(calibrationMean={self.calibrationMean!r}, "
                f"calibrationErr={self.calibrationErr!r})")


def _scalar(a: np.ndarray):
    """Return a Python float for 0-d results, the array otherwise."""
    return float(a) if np.ndim(a) == 0 else a
