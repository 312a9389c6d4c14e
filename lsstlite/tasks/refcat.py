"""Reference-object loading for astrometric and photometric calibration (LSST
``LoadReferenceObjectsTask``): the objects of an HTM shard directory or a plain table that
fall on the frame, padded by ``pixelMargin``.
"""

from __future__ import annotations

import numpy as np

from lsstlite.config import Config, DictField, Field, ListField, RangeField
from lsstlite.tasks.base import Struct, Task, TaskError, timeMethod

__all__ = ["LoadReferenceObjectsConfig", "LoadReferenceObjectsTask"]


class LoadReferenceObjectsConfig(Config):
    """Configuration of `LoadReferenceObjectsTask`."""

    path = Field("Reference catalogue: an LSST HTM shard directory or a FITS/CSV/ECSV table; "
                 "None = no reference catalogue (astrometry keeps the input WCS, photometric "
                 "calibration falls back to a header zero point)", str, optional=True)
    filterMap = DictField("Exposure filter name -> reference band (default: the filter name "
                          "itself)", str, str, default={})
    anyFilterMapsToThis = Field("Use this reference band whatever the exposure's filter",
                                str, optional=True)
    pixelMargin = RangeField("Padding of the frame box (pixels) for the objects loaded",
                             int, default=250, min=0)
    raColumn = Field("Plain tables: RA column (default: coord_ra, ra, RA, ...)", str,
                     optional=True)
    decColumn = Field("Plain tables: Dec column (default: coord_dec, dec, DEC, ...)", str,
                      optional=True)
    coordUnit = Field("Plain tables: unit of the position columns, 'deg' or 'rad' (default: "
                      "the column unit, else rad for coord_* and deg otherwise)", str,
                      optional=True, check=lambda v: v in ("deg", "rad"))
    idColumn = Field("Plain tables: id column (default: id, objID, sdssid, source_id, else the "
                     "row number)", str, optional=True)
    fluxColumn = Field("Plain tables: flux column template with {band} (default '{band}_flux', "
                       "or '{band}' for magnitudes)", str, optional=True)
    fluxErrColumn = Field("Plain tables: flux-error column template with {band} (default "
                          "'{band}_fluxErr', or '{band}_err' for magnitudes); '' = no errors",
                          str, optional=True)
    fluxUnit = Field("Plain tables: unit of the flux columns: nJy, uJy, Jy or mag (AB); "
                     "default the column unit, else nJy", str, optional=True,
                     check=lambda v: v in ("nJy", "uJy", "Jy", "mag"))
    extraBands = ListField("Further reference bands to load besides the exposure's (e.g. the "
                           "secondary band of photoCal colour terms)", str, default=[])


class LoadReferenceObjectsTask(Task):
    """Load the reference objects overlapping an exposure.

    ``task.enabled`` is False when no ``path`` is configured.
    """

    ConfigClass = LoadReferenceObjectsConfig
    _DefaultName = "refcat"

    @property
    def enabled(self) -> bool:
        """Whether a reference catalogue is configured."""
        return self.config.path is not None

    def bandFor(self, filterName: str | None) -> str | None:
        """Reference band for an exposure filter (``anyFilterMapsToThis``, ``filterMap``, or
        the filter name itself)."""
        cfg = self.config
        if cfg.anyFilterMapsToThis is not None:
            return cfg.anyFilterMapsToThis
        if filterName is None:
            return None
        return cfg.filterMap.get(filterName, filterName)

    @timeMethod
    def loadPixelBox(self, wcs, width: int, height: int, filterName: str | None = None) -> Struct:
        """Load the objects whose position through ``wcs`` falls in the padded frame box.

        Parameters
        ----------
        wcs : `lsstlite.image.wcs.TanSipWcs` or `astropy.wcs.WCS`
            Celestial WCS of the frame (0-based pixels).
        width, height : int
            Frame size (pixels).
        filterName : str, optional
            Exposure filter; selects the band (see `bandFor`). Without one (and without
            ``anyFilterMapsToThis``) every band with fluxes is loaded and ``band`` is None.

        Returns
        -------
        result : `Struct`
            ``refCat`` (`lsstlite.io.refcat.ReferenceCatalog`, degrees and nJy), ``band``
            (str or None), ``x``, ``y`` (pixel positions of the objects through ``wcs``).

        Raises
        ------
        TaskError
            No path configured, unreadable catalogue, or band missing from it.
        """
        from lsstlite.io.refcat import load_reference_catalog

        cfg = self.config
        if cfg.path is None:
            msg = "no reference catalogue configured (refcat.path is None)"
            raise TaskError(msg)
        margin = cfg.pixelMargin
        x0, y0 = -0.5 - margin, -0.5 - margin
        x1, y1 = width - 0.5 + margin, height - 0.5 + margin
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        corners_x = np.array([x0, x1, x1, x0])
        corners_y = np.array([y0, y0, y1, y1])
        ra, dec = wcs.all_pix2world(np.r_[cx, corners_x], np.r_[cy, corners_y], 0)
        from lsstlite.astrom.sip import sky_separation_arcsec

        radius = float(np.max(sky_separation_arcsec(ra[0], dec[0], ra[1:], dec[1:]))) / 3600.0
        band = self.bandFor(filterName)
        bands = list(dict.fromkeys(b for b in [band, *cfg.extraBands] if b))
        options = {"ra_column": cfg.raColumn, "dec_column": cfg.decColumn,
                   "coord_unit": cfg.coordUnit, "id_column": cfg.idColumn,
                   "flux_column": cfg.fluxColumn, "flux_unit": cfg.fluxUnit}
        if cfg.fluxErrColumn is not None:
            options["flux_err_column"] = cfg.fluxErrColumn or None
        try:
            ref = load_reference_catalog(cfg.path, float(ra[0]), float(dec[0]), radius,
                                         bands=bands or None, **options)
        except (OSError, KeyError, ValueError) as err:
            msg = f"reference catalogue {cfg.path}: {err}"
            raise TaskError(msg) from None
        if len(ref):
            rx, ry = wcs.all_world2pix(ref.ra, ref.dec, 0, quiet=True)
        else:
            rx = ry = np.zeros(0)
        inside = np.isfinite(rx) & np.isfinite(ry) & (rx >= x0) & (rx <= x1) & (ry >= y0) & \
            (ry <= y1)
        ref = ref.subset(inside)
        self.log.info("Loaded %d reference objects%s from %s", len(ref),
                      f" (band {band})" if band else "", cfg.path)
        self.metadata["numRefObjects"] = len(ref)
        return Struct(refCat=ref, band=band, x=np.asarray(rx)[inside], y=np.asarray(ry)[inside])

    def loadExposure(self, exposure) -> Struct:
        """`loadPixelBox` for ``exposure`` (its ``wcs``, size and ``filterName``)."""
        if exposure.wcs is None:
            msg = "cannot load reference objects: the exposure has no WCS"
            raise TaskError(msg)
        return self.loadPixelBox(exposure.wcs, exposure.width, exposure.height,
                                 exposure.filterName)
