"""SDSS imaging readers: fpC frames with their fpM masks, psField PSF and noise, tsField calibration.

Main entry points: `read_sdss_frame` (fpC + companions -> `Exposure`, `SdssFrameInfo`) and
`is_sdss_frame`. The per-file readers are public for tests and tools.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "OVERLAP_ROWS": "fpc", "FpcFrame": "fpc", "read_fpc": "fpc", "wcs_from_fpc_header": "fpc",
    "SDSS_TO_LSST_PLANE": "fpm", "read_fpm": "fpm",
    "SdssFrameInfo": "frame", "is_sdss_frame": "frame", "read_sdss_frame": "frame",
    "SDSS_BANDS": "names", "SdssFrameId": "names", "find_companion": "names",
    "read_kl_psf": "psfield", "read_psfield_noise": "psfield",
    "TsFieldCalib": "tsfield", "read_tsfield": "tsfield", "zero_point_from_flux20": "tsfield",
    "is_fpc_name": "patterns",
}

__all__ = [
    "OVERLAP_ROWS", "SDSS_BANDS", "SDSS_TO_LSST_PLANE", "FpcFrame", "SdssFrameId",
    "SdssFrameInfo", "TsFieldCalib", "find_companion", "is_sdss_frame", "read_fpc", "read_fpm",
    "read_kl_psf", "read_psfield_noise", "read_sdss_frame", "read_tsfield",
    "wcs_from_fpc_header", "zero_point_from_flux20", "is_fpc_name",
]


def __getattr__(name: str):
    """Import the exported names lazily, so ``lsstlite.io.sdss.patterns`` stays cheap."""
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'lsstlite.io.sdss' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
