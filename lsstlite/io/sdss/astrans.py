"""SDSS asTrans files: photo's astrometric solution of a frame, as a TAN-SIP WCS.

One HDU per CCD (``ext = camcol index * 5 + filter index + 1``, from the primary header's
``CAMCOLS`` and ``FILTERS``), one row per field. With ``row = y + 0.5``, ``col = x + 0.5``
(0-based lsstlite pixels):

* ``rowm = row + dRow0 + dRow1 col + dRow2 col^2 + dRow3 col^3``, ``colm`` likewise with
  ``dCol0..3``: the optical distortion of the camera column, a cubic in ``col``;
* ``mu = a + b rowm + c colm``, ``nu = d + e rowm + f colm`` (deg): great-circle coordinates
  of the scan, whose pole is given by ``NODE`` and ``INCL``;
* ``(mu, nu)`` -> ``(ra, dec)`` by the rotation from the great circle to the equator.

The colour terms (``csRow``, ``csCol``, ``ccRow``, ``ccCol``: differential refraction, ~0.01"
per magnitude of colour) are left out, as obs_sdss did: a WCS is the same for every object.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from lsstlite.io.fits_read import read_fits_tables, read_primary_header_values
from lsstlite.io.sdss.names import SdssFrameId

__all__ = ["AsTransField", "read_astrans", "tan_sip_from_astrans"]

_COLUMNS = ("a", "b", "c", "d", "e", "f", "dRow0", "dRow1", "dRow2", "dRow3",
            "dCol0", "dCol1", "dCol2", "dCol3")
_SIP_ORDER = 3       # the cubic distortion; the scan's curvature over a frame is < 1e-6"
_GRID_STEP = 64.0    # px between the points the TAN-SIP is fitted to


@dataclass(frozen=True)
class AsTransField:
    """The asTrans solution of one frame.

    Attributes
    ----------
    frame : `SdssFrameId`
        The frame it belongs to.
    node, incl : float
        Right ascension of the ascending node and inclination of the scan's great circle (deg).
    coefficients : dict of str to float
        ``a .. f`` (deg, deg/px), ``dRow0..3`` and ``dCol0..3`` (px, px/px^k).
    mu_err, nu_err : float
        photo's rms of the solution against its reference stars (arcsec), or NaN.
    """

    frame: SdssFrameId
    node: float
    incl: float
    coefficients: dict
    mu_err: float
    nu_err: float

    def pixel_to_sky(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Right ascension and declination (deg) of 0-based pixel positions."""
        c = self.coefficients
        row = np.asarray(y, float) + 0.5
        col = np.asarray(x, float) + 0.5
        rowm = row + c["dRow0"] + col * (c["dRow1"] + col * (c["dRow2"] + col * c["dRow3"]))
        colm = col + c["dCol0"] + col * (c["dCol1"] + col * (c["dCol2"] + col * c["dCol3"]))
        mu = np.deg2rad(c["a"] + c["b"] * rowm + c["c"] * colm)
        nu = np.deg2rad(c["d"] + c["e"] * rowm + c["f"] * colm)
        node, incl = np.deg2rad(self.node), np.deg2rad(self.incl)
        x2 = np.cos(mu - node) * np.cos(nu)
        y2 = np.sin(mu - node) * np.cos(nu)
        z2 = np.sin(nu)
        y1 = y2 * np.cos(incl) - z2 * np.sin(incl)
        z1 = y2 * np.sin(incl) + z2 * np.cos(incl)
        ra = np.rad2deg(np.arctan2(y1, x2) + node) % 360.0
        return ra, np.rad2deg(np.arcsin(np.clip(z1, -1.0, 1.0)))


def read_astrans(path: str | os.PathLike, frame: SdssFrameId) -> AsTransField:
    """The asTrans solution of ``frame`` from a run's asTrans file.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; the camcol, band or field not in the file; missing columns (named).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        msg = f"SDSS asTrans file not found: {path}"
        raise FileNotFoundError(msg)
    primary = read_primary_header_values(path)
    missing = [key for key in ("NODE", "INCL", "CAMCOLS", "FILTERS") if key not in primary]
    if missing:
        msg = f"{path}: primary header lacks {', '.join(missing)}"
        raise ValueError(msg)
    camcols = str(primary["CAMCOLS"]).split()
    filters = str(primary["FILTERS"]).split()
    if str(frame.camcol) not in camcols or frame.band not in filters:
        msg = (f"{path}: no solution for camcol {frame.camcol} band {frame.band} "
               f"(CAMCOLS {' '.join(camcols) or 'missing'}, FILTERS {' '.join(filters) or 'missing'})")
        raise ValueError(msg)
    index = camcols.index(str(frame.camcol)) * len(filters) + filters.index(frame.band) + 1
    hdus = read_fits_tables(path, hdus={index})
    if index >= len(hdus):
        msg = f"{path}: HDU {index} (camcol {frame.camcol} band {frame.band}) is missing"
        raise ValueError(msg)
    ccd = hdus[index].values
    if str(ccd.get("CAMCOL", frame.camcol)) != str(frame.camcol) or \
            str(ccd.get("FILTER", frame.band)).strip() != frame.band:
        msg = (f"{path}: HDU {index} holds camcol {ccd.get('CAMCOL')} band "
               f"{str(ccd.get('FILTER')).strip()}, not camcol {frame.camcol} band {frame.band}")
        raise ValueError(msg)
    table = hdus[index].columns
    missing = [c for c in ("field", *_COLUMNS) if c not in table]
    if missing:
        msg = f"{path}: HDU {index} lacks columns {missing}"
        raise ValueError(msg)
    rows = np.flatnonzero(np.asarray(table["field"]) == frame.field)
    if rows.size == 0:
        msg = f"{path}: no row for field {frame.field} in HDU {index}"
        raise ValueError(msg)
    row = int(rows[0])
    coefficients = {c: float(np.asarray(table[c])[row]) for c in _COLUMNS}
    if not all(np.isfinite(v) for v in coefficients.values()):
        msg = f"{path}: non-finite coefficients for field {frame.field} in HDU {index}"
        raise ValueError(msg)
    errors = [float(np.asarray(table[c])[row]) if c in table else float("nan")
              for c in ("muErr", "nuErr")]
    return AsTransField(frame=frame, node=float(primary["NODE"]), incl=float(primary["INCL"]),
                        coefficients=coefficients,
                        mu_err=errors[0], nu_err=errors[1])


def tan_sip_from_astrans(solution: AsTransField, width: int, height: int):
    """A TAN-SIP WCS (order 3, ``CRPIX`` at the frame centre) that reproduces ``solution``
    over a ``width`` x ``height`` frame to well under a milliarcsecond.

    Returns
    -------
    wcs : `lsstlite.image.wcs.TanSipWcs`
    residual_arcsec : float
        Largest difference from ``solution`` on the fitting grid.
    """
    from lsstlite.astrom.sip import fit_tan_sip

    gx, gy = np.meshgrid(np.linspace(-0.5, width - 0.5, max(int(width / _GRID_STEP), 8) + 1),
                         np.linspace(-0.5, height - 0.5, max(int(height / _GRID_STEP), 8) + 1))
    x, y = gx.ravel(), gy.ravel()
    ra, dec = solution.pixel_to_sky(x, y)
    fit = fit_tan_sip(x, y, ra, dec, order=_SIP_ORDER, num_iter=0, frame_shape=(height, width))
    return fit.wcs, float(fit.separation_arcsec.max())
