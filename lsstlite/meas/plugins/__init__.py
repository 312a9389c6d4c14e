"""The LSST base measurement plugins; importing this package registers them."""

from lsstlite.meas.plugins import (  # noqa: F401
    aperture,
    centroid,
    footprint_area,
    kron,
    local_background,
    pixel_flags,
    psf_flux,
    shape,
    sky_coord,
    variance,
)
