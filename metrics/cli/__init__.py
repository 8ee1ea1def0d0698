"""The command line: ``python -m metrics COMMAND ...``, or ``tension COMMAND ...`` once installed.

The only package that parses arguments. Each module registers one group of commands
(``register(subparsers)``), calling the library with plain parameters; options several commands
share are declared once in ``options``. ``main(argv)`` is testable in-process: a command reports
bad input by raising ``metrics.errors.MetricsError``, printed here once as ``error: ...`` with
the error's exit code.
"""

from __future__ import annotations

import argparse
import gc
import sys

from metrics import __version__, settings
from metrics.cli import bench, corrections, db, score, validate, web
from metrics.cli.options import apply_actors, say
from metrics.errors import MetricsError
from metrics.output import terminal_safe

PROG = "python -m metrics"

# The groups of commands, in the order ``--help`` lists them.
COMMANDS = (score, db, corrections, web, validate, bench)


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Options given before COMMAND; ``apply_global_options`` acts on them before any command runs."""
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--setting", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"), dest="settings",
        help="set a setting for this run, e.g. --setting max_file_mb 50 (repeatable; the settings, "
        "their defaults and meaning are listed at the end of this help)",
    )


def settings_help() -> str:
    """Every setting with its default, unit and meaning: ``--help`` is complete on its own (an
    installed copy has no README to point at)."""
    width = max(len(x.name) for x in settings.SETTINGS)
    lines = ["settings (--setting NAME VALUE):"]
    for x in settings.SETTINGS:
        lines.append(f"  {x.name:<{width}}  {x.default:,} {x.unit}: {x.help}")
    return "\n".join(lines)


def apply_global_options(args: argparse.Namespace) -> None:
    """What every command needs set up from the global options and the environment."""
    settings.apply_pairs(args.settings)  # defaults, then --setting NAME VALUE
    apply_actors(args)


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Relations-tension index: score news articles for tension between two countries.",
        epilog=settings_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMANDS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its one-line usage error
        return int(exc.code or 0)
    try:
        apply_global_options(args)
        return int(args.func(args) or 0)
    except MetricsError as err:
        say(f"error: {terminal_safe(err)}")
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def tune_gc() -> None:
    """For a command's own process (``python -m metrics``, ``tension``), not for a program that
    imports the library: a command allocates millions of short-lived tuples and lists, freed by
    reference counting, while the cycle collector's default pace (a collection every 700
    allocations, the older ones rescanning every object pandas and numpy created at import)
    cost a few percent of a large ``score``; frozen and paced at 10,000, a quarter of that
    (bench/RESULTS.md). Peak memory is the same."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def tension() -> int:
    """The ``tension`` console script: ``python -m metrics`` under its installed name."""
    tune_gc()
    return main(prog="tension")
