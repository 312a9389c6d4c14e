"""Single-frame measurement: run the selected plugins over all sources of a catalogue."""

from __future__ import annotations

import contextlib

import numpy as np

import lsstlite.meas.plugins  # noqa: F401  (registers the base plugins before configs exist)
from lsstlite.config import ChoiceField, Config, ConfigError, ConfigField, Field, RangeField
from lsstlite.meas.plugin import pluginRegistry
from lsstlite.tasks.base import Struct, Task, timeMethod

__all__ = ["SingleFrameMeasurementConfig", "SingleFrameMeasurementTask", "SlotConfig"]

DEFAULT_PLUGINS = ["base_PixelFlags", "base_SdssCentroid", "base_SdssShape", "base_GaussianFlux",
                   "base_PsfFlux", "base_CircularApertureFlux", "base_SkyCoord", "base_Variance",
                   "base_LocalBackground", "base_FootprintArea", "base_KronFlux"]


class SlotConfig(Config):
    """Which plugin provides each slot (``slot_Centroid`` -> ``base_SdssCentroid`` ...)."""

    centroid = Field("Plugin providing slot_Centroid", str, default="base_SdssCentroid",
                     optional=True)
    shape = Field("Plugin providing slot_Shape", str, default="base_SdssShape", optional=True)
    psfShape = Field("Field prefix providing slot_PsfShape", str, default="base_SdssShape_psf",
                     optional=True)
    apFlux = Field("Field prefix providing slot_ApFlux", str,
                   default="base_CircularApertureFlux_12_0", optional=True)
    modelFlux = Field("Field prefix providing slot_ModelFlux", str, default="base_GaussianFlux",
                      optional=True)
    psfFlux = Field("Field prefix providing slot_PsfFlux", str, default="base_PsfFlux",
                    optional=True)
    gaussianFlux = Field("Field prefix providing slot_GaussianFlux", str,
                         default="base_GaussianFlux", optional=True)
    calibFlux = Field("Field prefix providing slot_CalibFlux", str,
                      default="base_CircularApertureFlux_12_0", optional=True)

    def slots(self) -> dict[str, str]:
        """Slot alias -> target prefix, for the slots that are set."""
        names = {"centroid": "slot_Centroid", "shape": "slot_Shape", "psfShape": "slot_PsfShape",
                 "apFlux": "slot_ApFlux", "modelFlux": "slot_ModelFlux", "psfFlux": "slot_PsfFlux",
                 "gaussianFlux": "slot_GaussianFlux", "calibFlux": "slot_CalibFlux"}
        return {alias: getattr(self, field) for field, alias in names.items()
                if getattr(self, field) is not None}


class SingleFrameMeasurementConfig(Config):
    """Configuration of `SingleFrameMeasurementTask`."""

    plugins = pluginRegistry.makeField("Measurement plugins to run", multi=True,
                                       default=DEFAULT_PLUGINS)
    slots = ConfigField("Slot definitions", SlotConfig)
    doReplaceWithNoise = Field("Replace all other footprints by noise while measuring each "
                               "source", bool, default=True)
    noiseSource = ChoiceField("Noise used to replace footprints", str, default="measure",
                              allowed={"measure": "clipped mean and stdev of the sky pixels",
                                       "variance": "zero mean, the per-pixel variance"},
                              optional=False)
    noiseSeed = RangeField("Seed of the replacement noise", int, default=1, min=0)
    isolationRadius = RangeField("Sources closer than this (pixels, from the footprint box) to "
                                 "another footprint are measured in separate batches, so that "
                                 "every neighbour within it is noise", int, default=25, min=0)

    def validate(self) -> None:
        """Check that every slot's plugin runs."""
        super().validate()
        names = set(self.plugins.names)
        for alias, target in self.slots.slots().items():
            if not any(target == name or target.startswith(name + "_") for name in names):
                msg = (f"measurement slot {alias} -> {target!r}: plugin not in plugins.names "
                       f"{sorted(names)}; add it or set slots.<slot>=None")
                raise ConfigError(msg)


class SingleFrameMeasurementTask(Task):
    """Measure every source of a catalogue with the configured plugins.

    Plugins run in execution order (centroid, shape, flux); each runs once per batch of
    sources that can be measured together with all other footprints replaced by noise
    (`lsstlite.meas.noise`). Per-source failures set the plugin's flags and are counted in
    the log; only MemoryError aborts.

    Parameters
    ----------
    schema : `lsstlite.table.Schema`
        Schema to add the plugins' fields and the slot aliases to.
    """

    ConfigClass = SingleFrameMeasurementConfig
    _DefaultName = "measurement"

    def __init__(self, schema, **kwargs) -> None:
        super().__init__(**kwargs)
        self.schema = schema
        self.catalogMetadata: dict = {}
        selected = []
        for name in self.config.plugins.names:
            cls = pluginRegistry[name]
            target = getattr(cls, "target", cls)
            selected.append((target.executionOrder, name, target))
        centroid_slot = self.config.slots.centroid
        selected.sort(key=lambda item: (item[1] != centroid_slot, item[0], item[1]))
        self.plugins = []
        for _, name, target in selected:
            plugin_config = self.config.plugins[name]
            if plugin_config.doMeasure:
                self.plugins.append(target(plugin_config, name, schema, self.catalogMetadata))
        for alias, target in self.config.slots.slots().items():
            schema.setAlias(alias, target)

    def _run_plugins(self, plugins, ctx) -> None:
        """Run ``plugins`` on one batch; a plugin exception flags the batch, not the frame."""
        for plugin in plugins:
            try:
                plugin.measure(ctx)
            except MemoryError:
                raise
            except Exception as error:  # a plugin bug must not lose the frame
                ctx.catalog[plugin.flag][ctx.rows] = True
                self.log.warning("%s failed on a batch of %d sources: %s: %s", plugin.name,
                                 len(ctx.rows), type(error).__name__, error)

    @timeMethod
    def run(self, catalog, exposure, footprints) -> Struct:
        """Measure ``catalog`` (in place) on ``exposure``.

        Parameters
        ----------
        catalog : `lsstlite.table.SourceCatalog`
            Sources, with this task's schema.
        exposure : `lsstlite.image.Exposure`
            Background-subtracted exposure with PSF (and WCS for sky coordinates).
        footprints : `lsstlite.meas.footprints.SourceFootprints`
            Footprints aligned with the catalogue rows.

        Returns
        -------
        result : `Struct`
            ``failures``: plugin name -> number of sources with its general flag set.
        """
        from lsstlite.meas.context import BatchContext
        from lsstlite.meas.noise import NoiseReplacer, colour_batches

        n = len(catalog)
        parents = np.asarray(catalog["parent"])
        self.log.info("Measuring %d sources (%d parents, %d children)", n,
                      int((parents == 0).sum()), int((parents != 0).sum()))
        catalog.metadata.update(self.catalogMetadata)
        if n == 0:
            return Struct(failures={})
        for plugin in self.plugins:  # a re-measurement starts from scratch
            for column in plugin.fields:
                catalog[column][...] = catalog.schema[column].default
        own = footprints.own_leaves(np.asarray(catalog["id"]), parents)
        if self.config.doReplaceWithNoise:
            planes = exposure.planes
            bad = planes.bitmask(*[p for p in ("BAD", "SAT", "NO_DATA", "EDGE") if p in planes])
            replacer = NoiseReplacer(exposure.image, exposure.variance, footprints, exposure.mask,
                                     bad, self.config.noiseSource, self.config.noiseSeed)
            related = _related_rows(np.asarray(catalog["id"]), parents)
            grow = np.array([-1, -1, 1, 1]) * self.config.isolationRadius
            batches = colour_batches(footprints.bbox + grow, footprints.bbox, related)
        else:
            replacer = None
            batches = [np.arange(n)]
        self.log.debug("Measuring in %d noise-replaced batches", len(batches))
        batched = [p for p in self.plugins if p.needsNoiseReplacement]
        with replacer if replacer is not None else contextlib.nullcontext():
            for rows in batches:
                if replacer is None:
                    image = exposure.image
                else:
                    image = replacer.insert(np.concatenate([own[i] for i in rows]))
                self._run_plugins(batched, BatchContext(catalog, rows, image, exposure, footprints,
                                                        own))
                if replacer is not None:
                    replacer.remove()
        once = [p for p in self.plugins if not p.needsNoiseReplacement]
        self._run_plugins(once, BatchContext(catalog, np.arange(n), exposure.image, exposure,
                                             footprints, own))
        failures = {p.name: int(np.count_nonzero(catalog[p.flag])) for p in self.plugins}
        for name, count in failures.items():
            if count:
                self.log.info("%s: %d of %d sources flagged as failed", name, count, n)
        self.metadata["numSources"] = n
        self.metadata["numBatches"] = len(batches)
        self.metadata["failures"] = failures
        return Struct(failures=failures)


def _related_rows(ids: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Pairs (child row, parent row) of the catalogue: they share pixels.

    Siblings own disjoint pixels; like unrelated neighbours, they go to different batches only
    when one's measurement box reaches the other's footprint.
    """
    children = np.flatnonzero(parents != 0)
    order = np.argsort(ids, kind="stable")
    where = np.searchsorted(ids, parents[children], sorter=order)
    where = np.minimum(where, ids.size - 1)  # a parent missing from the catalogue: no pair
    found = ids[order[where]] == parents[children]
    return np.stack([children[found], order[where[found]]], axis=1)
