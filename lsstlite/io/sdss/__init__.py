"""SDSS imaging readers: fpC frames with their fpM masks, psField PSF and noise, tsField calibration.

Main entry points: `read_sdss_frame` (fpC + companions -> `Exposure`, `SdssFrameInfo`) and
`is_sdss_frame`. The per-file readers are public for tests and tools.
"""

from lsstlite.io.sdss.fpc import OVERLAP_ROWS, FpcFrame, read_fpc, wcs_from_fpc_header
from lsstlite.io.sdss.fpm import SDSS_TO_LSST_PLANE, read_fpm
from lsstlite.io.sdss.frame import SdssFrameInfo, is_sdss_frame, read_sdss_frame
from lsstlite.io.sdss.names import SDSS_BANDS, SdssFrameId, find_companion
from lsstlite.io.sdss.psfield import read_kl_psf, read_psfield_noise
from lsstlite.io.sdss.tsfield import TsFieldCalib, read_tsfield, zero_point_from_flux20

__all__ = [
    "OVERLAP_ROWS", "SDSS_BANDS", "SDSS_TO_LSST_PLANE", "FpcFrame", "SdssFrameId",
    "SdssFrameInfo", "TsFieldCalib", "find_companion", "is_sdss_frame", "read_fpc", "read_fpm",
    "read_kl_psf", "read_psfield_noise", "read_sdss_frame", "read_tsfield",
    "wcs_from_fpc_header", "zero_point_from_flux20",
]
