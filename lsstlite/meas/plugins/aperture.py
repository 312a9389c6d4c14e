"""``base_CircularApertureFlux``: sinc (small radii) and exact (large radii) circular apertures."""

from __future__ import annotations

import numpy as np

from lsstlite.config import ListField, RangeField
from lsstlite.meas.plugin import MeasurementPlugin, PluginConfig, register


class CircularApertureFluxConfig(PluginConfig):
    """Configuration of ``base_CircularApertureFlux``."""

    radii = ListField("Aperture radii (pixels)", float,
                      default=[3.0, 4.5, 6.0, 9.0, 12.0, 17.0, 25.0, 35.0, 50.0, 70.0])
    maxSincRadius = RangeField("Radii up to this use sinc apertures, larger ones the exact "
                               "circle/pixel overlap", float, default=10.0, min=0.0)


def radius_suffix(radius: float) -> str:
    """Column infix of a radius: 4.5 -> ``4_5``, 12 -> ``12_0``."""
    return f"{radius:.1f}".replace(".", "_")


@register("base_CircularApertureFlux")
class CircularApertureFluxPlugin(MeasurementPlugin):
    """Fluxes in circular apertures of every configured radius, with truncation flags.

    Columns ``<name>_<r>_instFlux``, ``_instFluxErr``, ``_flag``, ``_flag_apertureTruncated``,
    ``_flag_sincCoeffsTruncated``; the general ``<name>_flag`` is set when any radius failed.
    """

    ConfigClass = CircularApertureFluxConfig
    executionOrder = MeasurementPlugin.FLUX_ORDER

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.prefixes = []
        for radius in config.radii:
            prefix = f"{radius_suffix(radius)}"
            self.addField(f"{prefix}_instFlux", float, "count", f"Flux within {radius} pixels")
            self.addField(f"{prefix}_instFluxErr", float, "count", "Error of instFlux")
            self.addField(f"{prefix}_flag", bool, None, f"Aperture {radius} failed")
            self.addField(f"{prefix}_flag_apertureTruncated", bool, None,
                          "Aperture extends off the image")
            self.addField(f"{prefix}_flag_sincCoeffsTruncated", bool, None,
                          "Sinc coefficients extend off the image")
            self.prefixes.append(f"{name}_{prefix}")
        metadata[f"{name}_radii"] = [float(r) for r in config.radii]
        # per radius: the value columns and the flag columns (failure, truncated, sinc truncated)
        self._columns = [(f"{p}_instFlux", f"{p}_instFluxErr",
                          (f"{p}_flag", f"{p}_flag_apertureTruncated",
                           f"{p}_flag_sincCoeffsTruncated")) for p in self.prefixes]

    def measure(self, ctx) -> None:
        from lsstlite.kernels import aperture as kernel

        cat, rows = ctx.catalog, ctx.rows
        x, y = ctx.centroid(self)
        res = kernel.circular_aperture_flux(ctx.image, ctx.variance, x, y, self.config.radii,
                                            max_sinc_radius=self.config.maxSincRadius)
        bits = (kernel.APERTURE_FAILURE, kernel.APERTURE_TRUNCATED, kernel.SINC_COEFFS_TRUNCATED)
        # flag columns start False: only the set bits are written
        present = np.bitwise_or.reduce(res.flags, axis=0)
        for k, (flux, err, flags) in enumerate(self._columns):
            cat[flux][rows] = res.instFlux[:, k]
            cat[err][rows] = res.instFluxErr[:, k]
            for bit, column in zip(bits, flags):
                if present[k] & bit:
                    cat[column][rows[(res.flags[:, k] & bit) != 0]] = True
        failed = (res.flags & kernel.APERTURE_FAILURE) != 0
        if failed.any():
            cat[self.flag][rows[failed.any(axis=1)]] = True
