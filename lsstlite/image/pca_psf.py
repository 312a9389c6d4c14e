"""A spatially varying PSF made of PCA eigen-images with polynomial coefficient fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lsstlite.algorithms.psf_pca import PcaPsfModel
from lsstlite.image.psf import Psf

if TYPE_CHECKING:
    from astropy.io import fits

__all__ = ["PcaPsf"]


class PcaPsf(Psf):
    """PSF fitted by :func:`lsstlite.algorithms.psf_pca.fit_pca_psf` (LSST's ``PcaPsf``).

    Parameters
    ----------
    model : `lsstlite.algorithms.psf_pca.PcaPsfModel`
        Eigen-images, coefficient polynomials and the frame box they are defined on.
    averagePosition : tuple of float, optional
        Position used when none is given (default: the centre of the box).
    """

    psfType = "PCA"

    def __init__(self, model: PcaPsfModel, averagePosition: tuple[float, float] | None = None):
        self.model = model
        xmin, xmax, ymin, ymax = model.bbox
        self.averagePosition = averagePosition or (0.5 * (xmin + xmax), 0.5 * (ymin + ymax))

    def _kernel_image(self, x: float, y: float) -> np.ndarray:
        return self.model.kernel_image(x, y)

    def _kernel_images(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self.model.kernel_images(x, y)

    def to_hdus(self) -> list[fits.ImageHDU]:
        """A ``PSF`` image HDU of eigen-images and a ``PSFCOEF`` HDU of polynomial coefficients."""
        from astropy.io import fits

        header = fits.Header()
        header["PSFTYPE"] = (self.psfType, "lsstlite PSF model")
        header["SPORDER"] = (self.model.spatial_order, "spatial polynomial order")
        for key, value in zip(("BBXMIN", "BBXMAX", "BBYMIN", "BBYMAX"), self.model.bbox):
            header[key] = float(value)
        header["AVGPOSX"], header["AVGPOSY"] = (float(v) for v in self.averagePosition)
        return [fits.ImageHDU(np.asarray(self.model.components, dtype=np.float64), header, name="PSF"),
                fits.ImageHDU(np.asarray(self.model.coefficients, dtype=np.float64), name="PSFCOEF")]

    @classmethod
    def _from_hdus(cls, hdus: list) -> PcaPsf:
        header = hdus[0].header
        bbox = tuple(float(header[k]) for k in ("BBXMIN", "BBXMAX", "BBYMIN", "BBYMAX"))
        model = PcaPsfModel(np.array(hdus[0].data, dtype=np.float64),
                            np.array(hdus[1].data, dtype=np.float64), int(header["SPORDER"]), bbox)
        return cls(model, (float(header["AVGPOSX"]), float(header["AVGPOSY"])))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PcaPsf):
            return NotImplemented
        return (self.model.bbox == other.model.bbox
                and self.model.spatial_order == other.model.spatial_order
                and np.array_equal(self.model.components, other.model.components)
                and np.array_equal(self.model.coefficients, other.model.coefficients))

    def __repr__(self) -> str:
        ncomp, k, _ = self.model.components.shape
        return f"PcaPsf({ncomp} components of {k}x{k}, spatial order {self.model.spatial_order})"
