"""base_KronFlux in the measurement framework: isolated stars vs truth × enclosed fraction."""

import numpy as np

from lsstlite.table import Schema, SourceCatalog
from lsstlite.tasks.measurement import SingleFrameMeasurementTask

from .helpers import SIGMA, SKY_SIGMA, star_field

PLUGINS = ["base_PixelFlags", "base_SdssCentroid", "base_SdssShape", "base_GaussianFlux",
           "base_PsfFlux", "base_CircularApertureFlux", "base_KronFlux"]


def measured_star_field(seed, setup=None):
    """Exposure, footprints, truth, and the measured catalogue and task of `star_field`."""
    exposure, footprints, positions, fluxes = star_field(seed)
    if setup is not None:
        setup(exposure, positions)
    config = SingleFrameMeasurementTask.ConfigClass()
    config.plugins.names = PLUGINS
    schema = Schema()
    task = SingleFrameMeasurementTask(schema=schema, config=config)
    catalog = SourceCatalog(schema, len(footprints))
    catalog["id"] = np.arange(1, len(footprints) + 1)
    task.run(catalog, exposure, footprints)
    return exposure, footprints, positions, fluxes, catalog, task


def test_kron_flux_of_isolated_stars_matches_truth_times_enclosed_fraction():
    exposure, footprints, positions, fluxes, catalog, task = measured_star_field(4)
    flux = catalog["base_KronFlux_instFlux"]
    err = catalog["base_KronFlux_instFluxErr"]
    radius = catalog["base_KronFlux_radius"]
    assert not catalog["base_KronFlux_flag"].any()
    # Gaussian stars: r1 ≈ 1.25 < 3.5/2.5, so SExtractor's minimum ellipse (3.5 sigma) is used
    assert catalog["base_KronFlux_flag_usedMinimumRadius"].all()
    sigma = np.sqrt(np.sqrt(catalog["slot_Shape_xx"] * catalog["slot_Shape_yy"]
                            - catalog["slot_Shape_xy"] ** 2))
    np.testing.assert_allclose(radius, 3.5 / 2.5 * sigma, rtol=1e-6)
    frac = 1 - np.exp(-(3.5 * sigma) ** 2 / (2 * SIGMA ** 2))
    # error: ~sky sigma × √(aperture area) (the aperture has ~100 px; the stars add little)
    assert np.all(err > SKY_SIGMA * np.sqrt(np.pi * (3.5 * 1.4) ** 2) * 0.9)
    pulls = (flux - fluxes * frac) / err
    assert np.all(np.abs(pulls) < 5), pulls
    assert abs(np.mean(pulls)) < 5 / np.sqrt(len(pulls))


def test_kron_flag_edge_for_bad_pixels():
    def bad_pixel_on_first_star(exposure, positions):
        iy, ix = int(round(positions[0, 1])), int(round(positions[0, 0]))
        exposure.mask[iy, ix] |= exposure.planes.bitmask("BAD")

    exposure, _, positions, _, catalog, _ = measured_star_field(5, bad_pixel_on_first_star)
    iy, ix = int(round(positions[0, 1])), int(round(positions[0, 0]))
    row = np.argmin(np.hypot(catalog["slot_Centroid_x"] - ix, catalog["slot_Centroid_y"] - iy))
    assert catalog["base_KronFlux_flag_edge"][row] and catalog["base_KronFlux_flag"][row]
    assert catalog["base_KronFlux_flag_edge"].sum() == 1


def test_flagged_shape_falls_back_to_the_psf_moments():
    """A source whose slot shape failed is measured in the PSF's ellipse, with flag_badShape."""
    exposure, footprints, positions, fluxes, catalog, task = measured_star_field(4)
    good = np.array(catalog["base_KronFlux_instFlux"], float)
    kron = task.plugins[[p.name for p in task.plugins].index("base_KronFlux")]
    # a diverged adaptive-moments result: a huge flagged shape on source 0
    catalog["base_SdssShape_xx"][0] = catalog["base_SdssShape_yy"][0] = 2500.0
    catalog["base_SdssShape_flag"][0] = True
    from lsstlite.meas.context import BatchContext

    rows = np.arange(len(catalog))
    kron.measure(BatchContext(catalog, rows, exposure.image, exposure, footprints,
                              footprints.own_leaves(np.asarray(catalog["id"]),
                                                    np.zeros(len(catalog), int))))
    assert catalog["base_KronFlux_flag_badShape"][0] and catalog["base_KronFlux_flag"][0]
    assert not catalog["base_KronFlux_flag_badShape"][1:].any()
    psf_sigma = exposure.psf.determinantRadius()
    # the PSF ellipse gives the minimum radius (3.5 sigma_psf / 2.5), not 50 px scales
    assert abs(catalog["base_KronFlux_radius"][0] - 3.5 / 2.5 * psf_sigma) < 0.05 * psf_sigma
    err = catalog["base_KronFlux_instFluxErr"][0]
    assert abs(catalog["base_KronFlux_instFlux"][0] - good[0]) < 3 * err
