"""Locate the shared, read-only test data (SDSS Stripe 82 frames and reference catalogue).

The data are never copied into the project. Tests find them through :func:`testdata_dir`,
which honours the ``LSSTLITE_TESTDATA`` environment variable and otherwise looks for
``../shared/data`` next to the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "LSSTLITE_TESTDATA"
_REPO_ROOT = Path(__file__).resolve().parents[1]


def testdata_dir() -> Path | None:
    """Return the shared test-data directory, or None when it is absent.

    Returns
    -------
    path : `pathlib.Path` or None
        ``$LSSTLITE_TESTDATA`` if set, else the first existing of ``../shared/data``
        relative to the checkout and to the current directory.
    """
    env = os.environ.get(ENV_VAR)
    candidates = [Path(env)] if env else [_REPO_ROOT.parent / "shared" / "data",
                                          Path.cwd().parent / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def sdss_dir() -> Path | None:
    """Return ``<testdata>/sdss-stripe82`` if present, else None."""
    root = testdata_dir()
    if root is None or not (root / "sdss-stripe82").is_dir():
        return None
    return root / "sdss-stripe82"
