"""Sub-pixel shifts of small images (star stamps, PSF images)."""

from __future__ import annotations

import numpy as np

__all__ = ["shift_image"]


def shift_image(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Shift an image by (dx, dy) pixels: ``out(x, y) = image(x - dx, y - dy)``.

    The shift is applied as a phase ramp in Fourier space (sinc interpolation), which moves
    the centroid of a source whose wings vanish at the stamp edge by exactly (dx, dy) and
    preserves its flux. The image is treated as periodic, so keep sources away from the edges.

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
    dx, dy : float
        Shift in pixels.

    Returns
    -------
    ndarray of float64
    """
    image = np.asarray(image, dtype=float)
    ny, nx = image.shape
    fx = np.fft.rfftfreq(nx)
    fy = np.fft.fftfreq(ny)
    phase = np.exp(-2j * np.pi * (fx[None, :] * dx + fy[:, None] * dy))
    if nx % 2 == 0:
        phase[:, -1] = phase[:, -1].real  # the Nyquist column has no defined sign
    return np.fft.irfft2(np.fft.rfft2(image) * phase, s=(ny, nx))
