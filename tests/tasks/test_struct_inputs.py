"""Struct, log-level parsing, input resolution and --id selection (no config needed)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from astropy.io import fits

from lsstlite.tasks.base import Struct
from lsstlite.tasks.cmdline.inputs import (InputError, InputRef, check_unique_names, parse_id,
                                           resolve_inputs, select_inputs)
from lsstlite.tasks.cmdline.logsetup import configure_logging, input_label, parse_log_level


def test_struct_items_repr_and_errors():
    s = Struct(a=1, b="x")
    assert s.a == 1 and len(s) == 2
    assert repr(s) == "Struct(a=1; b='x')"
    assert s.getDict() == {"a": 1, "b": "x"}
    assert s == Struct(a=1, b="x") and s != Struct(a=2, b="x")
    s.c = 3  # plain assignment after construction is allowed
    t = Struct(d=4)
    t.mergeItems(s, "a", "c")
    assert t.getDict() == {"d": 4, "a": 1, "c": 3}
    with pytest.raises(RuntimeError, match="already exists"):
        t.mergeItems(s, "a")
    with pytest.raises(RuntimeError, match="must not begin with __"):
        Struct(__x=1)
    copy = s.copy()
    copy.a = 10
    assert s.a == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("DEBUG", (None, logging.DEBUG)), ("warn", (None, logging.WARNING)),
    ("processFile.charImage=debug", ("processFile.charImage", logging.DEBUG)),
    ("trace", (None, 5)), ("a.b=15", ("a.b", 15)),
])
def test_parse_log_level(text, expected):
    assert parse_log_level(text) == expected


def test_parse_log_level_rejects_unknown():
    with pytest.raises(ValueError, match="loglevel 'loud' not one of"):
        parse_log_level("x=loud")


def test_logging_levels_and_input_label(capsys):
    configure_logging(["demoTask", "lsstlite"], [("demoTask.sub", logging.DEBUG)])
    logging.getLogger("demoTask.sub").debug("hidden? no")
    logging.getLogger("demoTask.other").debug("hidden")
    with input_label("a.fits"):
        logging.getLogger("demoTask").info("hello")
    err = capsys.readouterr().err
    assert "hidden? no" in err and "hidden\n" not in err
    assert "INFO demoTask: [a.fits] hello" in err
    configure_logging(["demoTask"], [], longlog=True)  # replaces handler, resets levels
    assert logging.getLogger("demoTask.sub").level == logging.NOTSET
    with input_label("b.fits"):
        logging.getLogger("demoTask").warning("long")
    err = capsys.readouterr().err
    assert "demoTask (b.fits)(test_struct_inputs.py:" in err and err.count("long") == 1


def _write(path, data=None, n_ext=0, **header):
    hdul = fits.HDUList([fits.PrimaryHDU(np.zeros((4, 4), np.float32) if data is None else data)])
    for key, value in header.items():
        hdul[0].header[key] = value
    for i in range(n_ext):
        hdul.append(fits.ImageHDU(np.full((3, 3), i, np.float32), name=f"EXT{i + 1}"))
    hdul.writeto(path)
    return path


def test_resolve_inputs_files_and_directories(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    for name in ("b.fits", "a.fit", "c.fits.gz", "d.fz", "notes.txt", "e.txt.gz"):
        (d / name).write_bytes(b"")
    single = _write(tmp_path / "z.fts")
    files = resolve_inputs([str(single), str(d)])
    assert [f.rsplit("/", 1)[1] for f in files] == ["z.fts", "a.fit", "b.fits", "c.fits.gz", "d.fz"]
    with pytest.raises(InputError, match="does not exist"):
        resolve_inputs([str(tmp_path / "missing.fits")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="contains no FITS file"):
        resolve_inputs([str(tmp_path / "empty")])


def test_parse_id_ranges_and_errors():
    sel = parse_id(["hdu=1..3^5", "FILTER=r^i"])
    assert sel.hdus == [1, 2, 3, 5] and sel.headerKeys == {"FILTER": ["r", "i"]}
    assert parse_id(["run=2..8:3"]).values == {"run": ["2", "5", "8"]}
    for bad, msg in ((["hdu"], "must be in the form"), (["a=1", "a=2"], "given twice"),
                     (["a=3..1"], "is empty"), (["a=x..2"], "integers")):
        with pytest.raises(InputError, match=msg):
            parse_id(bad)


def test_select_inputs_by_hdu_and_header(tmp_path):
    r = _write(tmp_path / "r.fits", FILTER="r", EXPTIME=30)
    g = _write(tmp_path / "g.fits", FILTER="g", EXPTIME=60)
    mef = _write(tmp_path / "mef.fits", n_ext=2, FILTER="i")
    files = [str(r), str(g), str(mef)]
    assert [x.label for x in select_inputs(files, [])] == ["r.fits", "g.fits", "mef.fits"]
    chosen = select_inputs(files, [parse_id(["FILTER=r^i"])])
    assert [x.label for x in chosen] == ["r.fits", "mef.fits"]
    assert [x.label for x in select_inputs(files, [parse_id(["EXPTIME=60"])])] == ["g.fits"]
    hdus = select_inputs([str(mef)], [parse_id(["hdu=1^EXT2"])])
    assert hdus == [InputRef(str(mef), 1), InputRef(str(mef), "EXT2")]
    assert [h.name for h in hdus] == ["mef-hdu1", "mef-hduEXT2"]
    # two --id options are alternatives
    either = select_inputs(files, [parse_id(["FILTER=g"]), parse_id(["EXPTIME=30"])])
    assert [x.label for x in either] == ["r.fits", "g.fits"]


def test_check_unique_names(tmp_path):
    refs = [InputRef("/a/x.fits"), InputRef("/b/x.fit")]
    with pytest.raises(InputError, match="would both write outputs named 'x'"):
        check_unique_names(refs)
    check_unique_names([InputRef("/a/x.fits", 1), InputRef("/a/x.fits", 2)])
