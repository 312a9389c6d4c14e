"""SDSS imaging readers: fpC frames with their fpM masks, psField PSF and noise, tsField calibration
and asTrans astrometry.

Main entry points: `read_sdss_frame` (fpC + companions -> `Exposure`, `SdssFrameInfo`) and
`is_sdss_frame`. The per-file readers are public for tests and tools.
"""

from lsstlite._lazy import lazy_exports

_EXPORTS = {
    "AsTransField": "astrans", "read_astrans": "astrans", "tan_sip_from_astrans": "astrans",
    "OVERLAP_ROWS": "fpc", "FpcFrame": "fpc", "read_fpc": "fpc", "wcs_from_fpc_header": "fpc",
    "SDSS_TO_LSST_PLANE": "fpm", "read_fpm": "fpm",
    "SdssFrameInfo": "frame", "is_sdss_frame": "frame", "read_sdss_frame": "frame",
    "SDSS_BANDS": "names", "SdssFrameId": "names", "find_companion": "names",
    "PsFieldBand": "psfield", "read_psfield": "psfield",
    "TsFieldCalib": "tsfield", "read_tsfield": "tsfield", "zero_point_from_flux20": "tsfield",
    "is_fpc_name": "patterns",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
