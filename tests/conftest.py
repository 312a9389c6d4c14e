"""Shared pytest fixtures: the SDSS test data, found through one helper."""

from __future__ import annotations

import pytest

from lsstlite.testing import ENV_VAR, sdss_dir


@pytest.fixture(scope="session")
def sdss_data():
    """Path to ``sdss-stripe82/``; skips the test when the shared data are absent."""
    path = sdss_dir()
    if path is None:
        pytest.skip(f"SDSS Stripe 82 test data not found: set {ENV_VAR} to the directory "
                    "holding sdss-stripe82/ (default ../shared/data next to the checkout)")
    return path
