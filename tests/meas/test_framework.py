"""The measurement framework: plugin order, slots, noise replacement, failures as flags."""

import numpy as np
import pytest

from lsstlite.config import ConfigError
from lsstlite.meas.noise import colour_batches
from lsstlite.meas.plugin import MeasurementPlugin, register
from lsstlite.table import Schema, SourceCatalog
from lsstlite.tasks.measurement import SingleFrameMeasurementTask

from .helpers import SKY_SIGMA, star_field

PLUGINS = ["base_PixelFlags", "base_SdssCentroid", "base_SdssShape", "base_GaussianFlux", "base_PsfFlux",
           "base_CircularApertureFlux", "base_FootprintArea", "base_LocalBackground",
           "base_Variance"]


def make_task(plugins=PLUGINS, **slots):
    config = SingleFrameMeasurementTask.ConfigClass()
    config.plugins.names = plugins
    for key, value in slots.items():
        setattr(config.slots, key, value)
    schema = Schema()
    return SingleFrameMeasurementTask(schema=schema, config=config), schema


def measured_field(seed=0, **kwargs):
    exposure, footprints, positions, fluxes = star_field(seed, **kwargs)
    task, schema = make_task()
    catalog = SourceCatalog(schema, len(footprints))
    catalog["id"] = np.arange(1, len(footprints) + 1)
    image = exposure.image.copy()
    task.run(catalog, exposure, footprints)
    np.testing.assert_array_equal(exposure.image, image)  # noise replaced in place, then restored
    return catalog, positions, fluxes


def test_psf_flux_and_shape_match_truth_within_noise():
    catalog, positions, fluxes = measured_field()
    psf_flux = catalog["base_PsfFlux_instFlux"]
    err = catalog["base_PsfFlux_instFluxErr"]
    pulls = (psf_flux - fluxes) / err
    assert np.all(np.abs(pulls) < 5)
    # error of the PSF flux of a known Gaussian PSF: sqrt(4 pi sigma^2) * sky sigma
    np.testing.assert_allclose(err, np.sqrt(4 * np.pi * 1.5**2) * SKY_SIGMA, rtol=0.05)
    bright = fluxes > 3e4
    np.testing.assert_allclose(catalog["base_SdssShape_xx"][bright], 1.5**2, rtol=0.03)
    np.testing.assert_allclose(catalog["slot_Centroid_x"], positions[:, 0], atol=0.1)
    np.testing.assert_allclose(catalog["base_SdssShape_psf_xx"], catalog["base_SdssShape_psf_yy"])
    assert not catalog["base_PsfFlux_flag"].any()
    assert (catalog["base_FootprintArea_value"] > 0).all()


def test_slot_aliases_and_apertures():
    catalog, positions, fluxes = measured_field(seed=1)
    assert "slot_PsfFlux_instFlux" in catalog.schema
    np.testing.assert_array_equal(catalog["slot_PsfFlux_instFlux"], catalog["base_PsfFlux_instFlux"])
    big = catalog["base_CircularApertureFlux_17_0_instFlux"]
    big_err = catalog["base_CircularApertureFlux_17_0_instFluxErr"]
    # the 17 px aperture holds all of a sigma=1.5 star; neighbours are 45 px apart
    assert np.all(np.abs(big - fluxes) < 5 * big_err)


def test_neighbours_are_replaced_by_noise():
    # two stars 12 px apart: the 9 px aperture of the faint one would include the bright one
    positions = [(60.2, 60.3), (72.1, 60.6)]
    fluxes = [2e3, 2e5]
    catalog, pos, flux = measured_field(positions=positions, fluxes=fluxes, shape=(120, 140))
    faint = np.argmin(flux)
    aper = catalog["base_CircularApertureFlux_9_0_instFlux"][faint]
    err = catalog["base_CircularApertureFlux_9_0_instFluxErr"][faint]
    assert abs(aper - flux[faint]) < 5 * err


def test_colour_batches_separate_conflicting_sources():
    boxes = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [100, 100, 110, 110]])
    batches = colour_batches(boxes, boxes, np.zeros((0, 2), int))
    where = {int(r): b for b, rows in enumerate(batches) for r in rows}
    assert where[0] != where[1]
    assert sorted(np.concatenate(batches)) == [0, 1, 2]
    # a parent (row 2) and its child (row 0) share pixels: never in one batch
    batches = colour_batches(boxes, boxes, np.array([[0, 2]]))
    where = {int(r): b for b, rows in enumerate(batches) for r in rows}
    assert where[0] != where[1] and where[0] != where[2]


def test_related_rows_pair_children_with_their_parent():
    from lsstlite.tasks.measurement import _related_rows

    ids = np.array([10, 11, 12, 13, 14])
    parents = np.array([0, 10, 10, 99, 0])       # 13's parent is not in the catalogue
    np.testing.assert_array_equal(_related_rows(ids, parents), [[1, 0], [2, 0]])


def test_missing_slot_plugin_is_a_config_error():
    config = SingleFrameMeasurementTask.ConfigClass()
    config.plugins.names = ["base_PixelFlags"]
    with pytest.raises(ConfigError, match="slot_Centroid -> 'base_SdssCentroid'"):
        config.validate()


@register("test_Exploding")
class ExplodingPlugin(MeasurementPlugin):
    def measure(self, ctx):
        raise RuntimeError("boom")


def test_plugin_exception_sets_flags_not_abort(caplog):
    exposure, footprints, positions, fluxes = star_field(2)
    task, schema = make_task(PLUGINS + ["test_Exploding"])
    catalog = SourceCatalog(schema, len(footprints))
    catalog["id"] = np.arange(1, len(footprints) + 1)
    result = task.run(catalog, exposure, footprints)
    assert catalog["test_Exploding_flag"].all()
    assert result.failures["test_Exploding"] == len(catalog)
    assert np.isfinite(catalog["base_PsfFlux_instFlux"]).all()


def test_pixels_by_leaf_groups_every_footprint_pixel():
    exposure, footprints, positions, fluxes = star_field(3)
    order, starts = footprints.pixels_by_leaf
    flat = footprints.labels.ravel()
    assert order.size == np.count_nonzero(flat)
    for leaf in range(1, footprints.labels.max() + 1):
        np.testing.assert_array_equal(order[starts[leaf]:starts[leaf + 1]],
                                      np.flatnonzero(flat == leaf))
    both = order[footprints.pixels_of(np.array([3, 1]))]
    np.testing.assert_array_equal(np.sort(both), np.flatnonzero((flat == 1) | (flat == 3)))


def test_noise_replacer_inserts_and_removes_exactly():
    from lsstlite.meas.noise import NoiseReplacer

    exposure, footprints, positions, fluxes = star_field(4)
    image = exposure.image
    # bad sky pixels with wild values must not enter the noise statistics
    bad = exposure.planes.bitmask("BAD")
    image[:10, :] = 1e4
    exposure.mask[:10, :] |= bad
    original = image.copy()
    labels = footprints.labels
    sky = labels == 0
    with NoiseReplacer(image, exposure.variance, footprints, exposure.mask, bad) as replacer:
        assert replacer.image is image  # replaced in place, no copy of the frame
        noise = image.copy()
        np.testing.assert_array_equal(noise[sky], original[sky])
        # the replacement noise has the sky's statistics (mean 0, sigma 5; n ~ 1e3 pixels)
        replaced = noise[~sky]
        assert abs(replaced.mean()) < 5 * SKY_SIGMA / np.sqrt(replaced.size)
        assert abs(replaced.std() / SKY_SIGMA - 1) < 5 / np.sqrt(2 * replaced.size)
        working = replacer.insert(np.array([2]))
        mine = labels == 2
        np.testing.assert_array_equal(working[mine], original[mine])
        np.testing.assert_array_equal(working[~mine], noise[~mine])
        replacer.remove()
        np.testing.assert_array_equal(image, noise)
    np.testing.assert_array_equal(image, original)  # restored on leaving the block


def test_noise_replacer_restores_the_image_after_an_error_and_needs_a_writeable_image():
    from lsstlite.meas.noise import NoiseReplacer

    exposure, footprints, _, _ = star_field(5)
    original = exposure.image.copy()
    with pytest.raises(RuntimeError, match="boom"), \
            NoiseReplacer(exposure.image, exposure.variance, footprints, exposure.mask, 0):
        raise RuntimeError("boom")
    np.testing.assert_array_equal(exposure.image, original)
    with pytest.raises(ValueError, match="C-contiguous"):
        NoiseReplacer(np.asfortranarray(exposure.image), exposure.variance, footprints,
                      exposure.mask, 0)
