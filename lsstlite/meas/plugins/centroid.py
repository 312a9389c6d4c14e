"""``base_SdssCentroid``: the SDSS centroider (binned, PSF-smoothed, quartic refinement)."""

from __future__ import annotations

import numpy as np

from lsstlite.config import RangeField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register


class SdssCentroidConfig(PluginConfig):
    """Configuration of ``base_SdssCentroid``."""

    maxDistToPeak = RangeField("Centroids further than this from the peak (pixels) are reset to "
                               "the peak (flag_resetToPeak)", float, default=1.0, min=0.0)


@register("base_SdssCentroid")
class SdssCentroidPlugin(MeasurementPlugin):
    """Centroid from the footprint's peak, smoothed by a Gaussian of the local PSF's width."""

    ConfigClass = SdssCentroidConfig
    executionOrder = MeasurementPlugin.CENTROID_ORDER
    flagDefinitions = (
        ("flag_edge", "Too close to the edge to measure"),
        ("flag_noSecondDerivative", "Vanishing second derivative"),
        ("flag_almostNoSecondDerivative", "Almost vanishing second derivative"),
        ("flag_notAtMaximum", "The peak is not a local maximum"),
        ("flag_nearEdge", "Measured with a smaller kernel near the edge"),
        ("flag_resetToPeak", "Moved more than maxDistToPeak; reset to the peak"),
        ("flag_badError", "The error is not finite"),
    )

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.x = self.addField("x", float, "pixel", "Centroid x (0-based, pixel centres at integers)")
        self.y = self.addField("y", float, "pixel", "Centroid y")
        self.xErr = self.addField("xErr", float, "pixel", "Error of x")
        self.yErr = self.addField("yErr", float, "pixel", "Error of y")

    def measure(self, ctx) -> None:
        from lsstlite.kernels import centroid as kernel
        from lsstlite.meas.psf_shapes import psf_moments_grid

        cat, rows, exposure = ctx.catalog, ctx.rows, ctx.exposure
        x = ctx.footprints.peak_x[rows].astype(float)
        y = ctx.footprints.peak_y[rows].astype(float)
        if exposure.psf is not None:  # the local PSF's width at each source, as LSST
            xx, yy, xy = psf_moments_grid(exposure.psf, exposure.width, exposure.height)(x, y)
            sigma = np.sqrt(np.sqrt(np.maximum(xx * yy - xy * xy, 1e-12)))
        else:
            sigma = 1.5
        res = kernel.sdss_centroid(ctx.image, ctx.variance, x, y, sigma,
                                   max_dist_to_peak=self.config.maxDistToPeak)
        cat[self.x][rows] = res.x
        cat[self.y][rows] = res.y
        cat[self.xErr][rows] = res.xErr
        cat[self.yErr][rows] = res.yErr
        self.setFlags(cat, rows, res.flags, {
            kernel.CENTROID_EDGE: "flag_edge", kernel.CENTROID_NO_SECOND_DERIVATIVE: "flag_noSecondDerivative",
            kernel.CENTROID_ALMOST_NO_SECOND_DERIVATIVE: "flag_almostNoSecondDerivative",
            kernel.CENTROID_NOT_AT_MAXIMUM: "flag_notAtMaximum", kernel.CENTROID_NEAR_EDGE: "flag_nearEdge",
            kernel.CENTROID_RESET_TO_PEAK: "flag_resetToPeak", kernel.CENTROID_BAD_ERROR: "flag_badError"})
        failed = ~(np.isfinite(res.x) & np.isfinite(res.y))
        cat[self.x][rows[failed]] = x[failed]
        cat[self.y][rows[failed]] = y[failed]
