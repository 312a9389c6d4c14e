"""Astrometric calibration algorithms as plain functions on arrays.

- :func:`match_to_reference` (``lsstlite.astrom.match``): find the offset, rotation and scale
  error of an initial WCS by voting, then nearest-neighbour matching with a shrinking radius.
- :func:`fit_tan_sip` (``lsstlite.astrom.sip``): TAN-SIP fit with symmetric sigma clipping,
  returning an astropy ``WCS``.
- :func:`solve_astrometry` (``lsstlite.astrom.solve``): LSST's match -> fit loop.

Submodules are imported lazily so that ``import lsstlite.astrom`` stays cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "match_to_reference": "match",
    "MatchResult": "match",
    "fit_tan_sip": "sip",
    "SipFitResult": "sip",
    "solve_astrometry": "solve",
    "AstrometrySolution": "solve",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
