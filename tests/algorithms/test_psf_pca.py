"""PCA PSF and object-size star selection against a frame with a known, varying PSF."""

import numpy as np

from lsstlite.algorithms.shift import shift_image
from lsstlite.kernels.moments import adaptive_moments_stamp
from lsstlite.algorithms.psf_pca import extract_star_stamps, fit_pca_psf
from lsstlite.algorithms.star_selector import select_stars_by_size

SIZE = 600


def true_sigma(x, y):
    return 1.2 + 0.3 * x / SIZE + 0.1 * y / SIZE


def gaussian(xx, yy, xc, yc, sigma):
    """Pixel-integrated circular Gaussian of unit flux."""
    from scipy.special import erf

    def edge(t, c):
        return 0.5 * erf((t - c) / (np.sqrt(2) * sigma))

    return ((edge(xx + 0.5, xc) - edge(xx - 0.5, xc)) * (edge(yy + 0.5, yc) - edge(yy - 0.5, yc)))


def make_frame(seed=0, nstar=80, ngal=20):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    image = np.zeros((SIZE, SIZE))
    # a jittered 10x10 grid (spacing 56 px) keeps stamps free of neighbours
    gy, gx = np.mgrid[:10, :10]
    order = rng.permutation(100)[: nstar + ngal]
    xs = 45 + 56 * gx.ravel()[order] + rng.uniform(-5, 5, nstar + ngal)
    ys = 45 + 56 * gy.ravel()[order] + rng.uniform(-5, 5, nstar + ngal)
    flux = 10 ** rng.uniform(4, 5, nstar + ngal)
    widths = np.array([true_sigma(x, y) for x, y in zip(xs, ys)])
    widths[nstar:] *= 2.5  # galaxies: much wider
    for x, y, f, s in zip(xs, ys, flux, widths):
        sl = (slice(int(y) - 15, int(y) + 16), slice(int(x) - 15, int(x) + 16))
        image[sl] += f * gaussian(xx[sl], yy[sl], x, y, s)
    variance = np.full(image.shape, 25.0) + image / 4
    image += rng.normal(0, np.sqrt(variance))
    return image, variance, xs, ys, flux, widths, nstar


def second_moment(img):
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]] - img.shape[0] // 2
    return ((xx**2 + yy**2) * img).sum() / img.sum() / 2


def test_star_selector_keeps_stars_and_drops_galaxies():
    rng = np.random.default_rng(1)
    star_w = rng.normal(1.3, 0.03, 100)
    gal_w = rng.uniform(2.0, 4.0, 40)
    w = np.concatenate([star_w, gal_w])
    snr = np.full(w.size, 200.0)
    bad = np.zeros(w.size, bool)
    bad[0] = True
    sel = select_stars_by_size(w**2, w**2, snr, bad)
    assert not sel[0]
    assert sel[1:100].mean() > 0.9
    assert not sel[100:].any()


def test_pca_psf_reproduces_varying_psf_width():
    image, variance, xs, ys, flux, widths, nstar = make_frame()
    bad = np.zeros(image.shape, bool)
    stamps, weights, used = extract_star_stamps(image, variance, bad, xs[:nstar], ys[:nstar], 25)
    assert used.sum() > 60
    model, kept, chi2 = fit_pca_psf(stamps, weights, xs[:nstar][used], ys[:nstar][used],
                                    (0, SIZE - 1, 0, SIZE - 1), n_components=3, spatial_order=2)
    assert kept.sum() > 0.8 * used.sum()
    yy, xx = np.mgrid[-12:13, -12:13]
    for x, y in [(100, 100), (500, 100), (300, 300), (100, 500), (500, 500)]:
        k = model.kernel_image(x, y)
        assert abs(k.sum() - 1) < 1e-9
        truth = gaussian(xx, yy, 0.0, 0.0, true_sigma(x, y))
        fwhm_ratio = np.sqrt(second_moment(k) / second_moment(truth))
        assert abs(fwhm_ratio - 1) < 0.02, (x, y, fwhm_ratio)


def test_shift_image_moves_the_centroid():
    yy, xx = np.mgrid[:41, :41]
    img = gaussian(xx, yy, 20, 20, 2.0)
    out = shift_image(img, 0.3, -0.4)
    cx = (out * xx).sum() / out.sum()
    cy = (out * yy).sum() / out.sum()
    assert abs(cx - 20.3) < 1e-3 and abs(cy - 19.6) < 1e-3


def quadratic_sigma(x, y):
    """Core width varying like the simulator's PSF: ~10% from the centre to a corner."""
    u, v = 2 * x / SIZE - 1, 2 * y / SIZE - 1
    return 1.15 * (1 + 0.04 * u - 0.03 * v + 0.03 * u**2 + 0.02 * v**2 + 0.01 * u * v)


def test_pca_psf_ignores_masked_wing_pixels_and_holds_in_the_corners():
    """40 stars of S/N 100-1000, a quarter of them with a masked cosmic ray in the wings.

    Every star is kept (masked pixels carry no weight, so they do not make a star an outlier)
    and the model's FWHM is within 2% of the truth at the corners and the centre: the corner
    values are extrapolated from a few stars, with ~0.3-0.6% expected noise (0.9 / S/N per
    star, propagated through the quadratic spatial fit).
    """
    rng = np.random.default_rng(4)
    nstar = 40
    gy, gx = np.mgrid[:10, :10]
    order = rng.permutation(100)[:nstar]
    xs = 45 + 56 * gx.ravel()[order] + rng.uniform(-5, 5, nstar)
    ys = 45 + 56 * gy.ravel()[order] + rng.uniform(-5, 5, nstar)
    sky = 100.0
    snr = 10 ** rng.uniform(2, 3, nstar)
    flux = snr * np.sqrt(sky * 4 * np.pi * quadratic_sigma(xs, ys) ** 2)  # sky-limited S/N
    yy, xx = np.mgrid[:SIZE, :SIZE]
    image = np.zeros((SIZE, SIZE))
    for x, y, f in zip(xs, ys, flux):
        sl = (slice(int(y) - 15, int(y) + 16), slice(int(x) - 15, int(x) + 16))
        image[sl] += f * gaussian(xx[sl], yy[sl], x, y, quadratic_sigma(x, y))
    variance = sky + image
    image += rng.normal(0, np.sqrt(variance))
    bad = np.zeros(image.shape, bool)
    for i in rng.choice(nstar, 10, replace=False):
        angle = rng.uniform(0, 2 * np.pi)
        cx, cy = int(xs[i] + 9 * np.cos(angle)), int(ys[i] + 9 * np.sin(angle))
        image[cy, cx - 1: cx + 2] += 3000.0
        bad[cy, cx - 1: cx + 2] = True

    stamps, weights, used = extract_star_stamps(image, variance, bad, xs, ys, 25)
    assert used.all()
    model, kept, _ = fit_pca_psf(stamps, weights, xs, ys, (0, SIZE - 1, 0, SIZE - 1))
    assert kept.all()
    sy, sx = np.mgrid[-12:13, -12:13]
    for x, y in [(50, 50), (550, 50), (300, 300), (50, 550), (550, 550)]:
        m = adaptive_moments_stamp(model.kernel_image(x, y))
        t = adaptive_moments_stamp(gaussian(sx, sy, 0.0, 0.0, quadratic_sigma(x, y)))
        fwhm_ratio = ((m.xx * m.yy - m.xy**2) / (t.xx * t.yy - t.xy**2)) ** 0.25
        assert abs(fwhm_ratio - 1) < 0.02, (x, y, fwhm_ratio)
