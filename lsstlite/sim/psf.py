"""The simulator's true PSF: a spatially varying, slightly elliptical double Gaussian.

The PSF at pixel ``(x, y)`` is ``(1 - f_wing) * N(0, C1) + f_wing * N(0, C2)`` with
``C2 = sigma_ratio**2 * C1``. Its size and ellipticity vary smoothly over the frame as
low-order polynomials of the normalised coordinates ``u = (x - xc) / (W / 2)``,
``v = (y - yc) / (H / 2)`` (both in [-1, 1] on the frame, ``xc = (W - 1) / 2``; off the frame they are clipped to
[-1, 1], so the PSF there is that of the nearest frame edge):

* scale ``s(u, v) = 1 + c_u u + c_v v + c_uu u**2 + c_vv v**2 + c_uv u v`` multiplies the core width,
  so the FWHM at (x, y) is ``fwhm0 * s(u, v)``;
* distortion ellipticity ``e1 = e1_0 + e1_u u + e1_v v``, ``e2 = e2_0 + e2_u u + e2_v v``
  (``e = (a**2 - b**2) / (a**2 + b**2)``); the covariance keeps ``det(C)**0.25`` equal to the
  circular width, ``C = sigma**2 / sqrt(1 - e**2) * [[1 + e1, e2], [e2, 1 - e1]]``.

Images are integrated over pixels with Gauss-Legendre quadrature (3x3 nodes per pixel) and
normalised to sum 1 on the stamp (the stamp reaches >= 6 wing sigmas, so the truncation is < 1e-7).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

__all__ = ["SimPsf", "true_psf_image", "psf_fwhm", "psf_moments", "PSF_QUADRATURE_ORDER"]

#: Gauss-Legendre nodes per pixel axis used to integrate stars (and true_psf_image) over pixels.
PSF_QUADRATURE_ORDER = 3

_HEADER_KEYS = {  # attribute -> FITS keyword
    "width": "PSFW", "height": "PSFH", "fwhm0": "PSFFWHM0", "wing_fraction": "PSFFWING",
    "sigma_ratio": "PSFSRAT", "c_u": "PSFC_U", "c_v": "PSFC_V", "c_uu": "PSFC_UU",
    "c_vv": "PSFC_VV", "c_uv": "PSFC_UV", "e1_0": "PSFE1_0", "e1_u": "PSFE1_U",
    "e1_v": "PSFE1_V", "e2_0": "PSFE2_0", "e2_u": "PSFE2_U", "e2_v": "PSFE2_V",
}


@dataclass(frozen=True)
class SimPsf:
    """Parameters of the true, spatially varying double-Gaussian PSF.

    Attributes
    ----------
    width, height : int
        Frame size in pixels (defines the normalised coordinates u, v).
    fwhm0 : float
        FWHM in pixels at the frame centre (of the circularised profile).
    wing_fraction : float
        Flux fraction in the wide Gaussian.
    sigma_ratio : float
        Width of the wide Gaussian over the core width.
    c_u, c_v, c_uu, c_vv, c_uv : float
        Polynomial coefficients of the size scale factor.
    e1_0, e1_u, e1_v, e2_0, e2_u, e2_v : float
        Linear fields of the two ellipticity components.
    """

    width: int
    height: int
    fwhm0: float = 2.7
    wing_fraction: float = 0.15
    sigma_ratio: float = 2.2
    c_u: float = 0.04
    c_v: float = -0.03
    c_uu: float = 0.03
    c_vv: float = 0.02
    c_uv: float = 0.01
    e1_0: float = 0.02
    e1_u: float = 0.03
    e1_v: float = 0.0
    e2_0: float = -0.01
    e2_u: float = 0.0
    e2_v: float = 0.02

    def __post_init__(self):
        if not 0.0 <= self.wing_fraction < 1.0:
            msg = f"SimPsf: wing_fraction must be in [0, 1), not {self.wing_fraction}"
            raise ValueError(msg)
        if self.fwhm0 <= 0 or self.sigma_ratio < 1.0:
            msg = f"SimPsf: need fwhm0 > 0 and sigma_ratio >= 1, not {self.fwhm0}, {self.sigma_ratio}"
            raise ValueError(msg)

    # ----------------------------------------------------------------------------------------
    def to_header(self) -> dict[str, tuple[float, str]]:
        """Return ``{keyword: (value, comment)}`` cards describing this PSF."""
        cards = {"PSFMODEL": ("DOUBLEGAUSS", "lsstlite.sim true PSF model")}
        for name, key in _HEADER_KEYS.items():
            cards[key] = (getattr(self, name), f"SimPsf.{name}")
        return cards

    @classmethod
    def from_header(cls, header) -> SimPsf:
        """Rebuild the PSF from a header written with `to_header` (e.g. the truth file's)."""
        if header.get("PSFMODEL") != "DOUBLEGAUSS":
            msg = f"header PSFMODEL={header.get('PSFMODEL')!r} is not a lsstlite.sim DOUBLEGAUSS PSF"
            raise ValueError(msg)
        values = {}
        for f in dataclasses.fields(cls):
            key = _HEADER_KEYS[f.name]
            if key not in header:
                msg = f"header has no {key} (SimPsf.{f.name})"
                raise KeyError(msg)
            values[f.name] = int(header[key]) if f.name in ("width", "height") else float(header[key])
        return cls(**values)

    # ----------------------------------------------------------------------------------------
    def _uv(self, x, y):
        u = (np.asarray(x, dtype=float) - (self.width - 1) / 2.0) / (self.width / 2.0)
        v = (np.asarray(y, dtype=float) - (self.height - 1) / 2.0) / (self.height / 2.0)
        return np.clip(u, -1.0, 1.0), np.clip(v, -1.0, 1.0)

    def scale(self, x, y) -> np.ndarray:
        """Size scale factor ``s(u, v)`` at pixel position(s) (FWHM = ``fwhm0 * s``)."""
        u, v = self._uv(x, y)
        return 1.0 + self.c_u * u + self.c_v * v + self.c_uu * u**2 + self.c_vv * v**2 + self.c_uv * u * v

    def ellipticity(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Distortion ellipticity ``(e1, e2)`` at pixel position(s)."""
        u, v = self._uv(x, y)
        return self.e1_0 + self.e1_u * u + self.e1_v * v, self.e2_0 + self.e2_u * u + self.e2_v * v

    def components(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Gaussian components at position(s).

        Returns
        -------
        fractions : ndarray, shape (2,)
            Flux fractions of core and wing.
        covariances : ndarray, shape (..., 2, 2, 2)
            ``[..., k]`` is the 2x2 covariance (pixels**2) of component k at each position.
        """
        sigma_core = self.fwhm0 / _fwhm_per_core_sigma(self.wing_fraction, self.sigma_ratio)
        s = sigma_core * self.scale(x, y)
        e1, e2 = self.ellipticity(x, y)
        norm = s**2 / np.sqrt(1.0 - e1**2 - e2**2)
        shape = np.stack([np.stack([1 + e1, e2], -1), np.stack([e2, 1 - e1], -1)], -2)
        core = norm[..., None, None] * shape
        covs = np.stack([core, core * self.sigma_ratio**2], axis=-3)
        fractions = np.array([1.0 - self.wing_fraction, self.wing_fraction])
        return fractions, covs

    def stamp_half_size(self) -> int:
        """Half size of star stamps: >= 6 sigma of the widest component anywhere on the frame."""
        xs = np.linspace(0, self.width - 1, 9)
        ys = np.linspace(0, self.height - 1, 9)
        gx, gy = np.meshgrid(xs, ys)
        _, covs = self.components(gx.ravel(), gy.ravel())
        widest = np.sqrt(np.linalg.eigvalsh(covs[:, 1]).max())
        return int(np.ceil(6.0 * widest))


def _fwhm_of_mixture(fractions, sigmas) -> np.ndarray:
    """FWHM of circular Gaussian mixtures; ``sigmas`` has shape (..., K)."""
    sigmas = np.asarray(sigmas, dtype=float)
    fractions = np.asarray(fractions, dtype=float)

    def profile(r):
        return np.sum(fractions / (2 * np.pi * sigmas**2) * np.exp(-0.5 * (r[..., None] / sigmas) ** 2), -1)

    half = 0.5 * profile(np.zeros(sigmas.shape[:-1]))
    lo = np.zeros(sigmas.shape[:-1])
    hi = 3.0 * sigmas.max(-1)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = profile(mid) > half
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return lo + hi  # 2 * midpoint


def _fwhm_per_core_sigma(wing_fraction: float, sigma_ratio: float) -> float:
    return float(_fwhm_of_mixture([1 - wing_fraction, wing_fraction], [1.0, sigma_ratio]))


def psf_fwhm(psf: SimPsf, x, y) -> np.ndarray:
    """True FWHM (pixels) at position(s), of the profile circularised by ``det(C)**0.25``.

    Equal to ``psf.fwhm0 * psf.scale(x, y)``.
    """
    return psf.fwhm0 * psf.scale(x, y)


def psf_moments(psf: SimPsf, x, y, pixelized: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unweighted second moments ``(xx, yy, xy)`` (pixels**2) of the true PSF at position(s).

    Parameters
    ----------
    psf : SimPsf
    x, y : float or array
        Pixel positions (0-based).
    pixelized : bool
        Add the 1/12 px**2 of integration over a pixel (moments of the pixel image).
    """
    fractions, covs = psf.components(x, y)
    total = np.einsum("k,...kij->...ij", fractions, covs)
    box = 1.0 / 12.0 if pixelized else 0.0
    return total[..., 0, 0] + box, total[..., 1, 1] + box, total[..., 0, 1]


def _as_psf(params) -> SimPsf:
    if isinstance(params, SimPsf):
        return params
    return SimPsf.from_header(params)


def true_psf_image(params, x: float, y: float, size: int, center: tuple[float, float] | None = None) -> np.ndarray:
    """Render the true PSF at frame position ``(x, y)`` as a pixel-integrated image summing to 1.

    Parameters
    ----------
    params : SimPsf or header
        The PSF (`SimulatedFrame.psf`, or the truth file's primary header).
    x, y : float
        Frame position (0-based pixels) at which the PSF shape is evaluated.
    size : int
        Odd stamp size.
    center : (float, float), optional
        Position ``(cx, cy)`` of the PSF centre in stamp pixel coordinates; default the central
        pixel ``(size // 2, size // 2)`` (a kernel image). Use ``(size // 2 + dx, size // 2 + dy)``
        for a sub-pixel shifted PSF.

    Returns
    -------
    image : ndarray, float64, shape (size, size)
    """
    from lsstlite.sim.render import render_stamps

    psf = _as_psf(params)
    if not isinstance(size, (int, np.integer)) or size < 1 or size % 2 == 0:
        msg = f"true_psf_image: size must be a positive odd integer, not {size!r}"
        raise ValueError(msg)
    half = size // 2
    cx, cy = (half, half) if center is None else center
    fractions, covs = psf.components(x, y)
    stamp = render_stamps(np.array([cx - half]), np.array([cy - half]), fractions[None, :],
                          covs[None], size, PSF_QUADRATURE_ORDER)[0]
    return stamp / stamp.sum()
