"""Pixel-PCA PSF model with spatially varying coefficients (LSST's ``pca`` determiner).

Star stamps are re-centred on their centroids (Fourier shifts) and flux-normalised; masked
pixels (cosmic rays, bad columns, ...) get zero weight. A PCA of the stamps gives eigen-images,
and the coefficient of each eigen-image is a polynomial of ``spatial_order`` in the frame
position, fitted to the stamp pixels themselves (inverse-variance weighted, as LSST's spatial
kernel fit) rather than to per-star projections. Stars whose residuals are outliers are rejected
and the fit repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lsstlite.algorithms.shift import shift_image

__all__ = ["PcaPsfModel", "fit_pca_psf", "extract_star_stamps"]


def _poly_terms(u: np.ndarray, v: np.ndarray, order: int) -> np.ndarray:
    """Design matrix of the monomials u**i v**j with i + j <= order, shape (n, nterms)."""
    return np.stack([u**i * v**j for i in range(order + 1) for j in range(order + 1 - i)], axis=-1)


@dataclass
class PcaPsfModel:
    """A fitted PCA PSF: eigen-images and polynomial coefficient fields.

    Attributes
    ----------
    components : ndarray, shape (ncomp, k, k)
        Eigen-images.
    coefficients : ndarray, shape (ncomp, nterms)
        Polynomial coefficients of each component's amplitude.
    spatial_order : int
        Order of the polynomials in the normalised coordinates.
    bbox : tuple of float
        ``(xmin, xmax, ymin, ymax)`` mapped to [-1, 1] before evaluating the polynomials.
    """

    components: np.ndarray
    coefficients: np.ndarray
    spatial_order: int
    bbox: tuple[float, float, float, float]

    def _normalised(self, x, y):
        xmin, xmax, ymin, ymax = self.bbox
        u = (2.0 * np.asarray(x, float) - xmin - xmax) / max(xmax - xmin, 1.0)
        v = (2.0 * np.asarray(y, float) - ymin - ymax) / max(ymax - ymin, 1.0)
        return u, v

    def kernel_image(self, x: float, y: float) -> np.ndarray:
        """PSF image at (x, y), centred on the central pixel, normalised to unit sum."""
        u, v = self._normalised(x, y)
        amplitudes = self.coefficients @ _poly_terms(u, v, self.spatial_order)
        image = np.tensordot(amplitudes, self.components, axes=1)
        return image / image.sum()

    def kernel_images(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """`kernel_image` at many positions, (n, k, k), each normalised to unit sum."""
        u, v = self._normalised(np.asarray(x, float).ravel(), np.asarray(y, float).ravel())
        amplitudes = _poly_terms(u, v, self.spatial_order) @ self.coefficients.T
        images = np.einsum("nk,kij->nij", amplitudes, self.components)  # no BLAS: idle threads spin
        return images / images.sum(axis=(1, 2))[:, None, None]


def _grow_by_one(mask: np.ndarray) -> np.ndarray:
    """``mask`` and the 4-neighbours of its pixels."""
    grown = mask.copy()
    grown[1:, :] |= mask[:-1, :]
    grown[:-1, :] |= mask[1:, :]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


def extract_star_stamps(image: np.ndarray, variance: np.ndarray, bad: np.ndarray,
                        x: np.ndarray, y: np.ndarray, size: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut, re-centre and flux-normalise stamps around stars.

    Parameters
    ----------
    image, variance : ndarray, shape (ny, nx)
        Background-subtracted image and its variance.
    bad : ndarray of bool
        Masked pixels (cosmic rays, bad columns, saturation, edges). A star with one in its
        core (radius ``size // 4``) gives no stamp; elsewhere in a stamp they are replaced by
        the background level (0) before the shift and, with their 4-neighbours (reached by the
        shift's interpolation), get zero weight.
    x, y : ndarray
        Star centroids (0-based pixels).
    size : int
        Odd stamp size.

    Returns
    -------
    stamps : ndarray, shape (n, size, size)
        Re-centred stamps normalised to unit sum.
    weights : ndarray, shape (n, size, size)
        Inverse variance of the normalised stamps; 0 on masked pixels.
    used : ndarray of bool
        Which of the input stars gave a stamp.
    """
    half = size // 2
    pad = 5  # margin so the periodic Fourier shift does not wrap the star
    ny, nx = image.shape
    stamps, weights, used = [], [], np.zeros(len(x), bool)
    yy, xx = np.mgrid[-half: half + 1, -half: half + 1]
    core = xx**2 + yy**2 <= (size // 4) ** 2
    inner = (slice(pad, -pad), slice(pad, -pad))
    for i, (xc, yc) in enumerate(zip(x, y)):
        ix, iy = int(round(xc)), int(round(yc))
        if ix - half - pad < 0 or iy - half - pad < 0 or ix + half + pad >= nx or iy + half + pad >= ny:
            continue
        sl = (slice(iy - half - pad, iy + half + pad + 1), slice(ix - half - pad, ix + half + pad + 1))
        masked = bad[sl]
        if masked[inner][core].any():
            continue
        shifted = shift_image(np.where(masked, 0.0, image[sl]), ix - xc, iy - yc)[inner]
        total = shifted.sum()
        if not total > 0:
            continue
        var = variance[sl][inner].astype(float)
        good = (var > 0) & ~_grow_by_one(masked)[inner]
        stamps.append(shifted / total)
        weights.append(np.where(good, total**2 / np.where(good, var, 1.0), 0.0))
        used[i] = True
    if not stamps:
        return np.zeros((0, size, size)), np.zeros((0, size, size)), used
    return np.array(stamps), np.array(weights), used


def _fit_spatial(flat: np.ndarray, wflat: np.ndarray, terms: np.ndarray, comps: np.ndarray) -> np.ndarray:
    """Polynomial coefficients, shape (ncomp, nterms), of the eigen-image amplitudes that
    minimise the inverse-variance weighted residuals of every pixel of every stamp.

    Solved through the normal equations, accumulated per star: the design matrix of every
    pixel of every stamp is never formed.
    """
    ncomp, nterms = comps.shape[0], terms.shape[1]
    gram = np.einsum("cp,ip,dp->icd", comps, wflat, comps, optimize=True)  # per star: E W E^T
    normal = np.einsum("it,icd,is->ctds", terms, gram, terms, optimize=True)
    normal = normal.reshape(ncomp * nterms, ncomp * nterms)
    rhs = np.einsum("it,cp,ip->ct", terms, comps, wflat * flat, optimize=True).ravel()
    scale = np.sqrt(np.diag(normal))
    scale[scale == 0] = 1.0
    solution, *_ = np.linalg.lstsq(normal / np.outer(scale, scale), rhs / scale, rcond=None)
    return (solution / scale).reshape(ncomp, nterms)


def fit_pca_psf(stamps: np.ndarray, weights: np.ndarray, x: np.ndarray, y: np.ndarray,
                bbox: tuple[float, float, float, float], *, n_components: int = 4,
                spatial_order: int = 2, n_iter: int = 3, reject_sigma: float = 3.0
                ) -> tuple[PcaPsfModel, np.ndarray, np.ndarray]:
    """Fit a PCA PSF to normalised star stamps.

    The eigen-images are the principal components of the stamps (each weighted by its typical
    pixel S/N; masked pixels filled with the weighted mean stamp). The polynomial fields of
    their amplitudes are then fitted to all stamp pixels at once with the pixel weights, so
    bright stars and unmasked pixels carry the fit; fitting per-star projections instead lets
    noise and masked pixels of a few stars near a corner swing the extrapolated PSF there.

    Parameters
    ----------
    stamps, weights : ndarray, shape (n, k, k)
        From :func:`extract_star_stamps`.
    x, y : ndarray, shape (n,)
        Star positions.
    bbox : tuple of float
        ``(xmin, xmax, ymin, ymax)`` of the frame, for the spatial polynomials.
    n_components : int
        Eigen-images kept (reduced when there are too few stars).
    spatial_order : int
        Polynomial order of the coefficient fields (reduced when there are too few stars).
    n_iter : int
        Fit-and-reject rounds.
    reject_sigma : float
        Stars whose reduced chi² exceeds the median by this many robust sigmas are dropped.

    Returns
    -------
    model : PcaPsfModel
    used : ndarray of bool, shape (n,)
        Stars kept in the final fit.
    chi2 : ndarray, shape (n,)
        Reduced chi² of every star against the final model.
    """
    n, k, _ = stamps.shape
    if n == 0:
        msg = "PCA PSF: no usable star stamps"
        raise ValueError(msg)
    used = np.ones(n, bool)
    flat = stamps.reshape(n, -1)
    wflat = weights.reshape(n, -1)
    valid = wflat > 0
    # weight each star by its typical pixel S/N so that faint, noisy stamps do not define the
    # eigen-images
    with np.errstate(invalid="ignore"):
        row_weight = np.nan_to_num(np.sqrt(np.nanmedian(np.where(valid, wflat, np.nan), axis=1)))
    dof = np.maximum(valid.sum(axis=1) - 1, 1)
    u, v = PcaPsfModel(np.zeros((1, k, k)), np.zeros((1, 1)), 0, bbox)._normalised(x, y)
    for _ in range(max(n_iter, 1)):
        m = int(used.sum())
        order = spatial_order
        while order > 0 and (order + 1) * (order + 2) // 2 > max(m // 2, 1):
            order -= 1
        ncomp = max(1, min(n_components, m - 1 if m > 1 else 1))
        wsum = wflat[used].sum(axis=0)
        mean = (wflat[used] * flat[used]).sum(axis=0) / np.where(wsum > 0, wsum, 1.0)
        filled = np.where(valid, flat, mean)
        _, _, vt = np.linalg.svd(filled[used] * row_weight[used, None], full_matrices=False)
        comps = vt[:ncomp]
        terms = _poly_terms(u, v, order)
        coeffs = _fit_spatial(flat[used], wflat[used], terms[used], comps)
        model = PcaPsfModel(comps.reshape(ncomp, k, k), coeffs, order, bbox)
        predicted = (terms @ coeffs.T) @ comps
        predicted /= predicted.sum(axis=1, keepdims=True)
        chi2 = (wflat * (flat - predicted) ** 2).sum(axis=1) / dof
        med = np.median(chi2[used])
        mad = 1.4826 * np.median(np.abs(chi2[used] - med))
        new_used = chi2 <= med + reject_sigma * max(mad, 1e-12 * med)
        if np.array_equal(new_used, used) or new_used.sum() < 3:
            break
        used = new_used
    return model, used, chi2
