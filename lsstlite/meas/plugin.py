"""Measurement plugins: base class, registry and execution orders.

A plugin is one small class registered by name; its name prefixes its catalogue columns
(``base_PsfFlux_instFlux``). Plugins measure a whole batch of sources in one call (normally one
Numba kernel call), writing their columns for the batch's rows and setting flags for the
sources that failed.

Examples
--------
A user plugin::

    from lsstlite.meas.plugin import MeasurementPlugin, register

    @register("ext_PeakValue")
    class PeakValuePlugin(MeasurementPlugin):
        executionOrder = MeasurementPlugin.FLUX_ORDER

        def __init__(self, config, name, schema, metadata):
            super().__init__(config, name, schema, metadata)
            self.value = self.addField("value", float, "ct", "Image value at the centroid")

        def measure(self, ctx):
            x, y = ctx.centroid(self)
            ix, iy = np.rint(x).astype(int), np.rint(y).astype(int)
            ctx.catalog[self.value][ctx.rows] = ctx.image[iy, ix]
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from lsstlite.config import Config, Field, makeRegistry, registerConfigurable

__all__ = ["MeasurementPlugin", "PluginConfig", "pluginRegistry", "register"]

pluginRegistry = makeRegistry("Single-frame measurement plugins, by name")


class PluginConfig(Config):
    """Base configuration of every measurement plugin."""

    doMeasure = Field("Run this plugin", bool, default=True)


class MeasurementPlugin:
    """Base class of single-frame measurement plugins.

    Parameters
    ----------
    config : `PluginConfig`
        The plugin's configuration.
    name : str
        Registered name; prefix of every column the plugin adds.
    schema : `lsstlite.table.Schema`
        Schema to add columns to.
    metadata : dict
        Catalogue metadata (e.g. aperture radii).
    """

    ConfigClass: ClassVar[type[Config]] = PluginConfig
    CENTROID_ORDER: ClassVar[float] = 0.0
    SHAPE_ORDER: ClassVar[float] = 1.0
    FLUX_ORDER: ClassVar[float] = 2.0
    APCORR_ORDER: ClassVar[float] = 3.0
    executionOrder: ClassVar[float] = FLUX_ORDER
    #: Flux plugins whose ``instFlux`` is aperture corrected (``<name>`` prefixes).
    apCorrNames: ClassVar[tuple[str, ...]] = ()
    #: False for plugins whose result does not depend on neighbours (mask flags, sky
    #: coordinates): they run once over all sources after the noise-replaced batches.
    needsNoiseReplacement: ClassVar[bool] = True
    #: Other specific flags: (suffix, doc); the general ``flag`` is always added first.
    flagDefinitions: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self, config: Config, name: str, schema: Any, metadata: dict) -> None:
        self.config = config
        self.name = name
        self.schema = schema
        self.metadata = metadata
        self.fields: list[str] = []
        self.flag = self.addField("flag", bool, None, f"General failure flag of {name}")
        for suffix, doc in self.flagDefinitions:
            self.addField(suffix, bool, None, doc)

    def addField(self, suffix: str, dtype: type, unit: str | None, doc: str) -> str:
        """Add the column ``<name>_<suffix>`` to the schema and return its name."""
        column = f"{self.name}_{suffix}"
        if column not in self.schema:
            self.schema.addField(column, dtype=dtype, unit=unit or "", doc=doc)
        self.fields.append(column)
        return column

    def setFlags(self, catalog, rows: np.ndarray, bits: np.ndarray, table: dict[int, str]) -> None:
        """Set the flag columns named in ``table`` (bit -> suffix) from kernel flag bits.

        Any non-zero ``bits`` also sets the general ``flag``.
        """
        bits = np.asarray(bits)
        present = int(np.bitwise_or.reduce(bits)) if bits.size else 0
        if present == 0:
            return
        for bit, suffix in table.items():
            if present & bit:
                catalog[f"{self.name}_{suffix}"][rows[(bits & bit) != 0]] = True
        catalog[self.flag][rows[bits != 0]] = True

    def measure(self, ctx) -> None:
        """Measure the sources ``ctx.rows``; subclasses override."""
        raise NotImplementedError


def register(name: str, *, apCorr: bool = False):
    """Class decorator registering a `MeasurementPlugin` under ``name``.

    Parameters
    ----------
    name : str
        Registered name and column prefix, e.g. ``"base_PsfFlux"``.
    apCorr : bool
        Whether ``<name>_instFlux`` is aperture corrected by default.
    """
    def decorate(cls: type[MeasurementPlugin]) -> type[MeasurementPlugin]:
        if apCorr:
            cls.apCorrNames = (name,)
        registerConfigurable(name, pluginRegistry, ConfigClass=cls.ConfigClass)(cls)
        return cls
    return decorate
