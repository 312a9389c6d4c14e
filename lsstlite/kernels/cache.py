"""Whether the Numba kernels were already compiled and cached by an earlier run."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["kernels_cached"]


def kernels_cached(places: list[Path] | None = None) -> bool:
    """True when Numba's on-disk cache holds compiled lsstlite kernels.

    Parameters
    ----------
    places : list of path, optional
        Directories to search; default where Numba caches: ``$NUMBA_CACHE_DIR`` when set (then
        only there), else next to the module (``lsstlite/kernels/__pycache__``) or, when that
        is not writable, ``~/.cache/numba``.

    Returns
    -------
    bool
        Whether an index file (``*.nbi``) of the adaptive-moments kernel exists. Nothing is
        imported or compiled.
    """
    if places is None:
        if os.environ.get("NUMBA_CACHE_DIR"):
            places = [Path(os.environ["NUMBA_CACHE_DIR"])]
        else:
            places = [Path(__file__).resolve().parent / "__pycache__",
                      Path.home() / ".cache" / "numba"]
    for place in places:
        if place.is_dir() and any(place.rglob("moments._adaptive_moments-*.nbi")):
            return True
    return False
