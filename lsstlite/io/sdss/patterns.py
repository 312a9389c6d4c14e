"""SDSS file-name patterns (no FITS access, cheap to import)."""

from __future__ import annotations

import os
import re

__all__ = ["COMPANION_NAME", "FPC_NAME", "is_companion_name", "is_fpc_name"]

#: ``fpC-RRRRRR-<band><camcol>-FFFF.fit[.gz]``: an SDSS corrected frame.
FPC_NAME = re.compile(r"^fpC-(?P<run>\d{6})-(?P<band>[ugriz])(?P<camcol>[1-6])-(?P<field>\d{4})"
                      r"\.fits?(\.gz)?$")


def is_fpc_name(path: str | os.PathLike) -> bool:
    """Whether the file name of ``path`` is that of an SDSS fpC frame (the file is not opened)."""
    return FPC_NAME.match(os.path.basename(os.fspath(path))) is not None


#: Files that accompany SDSS frames (masks, PSF and calibration, astrometry, catalogues).
COMPANION_NAME = re.compile(r"^(fpM|psField|tsField|asTrans|fpObjc|fpAtlas|fpBIN|fpFieldStat|"
                            r"psBB|drField|tsObj)-")


def is_companion_name(path: str | os.PathLike) -> bool:
    """Whether ``path`` names an SDSS companion file rather than an image to process."""
    return COMPANION_NAME.match(os.path.basename(os.fspath(path))) is not None
