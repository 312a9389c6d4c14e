"""Inputs of a command-line task: FITS files, directories of them, and ``--id`` selections.

An input is an `InputRef`: a file and optionally one HDU of it. ``--id`` takes space-separated
``KEY=V1^V2`` terms (``a..b`` and ``a..b:s`` are inclusive integer ranges); the key ``hdu``
selects HDUs of each file (an index or an EXTNAME), every other key filters inputs on the value of
that header keyword (primary header merged with the HDU's header). Several ``--id`` options are
alternatives: an input runs if it matches any of them.
"""

from __future__ import annotations

from collections.abc import Callable

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FITS_SUFFIXES", "IdSelection", "InputError", "InputRef", "check_unique_names", "is_fits_name",
           "parse_id", "resolve_inputs", "select_inputs"]

#: Recognised FITS file name endings (case-insensitive); ``.gz`` only after a FITS suffix.
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fz", ".fits.gz", ".fit.gz", ".fts.gz")


class InputError(ValueError):
    """An input that does not exist, cannot be read, or an invalid ``--id``."""


def is_fits_name(name: str) -> bool:
    """Whether a file name has one of `FITS_SUFFIXES`."""
    return name.lower().endswith(FITS_SUFFIXES)


def _strip_fits_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in sorted(FITS_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class InputRef:
    """One unit of work: a FITS file, and optionally one HDU of it.

    Attributes
    ----------
    path : str
        Absolute path of the file.
    hdu : int or str or None
        HDU index or EXTNAME; None = the reader's default (first image HDU).
    """

    path: str
    hdu: int | str | None = None

    @property
    def name(self) -> str:
        """Output name: the file name without its FITS suffix, plus ``-hdu<N>`` for a chosen HDU."""
        base = _strip_fits_suffix(os.path.basename(self.path))
        return base if self.hdu is None else f"{base}-hdu{self.hdu}"

    @property
    def label(self) -> str:
        """Short text for log lines: ``file.fits`` or ``file.fits[1]``."""
        base = os.path.basename(self.path)
        return base if self.hdu is None else f"{base}[{self.hdu}]"

    @property
    def dataId(self) -> dict[str, Any]:
        """The input as a dict (``path`` and, if chosen, ``hdu``)."""
        return {"path": self.path} if self.hdu is None else {"path": self.path, "hdu": self.hdu}


@dataclass
class IdSelection:
    """One ``--id`` option: ``{key: [values]}``; empty = everything."""

    values: dict[str, list[str]] = field(default_factory=dict)

    @property
    def hdus(self) -> list[int | str] | None:
        if "hdu" not in self.values:
            return None
        return [int(v) if v.lstrip("-").isdigit() else v for v in self.values["hdu"]]

    @property
    def headerKeys(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.values.items() if k != "hdu"}


def _expand_value(text: str, key: str) -> list[str]:
    values: list[str] = []
    for part in text.split("^"):
        if ".." in part:
            lo, _, rest = part.partition("..")
            hi, _, step = rest.partition(":")
            try:
                start, stop, stride = int(lo), int(hi), int(step or 1)
            except ValueError:
                msg = f"--id {key}={text}: range {part!r} must be a..b or a..b:s with integers"
                raise InputError(msg) from None
            if stride <= 0 or stop < start:
                msg = f"--id {key}={text}: range {part!r} is empty"
                raise InputError(msg)
            values.extend(str(v) for v in range(start, stop + 1, stride))
        elif part:
            values.append(part)
        else:
            msg = f"--id {key}={text}: empty value"
            raise InputError(msg)
    return values


def parse_id(tokens: list[str]) -> IdSelection:
    """Parse the tokens of one ``--id`` option (``KEY=V1^V2`` ...).

    Raises
    ------
    InputError
        For a token without ``=``, a key given twice, or a bad range.
    """
    selection = IdSelection()
    for token in tokens:
        key, sep, value = token.partition("=")
        key = key.strip()
        if not sep or not key:
            msg = f"--id value {token!r} must be in the form KEY=VALUE[^VALUE...]"
            raise InputError(msg)
        if key in selection.values:
            msg = f"--id key {key!r} given twice in one --id"
            raise InputError(msg)
        selection.values[key] = _expand_value(value, key)
    return selection


def resolve_inputs(paths: list[str], accept: Callable[[str], bool] | None = None) -> list[str]:
    """Expand input arguments into absolute FITS file paths, in order.

    A directory contributes its FITS files (not recursively), sorted by name, keeping only the
    names ``accept`` approves (e.g. not a camera's companion files); a file named explicitly
    is always an input.

    Raises
    ------
    InputError
        For a path that does not exist or cannot be read, or a directory with no FITS file.
    """
    files: list[str] = []
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and is_fits_name(p.name)
                           and (accept is None or accept(p.name)))
            if not found:
                msg = f"input directory {text} contains no FITS file ({' '.join(FITS_SUFFIXES)})"
                raise InputError(msg)
            files.extend(str(p.resolve()) for p in found)
        elif path.is_file():
            if not os.access(path, os.R_OK):
                msg = f"input {text} is not readable"
                raise InputError(msg)
            files.append(str(path.resolve()))
        else:
            msg = f"input {text} does not exist"
            raise InputError(msg)
    return files


def _header_matches(header: Any, wanted: dict[str, list[str]]) -> bool:
    for key, values in wanted.items():
        if key not in header:
            return False
        actual = header[key]
        if isinstance(actual, str):
            if actual.strip() not in values:
                return False
        elif isinstance(actual, bool) or not isinstance(actual, int | float):
            if str(actual) not in values:
                return False
        else:
            try:
                numbers = [float(v) for v in values]
            except ValueError:
                return False
            if float(actual) not in numbers:
                return False
    return True


def _read_header(path: str, hdu: int | str | None) -> Any:
    if hdu is None:
        from lsstlite.io.fits_read import read_primary_header_values

        try:
            values = read_primary_header_values(path)
        except ValueError as exc:
            raise OSError(str(exc)) from None
        if values.get("NAXIS"):  # the primary HDU holds the image: its cards are the header
            return values
    from astropy.io import fits

    with fits.open(path, memmap=False) as hdul:
        header = hdul[0].header.copy()
        if hdu is not None:
            header.update(hdul[hdu].header)
        elif len(hdul) > 1 and hdul[0].data is None:
            header.update(hdul[1].header)
    return header


def select_inputs(files: list[str], selections: list[IdSelection]) -> list[InputRef]:
    """Apply ``--id`` selections to input files; no selection (or a bare ``--id``) takes all.

    Header keys are read only when a selection filters on them.

    Raises
    ------
    InputError
        If a file cannot be opened as FITS when its header is needed, or lacks a selected HDU.
    """
    if not selections:
        return [InputRef(path) for path in files]
    refs: list[InputRef] = []
    for path in files:
        for selection in selections:
            hdus = selection.hdus or [None]
            wanted = selection.headerKeys
            for hdu in hdus:
                ref = InputRef(path, hdu)
                if ref in refs:
                    continue
                if wanted:
                    try:
                        header = _read_header(path, hdu)
                    except (OSError, KeyError, IndexError) as exc:
                        where = path if hdu is None else f"{path}[{hdu}]"
                        msg = f"cannot read the header of {where}: {exc}"
                        raise InputError(msg) from None
                    if not _header_matches(header, wanted):
                        continue
                refs.append(ref)
    return refs


def check_unique_names(refs: list[InputRef]) -> None:
    """Refuse two inputs that would write to the same output name."""
    seen: dict[str, InputRef] = {}
    for ref in refs:
        other = seen.setdefault(ref.name, ref)
        if other is not ref:
            msg = (f"inputs {other.label} ({os.path.dirname(other.path)}) and {ref.label} "
                   f"({os.path.dirname(ref.path)}) would both write outputs named {ref.name!r}")
            raise InputError(msg)

