"""Command line: ``python -m lsstlite.sim OUT.fits --refcat DIR [--seed N] [--truth TRUTH.fits] ...``."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

from lsstlite.sim.frame import SimConfig

log = logging.getLogger("lsstlite.sim")


class _OneLineParser(argparse.ArgumentParser):
    """Report bad arguments in one line (no usage dump)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parse_size(text: str) -> tuple[int, int]:
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2) or min(parts) < 16:
        msg = f"invalid size {text!r}: use N or WIDTHxHEIGHT with sides >= 16"
        raise argparse.ArgumentTypeError(msg)
    return (parts[0], parts[-1])


def _parse_setting(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    fields = {f.name: f for f in dataclasses.fields(SimConfig)}
    if not sep or name not in fields:
        msg = f"invalid --set {text!r}: use NAME=VALUE with NAME one of {', '.join(fields)}"
        raise argparse.ArgumentTypeError(msg)
    default = getattr(SimConfig(), name)
    try:
        if isinstance(default, bool):
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(value)
            parsed = value.lower() in ("true", "1")
        elif isinstance(default, tuple):
            parsed = tuple(float(v) for v in value.split(","))
            if len(parsed) != len(default):
                raise ValueError(value)
        elif default is None or isinstance(default, float):
            parsed = None if value.lower() == "none" else float(value)
        else:
            parsed = type(default)(value)
    except ValueError:
        msg = f"invalid --set {text!r}: cannot parse {value!r} like the default {default!r}"
        raise argparse.ArgumentTypeError(msg) from None
    return name, parsed


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m lsstlite.sim``."""
    defaults = SimConfig()
    parser = _OneLineParser(
        prog="python -m lsstlite.sim",
        description="Simulate a seeded SDSS-like frame (float32 DN, sky not subtracted) with its truth table "
                    "and an HTM-sharded reference catalogue.")
    parser.add_argument("output", help="image file to write (FITS)")
    parser.add_argument("--refcat", metavar="DIR", help="write the reference catalogue shards into DIR")
    parser.add_argument("--truth", metavar="TRUTH.fits",
                        help="truth file (default: OUTPUT with _truth.fits replacing .fits)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--size", type=_parse_size, metavar="WxH",
                        help=f"frame size (default {defaults.width}x{defaults.height})")
    parser.add_argument("--band", choices=("u", "g", "r", "i", "z"), help=f"filter (default {defaults.band})")
    parser.add_argument("--pure-noise", action="store_true", help="sky and noise only (no objects, CRs, defects)")
    parser.add_argument("--set", dest="settings", type=_parse_setting, action="append", default=[],
                        metavar="NAME=VALUE", help="set any SimConfig parameter, e.g. --set sky=300 "
                        "--set sky_gradient=0,0 (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def _default_truth_path(output: Path) -> Path:
    name = output.name
    for suffix in (".fits.gz", ".fits", ".fit"):
        if name.lower().endswith(suffix):
            return output.with_name(name[: -len(suffix)] + "_truth.fits")
    return output.with_name(name + "_truth.fits")


def main(argv: list[str] | None = None) -> int:
    """Run the simulator command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    output = Path(args.output)
    truth = Path(args.truth) if args.truth else _default_truth_path(output)
    if truth.resolve() == output.resolve():
        parser.error(f"--truth {truth} is the same file as the output image")
    overrides = dict(args.settings)
    if args.size:
        overrides["width"], overrides["height"] = args.size
    if args.band:
        overrides["band"] = args.band
    if args.pure_noise:
        overrides["pure_noise"] = True
    from lsstlite.sim.frame import simulate_frame

    start = time.perf_counter()
    try:
        frame = simulate_frame(args.seed, **overrides)
    except ValueError as error:
        parser.error(str(error))
    try:
        written = frame.write(output, truth, args.refcat)
    except OSError as error:
        print(f"{parser.prog}: error: cannot write outputs: {error}", file=sys.stderr)
        return 1
    for line in written:
        log.info("wrote %s", line)
    log.info("done in %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
