"""Importing lsstlite.kernels skips Numba's SciPy BLAS probe, and nothing else changes."""

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_kernels_do_not_import_scipy_linalg():
    out = _run("""
        import sys
        import numpy as np
        import lsstlite.kernels
        from lsstlite.kernels.clipped import clipped_sums
        values = np.arange(100.0, dtype=np.float32)
        assert clipped_sums(values, np.ones(100, bool), 50.0, 10.0)[0] == 21
        print("scipy.linalg" in sys.modules, "scipy.linalg.cython_blas" in sys.modules)
    """)
    assert out.split() == ["False", "False"]


def test_numba_linear_algebra_still_finds_scipy():
    pytest.importorskip("scipy")
    out = _run("""
        import numba
        import numpy as np
        import lsstlite.kernels

        @numba.njit
        def solve(a, b):
            return np.linalg.solve(a, b), np.dot(a, b)

        x, d = solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 4.0]))
        print(*x, *d)
    """)
    assert [float(v) for v in out.split()] == [1.0, 1.0, 4.0, 16.0]
