"""Accuracy report of lsstlite: ``python validation/run.py [--out DIR] [--seeds N]``.

Writes ``DIR/report.md`` and its PNG figures, and prints one PASS/FAIL line per target. Every
figure is computed by this run (simulated frames are simulated and processed anew; the SDSS
frames, when present, are processed anew).
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="validation-report", help="output directory (default %(default)s)")
    parser.add_argument("--seeds", type=int, default=5, help="simulated seeds (default %(default)s)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed (default %(default)s)")
    parser.add_argument("--skip", choices=["simulated", "sdss"], action="append", default=[],
                        help="skip a section")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the pipeline's INFO log")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, not {args.seeds}")

    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(name)s %(message)s")
    import matplotlib

    matplotlib.use("Agg")
    import lsstlite
    from lsstlite.testing import sdss_dir

    import sdss
    import simulated
    from report import Report

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = Report(out)
    start = time.perf_counter()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    sdss_root = sdss_dir()
    sdss_note = f"SDSS data: {sdss_root}" if sdss_root else "SDSS data: absent (section skipped)"
    if "simulated" not in args.skip:
        with tempfile.TemporaryDirectory(prefix="lsstlite-validation-") as work:
            results = []
            for seed in seeds:
                t0 = time.perf_counter()
                results.append(simulated.run_seed(seed, Path(work)))
                print(f"seed {seed}: processed in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        simulated.analyse(results, report)
    if "sdss" not in args.skip:
        if sdss_root is None:
            report.text("## (b) SDSS frames\n\nSkipped: the shared SDSS data were not found "
                        "(`LSSTLITE_TESTDATA` or `../shared/data`).")
        else:
            t0 = time.perf_counter()
            sdss.analyse(sdss.run_bands(sdss_root), report)
            print(f"SDSS: processed in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    elapsed = time.perf_counter() - start
    preamble = (f"# lsstlite accuracy report\n\nlsstlite {getattr(lsstlite, '__version__', '?')}, Python "
                f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M:%S')}; command `python "
                f"validation/run.py {' '.join(argv if argv is not None else sys.argv[1:])}`; {len(seeds)} seeds; "
                f"{sdss_note}; {elapsed:.0f} s. Every number below was computed by this run. "
                "`validation/README.md` explains each section.\n")
    path = report.write(preamble)
    for target in report.targets:
        print(target.line())
    passed = sum(t.passed for t in report.targets)
    print(f"{passed}/{len(report.targets)} targets passed; report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
