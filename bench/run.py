"""lsstlite speed benchmark: pipeline stages, whole process, start-up, Numba cache, memory, peers.

``python bench/run.py [--frame PATH] [--repeat N] [--json OUT.json]``

Without ``--frame`` it uses the shared SDSS r frame (``lsstlite.testing.sdss_dir()``) with its
reference catalogue, or, when the data are absent, a frame simulated with ``lsstlite.sim`` in a
temporary directory. It measures, on that one frame:

(a) each pipeline stage in-process (a worker process builds ``ProcessFileTask`` from the same
    command line as (b), then times read, ``run`` (isr -> charImage -> calibrate) and write;
    median of N after one warm-up, plus every ``@timeMethod`` figure of the task tree);
(b) the whole ``processFile.py FRAME --output TMP`` process (median of N, warm caches);
(c) ``processFile.py FRAME --show config`` start-up (median of N);
(d) the first run with an empty Numba cache (``NUMBA_CACHE_DIR`` = a new directory) and the run
    after it, and whether the first run's log says it is compiling;
(e) peak RSS of each child process (``os.wait4`` resource usage);
(f) the sep and photutils peers of ``bench/peers/`` on the same frame, alternating with (b).

It prints a table and writes every figure with the targets (pass/fail) to ``--json``. A stage
that fails is reported with its one-line error; the others still run. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PEERS = {"sep": BENCH_DIR / "peers" / "sep_pipeline.py",
         "photutils": BENCH_DIR / "peers" / "photutils_pipeline.py"}
STARTUP = "start-up"  # bench/startup.py: lsstlite's imports and Numba initialisation, no pixels
SDSS_FRAME = ("run4192", "fpC-004192-r4-0300.fit.gz")
SDSS_PSF_SIGMA = 1.1
FWHM_PER_SIGMA = 2.3548200450309493
CHILD_TIMEOUT = 600.0
MB = 1e6

#: name -> (description, comparison, limit); "le": value <= limit passes, "ge": value >= limit.
TARGETS = {
    "whole_process_vs_sep": ("processFile.py whole process / sep peer (ratio of medians)", "le", 1.3),
    "photutils_vs_lsstlite": ("photutils peer / processFile.py whole process (ratio of medians)",
                              "ge", 3.5),
    "inprocess_pipeline_s": ("in-process ProcessFileTask.run (isr+charImage+calibrate), s", "le",
                             0.4),
    "show_config_s": ("processFile.py --show config, s", "le", 0.4),
    "peak_rss_mb": ("peak RSS of processFile.py, MB (1e6 bytes)", "le", 400.0),
    "cold_first_run_s": ("first processFile.py run with an empty Numba cache, s", "le", 20.0),
    "cold_run_says_compiling": ("the cold run's log says it is compiling (once)", "eq", True),
    "measurement_ms_per_600": ("calibrate measurement, all default plugins, ms per 600 sources "
                               "(issue 6: ~600 sources in <= 150 ms)", "le", 150.0),
}
MEASUREMENT_METHOD = "processFile.calibrate.measurement:run"


# --------------------------------------------------------------------------------------------
# child processes
# --------------------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _error_line(stdout: str, stderr: str, returncode: int) -> str:
    """The most telling line of a failed child's output: the last one saying error or failed."""
    lines = [ln.strip() for ln in (stdout + "\n" + stderr).splitlines() if ln.strip()]
    hits = [ln for ln in lines if ("error" in ln.lower() or "failed" in ln.lower())
            and not ln.startswith(("File ", "Traceback"))]
    specific = [ln for ln in hits if not re.search(r"\d+ of \d+ inputs? failed", ln)]
    if hits:
        return _one_line((specific or hits)[-1])
    return _one_line(lines[-1]) if lines else f"exit status {returncode}"


def run_child(cmd: list[str], env: dict | None = None, timeout: float = CHILD_TIMEOUT) -> dict:
    """Run ``cmd``; return wall time, CPU time, peak RSS (bytes), exit status and output.

    Peak RSS and CPU come from ``os.wait4`` for this child alone.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL)
        except OSError as exc:
            return {"ok": False, "error": _one_line(f"{cmd[0]}: {exc}"), "cmd": cmd}
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # blocking: no polling noise on 2 cores
        timer.cancel()
        if killed.is_set():
            return {"ok": False, "error": f"timed out after {timeout:.0f} s",
                    "wall": time.perf_counter() - t0, "cmd": cmd}
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    record = {"ok": proc.returncode == 0, "returncode": proc.returncode, "wall": wall,
              "cpu": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss * 1024,
              "stdout": stdout, "stderr": stderr}
    if not record["ok"]:
        record["error"] = _error_line(stdout, stderr, proc.returncode)
    return record


def peer_timings(stdout: str) -> dict | None:
    """The ``peer-timings: {json}`` record a peer prints."""
    for line in stdout.splitlines():
        if line.startswith("peer-timings: "):
            return json.loads(line[len("peer-timings: "):])
    return None


PROCESSFILE: list[str] = []


def processfile_command() -> list[str]:
    """``processFile.py``: ``--processfile``, else the one installed next to this interpreter,
    else on ``PATH``, else the same entry point run through this interpreter."""
    if PROCESSFILE:
        return list(PROCESSFILE)
    beside = Path(sys.executable).parent / "processFile.py"
    script = str(beside) if beside.is_file() else shutil.which("processFile.py")
    if script:
        return [script]
    return [sys.executable, "-c",
            "import sys; from lsstlite.tasks.processFile import main; sys.exit(main())"]


# --------------------------------------------------------------------------------------------
# (a) in-process worker
# --------------------------------------------------------------------------------------------
def inprocess_worker(frame: str, refcat: str | None, repeat: int, outdir: str, result_path: str) -> None:
    """Build ProcessFileTask as the command line does and time its stages; write JSON.

    Runs in its own process (``run.py --inprocess-worker``) so that a crash or a hang in the
    pipeline is a failed figure, not a failed benchmark.
    """
    report: dict = {"ok": False}

    def save() -> None:
        Path(result_path).write_text(json.dumps(report, indent=1, default=str))

    t0 = time.perf_counter()
    try:
        from lsstlite.tasks.processFile import ProcessFileTask
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        report["error"] = _one_line(f"import lsstlite.tasks.processFile: {type(exc).__name__}: {exc}")
        save()
        return
    report["import_s"] = time.perf_counter() - t0
    try:
        args = [frame, "--output", outdir, "-L", "warn"]
        if refcat:
            args += ["--refcat", refcat]
        parser = ProcessFileTask._makeArgumentParser()
        parsed = parser.parse_args(config=ProcessFileTask.ConfigClass(), args=args,
                                   override=ProcessFileTask.applyOverrides,
                                   cameraOverrides=ProcessFileTask.cameraOverrides)
        task = ProcessFileTask(config=parsed.config)
        ref, repo = parsed.refs[0], parsed.repo
    except BaseException as exc:  # noqa: BLE001 - argparse exits with SystemExit
        report["error"] = _one_line(f"building ProcessFileTask: {type(exc).__name__}: {exc}")
        save()
        return

    runs = []
    write_error = None
    for index in range(repeat + 1):
        record: dict = {"warmup": index == 0}
        task.emptyMetadata()
        step = "read"
        try:
            t = time.perf_counter()
            exposure, camera = task.readExposure(ref)
            record["read"] = time.perf_counter() - t
            step = "run"
            t = time.perf_counter()
            result = task.run(exposure, calibDir=repo.calib, **camera)
            record["run"] = time.perf_counter() - t
            cat = result.sourceCat if result.sourceCat is not None else result.icSourceCat
            record["nsources"] = len(cat)
            if task.config.doWrite and write_error is None:
                step = "write"
                t = time.perf_counter()
                task.writeOutputs(ref, repo, result)
                record["write"] = time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            record["error"] = _one_line(f"{step}: {type(exc).__name__}: {exc}")
            if step == "write":  # keep timing read and run; stop writing
                write_error = record["error"]
        record["metadata"] = _timings(task.getFullMetadata())
        runs.append(record)
        report["runs"] = runs
        save()
        if "error" in record and step != "write":
            break
    import resource

    report["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    report["ok"] = all("error" not in r for r in runs)
    save()


def _timings(metadata: dict) -> dict:
    """``{"task.path:method": {"wall", "cpu", "calls"}}`` from `Task.getFullMetadata`."""
    out = {}
    for task_name, entries in metadata.items():
        for key, value in entries.items():
            if isinstance(value, dict) and "wall" in value and "cpu" in value:
                out[f"{task_name}:{key}"] = {"wall": value["wall"], "cpu": value["cpu"],
                                             "calls": value.get("calls"),
                                             "maxRss": value.get("maxRss")}
    return out


def bench_inprocess(frame: str, refcat: str | None, repeat: int, work: Path) -> dict:
    """(a): run the worker and summarise its runs (medians over the timed runs)."""
    result_path = work / "inprocess.json"
    child = run_child([sys.executable, str(Path(__file__).resolve()), "--inprocess-worker",
                       json.dumps([frame, refcat, repeat, str(work / "inprocess-out"),
                                   str(result_path)])])
    if not result_path.exists():
        return {"ok": False, "error": child.get("error", "worker wrote no result")}
    report = json.loads(result_path.read_text())
    summary: dict = {"ok": report.get("ok", False), "import_s": report.get("import_s"),
                     "worker_maxrss": report.get("maxrss")}
    if "error" in report:
        summary["error"] = report["error"]
    runs = report.get("runs", [])
    if runs:
        summary["first_call"] = {k: runs[0].get(k) for k in ("read", "run", "write")}
    timed = [r for r in runs if not r["warmup"]] or runs
    failed = [r for r in runs if "error" in r]
    if failed:
        summary["error"] = failed[0]["error"]
        summary["ok"] = False
    summary["n"] = len([r for r in timed if "run" in r])
    for key in ("read", "run", "write"):
        values = [r[key] for r in timed if key in r]
        summary[key] = statistics.median(values) if values else None
    summary["nsources"] = next((r["nsources"] for r in timed if "nsources" in r), None)
    methods: dict = {}
    for r in timed:
        for name, value in r.get("metadata", {}).items():
            methods.setdefault(name, {"wall": [], "cpu": [], "calls": value["calls"]})
            methods[name]["wall"].append(value["wall"])
            methods[name]["cpu"].append(value["cpu"])
    summary["methods"] = {name: {"wall": statistics.median(v["wall"]),
                                 "cpu": statistics.median(v["cpu"]), "calls": v["calls"]}
                          for name, v in methods.items()}
    return summary


# --------------------------------------------------------------------------------------------
# (b)-(f) subprocess figures
# --------------------------------------------------------------------------------------------
def _summary(records: list[dict]) -> dict:
    good = [r for r in records if r.get("ok")]
    out: dict = {"n": len(good), "ok": bool(good) and len(good) == len(records)}
    bad = [r for r in records if not r.get("ok")]
    if bad:
        out["error"] = bad[0].get("error", "failed")
    if good:
        out["wall"] = statistics.median(r["wall"] for r in good)
        out["wall_min"] = min(r["wall"] for r in good)
        out["cpu"] = statistics.median(r["cpu"] for r in good)
        out["maxrss"] = max(r["maxrss"] for r in good)
        peers = [peer_timings(r["stdout"]) for r in good]
        peers = [p for p in peers if p]
        counts = re.findall(r": (\d+) sources", good[0]["stdout"] + good[0]["stderr"])
        if counts:  # processFile.py's summary line
            out["nsources"] = int(counts[-1])
        if peers:
            out["nsources"] = peers[0]["nsources"]
            out["stages"] = {k: statistics.median(p["stages"][k] for p in peers)
                             for k in peers[0]["stages"]}
    return out


def bench_whole(commands: dict[str, list[str]], repeat: int, work: Path) -> dict:
    """(b), (e), (f): warm-up each, then N rounds, rotating the order each round."""
    names = list(commands)
    records: dict[str, list[dict]] = {name: [] for name in names}
    failed: dict[str, dict] = {}
    for name in names:  # warm-up (file cache, Numba cache, .pyc)
        record = run_child(commands[name](work / f"{name}-warmup"))
        if not record["ok"]:
            failed[name] = record
    rounds = []
    for index in range(repeat):
        order = names[index % len(names):] + names[:index % len(names)]
        walls = {}
        for name in order:
            if name in failed:
                continue
            outdir = work / f"{name}-{index}"
            record = run_child(commands[name](outdir))
            shutil.rmtree(outdir, ignore_errors=True)
            records[name].append(record)
            if record["ok"]:
                walls[name] = record["wall"]
            else:
                failed[name] = record
        rounds.append(walls)
    summary = {}
    for name in names:
        summary[name] = _summary(records[name]) if records[name] else {"ok": False, "n": 0}
        if name in failed and "error" not in summary[name]:
            summary[name]["error"] = failed[name].get("error", "failed")
            summary[name]["ok"] = False
    summary["rounds"] = rounds
    return summary


def bench_show_config(frame: str, repeat: int) -> dict:
    """(c): ``processFile.py FRAME --show config`` (one warm-up)."""
    cmd = processfile_command() + [frame, "--show", "config"]
    warm = run_child(cmd)
    if not warm["ok"]:
        return _summary([warm])
    return _summary([run_child(cmd) for _ in range(repeat)])


def bench_numba_cold(frame: str, refcat: str | None, work: Path) -> dict:
    """(d): one run with an empty ``NUMBA_CACHE_DIR``, then one with the cache it filled."""
    cache = work / "numba-cache-cold"
    cache.mkdir()
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    out: dict = {}
    for label in ("cold", "warm"):
        outdir = work / f"numba-{label}"
        cmd = processfile_command() + [frame, "--output", str(outdir)]
        if refcat:
            cmd += ["--refcat", refcat]
        record = run_child(cmd, env=env)
        out[label] = {"ok": record["ok"], "wall": record.get("wall"),
                      "maxrss": record.get("maxrss")}
        if not record["ok"]:
            out[label]["error"] = record.get("error")
        if label == "cold":
            log = (record.get("stdout", "") + record.get("stderr", "")).lower()
            out["says_compiling"] = "compil" in log
        shutil.rmtree(outdir, ignore_errors=True)
        if not record["ok"]:
            break
    out["cache_files"] = sum(1 for _ in cache.rglob("*.nbi"))
    return out


# --------------------------------------------------------------------------------------------
# frame, targets, report
# --------------------------------------------------------------------------------------------
def find_frame(args: argparse.Namespace, work: Path) -> tuple[str, str | None, float, str]:
    """``(frame, refcat or None, peer PSF sigma, description)``."""
    if args.frame:
        return args.frame, args.refcat, args.psf_sigma or SDSS_PSF_SIGMA, "given"
    try:
        from lsstlite.testing import sdss_dir

        sdss = sdss_dir()
    except Exception:  # noqa: BLE001 - fall back to the simulator's failure message
        sdss = None
    if sdss is not None and (sdss / SDSS_FRAME[0] / SDSS_FRAME[1]).is_file():
        refcat = args.refcat or (str(sdss / "refcat") if (sdss / "refcat").is_dir() else None)
        return str(sdss / SDSS_FRAME[0] / SDSS_FRAME[1]), refcat, args.psf_sigma or SDSS_PSF_SIGMA, \
            "shared SDSS r frame"
    frame, refcat = work / "sim.fits", work / "sim-refcat"
    record = run_child([sys.executable, "-m", "lsstlite.sim", str(frame), "--refcat", str(refcat)])
    if not record["ok"]:
        sys.exit(f"run.py: no SDSS data and the simulator failed: {record['error']}")
    sigma = args.psf_sigma
    if not sigma:
        try:
            from lsstlite.sim.frame import SimConfig

            sigma = SimConfig().fwhm / FWHM_PER_SIGMA
        except Exception:  # noqa: BLE001
            sigma = SDSS_PSF_SIGMA
    return str(frame), str(refcat), sigma, "simulated (lsstlite.sim, seed 0; SDSS data absent)"


def evaluate_targets(figures: dict) -> dict:
    out = {}
    for name, (what, op, limit) in TARGETS.items():
        value = figures.get(name)
        if value is None:
            verdict = None
        elif op == "le":
            verdict = value <= limit
        elif op == "ge":
            verdict = value >= limit
        else:
            verdict = value == limit
        entry = {"what": what, "value": value, "limit": limit, "op": op, "pass": verdict}
        if isinstance(value, (int, float)) and not isinstance(value, bool) and verdict is False:
            entry["missed_by"] = value / limit if op == "le" else limit / value
        out[name] = entry
    return out


def measurement_per_600(inproc: dict) -> float | None:
    """Calibrate's measurement time (median, ms) scaled to 600 sources, or None."""
    wall = inproc.get("methods", {}).get(MEASUREMENT_METHOD, {}).get("wall")
    n = inproc.get("nsources")
    return wall * 1e3 * 600.0 / n if wall and n else None


def ensure_bytecode() -> str:
    """Compile lsstlite's modules to bytecode, as ``pip install .`` does at install time.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile every
    module from source in every timed process (~0.15 s); a user's installed copy never does.
    Returns a one-line description for the report.
    """
    import compileall
    import importlib.util

    package = Path(importlib.util.find_spec("lsstlite").origin).parent
    ok = compileall.compile_dir(str(package), quiet=1)
    return f"{package}: bytecode {'up to date' if ok else 'NOT compiled (see errors above)'}"


def whole_process_parts(report: dict) -> dict[str, float]:
    """Where lsstlite's whole-process median goes, from the in-process figures of (a).

    ``imports`` (of the pipeline module), ``first calls`` (what the first read/run/write cost
    beyond the warm ones: Numba's initialisation and cache loads, imports done on first use),
    ``warm read+run+write``, and the rest (interpreter start-up and exit, argument parsing,
    config and schema files). Empty when a figure is missing.
    """
    inproc, lss = report["inprocess"], report["whole_process"].get("lsstlite", {})
    first = inproc.get("first_call") or {}
    keys = ("read", "run", "write")
    if not lss.get("wall") or inproc.get("import_s") is None or any(
            inproc.get(k) is None or first.get(k) is None for k in keys):
        return {}
    warm = sum(inproc[k] for k in keys)
    parts = {"imports": inproc["import_s"], "first calls": sum(first[k] for k in keys) - warm,
             "warm read+run+write": warm}
    parts["the rest"] = lss["wall"] - sum(parts.values())
    return parts


def startup_explanation(whole: dict) -> str | None:
    """Why lsstlite's whole process is slower than the sep peer, from this run's medians.

    Compares lsstlite's fixed start-up (``bench/startup.py``: interpreter, imports, Numba
    initialisation, no pixels) with sep's whole process, and the rest of each run (lsstlite's
    whole process minus its start-up; sep's minus its imports). None when a figure is missing.
    """
    lss, start, sep = (whole.get(k, {}) for k in ("lsstlite", STARTUP, "sep"))
    stages, sep_stages = start.get("stages") or {}, sep.get("stages") or {}
    if not (lss.get("wall") and start.get("wall") and sep.get("wall") and stages
            and "imports" in sep_stages):
        return None
    numba = sum(v for k, v in stages.items() if k.startswith("numba"))
    return (f"lsstlite's start-up alone (interpreter, imports, Numba initialisation; no pixels) "
            f"takes {start['wall']:.3f} s = {start['wall'] / sep['wall']:.2f}x sep's whole "
            f"process; {numba:.3f} s of it is Numba (import, initialisation, one cached kernel), "
            f"which sep's run does not load. The rest of lsstlite's run (pixels, "
            f"the other kernels' cache loads, all outputs) takes {lss['wall'] - start['wall']:.3f}"
            f" s against sep's {sep['wall'] - sep_stages['imports']:.3f} s after its imports")


def _fmt(value, unit: str = "s", scale: float = 1.0, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value * scale:.{digits}f} {unit}".strip()


STAGE_ORDER = ("isr", "charImage", "calibrate")


def _method_order(name: str) -> tuple:
    """Sort ``task.path:method`` as a tree, the pipeline's stages in run order."""
    task, _, method = name.partition(":")
    parts = task.split(".")
    keys = tuple((STAGE_ORDER.index(p) if p in STAGE_ORDER else len(STAGE_ORDER), p)
                 for p in parts)
    return keys, (0 if method == "run" else 1, method)


def print_report(report: dict) -> None:
    w = sys.stdout.write
    meta = report["meta"]
    w(f"\nlsstlite benchmark - {meta['frame_kind']}: {meta['frame']}\n")
    w(f"{meta['cpus']} CPUs, Python {meta['python']}, median of {meta['repeat']} after a warm-up; "
      f"ratios from this run\n")
    if meta.get("bytecode"):
        w(f"lsstlite package {meta['bytecode']}\n")

    inproc = report["inprocess"]
    w("\n(a) in-process stages (ProcessFileTask, worker process)\n")
    if inproc.get("error"):
        w(f"    FAILED: {inproc['error']}\n")
    w(f"    import lsstlite.tasks.processFile   {_fmt(inproc.get('import_s'))}\n")
    for key in ("read", "run", "write"):
        w(f"    {key:<36}{_fmt(inproc.get(key))}\n")
    if inproc.get("nsources") is not None:
        w(f"    sources (src, else icSrc)           {inproc['nsources']}\n")
        per600 = measurement_per_600(inproc)
        if per600 is not None:
            w(f"    calibrate measurement               {per600 * inproc['nsources'] / 600:.1f} ms for "
              f"{inproc['nsources']} sources = {per600:.1f} ms per 600\n")
    methods = inproc.get("methods", {})
    if methods:
        w("    @timeMethod records (task:method, median wall; the subtasks of run first)\n")
    for name in sorted(methods, key=_method_order):
        value = methods[name]
        task, _, method = name.partition(":")
        label = "  " * task.count(".") + f"{task.rsplit('.', 1)[-1]}:{method}"
        calls = value["calls"]
        w(f"      {label:<44}{_fmt(value['wall']):>10}  (cpu {_fmt(value['cpu'])}, "
          f"{calls} call{'s' if calls != 1 else ''})\n")
    if inproc.get("first_call"):
        first = inproc["first_call"]
        w(f"    first call (warm-up): read {_fmt(first.get('read'))}, run {_fmt(first.get('run'))}, "
          f"write {_fmt(first.get('write'))}\n")

    whole = report["whole_process"]
    w("\n(b, e, f) whole process, alternating runs\n")
    w(f"    {'':<12}{'median':>10}{'min':>10}{'cpu':>10}{'peak RSS':>12}{'sources':>9}\n")
    for name in ("lsstlite", STARTUP, "sep", "photutils"):
        s = whole.get(name, {})
        if s.get("n"):
            w(f"    {name:<12}{s['wall']:>9.3f}s{s['wall_min']:>9.3f}s{s['cpu']:>9.3f}s"
              f"{s['maxrss'] / MB:>9.0f} MB{s.get('nsources') or '':>9}\n")
        if s.get("error"):
            w(f"    {name:<12}FAILED: {s['error']}\n")
    for name in (STARTUP, "sep", "photutils"):
        stages = whole.get(name, {}).get("stages")
        if stages:
            w(f"    {name} stages: " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in stages.items())
              + "\n")
    ratios = report["ratios"]
    for key, text in (("lsstlite_over_sep", "lsstlite / sep"),
                      ("photutils_over_lsstlite", "photutils / lsstlite"),
                      ("photutils_over_sep", "photutils / sep")):
        if ratios.get(key) is not None:
            per_round = ratios.get(key + "_per_round")
            extra = f" (median of per-round ratios {per_round:.2f})" if per_round else ""
            w(f"    {text:<24}{ratios[key]:.2f}x{extra}\n")
    parts = whole_process_parts(report)
    if parts:
        w("    lsstlite's median, accounted from (a): "
          + ", ".join(f"{k} {v:.3f} s" for k, v in parts.items()) + "\n")
        if parts["the rest"] < 0:
            w("      (negative rest: the first calls of (a) cost more than in the program, which "
              "runs with Python's automatic GC off and (a)'s worker with it on)\n")

    show = report["show_config"]
    w("\n(c) processFile.py FRAME --show config\n")
    w(f"    {'FAILED: ' + show['error'] if show.get('error') else _fmt(show.get('wall'))}\n")

    cold = report["numba_cache"]
    w("\n(d) Numba cache (NUMBA_CACHE_DIR = new empty directory)\n")
    for label in ("cold", "warm"):
        c = cold.get(label)
        if c:
            text = (f"{_fmt(c.get('wall'))}  (peak RSS {c['maxrss'] / MB:.0f} MB)" if c["ok"]
                    else f"FAILED: {c.get('error')}")
            w(f"    {label} run{'':<8}{text}\n")
    if cold.get("cold", {}).get("ok"):
        w(f"    cold run log mentions compiling: {cold['says_compiling']}; "
          f"{cold.get('cache_files', 0)} cache index files written\n")

    w("\ntargets\n")
    for name, t in report["targets"].items():
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
        value = t["value"]
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        extra = f"  (missed by {t['missed_by']:.2f}x)" if "missed_by" in t else ""
        sign = {"le": "<=", "ge": ">=", "eq": "=="}[t["op"]]
        w(f"    {verdict}  {t['what']}: {shown} {sign} {t['limit']}{extra}\n")
        if t.get("why"):
            w(f"          why: {t['why']}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frame", help="FITS frame (default: the shared SDSS r frame, else a "
                                        "simulated one)")
    parser.add_argument("--refcat", help="reference catalogue for --frame (default: the SDSS "
                                         "refcat / the simulated one)")
    parser.add_argument("--psf-sigma", type=float, default=0.0,
                        help="peer detection smoothing sigma in pixels (default 1.1 for SDSS r, "
                             "the simulator's FWHM / 2.355 for a simulated frame)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (default 5)")
    parser.add_argument("--json", help="write every figure and the targets to this JSON file")
    parser.add_argument("--skip", nargs="+", action="extend", default=[],
                        choices=["inprocess", "whole", "show", "numba", "sep", "photutils"],
                        help="skip some measurements (repeatable: --skip a --skip b = --skip a b)")
    parser.add_argument("--processfile", metavar="PATH",
                        help="processFile.py to run (default: the one installed with this Python)")
    parser.add_argument("--inprocess-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inprocess_worker:
        inprocess_worker(*json.loads(args.inprocess_worker))
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    if args.processfile:
        PROCESSFILE[:] = [args.processfile]

    with tempfile.TemporaryDirectory(prefix="lsstlite-bench-") as tmp:
        work = Path(tmp)
        frame, refcat, psf_sigma, kind = find_frame(args, work)
        report: dict = {"meta": {"frame": frame, "frame_kind": kind, "refcat": refcat,
                                 "peer_psf_sigma": psf_sigma, "repeat": args.repeat,
                                 "cpus": os.cpu_count(), "python": platform.python_version(),
                                 "machine": platform.platform(),
                                 "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}}
        report["meta"]["bytecode"] = ensure_bytecode()
        print(f"benchmarking {frame} ({kind}), {args.repeat} repeats ...", flush=True)

        report["inprocess"] = ({"ok": False, "error": "skipped"} if "inprocess" in args.skip
                               else bench_inprocess(frame, refcat, args.repeat, work))
        print("  (a) in-process done", flush=True)

        def lsstlite_cmd(outdir: Path) -> list[str]:
            cmd = processfile_command() + [frame, "--output", str(outdir)]
            return cmd + ["--refcat", refcat] if refcat else cmd

        def peer_cmd(name: str):
            return lambda outdir: [sys.executable, str(PEERS[name]), frame, str(outdir),
                                   "--psf-sigma", str(psf_sigma)]

        commands = {}
        if "whole" not in args.skip:
            commands["lsstlite"] = lsstlite_cmd
            commands[STARTUP] = lambda outdir: [sys.executable, str(BENCH_DIR / "startup.py")]
        for name in ("sep", "photutils"):
            if name not in args.skip:
                commands[name] = peer_cmd(name)
        report["whole_process"] = bench_whole(commands, args.repeat, work) if commands else {}
        print("  (b, e, f) whole process done", flush=True)
        report["show_config"] = ({"ok": False, "error": "skipped"} if "show" in args.skip
                                 else bench_show_config(frame, args.repeat))
        report["numba_cache"] = ({} if "numba" in args.skip
                                 else bench_numba_cold(frame, refcat, work))

    whole = report["whole_process"]
    ratios: dict = {}

    def ratio(num: str, den: str) -> None:
        a, b = whole.get(num, {}), whole.get(den, {})
        if a.get("wall") and b.get("wall"):
            ratios[f"{num}_over_{den}"] = a["wall"] / b["wall"]
            per = [r[num] / r[den] for r in whole.get("rounds", []) if num in r and den in r]
            ratios[f"{num}_over_{den}_per_round"] = statistics.median(per) if per else None

    ratio("lsstlite", "sep")
    ratio("photutils", "lsstlite")
    ratio("photutils", "sep")
    report["ratios"] = ratios
    lss = whole.get("lsstlite", {})
    cold = report["numba_cache"].get("cold", {})
    figures = {
        "whole_process_vs_sep": ratios.get("lsstlite_over_sep"),
        "photutils_vs_lsstlite": ratios.get("photutils_over_lsstlite"),
        "inprocess_pipeline_s": report["inprocess"].get("run"),
        "show_config_s": report["show_config"].get("wall"),
        "peak_rss_mb": lss["maxrss"] / MB if lss.get("maxrss") else None,
        "cold_first_run_s": cold.get("wall") if cold.get("ok") else None,
        "cold_run_says_compiling": report["numba_cache"].get("says_compiling")
        if cold.get("ok") else None,
        "measurement_ms_per_600": measurement_per_600(report["inprocess"]),
    }
    report["targets"] = evaluate_targets(figures)
    why = startup_explanation(whole)
    for name in ("whole_process_vs_sep", "photutils_vs_lsstlite"):
        if why and report["targets"][name]["pass"] is False:
            report["targets"][name]["why"] = why
    report["whole_process_parts"] = whole_process_parts(report)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
