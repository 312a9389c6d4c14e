"""Numba kernels: small compiled loops, each tested against a plain numpy reference.

Importing this package imports Numba's array-math registry without its BLAS probe. At that
import Numba checks whether SciPy's BLAS can be imported, and where SciPy is installed the
check imports ``scipy.linalg`` (about 0.2 s of every process's start-up) although no lsstlite
kernel calls BLAS or LAPACK (``tests/config/test_runtime_dependencies.py`` guards that). The
probe only decides how Numba compiles ``np.cov`` and ``np.corrcoef`` (a plain loop instead of a
BLAS inner product, same results); ``np.dot`` and ``np.linalg`` in other code still find SciPy
when they are first compiled. Nothing changes when SciPy's BLAS or the registry is already
imported.
"""

from __future__ import annotations

import sys

_SCIPY_BLAS = "scipy.linalg.cython_blas"


def _import_numba_arraymath_without_blas_probe() -> None:
    if "numba.np.arraymath" in sys.modules or _SCIPY_BLAS in sys.modules:
        return
    sys.modules[_SCIPY_BLAS] = None  # makes the probe's import fail at once
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules[_SCIPY_BLAS]


_import_numba_arraymath_without_blas_probe()
