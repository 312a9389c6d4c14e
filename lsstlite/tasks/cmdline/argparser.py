"""The gen2-style argument parser of command-line tasks, for FITS files instead of a butler.

`ArgumentParser.parse_args` applies the package override file, the task's ``applyOverrides``
hook, then ``-c``/``-C``/short config options in command-line order, sets up logging, prints
``--show config|history|tasks`` (touching no input), then resolves inputs, applies ``--id``,
prints ``--show data``, checks the output directory, validates and freezes the config.
Any problem with the command line is one line on stderr and `SystemExit` with status 2.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .inputs import InputError, check_unique_names, parse_id, resolve_inputs, select_inputs
from .logsetup import configure_logging, parse_log_level
from .outputs import FileRepo

__all__ = ["ArgumentParser", "ConfigAlias", "SHOW_CHOICES"]

SHOW_CHOICES = "'config[=GLOB]', 'history=GLOB', 'tasks', 'data', 'run'"

EPILOG = """\
notes:
  * Inputs are FITS files (.fits .fit .fts .fz, optionally .gz) or directories of them.
    Give them first: options such as -c, -C, --id, -L and --show take one or more values,
    so a file name after them is read as one of their values.
  * -c, -C, --id, -L and --show may be repeated; "-c a=1 b=2 -c c=3" is the same as
    "-c a=1 b=2 c=3". -c and -C are applied in command-line order.
  * @file reads more arguments from file: several per line, "#" starts a comment.
    Write "--configfile foo bar", not "--configfile=foo bar".
  * Exit status: 0 all inputs succeeded, 1 an input failed, 2 bad command line or config.
"""


@dataclass(frozen=True)
class ConfigAlias:
    """A short command-line option that sets one config field (``--refcat PATH``).

    Attributes
    ----------
    option : str
        The option, e.g. ``"--refcat"``.
    field : str
        Dotted config field it sets, e.g. ``"calibrate.refcat.path"``.
    metavar : str
        Name of the value in the usage text.
    help : str
        Help text.
    """

    option: str
    field: str
    metavar: str
    help: str


def _apply_override(parser: ArgumentParser, config: Any, text: str, what: str,
                    reraise: tuple[type[Exception], ...] = ()) -> None:
    from lsstlite.config import ConfigError, apply_override

    try:
        apply_override(config, text, label="command line")
    except reraise:
        raise
    except (ConfigError, AttributeError, TypeError, ValueError) as exc:
        parser.error(f"{what}: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class _ConfigValueAction(argparse.Action):
    """``-c name=value ...``: queue each override, applied in command-line order after the
    camera override files (see `ArgumentParser.parse_args`)."""

    def __call__(self, parser, namespace, values, option_string=None):
        for token in values:
            name, sep, _ = token.partition("=")
            if not sep or not name.strip():
                hint = (" (input files go before the options)"
                        if os.path.exists(token) else "")
                parser.error(f"{option_string} value {token!r} must be in the form "
                             f"name=value{hint}")
            namespace.configActions.append(functools.partial(
                _apply_override, parser, namespace.config, token, f"{option_string} {token}"))


def _load_config_file(parser: ArgumentParser, config: Any, path: str) -> None:
    if not os.path.isfile(path):
        parser.error(f"cannot load config file {path!r}: no such file")
    try:
        config.load(path)
    except Exception as exc:  # a user's Python file can raise anything
        parser.error(f"cannot load config file {path!r}: {type(exc).__name__}: "
                     f"{_one_line(exc)}")


class _ConfigFileAction(argparse.Action):
    """``-C file ...``: queue each config override file, applied in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        for path in values:
            if not os.path.isfile(path):
                parser.error(f"cannot load config file {path!r}: no such file")
            namespace.configActions.append(
                functools.partial(_load_config_file, parser, namespace.config, path))


def _apply_alias(parser: ArgumentParser, config: Any, alias: ConfigAlias, value: str,
                 option_string: str) -> None:
    from lsstlite.config import UnknownFieldError

    try:
        _apply_override(parser, config, f"{alias.field}={value}", f"{option_string} {value}",
                        reraise=(UnknownFieldError,))
    except UnknownFieldError:
        parser.error(f"{option_string} sets config field {alias.field}, which this "
                     f"task's config ({type(config).__name__}) does not have")


class _ConfigAliasAction(argparse.Action):
    """A `ConfigAlias` option: ``--refcat PATH`` is ``-c calibrate.refcat.path=PATH``."""

    def __init__(self, *args, alias: ConfigAlias, **kwargs):
        super().__init__(*args, **kwargs)
        self.alias = alias

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.configActions.append(functools.partial(
            _apply_alias, parser, namespace.config, self.alias, values, option_string))


class _LogLevelAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        for text in values:
            try:
                namespace.loglevel.append(parse_log_level(text))
            except ValueError as exc:
                parser.error(f"{option_string} {text}: {exc}")


class _IdAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        try:
            namespace.id.append(parse_id(values))
        except InputError as exc:
            parser.error(str(exc))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"must be a positive integer, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        msg = f"must be a positive number of seconds, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


class ArgumentParser(argparse.ArgumentParser):
    """Command-line parser of a file-based command-line task.

    Parameters
    ----------
    name : str
        Task name (``_DefaultName``); the program is shown as ``<name>.py``.
    aliases : sequence of `ConfigAlias`
        Short options that set config fields.
    defaultLoggers : sequence of str
        Loggers set to INFO (and to a bare ``-L LEVEL``); default ``(name, "lsstlite")``.
    """

    def __init__(self, name: str, aliases: tuple[ConfigAlias, ...] = (),
                 defaultLoggers: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prog", f"{name}.py")
        kwargs.setdefault("usage", "%(prog)s input [options]")
        kwargs.setdefault("description", f"Run {name} on FITS images.")
        super().__init__(fromfile_prefix_chars="@", epilog=EPILOG, allow_abbrev=False,
                         formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)
        self.taskName = name
        self.defaultLoggers = defaultLoggers or (name, "lsstlite")
        self.add_argument("input", nargs="*", metavar="input",
                          help="FITS file, directory of FITS files, or @file of arguments")
        self.add_argument("--output", metavar="DIR",
                          help="output directory (required unless only --show)")
        self.add_argument("--calib", metavar="DIR", help="directory of calibration frames")
        self.add_argument("-c", "--config", nargs="+", action=_ConfigValueAction,
                          metavar="NAME=VALUE", help="config override(s), e.g. -c gain=2")
        self.add_argument("-C", "--configfile", "--config-file", nargs="+",
                          action=_ConfigFileAction, metavar="FILE",
                          help="config override file(s), Python (config.x=...) or YAML")
        for alias in aliases:
            self.add_argument(alias.option, action=_ConfigAliasAction, alias=alias,
                              metavar=alias.metavar, dest=f"alias_{alias.option.lstrip('-')}",
                              help=f"{alias.help} (same as -c {alias.field}={alias.metavar})")
        self.add_argument("-L", "--loglevel", nargs="+", action=_LogLevelAction,
                          metavar="LEVEL|COMPONENT=LEVEL",
                          help="logging level: trace, debug, verbose, info, warn, error, "
                               "fatal; for all task loggers or one component, "
                               "e.g. -L processFile.charImage=debug")
        self.add_argument("--longlog", action="store_true",
                          help="log with ISO time, file and line")
        self.add_argument("--debug", action="store_true",
                          help="debug logging for the task and library, tracebacks of failures")
        self.add_argument("--doraise", action="store_true",
                          help="stop at the first failure and raise (with traceback)")
        self.add_argument("--noExit", action="store_true",
                          help="exit with status 0 even if inputs failed")
        self.add_argument("--profile", metavar="FILE", help="write cProfile statistics to FILE")
        self.add_argument("--show", nargs="+", action="extend", metavar="ITEM", default=[],
                          help=f"show {SHOW_CHOICES}; without 'run' stop after showing")
        self.add_argument("-j", "--processes", type=_positive_int, default=1, metavar="N",
                          help="number of worker processes")
        self.add_argument("-t", "--timeout", type=_positive_float, metavar="SECONDS",
                          help="give up on inputs not finished after this many seconds")
        self.add_argument("--clobber-output", action="store_true",
                          help="delete the output directory first")
        self.add_argument("--clobber-config", action="store_true",
                          help="overwrite a stored config and schemas that differ")
        self.add_argument("--no-backup-config", dest="noBackupConfig", action="store_true",
                          help="with --clobber-config, keep no ~N backup")
        self.add_argument("--id", nargs="*", action=_IdAction, metavar="KEY=V1^V2",
                          help="select HDUs (hdu=1^2) or filter on header keys (FILTER=r^i); "
                               "a..b is a range")

    # --- argparse hooks -----------------------------------------------------------------------
    def convert_arg_line_to_args(self, arg_line: str) -> list[str]:
        """Split a line of an ``@file`` into arguments (shell quoting, ``#`` comments)."""
        return shlex.split(arg_line, comments=True)

    def error(self, message: str):
        """Print one line ``prog: error: message`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")

    # --- parsing ------------------------------------------------------------------------------
    def parse_args(self, config: Any, args: list[str] | None = None,  # type: ignore[override]
                   override: Callable[[Any], None] | None = None,
                   cameraOverrides: Callable[[list[str]], list[Any]] | None = None,
                   inputFilter: Callable[[str], bool] | None = None) -> argparse.Namespace:
        """Parse the command line into a namespace and apply it to ``config``.

        Parameters
        ----------
        config : `lsstlite.config.Config`
            The task's config; modified, validated and (unless only showing) frozen.
        args : list of str, optional
            Default ``sys.argv[1:]``.
        override : callable, optional
            ``override(config)``, applied after the package override file and before ``-c/-C``.
        cameraOverrides : callable, optional
            ``cameraOverrides(inputs) -> [path, ...]``: override files for the cameras the
            input names show (e.g. SDSS fpC frames), applied after ``override`` and before
            ``-c/-C`` (which are applied in command-line order).
        inputFilter : callable, optional
            ``inputFilter(file_name) -> bool``: which FITS files of an input directory are
            inputs (e.g. not SDSS companion files).

        Returns
        -------
        namespace : `argparse.Namespace`
            The options, plus ``config``, ``refs`` (list of `InputRef`), ``repo`` (`FileRepo`
            or None) and ``showOnly`` (True if nothing is to be run).

        Raises
        ------
        SystemExit
            Status 2 for a bad command line or config, 0 after ``-h``.
        """
        args = list(sys.argv[1:] if args is None else args)
        namespace = argparse.Namespace(config=config, loglevel=[], id=[], refs=[], repo=None,
                                       showOnly=False, argv=args, configActions=[])
        self._load_package_overrides(config)
        if override is not None:
            override(config)
        namespace = self.parse_intermixed_args(args, namespace)
        self._check_show(namespace)
        namespace.defaultLoggers = self.defaultLoggers
        namespace.logLevels = ([(None, logging.DEBUG)] if namespace.debug else []) + namespace.loglevel
        configure_logging(self.defaultLoggers, namespace.logLevels, longlog=namespace.longlog)
        if cameraOverrides is not None:
            for path in cameraOverrides(list(namespace.input)):
                logging.getLogger(self.taskName).info("Loading camera config override file %s",
                                                      path)
                config.load(str(path), label="camera override")
        for action in namespace.configActions:
            action()

        from .show import show_config_items

        try:
            show_config_items(config, namespace.show, sys.stdout)
        except ValueError as exc:
            self.error(str(exc))
        wants_data = "data" in namespace.show
        wants_run = not namespace.show or "run" in namespace.show
        if not (wants_data or wants_run):
            namespace.showOnly = True
            return namespace
        if not namespace.input:
            self.error("no input: give FITS files or directories of them (-h for help)")
        if wants_run and not namespace.output:
            self.error("no output directory: use --output DIR (or only --show)")
        try:
            files = resolve_inputs(namespace.input, inputFilter)
            namespace.refs = select_inputs(files, namespace.id)
            check_unique_names(namespace.refs)
        except InputError as exc:
            self.error(str(exc))
        if wants_data:
            for ref in namespace.refs:
                print(ref.path if ref.hdu is None else f"{ref.path}[hdu={ref.hdu}]")
        if not wants_run:
            namespace.showOnly = True
            return namespace
        if namespace.calib is not None and not os.path.isdir(namespace.calib):
            self.error(f"--calib {namespace.calib}: not a directory")
        namespace.repo = FileRepo(namespace.output, namespace.calib)
        self._check_output(namespace)
        self._validate_config(config)
        return namespace

    def _load_package_overrides(self, config: Any) -> None:
        """Load ``lsstlite/config_overrides/<task name>.py`` (or ``.yaml``) if shipped."""
        from importlib import resources

        try:
            folder = resources.files("lsstlite.config_overrides")
        except ModuleNotFoundError:
            return
        for suffix in (".py", ".yaml"):
            candidate = folder / f"{self.taskName}{suffix}"
            if candidate.is_file():
                with resources.as_file(candidate) as path:
                    config.load(str(path), label="package override")

    def _check_show(self, namespace: argparse.Namespace) -> None:
        for item in namespace.show:
            word, _, pattern = item.partition("=")
            if word not in ("config", "history", "tasks", "data", "run"):
                self.error(f"unknown value for --show: {item!r} (choose from {SHOW_CHOICES})")
            if word == "history" and not pattern:
                self.error("--show history needs a pattern, e.g. history=*.doVariance")
            if word in ("tasks", "data", "run") and pattern:
                self.error(f"--show {word} takes no pattern: {item!r}")

    def _check_output(self, namespace: argparse.Namespace) -> None:
        root = namespace.repo.root
        for ref in namespace.refs:
            if Path(ref.path).parent == root:
                self.error(f"output directory {root} holds input {ref.path}; outputs would "
                           "overwrite or be mistaken for inputs: choose another --output")
            if namespace.clobber_output and root in Path(ref.path).parents:
                self.error(f"--clobber-output would delete input {ref.path} inside {root}")
        if namespace.clobber_output and root.exists():
            cwd = Path.cwd().resolve()
            if root in (Path.home().resolve(), Path(root.anchor), cwd) or root in cwd.parents:
                self.error(f"--clobber-output refuses to delete {root}")
            logging.getLogger(self.taskName).info("Deleting output directory %s "
                                                  "(--clobber-output)", root)
            shutil.rmtree(root)

    def _validate_config(self, config: Any) -> None:
        from lsstlite.config import ConfigError

        try:
            config.validate()
        except (ConfigError, ValueError, TypeError) as exc:
            self.error(f"invalid config: {_one_line(exc)}")
        config.freeze()
