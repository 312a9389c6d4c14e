"""Atomic file writing: write to a temporary file in the target directory, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator:
    """Open a temporary file next to ``path``; rename it onto ``path`` only on success.

    Parameters
    ----------
    path : str or path-like
        Final file name. Its directory is created if needed.
    mode : str
        ``"wb"`` (default) or ``"w"`` (text, UTF-8).

    Yields
    ------
    file : file object
        Write to it; on a clean exit the data are flushed, synced and renamed onto ``path``,
        on an exception the temporary file is removed and ``path`` is left untouched.
    """
    if mode not in ("wb", "w"):
        msg = f"atomic_write: mode must be 'wb' or 'w', not {mode!r}"
        raise ValueError(msg)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_fits(hdul, path: str | os.PathLike) -> None:
    """Write an astropy ``HDUList`` to ``path`` atomically.

    Parameters
    ----------
    hdul : `astropy.io.fits.HDUList`
        The file content.
    path : str or path-like
        Destination.
    """
    with atomic_write(path, "wb") as stream:
        hdul.writeto(stream)
