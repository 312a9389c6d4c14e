"""lsstlite.config imports nothing heavy and nothing else from lsstlite."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lsstlite" / "config"


def test_import_pulls_in_no_heavy_modules():
    code = ("import sys, lsstlite.config; "
            "print(sorted(m for m in ('numpy', 'yaml', 'numba', 'scipy', 'sep', 'skimage', 'astropy') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PACKAGE.parents[1])
    assert result.stdout.strip() == "[]"


def test_no_imports_from_other_lsstlite_packages():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not (node.module or "").startswith("lsstlite"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("lsstlite") for a in node.names), path


def test_public_api():
    import lsstlite.config as lc

    expected = {"Config", "Field", "RangeField", "ChoiceField", "ListField", "DictField",
                "ConfigField", "ConfigurableField", "Registry", "RegistryField",
                "ConfigChoiceField", "ConfigDictField", "makeRegistry", "registerConfigurable",
                "FieldValidationError", "ConfigError", "UnknownFieldError", "apply_override"}
    assert expected <= set(lc.__all__)
    assert issubclass(lc.FieldValidationError, lc.ConfigError)
    assert issubclass(lc.ConfigError, ValueError)
    assert issubclass(lc.UnknownFieldError, lc.ConfigError) and issubclass(lc.UnknownFieldError, AttributeError)
