"""``base_FootprintArea``: number of pixels of each source's footprint."""

from __future__ import annotations

from lsstlite.meas.plugin import MeasurementPlugin, register


@register("base_FootprintArea")
class FootprintAreaPlugin(MeasurementPlugin):
    """Footprint area in pixels (for a deblended child: its own pixels)."""

    executionOrder = MeasurementPlugin.SHAPE_ORDER
    needsNoiseReplacement = False

    def __init__(self, config, name, schema, metadata):
        super().__init__(config, name, schema, metadata)
        self.value = self.addField("value", "int32", "pixel", "Number of pixels in the footprint")

    def measure(self, ctx) -> None:
        ctx.catalog[self.value][ctx.rows] = ctx.footprints.npix[ctx.rows]
