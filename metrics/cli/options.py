"""Options several commands share, each declared once, and the helpers that turn them into the
library's plain parameters (``ReadOptions``, the gazetteer, a progress bar, error lines)."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from metrics import settings
from metrics.errors import InputError, MetricsError
from metrics.events.dyad import DEFAULT_DYAD, ENV_ACTORS, set_actors
from metrics.model import Article
from metrics.ops.engine import ENGINES
from metrics.output import terminal_safe
from metrics.read.readers import ReadOptions
from metrics.resources import ENV_DB

DYAD_HELP = (
    "pair of countries a passage must concern, as two codes (US-CN, RU-UA, ...), or 'none' to count every passage "
    "(default: US-CN)"
)
WEIGHTS_HELP = "JSON or YAML file mapping cue id to weight; ids it omits keep their defaults"
TEXT_COLUMN_HELP = "table column with the article text (default: text)"
VERBOSE_HELP = "name each file skipped in a folder (unsupported type)"


# --------------------------------------------------------------------------- declarations


def add_dyad_option(p: argparse.ArgumentParser, default: str = DEFAULT_DYAD, help: str = DYAD_HELP) -> None:
    p.add_argument("--dyad", default=default, metavar="A-B", help=help)


def add_weights_option(p: argparse.ArgumentParser, help: str = WEIGHTS_HELP) -> None:
    p.add_argument("--weights", metavar="FILE", help=help)


def add_actors_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--actors", metavar="FILE",
        help="YAML file in data/countries.yaml's format adding or overriding actors (countries, their names, "
             f"officials and institutions; pair phrases; third parties); default: ${ENV_ACTORS} if set",
    )


def add_scoring_options(p: argparse.ArgumentParser, dyad_default: str = DEFAULT_DYAD, dyad_help: str = DYAD_HELP,
                        weights_help: str = WEIGHTS_HELP) -> None:
    """``--dyad``, ``--weights`` and ``--actors``: what a score depends on besides the text."""
    add_dyad_option(p, dyad_default, dyad_help)
    add_weights_option(p, weights_help)
    add_actors_option(p)


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", metavar="FILE|URL",
        help=f"SQLite database file or postgresql:// URL (default: ${ENV_DB} if set, else data/tension.db)",
    )


def add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine", choices=ENGINES, default="local",
        help="local: this process; dask: a dask.distributed cluster (default: local)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="with --engine dask: the scheduler of a running cluster, e.g. tcp://host:8786 "
        "(default: start a local cluster with one worker process per CPU core)",
    )


def add_quiet_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_verbose_option(p: argparse.ArgumentParser, help: str = VERBOSE_HELP) -> None:
    p.add_argument("--verbose", action="store_true", help=help)


def add_text_column_option(p: argparse.ArgumentParser, help: str = TEXT_COLUMN_HELP) -> None:
    p.add_argument("--text-column", default="text", metavar="C", help=help)


def add_input_options(p: argparse.ArgumentParser) -> None:
    """How files, folders and tables are read: ``read_options(args)`` turns them into ``ReadOptions``."""
    add_text_column_option(p)
    p.add_argument("--id-column", metavar="C", help="table column with the article id (default: id if present, else a content hash)")
    p.add_argument("--date-column", metavar="C", help="table column with the date (default: date if present, else the text's dateline)")
    p.add_argument("--title-column", metavar="C", help="table column with the title (default: title if present, else the first line)")
    p.add_argument("--day-first", action="store_true", help="read slashed dates as day/month/year (default: US month/day/year)")
    p.add_argument("--max-size", type=float, metavar="MB",  # None: the setting max_file_mb
                   help=f"refuse files larger than this, checked before reading (default: max_file_mb, {settings.DEFAULTS['max_file_mb']:g})")
    p.add_argument("--max-pdf-pages", type=int, metavar="N",
                   help=f"refuse PDFs with more pages (default: max_pdf_pages, {settings.DEFAULTS['max_pdf_pages']})")
    add_verbose_option(p)


def at_least(low: float, kind: type = int):
    """An argparse type: a number of ``kind`` no smaller than ``low`` (argparse prints one line)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {text}")
        return value

    return parse


# --------------------------------------------------------------------------- applications


def apply_actors(args: argparse.Namespace) -> None:
    """Switch the gazetteer to the shipped one plus ``--actors`` (or $TENSION_ACTORS)."""
    path = getattr(args, "actors", None) or os.environ.get(ENV_ACTORS) or None
    if path and getattr(args, "engine", "local") == "dask":
        raise MetricsError("--actors works with --engine local only: dask workers read the shipped gazetteer")
    set_actors(path)


def read_options(args: argparse.Namespace) -> ReadOptions:
    max_mb = settings.get("max_file_mb") if args.max_size is None else args.max_size
    max_pages = settings.get("max_pdf_pages") if args.max_pdf_pages is None else args.max_pdf_pages
    if not math.isfinite(max_mb) or max_mb <= 0 or max_pages <= 0:
        raise MetricsError("--max-size and --max-pdf-pages must be finite positive numbers")
    return ReadOptions(
        max_mb=max_mb,
        max_pdf_pages=max_pages,
        text_column=args.text_column,
        id_column=args.id_column,
        date_column=args.date_column,
        title_column=args.title_column,
        day_first=args.day_first,
    )


def report_skipped(options: ReadOptions, verbose: bool) -> None:
    """One line for the files of unsupported types met in folders; their names with --verbose."""
    n = len(options.skipped)
    if not n:
        return
    kinds = sorted({Path(f).suffix.lower() or "(none)" for f in options.skipped})
    print(f"skipped {n} file{'s' if n != 1 else ''} of unsupported type ({', '.join(kinds)})"
          + ("" if verbose else "; --verbose names them"), file=sys.stderr)
    if verbose:
        for f in options.skipped:
            print(f"skipped: {f}", file=sys.stderr)


class Reporter:
    """Prints one line per bad input on stderr and remembers that something failed."""

    def __init__(self) -> None:
        self.failed = 0

    def error(self, message: str) -> None:
        self.failed += 1
        say(f"error: {terminal_safe(message)}")

    def articles(self, items: Iterable[Article | InputError]) -> Iterator[Article]:
        for item in items:
            if isinstance(item, InputError):
                self.error(str(item))
            else:
                yield item


def plural(n: int, word: str) -> str:
    """``1 page``, ``2 pages``: a count with its noun (a plain English plural, an ``s``)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


_bars: list = []  # the progress bars on the terminal now (at most one)


def say(message: str) -> None:
    """One line on stderr, on a line of its own: above a progress bar that is being drawn
    (tqdm's ``write`` clears the bar, prints, and draws it again), never glued to its end."""
    if _bars:
        _bars[-1].write(message, file=sys.stderr)
    else:
        print(message, file=sys.stderr)


def progress(items: Iterable, quiet: bool, unit: str = " articles") -> Iterable:
    """``items`` with a progress bar on stderr, when stderr is a terminal: piped to a log, a
    bar is a carriage-return-separated run of partial lines that the next message would share."""
    if quiet or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    singular = unit[:-1] if unit.endswith("s") else unit

    class Bar(tqdm):
        @property
        def format_dict(self):  # "1 page", "2 pages": tqdm itself has one unit for every count
            d = super().format_dict
            if d.get("n") == 1:
                d["unit"] = singular
            return d

    def run():
        # The bar appears only once a run has lasted progress_delay_seconds: short runs stay silent.
        bar = Bar(items, unit=unit, file=sys.stderr, delay=settings.get("progress_delay_seconds"), mininterval=0.5)
        _bars.append(bar)
        try:
            yield from bar
        finally:
            _bars.remove(bar)
            bar.close()

    return run()
