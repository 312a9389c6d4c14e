"""Astrometric calibration algorithms as plain functions on arrays.

- :func:`match_to_reference` (``lsstlite.astrom.match``): find the offset, rotation and scale
  error of an initial WCS by voting, then nearest-neighbour matching with a shrinking radius.
- :func:`fit_tan_sip` (``lsstlite.astrom.sip``): TAN-SIP fit with symmetric sigma clipping,
  returning a `lsstlite.image.wcs.TanSipWcs`.
- :func:`solve_astrometry` (``lsstlite.astrom.solve``): LSST's match -> fit loop.

Submodules are imported lazily so that ``import lsstlite.astrom`` stays cheap.
"""

from lsstlite._lazy import lazy_exports

_EXPORTS = {
    "match_to_reference": "match",
    "MatchResult": "match",
    "fit_tan_sip": "sip",
    "SipFitResult": "sip",
    "solve_astrometry": "solve",
    "AstrometrySolution": "solve",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
