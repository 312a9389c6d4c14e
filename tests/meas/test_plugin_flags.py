"""Plugin-level flags: each is triggered by the situation it names."""

import numpy as np
import pytest

from lsstlite.table import Schema, SourceCatalog
from lsstlite.tasks.measurement import SingleFrameMeasurementTask

from .helpers import star_field

PLANES = {"edge": "EDGE", "nodata": "NO_DATA", "interpolated": "INTRP", "saturated": "SAT",
          "cr": "CR", "bad": "BAD", "suspect": "SUSPECT"}


def measure(exposure, footprints, plugins, **configure):
    config = SingleFrameMeasurementTask.ConfigClass()
    config.plugins.names = plugins
    config.slots.shape = None
    config.slots.psfShape = None
    for name in ("apFlux", "modelFlux", "psfFlux", "gaussianFlux", "calibFlux"):
        setattr(config.slots, name, None)
    for key, value in configure.items():
        plugin, field = key.split("__")
        setattr(config.plugins[plugin], field, value)
    schema = Schema()
    task = SingleFrameMeasurementTask(schema=schema, config=config)
    catalog = SourceCatalog(schema, len(footprints))
    catalog["id"] = np.arange(1, len(footprints) + 1)
    task.run(catalog, exposure, footprints)
    return catalog


@pytest.mark.parametrize("suffix,plane", sorted(PLANES.items()))
def test_pixel_flags_anywhere_and_at_the_centre(suffix, plane):
    exposure, footprints, positions, _ = star_field(seed=5)
    bit = exposure.planes.bitmask(plane)
    x0, y0 = np.rint(positions[0]).astype(int)
    exposure.mask[y0, x0] |= bit                         # centre of source 0
    x1, y1 = np.rint(positions[1]).astype(int)
    ys, xs = np.nonzero(footprints.labels == footprints.labels[y1, x1])
    far = np.argmax((xs - x1) ** 2 + (ys - y1) ** 2)
    exposure.mask[ys[far], xs[far]] |= bit               # footprint edge of source 1
    cat = measure(exposure, footprints, ["base_PixelFlags", "base_SdssCentroid"])
    flag = cat[f"base_PixelFlags_flag_{suffix}"]
    assert flag[0] and flag[1] and not flag[2:].any()
    if f"base_PixelFlags_flag_{suffix}Center" in cat.schema:
        center = cat[f"base_PixelFlags_flag_{suffix}Center"]
        assert center[0] and not center[1]


def test_psf_flux_edge_and_no_good_pixels():
    exposure, footprints, positions, _ = star_field(seed=6)
    # source 0 near the edge: its PSF stamp is clipped by the image
    footprints.peak_x[0], footprints.peak_y[0] = 2.0, 2.0
    # source 1 has every pixel of its PSF stamp BAD, and BAD is excluded from the fit
    x1, y1 = np.rint(positions[1]).astype(int)
    exposure.mask[y1 - 20:y1 + 21, x1 - 20:x1 + 21] |= exposure.planes.bitmask("BAD")
    cat = measure(exposure, footprints, ["base_PsfFlux", "base_SdssCentroid"],
                  base_PsfFlux__badMaskPlanes=["BAD"])
    assert cat["base_PsfFlux_flag_edge"][0] and cat["base_PsfFlux_flag"][0]
    assert cat["base_PsfFlux_flag_noGoodPixels"][1] and cat["base_PsfFlux_flag"][1]
    assert not cat["base_PsfFlux_flag"][2:].any()


def test_aperture_truncation_flags():
    exposure, footprints, positions, _ = star_field(seed=7)
    cat = measure(exposure, footprints, ["base_CircularApertureFlux", "base_SdssCentroid"])
    x = cat["slot_Centroid_x"]
    y = cat["slot_Centroid_y"]
    # distance from the centre to the image boundary (pixel edges at -0.5 and N - 0.5)
    dist = np.minimum.reduce([x, y, exposure.width - 1 - x, exposure.height - 1 - y]) + 0.5
    truncated = cat["base_CircularApertureFlux_35_0_flag_apertureTruncated"]
    np.testing.assert_array_equal(truncated, dist < 35)
    assert (cat["base_CircularApertureFlux_35_0_flag"] == truncated).all()
    assert not cat["base_CircularApertureFlux_3_0_flag_apertureTruncated"].any()


def test_local_background_and_variance_without_usable_pixels():
    exposure, footprints, positions, _ = star_field(seed=8)
    x0, y0 = np.rint(positions[0]).astype(int)
    exposure.mask[y0 - 20:y0 + 21, x0 - 20:x0 + 21] |= exposure.planes.bitmask("BAD")
    cat = measure(exposure, footprints, ["base_LocalBackground", "base_Variance",
                                         "base_SdssCentroid"])
    assert cat["base_LocalBackground_flag_noGoodPixels"][0]
    assert cat["base_Variance_flag_emptyFootprint"][0]
    assert not cat["base_LocalBackground_flag"][1:].any()
    assert not cat["base_Variance_flag"][1:].any()


def test_pixel_flags_of_a_deblended_parent_come_from_its_children():
    from lsstlite.meas.footprints import SourceFootprints

    exposure, fp, positions, _ = star_field(seed=9)
    n = len(fp)
    # one more row: a parent (leaf 0) whose children are rows 0 and 1
    parents = fp.select(np.array([0, 0]))
    footprints = SourceFootprints(fp.labels, np.append(fp.leaf, 0),
                                  np.vstack([fp.bbox, parents.bbox[:1]]),
                                  np.append(fp.npix, fp.npix[0] + fp.npix[1]),
                                  np.append(fp.peak_x, fp.peak_x[0]),
                                  np.append(fp.peak_y, fp.peak_y[0]),
                                  np.append(fp.peak_value, fp.peak_value[0]))
    ys, xs = np.nonzero(fp.labels == fp.leaf[1])
    exposure.mask[ys[0], xs[0]] |= exposure.planes.bitmask("SAT")
    config = SingleFrameMeasurementTask.ConfigClass()
    config.plugins.names = ["base_PixelFlags", "base_SdssCentroid"]
    for name in ("shape", "psfShape", "apFlux", "modelFlux", "psfFlux", "gaussianFlux",
                 "calibFlux"):
        setattr(config.slots, name, None)
    schema = Schema()
    task = SingleFrameMeasurementTask(schema=schema, config=config)
    catalog = SourceCatalog(schema, n + 1)
    catalog["id"] = np.arange(1, n + 2)
    catalog["parent"][:2] = n + 1
    task.run(catalog, exposure, footprints)
    saturated = catalog["base_PixelFlags_flag_saturated"]
    assert saturated[1] and saturated[n] and not saturated[0] and not saturated[2:n].any()
