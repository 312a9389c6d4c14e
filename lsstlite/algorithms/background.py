"""Background estimation as LSST's SubtractBackgroundTask / afw ``makeBackground`` define it.

Grid
    ``nx = width // binSizeX + 1`` and ``ny = height // binSizeY + 1`` cells (LSST 2020
    ``subtractBackground.py``); the image is split into cells of nearly equal size: the
    boundaries along x are ``(i * width) // nx`` for ``i = 0..nx`` (likewise y), so every pixel
    is in exactly one cell. Cell centres are ``(x_lo + x_hi - 1) / 2`` (0-based pixel
    coordinates, pixel centres at integers).
Cell statistic
    ``MEANCLIP`` (default), ``MEAN`` or ``MEDIAN`` of the finite pixels whose mask has none of the
    ``ignoredMask`` bits (`lsstlite.kernels.cellstats`), with the error variance of the statistic.
    Cells without usable pixels are "empty".
Model
    ``useApprox=True``: weighted least-squares fit of a 2-D Chebyshev series
    ``sum c_ij T_i(u) T_j(v)`` to the non-empty cells, ``u = 2 x / (width - 1) - 1``,
    ``v = 2 y / (height - 1) - 1``, with the terms ``i <= approxOrderX``, ``j <= approxOrderY``,
    ``i + j <= max(approxOrderX, approxOrderY)`` (afw's triangular Chebyshev1Function2 when the
    orders are equal); weights are the inverse error variances of the cell values
    (``weighting=True``) or 1.
    ``useApprox=False``: separable interpolation of the cell values through the cell centres,
    first along y (each column of cells), then along x (each image row), with
    ``AKIMA_SPLINE`` (default), ``NATURAL_SPLINE``, ``LINEAR`` or ``CONSTANT`` (nearest cell);
    beyond the outermost cell centres the end polynomial pieces are extended. Empty cells are
    first filled with the mean of their non-empty 8-neighbours, repeatedly.
Undersampling
    A Chebyshev of order ``o`` needs ``o + 1`` cells along each axis; the interpolants need 5
    (Akima), 3 (natural spline), 2 (linear), 1 (constant). ``undersampleStyle``:
    ``THROW_EXCEPTION`` raises, ``REDUCE_INTERP_ORDER`` lowers the order (to ``n - 1``) or the
    interpolation style per axis, ``INCREASE_NXNYSAMPLE`` uses more, smaller cells.

All values are in the image's units (counts); the model evaluates to a float32 image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ALGORITHMS",
    "UNDERSAMPLE_STYLES",
    "BackgroundModel",
    "cell_edges",
    "fit_background",
]

ALGORITHMS = ("CONSTANT", "LINEAR", "NATURAL_SPLINE", "AKIMA_SPLINE")
UNDERSAMPLE_STYLES = ("THROW_EXCEPTION", "REDUCE_INTERP_ORDER", "INCREASE_NXNYSAMPLE")
_MIN_POINTS = {"CONSTANT": 1, "LINEAR": 2, "NATURAL_SPLINE": 3, "AKIMA_SPLINE": 5}
_FORMAT_VERSION = 1


def cell_edges(length: int, ncell: int) -> np.ndarray:
    """Cell boundaries ``(i * length) // ncell`` for ``i = 0..ncell`` (int64)."""
    return (np.arange(ncell + 1, dtype=np.int64) * length) // ncell


def _cell_centres(edges: np.ndarray) -> np.ndarray:
    return 0.5 * (edges[:-1] + edges[1:] - 1).astype(np.float64)


def _to_unit(coord: np.ndarray, length: int) -> np.ndarray:
    """Map pixel coordinates ``0..length-1`` onto ``[-1, 1]``."""
    if length <= 1:
        return np.zeros_like(coord, dtype=np.float64)
    return 2.0 * np.asarray(coord, dtype=np.float64) / (length - 1) - 1.0


def _chebyshev_terms(orderX: int, orderY: int) -> np.ndarray:
    """Boolean (orderY+1, orderX+1) array: which ``T_i(u) T_j(v)`` terms are fitted ([j, i])."""
    j, i = np.mgrid[0:orderY + 1, 0:orderX + 1]
    return (i + j) <= max(orderX, orderY)


def _fill_empty(values: np.ndarray) -> np.ndarray:
    """Fill NaN cells with the mean of their finite 8-neighbours, repeatedly."""
    out = values.copy()
    if not np.isfinite(out).any():
        msg = "background: every background cell is empty (all pixels masked or non-finite)"
        raise ValueError(msg)
    while not np.isfinite(out).all():
        good = np.isfinite(out)
        padded = np.pad(np.where(good, out, 0.0), 1)
        npad = np.pad(good.astype(np.float64), 1)
        total = np.zeros_like(out)
        count = np.zeros_like(out)
        ny, nx = out.shape
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy == 0 and dx == 0:
                    continue
                total += padded[1 + dy:1 + dy + ny, 1 + dx:1 + dx + nx]
                count += npad[1 + dy:1 + dy + ny, 1 + dx:1 + dx + nx]
        fill = ~good & (count > 0)
        out[fill] = total[fill] / count[fill]
    return out


def _reduce_style(style: str, npts: int) -> str:
    order = ["AKIMA_SPLINE", "NATURAL_SPLINE", "LINEAR", "CONSTANT"]
    for candidate in order[order.index(style):]:
        if npts >= _MIN_POINTS[candidate]:
            return candidate
    return "CONSTANT"


def _spline_coefficients(knots: np.ndarray, y: np.ndarray, style: str) -> np.ndarray:
    """Piecewise-cubic coefficients ``(m, nseg, 4)`` for rows of ``y`` (m, n) on ``knots``.

    On segment ``s`` the value at ``knots[s] + d`` is ``c0 + c1 d + c2 d^2 + c3 d^3``.
    A single knot gives one constant segment.
    """
    m, n = y.shape
    if n == 1:
        coef = np.zeros((m, 1, 4))
        coef[:, 0, 0] = y[:, 0]
        return coef
    h = np.diff(knots)
    slope = np.diff(y, axis=1) / h
    coef = np.zeros((m, n - 1, 4))
    coef[:, :, 0] = y[:, :-1]
    if style == "LINEAR":
        coef[:, :, 1] = slope
        return coef
    if style == "NATURAL_SPLINE":
        # second derivatives M with M_0 = M_{n-1} = 0; tridiagonal system shared by all rows
        M = np.zeros((m, n))
        if n > 2:
            A = np.zeros((n - 2, n - 2))
            idx = np.arange(n - 2)
            A[idx, idx] = 2.0 * (h[:-1] + h[1:])
            A[idx[1:], idx[:-1]] = h[1:-1]
            A[idx[:-1], idx[1:]] = h[1:-1]
            rhs = 6.0 * (slope[:, 1:] - slope[:, :-1])
            M[:, 1:-1] = np.linalg.solve(A, rhs.T).T
        coef[:, :, 1] = slope - h * (2.0 * M[:, :-1] + M[:, 1:]) / 6.0
        coef[:, :, 2] = 0.5 * M[:, :-1]
        coef[:, :, 3] = (M[:, 1:] - M[:, :-1]) / (6.0 * h)
        return coef
    # Akima (1970): end slopes extended linearly by two virtual segments on each side
    ext = np.empty((m, n + 3))
    ext[:, 2:-2] = slope
    if n - 1 >= 2:
        ext[:, 1] = 2.0 * slope[:, 0] - slope[:, 1]
        ext[:, 0] = 2.0 * ext[:, 1] - slope[:, 0]
        ext[:, -2] = 2.0 * slope[:, -1] - slope[:, -2]
        ext[:, -1] = 2.0 * ext[:, -2] - slope[:, -1]
    else:
        ext[:, :2] = slope[:, :1]
        ext[:, -2:] = slope[:, -1:]
    w1 = np.abs(ext[:, 3:] - ext[:, 2:-1])  # |m_{i+1} - m_i|
    w2 = np.abs(ext[:, 1:-2] - ext[:, :-3])  # |m_{i-1} - m_{i-2}|
    num = w1 * ext[:, 1:-2] + w2 * ext[:, 2:-1]
    den = w1 + w2
    flat = den <= 1e-12 * np.maximum(np.abs(ext[:, 1:-2]) + np.abs(ext[:, 2:-1]), 1e-300)
    t = np.where(flat, 0.5 * (ext[:, 1:-2] + ext[:, 2:-1]), num / np.where(flat, 1.0, den))
    coef[:, :, 1] = t[:, :-1]
    coef[:, :, 2] = (3.0 * slope - 2.0 * t[:, :-1] - t[:, 1:]) / h
    coef[:, :, 3] = (t[:, :-1] + t[:, 1:] - 2.0 * slope) / h**2
    return coef


def _interpolate_axis(knots, values, coords, style):
    """Interpolate rows of ``values`` (m, n) given at ``knots`` onto ``coords``: (m, len(coords))."""
    if style == "CONSTANT" or len(knots) == 1:
        nearest = np.abs(coords[:, None] - knots[None, :]).argmin(axis=1)
        return np.ascontiguousarray(values[:, nearest], dtype=np.float32)
    from lsstlite.kernels.piecewise import eval_piecewise_cubic

    coef = _spline_coefficients(knots, values, style)
    seg = np.clip(np.searchsorted(knots, coords, side="right") - 1, 0, len(knots) - 2)
    return eval_piecewise_cubic(coef, seg, coords - knots[seg])


@dataclass
class BackgroundModel:
    """A fitted background: the cell grid, its statistics and the parameters of the model.

    Attributes
    ----------
    width, height : int
        Size of the image the model was fitted to (pixels).
    binSizeX, binSizeY : int
        Nominal cell sizes requested (pixels).
    x_edges, y_edges : ndarray of int64
        Cell boundaries (``nx + 1`` and ``ny + 1`` values, see the module docstring).
    values, variances, stdevs : ndarray of float64, shape (ny, nx)
        Cell statistic (counts), its error variance and the clipped pixel stdev; NaN if empty.
    npix : ndarray of int64, shape (ny, nx)
        Pixels that entered each cell value.
    statistic : str
        ``MEANCLIP``, ``MEAN`` or ``MEDIAN``.
    useApprox : bool
        Chebyshev approximation (True) or interpolation (False).
    algorithm : str
        Interpolation style requested (used when ``useApprox`` is False).
    approxOrderX, approxOrderY : int
        Chebyshev orders actually used (after undersample handling).
    undersampleStyle : str
        How too few cells were handled.
    weighting : bool
        Whether the Chebyshev fit was weighted by inverse variance.
    ignoredMask : int
        Mask bits whose pixels were ignored.
    numSigmaClip, numIter : float, int
        MEANCLIP parameters.
    coefficients : ndarray of float64, shape (approxOrderY+1, approxOrderX+1), or None
        Chebyshev coefficients ``c[j, i]`` of ``T_i(u) T_j(v)`` (zero for terms not fitted).
    interpStyleX, interpStyleY : str
        Interpolation style used along each axis (after undersample handling).
    """

    width: int
    height: int
    binSizeX: int
    binSizeY: int
    x_edges: np.ndarray
    y_edges: np.ndarray
    values: np.ndarray
    variances: np.ndarray
    stdevs: np.ndarray
    npix: np.ndarray
    statistic: str = "MEANCLIP"
    useApprox: bool = True
    algorithm: str = "AKIMA_SPLINE"
    approxOrderX: int = 6
    approxOrderY: int = 6
    undersampleStyle: str = "REDUCE_INTERP_ORDER"
    weighting: bool = True
    ignoredMask: int = 0
    numSigmaClip: float = 3.0
    numIter: int = 3
    coefficients: np.ndarray | None = None
    interpStyleX: str = "AKIMA_SPLINE"
    interpStyleY: str = "AKIMA_SPLINE"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def nx(self) -> int:
        """Number of cells along x."""
        return len(self.x_edges) - 1

    @property
    def ny(self) -> int:
        """Number of cells along y."""
        return len(self.y_edges) - 1

    @property
    def x_centres(self) -> np.ndarray:
        """Cell centres along x (pixels)."""
        return _cell_centres(self.x_edges)

    @property
    def y_centres(self) -> np.ndarray:
        """Cell centres along y (pixels)."""
        return _cell_centres(self.y_edges)

    @property
    def mean(self) -> float:
        """Mean of the non-empty cell values (LSST's ``BGMEAN``)."""
        good = np.isfinite(self.values)
        return float(self.values[good].mean()) if good.any() else float("nan")

    @property
    def variance(self) -> float:
        """Mean of the squared clipped pixel stdevs of the non-empty cells (``BGVAR``)."""
        good = np.isfinite(self.stdevs)
        return float(np.mean(self.stdevs[good] ** 2)) if good.any() else float("nan")

    def evaluate(self, shape: tuple[int, int] | None = None) -> np.ndarray:
        """The background at every pixel.

        Parameters
        ----------
        shape : (int, int), optional
            ``(height, width)``; must equal the fitted image's shape (default).

        Returns
        -------
        image : ndarray of float32, shape (height, width)
            The model, in the image's units.
        """
        if shape is not None and tuple(shape) != (self.height, self.width):
            msg = (f"BackgroundModel.evaluate: shape {tuple(shape)} differs from the fitted image "
                   f"shape {(self.height, self.width)}")
            raise ValueError(msg)
        if self.useApprox:
            from lsstlite.kernels.piecewise import eval_separable

            return eval_separable(*self._chebyshev_factors())
        filled = _fill_empty(self.values)
        xc, yc = self.x_centres, self.y_centres
        cols = _interpolate_axis(yc, np.ascontiguousarray(filled.T), np.arange(self.height, dtype=np.float64),
                                 self.interpStyleY)  # (nx, height)
        rows = np.ascontiguousarray(cols.T)  # (height, nx)
        out = _interpolate_axis(xc, rows, np.arange(self.width, dtype=np.float64), self.interpStyleX)
        return np.ascontiguousarray(out, dtype=np.float32)

    def subtract_from(self, image: np.ndarray) -> None:
        """``image -= self.evaluate()``, in place (float32, the fitted shape), with the same
        result; the Chebyshev model is subtracted row by row without a full-size temporary."""
        if image.shape != (self.height, self.width):
            msg = (f"BackgroundModel.subtract_from: image shape {image.shape} differs from the "
                   f"fitted image shape {(self.height, self.width)}")
            raise ValueError(msg)
        if self.useApprox and image.dtype == np.float32 and image.flags.c_contiguous:
            from lsstlite.kernels.piecewise import subtract_separable

            subtract_separable(image, *self._chebyshev_factors())
        else:
            image -= self.evaluate()

    def _chebyshev_factors(self) -> tuple[np.ndarray, np.ndarray]:
        """``(T_j(v_y) @ coefficients, T_i(u_x).T)``: the model is their product."""
        from numpy.polynomial import chebyshev as C

        u = _to_unit(np.arange(self.width), self.width)
        v = _to_unit(np.arange(self.height), self.height)
        tu = C.chebvander(u, self.approxOrderX)  # (width, ox+1)
        tv = C.chebvander(v, self.approxOrderY)  # (height, oy+1)
        return tv @ self.coefficients, tu.T

    def to_fits_bytes(self, extname_prefix: str = "BKGD") -> bytes:
        """The FITS image extensions holding the model exactly (see `from_hdus`), as bytes.

        HDUs: ``<prefix>_VALUES`` (cell values, float64, with every parameter as a header
        key), ``<prefix>_VARIANCE``, ``<prefix>_STDEV``, ``<prefix>_NPIX``, ``<prefix>_XEDGES``,
        ``<prefix>_YEDGES`` and, for the Chebyshev model, ``<prefix>_CHEBYSHEV``. Write them
        after a primary HDU (`lsstlite.io.fits_write.write_fits_file`).
        """
        from lsstlite.io.fits_write import card, image_hdu

        cards = [
            card("BKGVER", _FORMAT_VERSION, "lsstlite background format version"),
            card("WIDTH", self.width, "fitted image width [pixel]"),
            card("HEIGHT", self.height, "fitted image height [pixel]"),
            card("BINSIZEX", self.binSizeX, "requested cell width [pixel]"),
            card("BINSIZEY", self.binSizeY, "requested cell height [pixel]"),
            card("NX", self.nx, "number of cells along x"),
            card("NY", self.ny, "number of cells along y"),
            card("STATISTC", self.statistic, "per-cell statistic"),
            card("USEAPPRX", bool(self.useApprox), "Chebyshev approximation (else interpolation)"),
            card("ALGORTHM", self.algorithm, "interpolation style requested"),
            card("INTERPX", self.interpStyleX, "interpolation style used along x"),
            card("INTERPY", self.interpStyleY, "interpolation style used along y"),
            card("ORDERX", self.approxOrderX, "Chebyshev order used along x"),
            card("ORDERY", self.approxOrderY, "Chebyshev order used along y"),
            card("UNDRSAMP", self.undersampleStyle, "undersample style"),
            card("WEIGHTNG", bool(self.weighting), "inverse-variance weighted fit"),
            card("IGNMASK", int(self.ignoredMask), "mask bits ignored"),
            card("NSIGCLIP", float(self.numSigmaClip), "MEANCLIP clipping sigma"),
            card("NITER", int(self.numIter), "MEANCLIP iterations"),
            card("BGMEAN", self.mean, "mean of the cell values"),
            card("BGVAR", self.variance, "mean clipped pixel variance of the cells"),
        ]
        planes = [("VALUES", self.values.astype(np.float64), cards),
                  ("VARIANCE", self.variances.astype(np.float64), ()),
                  ("STDEV", self.stdevs.astype(np.float64), ()),
                  ("NPIX", self.npix.astype(np.int64), ()),
                  ("XEDGES", self.x_edges.astype(np.int64), ()),
                  ("YEDGES", self.y_edges.astype(np.int64), ())]
        if self.coefficients is not None:
            planes.append(("CHEBYSHEV", self.coefficients.astype(np.float64), ()))
        return b"".join(buffer for suffix, data, extra in planes
                        for buffer in image_hdu(data, f"{extname_prefix}_{suffix}", extra))

    @classmethod
    def from_hdus(cls, hdus, extname_prefix: str = "BKGD") -> BackgroundModel:
        """Rebuild a model written by `to_fits_bytes` (a list of astropy HDUs or an ``HDUList``)."""
        by_name = {h.name: h for h in hdus if h.name.startswith(f"{extname_prefix}_")}
        name = f"{extname_prefix}_VALUES"
        if name not in by_name:
            msg = f"BackgroundModel.from_hdus: no {name} HDU among {sorted(by_name)}"
            raise ValueError(msg)
        hdr = by_name[name].header
        if hdr.get("BKGVER") != _FORMAT_VERSION:
            msg = f"BackgroundModel.from_hdus: unsupported BKGVER {hdr.get('BKGVER')!r}"
            raise ValueError(msg)

        def data(suffix, dtype):
            return np.ascontiguousarray(by_name[f"{extname_prefix}_{suffix}"].data, dtype=dtype)

        cheb = by_name.get(f"{extname_prefix}_CHEBYSHEV")
        return cls(
            width=int(hdr["WIDTH"]), height=int(hdr["HEIGHT"]),
            binSizeX=int(hdr["BINSIZEX"]), binSizeY=int(hdr["BINSIZEY"]),
            x_edges=data("XEDGES", np.int64), y_edges=data("YEDGES", np.int64),
            values=data("VALUES", np.float64), variances=data("VARIANCE", np.float64),
            stdevs=data("STDEV", np.float64), npix=data("NPIX", np.int64),
            statistic=str(hdr["STATISTC"]), useApprox=bool(hdr["USEAPPRX"]),
            algorithm=str(hdr["ALGORTHM"]), approxOrderX=int(hdr["ORDERX"]),
            approxOrderY=int(hdr["ORDERY"]), undersampleStyle=str(hdr["UNDRSAMP"]),
            weighting=bool(hdr["WEIGHTNG"]), ignoredMask=int(hdr["IGNMASK"]),
            numSigmaClip=float(hdr["NSIGCLIP"]), numIter=int(hdr["NITER"]),
            coefficients=None if cheb is None else np.ascontiguousarray(cheb.data, dtype=np.float64),
            interpStyleX=str(hdr["INTERPX"]), interpStyleY=str(hdr["INTERPY"]),
        )


def _fit_chebyshev(xc, yc, values, variances, width, height, orderX, orderY, weighting):
    from numpy.polynomial import chebyshev as C

    good = np.isfinite(values)
    terms = _chebyshev_terms(orderX, orderY)
    vv, uu = np.meshgrid(_to_unit(yc, height), _to_unit(xc, width), indexing="ij")
    design = C.chebvander2d(vv[good], uu[good], [orderY, orderX])  # columns j*(ox+1)+i
    design = design[:, terms.ravel()]
    rhs = values[good]
    if weighting:
        var = variances[good]
        ok = np.isfinite(var) & (var > 0)
        fallback = np.median(var[ok]) if ok.any() else 1.0
        w = 1.0 / np.where(ok, var, fallback)
    else:
        w = np.ones_like(rhs)
    sw = np.sqrt(w)
    sol, *_ = np.linalg.lstsq(design * sw[:, None], rhs * sw, rcond=None)
    coef = np.zeros(terms.shape)
    coef[terms] = sol
    return coef


def fit_background(
    image: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    ignoredMask: int = 0,
    binSize: int = 128,
    binSizeY: int | None = None,
    statistic: str = "MEANCLIP",
    useApprox: bool = True,
    algorithm: str = "AKIMA_SPLINE",
    approxOrderX: int = 6,
    approxOrderY: int = -1,
    weighting: bool = True,
    undersampleStyle: str = "REDUCE_INTERP_ORDER",
    numSigmaClip: float = 3.0,
    numIter: int = 3,
) -> BackgroundModel:
    """Fit LSST's background model to ``image`` (see the module docstring for definitions).

    Parameters
    ----------
    image : ndarray, 2-D
        Pixel values ``[y, x]`` (counts).
    mask : ndarray of int, 2-D, optional
        Mask plane; pixels with any bit of ``ignoredMask`` set are ignored.
    ignoredMask : int
        Bitmask (e.g. ``BAD | EDGE | DETECTED | DETECTED_NEGATIVE | NO_DATA``).
    binSize : int
        Cell width (and height unless ``binSizeY`` is given), pixels.
    binSizeY : int, optional
        Cell height; None or 0 means ``binSize``.
    statistic : {"MEANCLIP", "MEAN", "MEDIAN"}
        Per-cell statistic.
    useApprox : bool
        Chebyshev approximation (True) or interpolation with ``algorithm`` (False).
    algorithm : {"AKIMA_SPLINE", "NATURAL_SPLINE", "LINEAR", "CONSTANT"}
        Interpolation style when ``useApprox`` is False.
    approxOrderX, approxOrderY : int
        Chebyshev orders; ``approxOrderY = -1`` means ``approxOrderX``.
    weighting : bool
        Weight the Chebyshev fit by the inverse error variance of the cell values.
    undersampleStyle : {"THROW_EXCEPTION", "REDUCE_INTERP_ORDER", "INCREASE_NXNYSAMPLE"}
        What to do when there are too few cells for the order or interpolation style.
    numSigmaClip, numIter : float, int
        MEANCLIP clipping parameters (afw defaults 3, 3).

    Returns
    -------
    model : BackgroundModel
        Call ``model.evaluate()`` for the full-resolution float32 background.
    """
    from lsstlite.kernels.cellstats import cell_statistics

    img = np.asarray(image)
    if img.ndim != 2:
        msg = f"fit_background: image must be 2-D, got shape {img.shape}"
        raise ValueError(msg)
    height, width = img.shape
    binSizeY = binSize if not binSizeY else binSizeY
    if binSize <= 0 or binSizeY <= 0:
        msg = f"fit_background: binSize must be positive, got binSize={binSize}, binSizeY={binSizeY}"
        raise ValueError(msg)
    if algorithm not in ALGORITHMS:
        msg = f"fit_background: algorithm must be one of {ALGORITHMS}, got {algorithm!r}"
        raise ValueError(msg)
    if undersampleStyle not in UNDERSAMPLE_STYLES:
        msg = f"fit_background: undersampleStyle must be one of {UNDERSAMPLE_STYLES}, got {undersampleStyle!r}"
        raise ValueError(msg)
    orderX = int(approxOrderX)
    orderY = orderX if approxOrderY < 0 else int(approxOrderY)
    if useApprox and orderX < 0:
        msg = f"fit_background: approxOrderX must be >= 0, got {approxOrderX}"
        raise ValueError(msg)

    nx = width // binSize + 1
    ny = height // binSizeY + 1
    need_x = orderX + 1 if useApprox else _MIN_POINTS[algorithm]
    need_y = orderY + 1 if useApprox else _MIN_POINTS[algorithm]
    if nx < need_x or ny < need_y:
        if undersampleStyle == "THROW_EXCEPTION":
            what = f"Chebyshev order ({orderX}, {orderY})" if useApprox else f"{algorithm} interpolation"
            msg = (f"fit_background: {nx}x{ny} cells of {binSize}x{binSizeY} px are too few for {what} "
                   f"on a {width}x{height} image (undersampleStyle=THROW_EXCEPTION)")
            raise ValueError(msg)
        if undersampleStyle == "INCREASE_NXNYSAMPLE":
            nx = min(max(nx, need_x), width)
            ny = min(max(ny, need_y), height)
    x_edges = cell_edges(width, nx)
    y_edges = cell_edges(height, ny)
    values, variances, stdevs, npix = cell_statistics(
        img, mask, ignoredMask, x_edges, y_edges, statistic, numSigmaClip, numIter)
    if not np.isfinite(values).any():
        msg = "fit_background: every background cell is empty (all pixels masked or non-finite)"
        raise ValueError(msg)

    model = BackgroundModel(
        width=width, height=height, binSizeX=int(binSize), binSizeY=int(binSizeY),
        x_edges=x_edges, y_edges=y_edges, values=values, variances=variances, stdevs=stdevs,
        npix=npix, statistic=statistic, useApprox=bool(useApprox), algorithm=algorithm,
        approxOrderX=orderX, approxOrderY=orderY, undersampleStyle=undersampleStyle,
        weighting=bool(weighting), ignoredMask=int(ignoredMask), numSigmaClip=float(numSigmaClip),
        numIter=int(numIter), interpStyleX=algorithm, interpStyleY=algorithm,
    )
    if useApprox:
        # effective number of cells with data along each axis
        good = np.isfinite(values)
        gx = int(good.any(axis=0).sum())
        gy = int(good.any(axis=1).sum())
        if gx < orderX + 1 or gy < orderY + 1:
            if undersampleStyle == "THROW_EXCEPTION":
                msg = (f"fit_background: only {gx}x{gy} non-empty cell columns/rows for Chebyshev "
                       f"order ({orderX}, {orderY}) (undersampleStyle=THROW_EXCEPTION)")
                raise ValueError(msg)
            if orderX == orderY:
                orderX = orderY = min(orderX, gx - 1, gy - 1)
            else:
                orderX, orderY = min(orderX, gx - 1), min(orderY, gy - 1)
        model.approxOrderX, model.approxOrderY = orderX, orderY
        model.coefficients = _fit_chebyshev(model.x_centres, model.y_centres, values, variances,
                                            width, height, orderX, orderY, weighting)
    else:
        if undersampleStyle == "THROW_EXCEPTION" and (nx < need_x or ny < need_y):
            msg = f"fit_background: too few cells for {algorithm} (undersampleStyle=THROW_EXCEPTION)"
            raise ValueError(msg)
        model.interpStyleX = _reduce_style(algorithm, nx)
        model.interpStyleY = _reduce_style(algorithm, ny)
    return model
