"""Background estimation and subtraction (LSST's ``SubtractBackgroundTask``), and the list of
background models kept for ``background.fits``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lsstlite.config import ChoiceField, Config, Field, ListField, RangeField
from lsstlite.tasks.base import Struct, Task, timeMethod

__all__ = ["BackgroundList", "SubtractBackgroundConfig", "SubtractBackgroundTask"]


class BackgroundList:
    """The background models subtracted from an exposure, in order.

    The full background is the sum of the models evaluated at full resolution; the list is
    written to and read from one FITS file (``background.fits``), one group of HDUs per model.
    """

    def __init__(self, models=None) -> None:
        self.models = list(models or [])

    def append(self, model) -> None:
        """Add a model subtracted after the previous ones."""
        self.models.append(model)

    def __len__(self) -> int:
        return len(self.models)

    def evaluate(self, shape: tuple[int, int] | None = None) -> np.ndarray:
        """Sum of all models at full resolution (float32)."""
        total = None
        for model in self.models:
            image = model.evaluate(shape)
            total = image.copy() if total is None else total + image
        return total

    def write(self, path: str | Path) -> None:
        """Write every model to ``path`` atomically (HDUs ``BKGD<i>_*``)."""
        from lsstlite.io.fits_write import card, image_hdu, write_fits_file

        primary = image_hdu(None, cards=[card("NBKGD", len(self.models), "number of background models")],
                            primary=True)
        write_fits_file(path, [*primary, *(model.to_fits_bytes(extname_prefix=f"BKGD{i}")
                                           for i, model in enumerate(self.models))])

    @classmethod
    def read(cls, path: str | Path) -> BackgroundList:
        """Read a list written by `write`."""
        from astropy.io import fits

        from lsstlite.algorithms.background import BackgroundModel

        with fits.open(path) as hdul:
            n = int(hdul[0].header.get("NBKGD", 0))
            return cls([BackgroundModel.from_hdus(hdul, extname_prefix=f"BKGD{i}")
                        for i in range(n)])


class SubtractBackgroundConfig(Config):
    """Configuration of `SubtractBackgroundTask` (LSST single-frame defaults)."""

    binSize = RangeField("Size of the background cells (pixels)", int, default=128, min=1)
    statisticsProperty = ChoiceField("Statistic of the pixels of a cell", str, default="MEANCLIP",
                                     allowed={"MEANCLIP": "3-sigma clipped mean",
                                              "MEAN": "mean", "MEDIAN": "median"},
                                     optional=False)
    useApprox = Field("Fit a Chebyshev approximation to the cells (else interpolate with "
                      "algorithm)", bool, default=True)
    approxOrderX = RangeField("Order of the Chebyshev approximation in x", int, default=6, min=0)
    approxOrderY = RangeField("Order in y; -1 means the same as approxOrderX", int, default=-1,
                              min=-1)
    weighting = Field("Weight the Chebyshev fit by the inverse variance of the cells", bool,
                      default=True)
    algorithm = ChoiceField("Interpolation between cells when useApprox is False", str,
                            default="AKIMA_SPLINE",
                            allowed={"AKIMA_SPLINE": "Akima spline", "NATURAL_SPLINE":
                                     "natural cubic spline", "LINEAR": "linear",
                                     "CONSTANT": "constant"}, optional=False)
    undersampleStyle = ChoiceField("What to do with too few cells for the order", str,
                                   default="REDUCE_INTERP_ORDER",
                                   allowed={"REDUCE_INTERP_ORDER": "lower the order",
                                            "INCREASE_NXNYSAMPLE": "use smaller cells",
                                            "THROW_EXCEPTION": "fail"}, optional=False)
    ignoredPixelMask = ListField("Mask planes ignored when measuring the background", str,
                                 default=["BAD", "EDGE", "DETECTED", "DETECTED_NEGATIVE",
                                          "NO_DATA"])


class SubtractBackgroundTask(Task):
    """Fit the background of an exposure and subtract it (in place)."""

    ConfigClass = SubtractBackgroundConfig
    _DefaultName = "background"

    @timeMethod
    def run(self, exposure, background: BackgroundList | None = None) -> Struct:
        """Fit, subtract and record the background.

        Parameters
        ----------
        exposure : `lsstlite.image.Exposure`
            Modified in place.
        background : `BackgroundList`, optional
            List to append the new model to (a new one if None).

        Returns
        -------
        result : `Struct`
            ``background`` (the list) and ``model`` (the new model).
        """
        from lsstlite.algorithms.background import fit_background

        cfg = self.config
        planes = exposure.planes
        ignored = planes.bitmask(*[p for p in cfg.ignoredPixelMask if p in planes])
        model = fit_background(exposure.image, exposure.mask, ignoredMask=ignored,
                               binSize=cfg.binSize, statistic=cfg.statisticsProperty,
                               useApprox=cfg.useApprox, algorithm=cfg.algorithm,
                               approxOrderX=cfg.approxOrderX, approxOrderY=cfg.approxOrderY,
                               weighting=cfg.weighting, undersampleStyle=cfg.undersampleStyle)
        model.subtract_from(exposure.image)
        background = BackgroundList() if background is None else background
        background.append(model)
        exposure.metadata["BGMEAN"] = float(model.mean)
        exposure.metadata["BGVAR"] = float(model.variance)
        self.metadata.setdefault("backgroundMean", []).append(float(model.mean))
        self.log.info("Subtracted background: mean %.3f, clipped pixel variance %.3f",
                      model.mean, model.variance)
        return Struct(background=background, model=model)
