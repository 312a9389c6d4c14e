"""SDSS file-name patterns (no FITS access, cheap to import)."""

from __future__ import annotations

import os
import re

__all__ = ["FPC_NAME", "is_fpc_name"]

#: ``fpC-RRRRRR-<band><camcol>-FFFF.fit[.gz]``: an SDSS corrected frame.
FPC_NAME = re.compile(r"^fpC-(?P<run>\d{6})-(?P<band>[ugriz])(?P<camcol>[1-6])-(?P<field>\d{4})"
                      r"\.fits?(\.gz)?$")


def is_fpc_name(path: str | os.PathLike) -> bool:
    """Whether the file name of ``path`` is that of an SDSS fpC frame (the file is not opened)."""
    return FPC_NAME.match(os.path.basename(os.fspath(path))) is not None
