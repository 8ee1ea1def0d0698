"""The command line: ``python -m metrics COMMAND ...``. ``main(argv)`` is testable in-process."""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import __version__, settings
from .dyad import DEFAULT_DYAD, ENV_ACTORS, parse_dyad, set_actors
from .engine import PartitionedParquetWriter, add_engine_options, open_engine, score_batch
from .errors import InputError, MetricsError
from .extract import Article, Extractor
from .lexicon import default_lexicon, load_weights
from .output import FORMATS, TableWriter, infer_format, terminal_safe
from .readers import ReadOptions, read_paths
from .scoring import explain, prepare, versions
from .store import features_version

# Commands defined in their own modules; each module has ``register(subparsers)``.
COMMAND_MODULES: list[str] = ["storecmd", "fetchcmd", "validation", "bench"]


def add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-column", default="text", metavar="C", help="table column with the article text (default: text)")
    p.add_argument("--id-column", metavar="C", help="table column with the article id (default: id if present, else a content hash)")
    p.add_argument("--date-column", metavar="C", help="table column with the date (default: date if present, else the text's dateline)")
    p.add_argument("--title-column", metavar="C", help="table column with the title (default: title if present, else the first line)")
    p.add_argument("--day-first", action="store_true", help="read slashed dates as day/month/year (default: US month/day/year)")
    p.add_argument("--max-size", type=float, metavar="MB",  # None: the setting max_file_mb
                   help=f"refuse files larger than this, checked before reading (default: max_file_mb, {settings.DEFAULTS['max_file_mb']:g})")
    p.add_argument("--max-pdf-pages", type=int, metavar="N",
                   help=f"refuse PDFs with more pages (default: max_pdf_pages, {settings.DEFAULTS['max_pdf_pages']})")
    p.add_argument("--verbose", action="store_true", help="name each file skipped in a folder (unsupported type)")


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


def add_scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dyad", default=DEFAULT_DYAD, metavar="A-B",
        help="pair of countries a passage must concern, as two codes (US-CN, RU-UA, ...), or 'none' to count every passage (default: US-CN)",
    )
    p.add_argument("--weights", metavar="FILE", help="JSON or YAML file mapping cue id to weight; ids it omits keep their defaults")
    add_actors_option(p)


def add_actors_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--actors", metavar="FILE",
        help="YAML file in data/countries.yaml's format adding or overriding actors (countries, their names, "
             f"officials and institutions; pair phrases; third parties); default: ${ENV_ACTORS} if set",
    )


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


class Reporter:
    """Prints one line per bad input on stderr and remembers that something failed."""

    def __init__(self) -> None:
        self.failed = 0

    def error(self, message: str) -> None:
        self.failed += 1
        print(f"error: {terminal_safe(message)}", file=sys.stderr)

    def articles(self, items: Iterable[Article | InputError]) -> Iterator[Article]:
        for item in items:
            if isinstance(item, InputError):
                self.error(str(item))
            else:
                yield item


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for a in items:
        batch.append(a)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def progress(items: Iterable, quiet: bool, unit: str = " articles") -> Iterable:
    if quiet:
        return items
    from tqdm import tqdm

    # The bar appears only once a run has lasted progress_delay_seconds: short runs stay silent.
    return tqdm(items, unit=unit, file=sys.stderr, delay=settings.get("progress_delay_seconds"), mininterval=0.5)


def cmd_score(args: argparse.Namespace) -> int:
    lexicon = default_lexicon()
    dyad = parse_dyad(args.dyad)
    weights = load_weights(args.weights, lexicon) if args.weights else None
    fmt = infer_format(args.output, args.format)
    rep = Reporter()
    options = read_options(args)
    articles = progress(rep.articles(read_paths(args.paths, options)), args.quiet)
    with open_engine(args.engine, args.scheduler) as engine:
        # With dask, -o X.parquet is a folder of part files, one per batch (metrics/engine.py).
        parts = engine.name == "dask" and fmt == "parquet" and args.output
        meta = versions(lexicon)  # in a Parquet file's metadata
        writer = PartitionedParquetWriter(args.output, meta) if parts else TableWriter(args.output, fmt, meta)
        try:
            for table in engine.map(score_batch, _batches(articles, settings.get("score_batch")), dyad.name, weights, features_version(lexicon)):
                writer.write(table)
        finally:
            writer.close()
    report_skipped(options, args.verbose)
    if writer.rows == 0 and not rep.failed:
        rep.error("no articles found in " + ", ".join(args.paths))
    return 1 if rep.failed else 0


def _format_explain(doc: dict, show_all: bool) -> str:
    t = doc["tension"]
    lines = [
        f"{terminal_safe(doc['title'] or doc['id'])}",
        f"  id {doc['id']}   date {doc['date'] or 'unknown'}   pair {doc['dyad']}",
        f"  tension {'n/a (no passage concerns the pair)' if t is None else f'{t:+.1f}'}   raw {doc['raw']:+.3f}",
        "",
    ]
    for p in doc["passages"]:
        if not show_all and not p["cues"] and abs(p["contribution"]) < 0.05:
            continue
        rel = "" if p["relevance"] == 1 else f" (relevance {p['relevance']:g})"
        # A passage may span wrapped lines: shown on one line, with any control character escaped.
        lines.append(f"[{p['contribution']:+.2f}] #{p['index']}{rel} {terminal_safe(' '.join(p['text'].split()))}")
        if p["tone_contribution"]:
            lines.append(f"         tone {p['tone']:+.2f} -> {p['tone_contribution']:+.2f}")
        for c in p["cues"]:
            flags = "".join([" negated" if c["negated"] else "", " hedged" if c["hedged"] else ""])
            who = f" {c['source'] or '?'} -> {c['target'] or '?'}"
            if not c["between_pair"]:
                who += " (not between the pair)"
            lines.append(
                f"         {c['id']:<18} \"{terminal_safe(' '.join(c['matched'].split()))}\"{who} weight {c['weight']:g}{flags} -> {c['contribution']:+.2f}"
            )
    return "\n".join(lines)


def cmd_explain(args: argparse.Namespace) -> int:
    lexicon = default_lexicon()
    dyad = parse_dyad(args.dyad)
    weights = load_weights(args.weights, lexicon) if args.weights else None
    rep = Reporter()
    options = read_options(args)
    articles = list(rep.articles(read_paths([args.path], options)))
    report_skipped(options, args.verbose)
    if args.id:
        articles = [a for a in articles if a.id == args.id]
        if not articles:
            rep.error(f"{args.path}: no article with id '{args.id}'")
    if not articles:
        if not rep.failed:
            rep.error(f"{args.path}: no article to explain")
        return 1
    prep = prepare(Extractor(lexicon).extract_many(articles), dyad, lexicon)
    docs = [explain(prep, i, weights) for i in range(len(articles))]
    if args.format == "json":
        json.dump(docs[0] if len(docs) == 1 else docs, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n\n".join(_format_explain(d, args.all) for d in docs))
    return 1 if rep.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m metrics",
        description="Relations-tension index: score news articles for tension between two countries.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    settings.add_setting_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("score", help="score articles: one row per article", description=(
        "Score articles (.txt, .md, .html, .htm, .pdf, .docx files, folders, or .csv/.tsv/.jsonl tables with one article per row). "
        "Writes id, date, title, source, tension (-100..100, higher is more tension), raw, passages, "
        "relevant_passages and top_cues."))
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")
    p.add_argument("--format", choices=FORMATS, help="output format (default: from OUT's suffix, else csv)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_scoring_options(p)
    add_input_options(p)
    add_engine_options(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("explain", help="show an article's passages and the cues behind its score")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--id", help="with a table or folder: only the article with this id")
    p.add_argument("--all", action="store_true", help="text format: show passages that moved nothing too")
    add_scoring_options(p)
    add_input_options(p)
    p.set_defaults(func=cmd_explain)

    for name in COMMAND_MODULES:
        importlib.import_module(f"metrics.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its one-line usage error
        return int(exc.code or 0)
    try:
        settings.apply_cli(args)  # defaults, then --setting NAME VALUE
        apply_actors(args)
        return int(args.func(args) or 0)
    except MetricsError as err:
        print(f"error: {terminal_safe(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
