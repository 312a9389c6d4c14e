"""lsstlite must run without its test-only dependencies (SciPy, scikit-image)."""

import ast
from pathlib import Path

import lsstlite

PACKAGE = Path(lsstlite.__file__).parent
TEST_ONLY = ("scipy", "skimage")


def _uses(path: Path, numba_code: bool) -> list[tuple[int, str]]:
    """(line, what) of every import of a test-only package in ``path`` and, in ``numba_code``,
    every ``.linalg`` (Numba compiles ``np.linalg`` into calls to SciPy's LAPACK; numpy's own
    ``np.linalg`` outside Numba needs no SciPy)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if numba_code and isinstance(node, ast.Attribute) and node.attr == "linalg":
            found.append((node.lineno, "linalg"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in TEST_ONLY:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names
                         if a.name.split(".")[0] in TEST_ONLY)
    return found


def test_package_needs_no_test_only_dependency():
    # a plain `pip install .` has neither: an import fails, and Numba's np.linalg fails with
    # "scipy 0.16+ is required for linear algebra" (kernels use lsstlite.kernels.linalg)
    # Numba code lives in lsstlite/kernels (docs/contributing.md)
    offenders = {str(p.relative_to(PACKAGE)): _uses(p, p.parent.name == "kernels")
                 for p in sorted(PACKAGE.rglob("*.py"))}
    assert {name: uses for name, uses in offenders.items() if uses} == {}


def test_the_check_sees_each_kind(tmp_path):
    sample = tmp_path / "k.py"
    sample.write_text("import numpy as np\nimport scipy.ndimage\nfrom skimage import measure\n\n"
                      "def f(a):\n    return np.linalg.inv(a)\n")
    assert _uses(sample, numba_code=True) == [(2, "scipy.ndimage"), (3, "skimage"), (6, "linalg")]
    assert _uses(sample, numba_code=False) == [(2, "scipy.ndimage"), (3, "skimage")]
