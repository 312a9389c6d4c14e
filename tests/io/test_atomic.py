from pathlib import Path

import pytest

from lsstlite.io.atomic import atomic_write


def test_atomic_write_replaces_only_on_success(tmp_path: Path):
    target = tmp_path / "sub" / "file.txt"
    with atomic_write(target, "w") as f:
        f.write("first")
    assert target.read_text() == "first"
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as f:
            f.write("second")
            raise RuntimeError("boom")
    assert target.read_text() == "first"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_atomic_write_rejects_bad_mode(tmp_path: Path):
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass
