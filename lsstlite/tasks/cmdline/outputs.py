"""Output layout of a command-line task, and persistence of config, schemas and metadata.

For one input ``NAME`` and ``--output out``::

    out/config/<task name>.py     the full config (checked against on re-runs)
    out/schema/<dataset>.fits     empty catalogues carrying the schemas (checked on re-runs)
    out/NAME.fits                 the calexp
    out/NAME/<dataset>.fits       per-input products (src, icSrc, background, srcMatch, ...)
    out/NAME/metadata.yaml        the task tree's metadata (timings, counts, ...)

Every file is written atomically (`lsstlite.io.atomic.atomic_write`).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from lsstlite.io.atomic import atomic_write

from ..base import TaskError

__all__ = ["FileRepo", "OutputMismatchError", "backup_file", "plain", "write_config",
           "write_metadata", "write_schemas"]


class OutputMismatchError(TaskError):
    """The config or a schema differs from the one already stored in the output directory."""


class FileRepo:
    """Where a command-line task reads calibrations and writes its outputs.

    Parameters
    ----------
    output : str or path-like
        The output directory (created on first write).
    calib : str or path-like, optional
        Directory of calibration frames (``--calib``).
    """

    def __init__(self, output: str | os.PathLike, calib: str | os.PathLike | None = None) -> None:
        self.root = Path(output).resolve()
        self.calib = None if calib is None else Path(calib).resolve()

    def __repr__(self) -> str:
        return f"FileRepo({str(self.root)!r}, calib={None if self.calib is None else str(self.calib)!r})"

    def configPath(self, taskName: str) -> Path:
        """``out/config/<taskName>.py``."""
        return self.root / "config" / f"{taskName}.py"

    def schemaPath(self, dataset: str) -> Path:
        """``out/schema/<dataset>.fits``."""
        return self.root / "schema" / f"{dataset}.fits"

    def calexpPath(self, inputName: str) -> Path:
        """``out/<inputName>.fits``."""
        return self.root / f"{inputName}.fits"

    def datasetPath(self, inputName: str, dataset: str, suffix: str = ".fits") -> Path:
        """``out/<inputName>/<dataset><suffix>``, e.g. ``out/NAME/src.fits``."""
        return self.root / inputName / f"{dataset}{suffix}"

    def metadataPath(self, inputName: str) -> Path:
        """``out/<inputName>/metadata.yaml``."""
        return self.datasetPath(inputName, "metadata", ".yaml")


def backup_file(path: Path) -> Path:
    """Rename ``path`` to ``path~1``, shifting older backups (``~1`` to ``~2``, ...)."""
    n = 1
    while Path(f"{path}~{n}").exists():
        n += 1
    for k in range(n, 1, -1):
        os.replace(f"{path}~{k - 1}", f"{path}~{k}")
    backup = Path(f"{path}~1")
    os.replace(path, backup)
    return backup


def _saved_text(config: Any) -> str:
    stream = io.StringIO()
    config.saveToStream(stream)
    return stream.getvalue()


def _assignments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _config_differences(config: Any, stored: Any) -> list[str]:
    """Describe every difference between two configs, one line each.

    `Config.compare` gives value differences; anything it does not see (a retarget to a class with
    the same ConfigClass, an import) still shows as differing lines of the saved form.
    """
    lines = [f"{name}: {new!r} (stored: {old!r})" for name, new, old in config.compare(stored)]
    if not lines:
        new_lines, old_lines = _assignments(_saved_text(config)), _assignments(_saved_text(stored))
        if new_lines != old_lines:
            old_set, new_set = set(old_lines), set(new_lines)
            lines = [f"now:    {line}" for line in new_lines if line not in old_set]
            lines += [f"stored: {line}" for line in old_lines if line not in new_set]
    return lines


def write_config(config: Any, path: Path, clobber: bool = False, doBackup: bool = True,
                 log: Any = None) -> None:
    """Write ``config`` to ``path``, or check it against the config already there.

    Parameters
    ----------
    config : `lsstlite.config.Config`
    path : `pathlib.Path`
    clobber : bool
        Overwrite an existing, different config (``--clobber-config``).
    doBackup : bool
        With ``clobber``, keep the old file as ``path~1`` (``~2``, ... for older ones).
    log : `logging.Logger`, optional

    Raises
    ------
    OutputMismatchError
        If a stored config differs (the message lists every differing field) or cannot be read,
        and ``clobber`` is False.
    """
    if path.exists():
        if not clobber:
            stored = type(config)()
            try:
                stored.load(str(path))
            except Exception as exc:  # any failure of a user-editable file
                msg = (f"cannot read the stored config {path} ({type(exc).__name__}: {exc}); "
                       "use --clobber-config to overwrite it")
                raise OutputMismatchError(msg) from None
            differences = _config_differences(config, stored)
            if not differences:
                return
            msg = (f"the config differs from the one stored in {path} (use --clobber-config to "
                   "overwrite it, or another --output):\n  " + "\n  ".join(differences))
            raise OutputMismatchError(msg)
        if doBackup:
            backup = backup_file(path)
            if log is not None:
                log.info("Backed up the previous config to %s", backup)
    with atomic_write(path, "w") as stream:
        config.saveToStream(stream)


def _schema_columns(schema: Any) -> list[tuple[str, str, str]]:
    """(name, dtype, unit) of every field of a `lsstlite.table.Schema`."""
    return [(f.name, f.dtype.str, f.unit) for f in schema]


def write_schemas(catalogs: dict[str, Any], repo: FileRepo, clobber: bool = False,
                  doBackup: bool = True, log: Any = None) -> None:
    """Write each empty catalogue to ``out/schema/<name>.fits``, or check the stored one.

    Schemas are compared by field names, dtypes and units (the stored file is read back; the
    new schema is compared in memory).

    Raises
    ------
    OutputMismatchError
        If a stored schema differs and ``clobber`` is False.
    """
    if not catalogs:
        return
    from lsstlite.io import read_catalog, write_catalog

    for dataset, catalog in catalogs.items():
        path = repo.schemaPath(dataset)
        if path.exists() and not clobber:
            new_columns = _schema_columns(catalog.schema)
            old_columns = _schema_columns(read_catalog(path).schema)
            if new_columns == old_columns:
                continue
            changed = sorted(set(new_columns) ^ set(old_columns))
            msg = (f"the schema {dataset!r} differs from the one stored in {path} (use "
                   f"--clobber-config to overwrite it): {changed}")
            raise OutputMismatchError(msg)
        if path.exists() and doBackup:
            backup = backup_file(path)
            if log is not None:
                log.info("Backed up the previous schema to %s", backup)
        write_catalog(catalog, path)


def plain(value: Any) -> Any:
    """Convert a metadata value to plain YAML-safe Python (numpy scalars and arrays, paths)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "tolist"):  # numpy scalar or array
        return plain(value.tolist())
    return str(value)


def write_metadata(metadata: dict[str, Any], path: Path) -> None:
    """Write a task tree's metadata (`Task.getFullMetadata`) as YAML.

    With libyaml's dumper when PyYAML has it (the same text, ~5x faster than the pure-Python
    one).
    """
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with atomic_write(path, "w") as stream:
        yaml.dump(plain(metadata), stream, Dumper=dumper, sort_keys=False, default_flow_style=False)
