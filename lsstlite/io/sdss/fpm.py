"""SDSS fpM mask files: one binary-table HDU of OBJMASKs (pixel spans) per photo mask plane.

The last HDU lists the planes (``attributeName`` ``S_MASK_<NAME>``, ``Value`` = plane number);
plane *v* is stored in HDU *v + 1*. Each row is one OBJMASK with ``nspan`` spans packed in the
byte array ``s`` as big-endian uint16 triples ``(y, x1, x2)`` (x range inclusive), relative to
``(row0, col0)``.
"""

from __future__ import annotations

import logging
import os

import numpy as np

from lsstlite.io.fits_read import FitsTable, read_fits_tables

__all__ = ["FpmPlanes", "rasterize_spans", "read_fpm", "read_fpm_pixels", "span_pixel_indices",
           "SDSS_TO_LSST_PLANE"]

log = logging.getLogger("lsstlite.io.sdss")

#: photo plane name -> lsstlite mask plane name; other planes keep their own names.
SDSS_TO_LSST_PLANE: dict[str, str] = {"INTERP": "INTRP", "SATUR": "SAT", "CR": "CR"}

FpmPlanes = dict[str, np.ndarray]


def _plane_table(hdus: list[FitsTable], path: str) -> dict[str, int]:
    columns = hdus[-1].columns
    if "attributeName" not in columns or "Value" not in columns:
        msg = f"{path}: last HDU is not the fpM plane table (attributeName, Value)"
        raise ValueError(msg)
    planes = {}
    for attribute, value in zip(columns["attributeName"], columns["Value"], strict=True):
        name = str(attribute).strip()
        if name.startswith("S_MASK_"):
            planes[name[len("S_MASK_"):]] = int(value)
    return planes


def _plane_spans(table: FitsTable, path: str, plane: str) -> np.ndarray:
    """All spans of one plane as an int64 (n, 3) array of ``(y, x1, x2)`` frame pixels.

    The span bytes of all OBJMASKs are concatenated and decoded in one go.
    """
    if table.nrows == 0:
        return np.empty((0, 3), dtype=np.int64)
    columns = table.columns
    nspan = columns["nspan"].astype(np.int64)
    row0 = columns["row0"].astype(np.int64)
    col0 = columns["col0"].astype(np.int64)
    raw = columns["s"]
    nbytes = np.fromiter((len(r) for r in raw), dtype=np.int64, count=len(raw))
    held = nbytes // 6
    short = (nspan > 0) & (nbytes > 0) & (held < nspan)
    for i in np.flatnonzero(short):
        log.warning("%s: plane %s: OBJMASK claims %d spans but holds %d; using those",
                    path, plane, nspan[i], held[i])
    used = np.where((nspan > 0) & (nbytes > 0), np.minimum(nspan, held), 0)
    if used.sum() == 0:
        return np.empty((0, 3), dtype=np.int64)
    packed = np.concatenate([r[: 6 * n] for r, n in zip(raw, used.tolist(), strict=True) if n > 0])
    spans = packed.view(">u2").reshape(-1, 3).astype(np.int64)
    spans[:, 0] -= np.repeat(row0, used)
    spans[:, 1:] -= np.repeat(col0, used)[:, None]
    if log.isEnabledFor(logging.DEBUG):
        owner = np.repeat(np.arange(len(used)), used)
        span_pixels = np.bincount(owner, weights=spans[:, 2] - spans[:, 1] + 1,
                                  minlength=len(used)).astype(np.int64)
        npix = columns["npix"].astype(np.int64)
        for i in np.flatnonzero((used > 0) & (npix != span_pixels)):
            log.debug("%s: plane %s: OBJMASK npix %d differs from its span sum",
                      path, plane, npix[i])
    return spans


def span_pixel_indices(spans: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Flat indices (into a C-ordered ``shape`` image) of the pixels covered by spans.

    Parameters
    ----------
    spans : `numpy.ndarray`
        Integer ``(n, 3)`` array of ``(y, x1, x2)``, x range inclusive.
    shape : (int, int)
        ``(nrow, ncol)`` of the image. Spans on rows outside it are dropped; columns are
        clipped to it; spans with ``x2 < x1`` (after clipping) are empty.

    Returns
    -------
    index : `numpy.ndarray`
        int64, span by span; a pixel covered by several spans appears several times.
    """
    nrow, ncol = shape
    y = spans[:, 0]
    lo = np.maximum(spans[:, 1], 0)
    hi = np.minimum(spans[:, 2], ncol - 1)
    keep = (y >= 0) & (y < nrow) & (hi >= lo)
    y, lo, hi = y[keep], lo[keep], hi[keep]
    lengths = hi - lo + 1
    ends = np.cumsum(lengths)
    return (np.repeat(y * ncol + lo - (ends - lengths), lengths)
            + np.arange(ends[-1] if len(ends) else 0))


def rasterize_spans(spans: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Boolean image of the pixels covered by spans (see `span_pixel_indices`).

    Returns
    -------
    image : `numpy.ndarray`
        bool ``[y, x]``, True where any span covers the pixel.

    Notes
    -----
    Plain numpy (the covered pixels' flat indices from one ``repeat``): as fast as a Numba
    loop for the ~10^5 pixels of an fpM, and reading a frame then needs no Numba.
    """
    out = np.zeros(shape[0] * shape[1], dtype=bool)
    out[span_pixel_indices(spans, shape)] = True
    return out.reshape(shape)


def read_fpm(path: str | os.PathLike, shape: tuple[int, int] | None = None) -> FpmPlanes:
    """Decode an fpM file into one boolean image per photo mask plane.

    Parameters
    ----------
    path : str or path-like
        The fpM file.
    shape : (int, int), optional
        ``(nrow, ncol)`` of the output; default ``(MASKROWS, MASKCOLS)`` of the header. Spans
        outside are dropped (rows) or clipped (columns), so passing a trimmed frame's shape
        drops the overlap rows.

    Returns
    -------
    planes : dict of str to `numpy.ndarray`
        photo plane name (``INTERP``, ``SATUR``, ``NOTCHECKED``, ``OBJECT``, ``BRIGHTOBJECT``,
        ``BINOBJECT``, ``CATOBJECT``, ``SUBTRACTED``, ``GHOST``, ``CR``) -> bool [y, x], in the
        file's plane order.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; no plane table; shape unknown.
    """
    shape, spans = _read_spans(path, shape)
    return {name: rasterize_spans(plane, shape) for name, plane in spans.items()}


def read_fpm_pixels(path: str | os.PathLike,
                    shape: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Decode an fpM file into the flat pixel indices of each photo mask plane.

    As `read_fpm`, but each plane is the `span_pixel_indices` of its spans, which costs time in
    proportion to the masked pixels rather than to the frame.

    Parameters
    ----------
    path : str or path-like
        The fpM file.
    shape : (int, int), optional
        ``(nrow, ncol)`` of the image the indices point into (see `read_fpm`).

    Returns
    -------
    pixels : dict of str to `numpy.ndarray`
        photo plane name -> int64 flat indices into a C-ordered ``shape`` image (a pixel
        covered by several spans repeats), in the file's plane order.

    Raises
    ------
    FileNotFoundError, ValueError
        As `read_fpm`.
    """
    shape, spans = _read_spans(path, shape)
    return {name: span_pixel_indices(plane, shape) for name, plane in spans.items()}


def _read_spans(path: str | os.PathLike,
                shape: tuple[int, int] | None) -> tuple[tuple[int, int], dict[str, np.ndarray]]:
    """The output shape and every plane's spans, in the file's plane order."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        msg = f"SDSS fpM file not found: {path}"
        raise FileNotFoundError(msg)
    hdus = read_fits_tables(path)
    if shape is None:
        header = hdus[0].values
        if "MASKROWS" not in header or "MASKCOLS" not in header:
            msg = f"{path}: no MASKROWS/MASKCOLS in the primary header; pass shape"
            raise ValueError(msg)
        shape = (int(header["MASKROWS"]), int(header["MASKCOLS"]))
    table = _plane_table(hdus, path)
    spans = {}
    for name, value in sorted(table.items(), key=lambda item: item[1]):
        hdu_index = value + 1
        if hdu_index >= len(hdus) - 1:
            msg = f"{path}: plane {name} (value {value}) has no HDU {hdu_index}"
            raise ValueError(msg)
        spans[name] = _plane_spans(hdus[hdu_index], path, name)
    return shape, spans
