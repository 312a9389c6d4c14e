"""SDSS file names and the search for a frame's companion files (fpM, psField, tsField).

An SDSS frame is identified by run, camcol, field and band. The DR7 ``imaging`` tree keeps
``<run>/<rerun>/corr/<camcol>/fpC-RRRRRR-<band><camcol>-FFFF.fit.gz``,
``<run>/<rerun>/objcs/<camcol>/fpM-RRRRRR-<band><camcol>-FFFF.fit`` and
``psField-RRRRRR-<camcol>-FFFF.fit``, and ``<run>/<rerun>/calibChunks/<camcol>/
tsField-RRRRRR-<camcol>-<rerun>-FFFF.fit``; companions are looked for next to the fpC first,
then in that tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lsstlite.io.sdss.patterns import FPC_NAME

__all__ = ["SDSS_BANDS", "SdssFrameId", "find_companion", "frame_id_from_fpc"]

#: Band order of the per-band arrays in psField and tsField (header ``FILTERS``).
SDSS_BANDS: tuple[str, ...] = ("u", "g", "r", "i", "z")

_SUFFIXES = (".fit", ".fit.gz", ".fits", ".fits.gz")


@dataclass(frozen=True)
class SdssFrameId:
    """Run, camcol, field and band of one SDSS frame."""

    run: int
    camcol: int
    field: int
    band: str

    def fpm_stem(self) -> str:
        """``fpM-RRRRRR-<band><camcol>-FFFF``."""
        return f"fpM-{self.run:06d}-{self.band}{self.camcol}-{self.field:04d}"

    def psfield_stem(self) -> str:
        """``psField-RRRRRR-<camcol>-FFFF``."""
        return f"psField-{self.run:06d}-{self.camcol}-{self.field:04d}"

    def astrans_stem(self) -> str:
        """``asTrans-RRRRRR`` (one file per run)."""
        return f"asTrans-{self.run:06d}"

    def tsfield_glob(self) -> str:
        """Glob for ``tsField-RRRRRR-<camcol>-<rerun>-FFFF.fit*`` (any rerun)."""
        return f"tsField-{self.run:06d}-{self.camcol}-*-{self.field:04d}.fit*"


def _field_from_header(header) -> int | None:
    """Field number from ``FRAME`` and ``CAMROW``.

    ``FRAME`` counts frames of this CCD; the five CCDs of a camera column see the same sky
    two frames apart per camera row (r=1, i=2, u=3, z=4, g=5), so
    ``field = FRAME - 2 * (CAMROW - 1)`` (verified on run 4192: u FRAME=304 is field 300).
    """
    if "FRAME" not in header or "CAMROW" not in header:
        return None
    return int(header["FRAME"]) - 2 * (int(header["CAMROW"]) - 1)


def frame_id_from_fpc(path: Path, header) -> SdssFrameId:
    """Identify a frame from its fpC file name (``fpC-RRRRRR-<band><camcol>-FFFF``), falling
    back to the header (``RUN``, ``CAMCOL``, ``FILTER``, field from ``FRAME``/``CAMROW``).

    Raises
    ------
    ValueError
        If neither the file name nor the header give run, camcol, field and band.
    """
    match = FPC_NAME.match(Path(path).name)
    if match:
        values = match.groupdict()
    else:
        band = str(header.get("FILTER", "")).strip() or None
        values = {"run": header.get("RUN"), "camcol": header.get("CAMCOL"),
                  "field": _field_from_header(header), "band": band}
    missing = [key for key, value in values.items() if value is None]
    if missing:
        msg = (f"{path}: cannot identify the SDSS frame, no {', '.join(missing)} in the file "
               "name (fpC-RRRRRR-<band><camcol>-FFFF) or the header (RUN, CAMCOL, FILTER, "
               "FRAME, CAMROW)")
        raise ValueError(msg)
    band = values["band"]
    if band not in SDSS_BANDS:
        msg = f"{path}: FILTER {band!r} is not an SDSS band ({' '.join(SDSS_BANDS)})"
        raise ValueError(msg)
    return SdssFrameId(int(values["run"]), int(values["camcol"]), int(values["field"]), band)


def _search_dirs(fpc_path: Path, camcol: int, subdir: str, per_camcol: bool = True) -> list[Path]:
    """The fpC's directory, then ``<rerun>/<subdir>/<camcol>/`` of the SDSS tree (``<rerun>/<subdir>/``
    for files of the whole run)."""
    here = fpc_path.absolute().parent
    tail = (subdir, str(camcol)) if per_camcol else (subdir,)
    dirs = [here]
    # fpC in <rerun>/corr/<camcol>/: siblings are <rerun>/<subdir>/<camcol>/.
    if here.name == str(camcol) and len(here.parents) >= 2:
        dirs.append(here.parents[1].joinpath(*tail))
    dirs.append(here.parent.joinpath(*tail))
    dirs.append(here.joinpath(*tail))
    unique = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def find_companion(fpc_path: Path, frame: SdssFrameId, kind: str) -> Path | None:
    """Locate the ``kind`` (``"fpM"``, ``"psField"``, ``"tsField"`` or ``"asTrans"``) file of
    ``frame``.

    Parameters
    ----------
    fpc_path : `pathlib.Path`
        The fpC file.
    frame : `SdssFrameId`
        The frame.
    kind : str
        Companion type.

    Returns
    -------
    path : `pathlib.Path` or None
        First match (``.fit``, ``.fit.gz``, ``.fits``, ``.fits.gz``) or None.
    """
    subdir = {"fpM": "objcs", "psField": "objcs", "tsField": "calibChunks", "asTrans": "astrom"}.get(kind)
    if subdir is None:
        msg = f"unknown SDSS companion kind {kind!r}; expected fpM, psField, tsField or asTrans"
        raise ValueError(msg)
    for directory in _search_dirs(Path(fpc_path), frame.camcol, subdir, per_camcol=kind != "asTrans"):
        if not directory.is_dir():
            continue
        if kind == "tsField":
            hits = sorted(directory.glob(frame.tsfield_glob()))
            if hits:
                return hits[0]
            continue
        stem = {"fpM": frame.fpm_stem, "psField": frame.psfield_stem, "asTrans": frame.astrans_stem}[kind]()
        for suffix in _SUFFIXES:
            candidate = directory / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    return None
