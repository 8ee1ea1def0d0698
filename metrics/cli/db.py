"""The database commands: ``ingest``, ``list``, ``remove``, ``restore``, ``log`` and ``export``."""

from __future__ import annotations

import argparse
import getpass
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from metrics.cli.options import (
    Reporter,
    add_actors_option,
    add_db_option,
    add_engine_options,
    add_input_options,
    add_quiet_option,
    add_scoring_options,
    plural,
    progress,
    read_options,
    report_skipped,
    say,
)
from metrics.errors import MetricsError
from metrics.events.dyad import parse_dyad
from metrics.events.lexicon import load_weights
from metrics.ops.engine import extract_stream, open_engine
from metrics.output import TableWriter, terminal_safe, to_csv_text
from metrics.read.readers import read_paths
from metrics.score.scoring import prepare, score_table, versions
from metrics.store import open_store  # light: the store itself is imported when one is opened

if TYPE_CHECKING:
    from metrics.store.core import Store

# The store (sqlite3, its schema) and the export are imported when a database command runs:
# ``score`` and the other commands never open one.

EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl"}
LIST_FORMATS = ("table", "csv", "json")


def _open(args: argparse.Namespace, create: bool) -> Store:
    return open_store(args.db, create=create)


def _who() -> str | None:
    """The activity log's "who" for the command line: the login name."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container without a user entry): not logged
        return None


def cmd_ingest(args: argparse.Namespace) -> int:
    from metrics.store.core import ingest

    options = read_options(args)
    store = _open(args, create=True)
    if store.readonly:
        store.close()
        raise MetricsError(f"{store.path}: the database is read-only (no write access to the file or its folder)")
    rep = Reporter()
    try:
        with open_engine(args.engine, args.scheduler) as engine:
            items = progress(read_paths(args.paths, options), args.quiet, unit=" files")
            if engine.name != "local":
                # Features are extracted on the cluster; the writes stay here (metrics/ops/engine.py).
                items = extract_stream(engine, items, store.features_version, known=lambda a: store.find(a) is not None)
            summary = ingest(store, items, reporter=rep, who=_who())
    finally:
        store.close()
    report_skipped(options, args.verbose)
    if summary.added + summary.present + summary.failed == 0:
        rep.error("no articles found in " + ", ".join(args.paths))
        summary.failed = 1
    print(f"{summary} ({terminal_safe(store.path)})")
    return 1 if summary.failed else 0


def _scores(store: Store, args: argparse.Namespace, include_text: bool = False):
    stale = store.stale()
    if stale:
        say(f"recomputing the features of {plural(stale, 'article')} for the current lexicon...")
    feats = store.features(include_text=include_text, duplicates=True)
    report_unmatched(feats)
    weights = load_weights(args.weights, store.lexicon) if args.weights else None
    prep = prepare(feats, parse_dyad(args.dyad), store.lexicon)
    return prep, weights


def report_unmatched(feats) -> None:
    """One line on stderr when some corrections no longer match their cue (never dropped in silence)."""
    status = getattr(feats, "correction_status", None)
    n = 0 if status is None else int((status["state"] == "unmatched").sum())
    if n:
        print(f"{n} correction{'s' if n != 1 else ''} no longer match their cue (the lexicon or extractor changed) and "
              "are not applied: python -m metrics corrections check", file=sys.stderr)


def _listing(store: Store, args: argparse.Namespace) -> pd.DataFrame:
    prep, weights = _scores(store, args)
    from metrics.store.export import with_duplicate_of

    table = with_duplicate_of(store, score_table(prep, weights)[["id", "date", "title", "source", "tension"]])
    table["date"] = [None if d is None or pd.isna(d) else str(d)[:10] for d in table["date"]]
    return table


def _clip(value: object, width: int, left: bool = False) -> str:
    s = "" if value is None or (isinstance(value, float) and math.isnan(value)) else terminal_safe(value)
    if len(s) <= width:
        return s
    return "..." + s[-(width - 3):] if left else s[: width - 3] + "..."


def cmd_list(args: argparse.Namespace) -> int:
    store = _open(args, create=False)
    try:
        table = _listing(store, args)
    finally:
        store.close()
    if args.format == "json":
        records = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in table.astype(object).where(table.notna(), None).to_dict(orient="records")
        ]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        to_csv_text(table, path_or_buf=sys.stdout)
    else:
        if table.empty:
            print(f"no articles in {store.path} (add some with: python -m metrics ingest FOLDER --db {store.path})",
                  file=sys.stderr)
            return 0
        print(f"{'id':<16}  {'date':<10}  {'tension':>7}  {'title':<50}  source")
        for row in table.itertuples(index=False):
            t = "n/a" if pd.isna(row.tension) else f"{row.tension:+.1f}"
            print(
                f"{terminal_safe(row.id):<16}  {_clip(row.date, 10):<10}  {t:>7}  {_clip(row.title, 50):<50}  {_clip(row.source, 40, left=True)}"
            )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    store = _open(args, create=False)
    try:
        live = set(store.articles()["id"])
        gone = set(store.removed()["id"])
        known = live | gone if args.purge else live
        missing = [i for i in args.ids if i not in known]
        wanted = [i for i in args.ids if i in known]
        n = store.purge(wanted, who=_who()) if args.purge else store.remove(wanted, who=_who())
    finally:
        store.close()
    rep = Reporter()
    for i in dict.fromkeys(missing):
        hint = " (already removed; --purge deletes it for good)" if i in gone else ""
        rep.error(f"no article with id '{i}' in {store.path}{hint}")
    print(f"purged {n}" if args.purge else f"removed {n} (python -m metrics restore ID... brings them back)")
    return 1 if rep.failed else 0


def cmd_restore(args: argparse.Namespace) -> int:
    store = _open(args, create=False)
    try:
        gone = set(store.removed()["id"])
        live = set(store.articles()["id"])
        restored = store.restore([i for i in args.ids if i in gone], who=_who())
    finally:
        store.close()
    rep = Reporter()
    for i in dict.fromkeys(i for i in args.ids if i not in gone):
        why = "is stored, not removed" if i in live else "was never stored or was purged"
        rep.error(f"article '{i}' {why} in {store.path}")
    print(f"restored {restored}")
    return 1 if rep.failed else 0


LOG_COLUMNS = ["at", "who", "action", "id", "title"]


def cmd_log(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit <= 0:
        raise MetricsError("--limit must be positive")
    store = _open(args, create=False)
    try:
        log = store.activity(args.limit)
    finally:
        store.close()
    log = log.astype(object).where(log.notna(), None)
    if args.format == "json":
        json.dump(log.to_dict(orient="records"), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        to_csv_text(log, path_or_buf=sys.stdout)
    elif log.empty:
        print(f"no activity in {store.path}", file=sys.stderr)
    else:
        print(f"{'at':<25}  {'who':<16}  {'action':<7}  {'id':<16}  title")
        for row in log.itertuples(index=False):
            print(f"{row.at:<25}  {_clip(row.who or '-', 16):<16}  {row.action:<7}  {_clip(row.id, 16):<16}  {_clip(row.title, 60)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from metrics.store.export import passage_table, passages_path, with_duplicate_of

    out = Path(args.output)
    fmt = EXPORT_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise MetricsError(f"-o {out}: name the file .csv, .parquet or .jsonl to choose the format")
    if args.events:
        return _export_events(args, out, fmt)
    store = _open(args, create=False)
    try:
        prep, weights = _scores(store, args, include_text=True)
        scores = with_duplicate_of(store, score_table(prep, weights))
    finally:
        store.close()
    pas_out = passages_path(out)
    for path, table in ((out, scores), (pas_out, passage_table(prep, weights))):
        writer = TableWriter(str(path), fmt, versions(prep.lexicon))
        try:
            writer.write(table)
        finally:
            writer.close()
    print(f"wrote {plural(len(prep.features.articles), 'article')} to {out} and "
          f"{plural(len(prep.features.passages), 'passage')} to {pas_out}")
    return 0


def _export_events(args: argparse.Namespace, out: Path, fmt: str) -> int:
    """``export --events``: one row per attributed act (metrics.score.events), CAMEO-coded."""
    from metrics.score.events import EVENTS_SCHEMA, event_table
    from metrics.store.export import with_duplicate_of

    store = _open(args, create=False)
    try:
        prep, weights = _scores(store, args)
        events = with_duplicate_of(store, event_table(prep, weights).rename(columns={"article_id": "id"})).rename(
            columns={"id": "article_id"})
    finally:
        store.close()
    writer = TableWriter(str(out), fmt, {**versions(prep.lexicon), "events_schema": EVENTS_SCHEMA, "dyad": prep.dyad.name})
    try:
        writer.write(events)
    finally:
        writer.close()
    acts = int((events["record_type"] == "act").sum())
    print(f"wrote {acts} acts ({int(events['corrected'].sum())} corrected) and {len(events) - acts} tone rows of "
          f"{events['article_id'].nunique()} articles to {out}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "ingest", help="read articles into the database (each text stored once)",
        description=(
            "Read articles (.txt, .md, .html, .htm, .pdf, .docx files, folders, or .csv/.tsv/.jsonl tables with one "
            "article per row), extract their features and store them, one transaction per article. An article whose "
            "text is already stored is skipped, so running the same command again after an interruption completes "
            "the rest. Prints: added N, already present N, failed N. Exit 0 only when nothing failed."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    add_db_option(p)
    add_quiet_option(p)
    add_input_options(p)
    add_actors_option(p)
    add_engine_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("list", help="list stored articles with their tension",
                       description="List stored articles: id, date, title, source, tension (with --dyad and --weights) and "
                   "duplicate_of (the first stored copy of a syndicated story; json and csv).")
    add_db_option(p)
    p.add_argument("--format", choices=LIST_FORMATS, default="table",
                   help="table (default), csv, or json (an array of objects)")
    add_scoring_options(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("remove", help="remove stored articles by id (restore brings them back)",
                       description=(
                           "Remove articles by id (ids as shown by `list`). They are kept as tombstones, hidden from "
                           "list, export and the dashboard, until `restore` brings them back or --purge deletes them."))
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--purge", action="store_true",
                   help="delete for good, with text and features (also articles removed before)")
    add_db_option(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("restore", help="bring removed articles back",
                       description="Bring back articles removed with `remove` or the dashboard's Delete.")
    p.add_argument("ids", nargs="+", metavar="ID")
    add_db_option(p)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("log", help="show who added, removed, restored or purged what, and when",
                       description="The activity log, latest first: at (UTC), who, action (add, remove, restore, "
                                   "purge), id, title. Who is the dashboard's signed-in user or the command line's login name.")
    add_db_option(p)
    p.add_argument("--limit", type=int, metavar="N", help="only the latest N entries")
    p.add_argument("--format", choices=LIST_FORMATS, default="table",
                   help="table (default), csv, or json (an array of objects)")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser(
        "export", help="write stored articles with scores, and their passages with cues",
        description=(
            "Write two tables: OUT with one row per article (id, date, title, source, tension, raw, passages, "
            "relevant_passages, n_events, mentions, confidence, top_cues, duplicate_of) and OUT's name with .passages before the suffix with one row per passage "
            "(id, passage, start, end, relevance, tone_contribution, cue_contribution, contribution, cues, text). "
            "-o scores.csv writes scores.csv and scores.passages.csv; -o scores.parquet writes Parquet."
        ),
    )
    add_db_option(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="articles file, .csv, .parquet or .jsonl; passages go to OUT.passages.<suffix>")
    p.add_argument("--events", action="store_true",
                   help="write instead one row per attributed act (source, target, cue family, CAMEO code and root, "
                        "Goldstein value, signed contribution, corrected) plus a tone row per article: an article's "
                        "rows add up to its raw score (docs/events-export.md)")
    add_scoring_options(p)
    p.set_defaults(func=cmd_export)
