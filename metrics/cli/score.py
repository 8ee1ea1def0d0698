"""``score`` and ``explain``: read articles, score them, show why."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator

from metrics import settings
from metrics.cli.options import (
    Reporter,
    add_engine_options,
    add_input_options,
    add_quiet_option,
    add_scoring_options,
    progress,
    read_options,
    report_skipped,
)
from metrics.events.dyad import parse_dyad
from metrics.events.extract import Extractor
from metrics.events.lexicon import default_lexicon, load_weights
from metrics.model import Article
from metrics.ops.engine import PartitionedParquetWriter, open_engine, score_batch
from metrics.output import FORMATS, TableWriter, infer_format, terminal_safe
from metrics.read.readers import read_paths
from metrics.score.scoring import explain, prepare, versions


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for a in items:
        batch.append(a)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _features_version(lexicon) -> str:
    from metrics.store.core import features_version  # the store (sqlite3) only for a cluster's check

    return features_version(lexicon)


def cmd_score(args: argparse.Namespace) -> int:
    lexicon = default_lexicon()
    dyad = parse_dyad(args.dyad)
    weights = load_weights(args.weights, lexicon) if args.weights else None
    fmt = infer_format(args.output, args.format)
    rep = Reporter()
    options = read_options(args)
    articles = progress(rep.articles(read_paths(args.paths, options)), args.quiet)
    with open_engine(args.engine, args.scheduler) as engine:
        # With dask, -o X.parquet is a folder of part files, one per batch (metrics/ops/engine.py).
        parts = engine.name == "dask" and fmt == "parquet" and args.output
        meta = versions(lexicon)  # in a Parquet file's metadata
        writer = PartitionedParquetWriter(args.output, meta) if parts else TableWriter(args.output, fmt, meta)
        # Workers elsewhere must extract as this command would; here, the extractor is this one.
        version = _features_version(lexicon) if engine.name != "local" else None
        try:
            for table in engine.map(score_batch, _batches(articles, settings.get("score_batch")), dyad.name, weights, version):
                writer.write(table)
        finally:
            writer.close()
    report_skipped(options, args.verbose)
    if writer.rows == 0 and not rep.failed:
        rep.error("no articles found in " + ", ".join(args.paths))
    return 1 if rep.failed else 0


# What the lines below a passage mean, printed with every article: the text output is read by
# people who have not seen the JSON field names.
EXPLAIN_LEGEND = (
    "  legend: [contribution] #passage text; \"tone T -> C\": the passage's VADER tone T (negated compound, "
    "+ is hostile) gives C; a cue line: id \"matched words\" SOURCE -> TARGET (the actors read, ? where none "
    "is named, PAIR = the two sides together) weight W -> its contribution C; contributions add up to raw"
)


def _format_explain(doc: dict, show_all: bool) -> str:
    t = doc["tension"]
    lines = [
        f"{terminal_safe(doc['title'] or doc['id'])}",
        f"  id {doc['id']}   date {doc['date'] or 'unknown'}   pair {doc['dyad']}",
        f"  tension {'n/a (no passage concerns the pair)' if t is None else f'{t:+.1f}'}   raw {doc['raw']:+.3f}"
        f"   acts {doc['n_events']} in {doc['mentions']} mentions, confidence {doc['confidence']:.2f}",
        EXPLAIN_LEGEND,
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
            if c.get("correction"):
                k = c["correction"]
                was = k["original"]
                lines.append(f"           corrected #{k['id']} by {terminal_safe(k['who'] or '?')}: {terminal_safe(k['says'])}"
                             + (f" (was {was.get('source') or '?'} -> {was.get('target') or '?'}, strength {was.get('strength', 0):g})" if was else "")
                             + (f"; {terminal_safe(k['reason'])}" if k["reason"] else ""))
    return "\n".join(lines)


def _explain_features(args: argparse.Namespace, lexicon, rep: Reporter):
    """The features to explain and the corrections that apply to them (None without --db):
    the stored article (--db and --id, no PATH), or PATH's articles with DB's corrections."""
    from metrics.errors import MetricsError
    from metrics.score import corrections as C
    from metrics.store import corrections as SC
    from metrics.store.core import Store

    if args.path is None:
        if not (args.db and args.id):
            raise MetricsError("explain: give PATH, or --db DB --id ID to explain a stored article")
        with Store(args.db, create=False) as store:
            try:
                feats = store.article_features(args.id)
            except KeyError:
                raise MetricsError(f"no stored article with id '{args.id}' in {store.path}") from None
            return feats, SC.table(store, article=args.id)
    options = read_options(args)
    articles = list(rep.articles(read_paths([args.path], options)))
    report_skipped(options, args.verbose)
    if args.id:
        articles = [a for a in articles if a.id == args.id]
        if not articles:
            rep.error(f"{args.path}: no article with id '{args.id}'")
    if not articles:
        return None, None
    feats = Extractor(lexicon).extract_many(articles)
    if not args.db:
        return feats, None
    with Store(args.db, create=False) as store:
        records = SC.table(store)
    records = records[records["article"].isin(set(feats.articles["id"]))]
    feats, applied = C.apply(feats, records, lexicon)
    for cid in applied.unmatched()["id"]:
        rep.error(f"correction #{cid} no longer matches its cue in this text (python -m metrics corrections check)")
    return feats, records


def cmd_explain(args: argparse.Namespace) -> int:
    from metrics.score import corrections as C

    lexicon = default_lexicon()
    dyad = parse_dyad(args.dyad)
    weights = load_weights(args.weights, lexicon) if args.weights else None
    rep = Reporter()
    feats, records = _explain_features(args, lexicon, rep)
    if feats is None:
        if not rep.failed:
            rep.error(f"{args.path}: no article to explain")
        return 1
    prep = prepare(feats, dyad, lexicon)
    docs = [explain(prep, i, weights) for i in range(len(feats.articles))]
    if records is not None:
        docs = [C.annotate(d, feats, records) for d in docs]
    if args.format == "json":
        json.dump(docs[0] if len(docs) == 1 else docs, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n\n".join(_format_explain(d, args.all) for d in docs))
    return 1 if rep.failed else 0


def register(sub) -> None:
    p = sub.add_parser("score", help="score articles: one row per article", description=(
        "Score articles (.txt, .md, .html, .htm, .pdf, .docx files, folders, or .csv/.tsv/.jsonl tables with one article per row). "
        "Writes id, date, title, source, tension (-100..100, higher is more tension: 10 x the mean Goldstein "
        "intensity of the acts reported), raw, passages, relevant_passages, n_events (distinct acts between the pair), "
        "mentions, confidence (n_events / (n_events + 1)) and top_cues."))
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")
    p.add_argument("--format", choices=FORMATS, help="output format (default: from OUT's suffix, else csv)")
    add_quiet_option(p)
    add_scoring_options(p)
    add_input_options(p)
    add_engine_options(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("explain", help="show an article's passages and the cues behind its score")
    p.add_argument("path", metavar="PATH", nargs="?", help="file, folder or table (or none: --db DB --id ID)")
    p.add_argument("--db", metavar="FILE|URL", help="apply this database's corrections (docs/corrections.md); "
                   "with --id and no PATH, explain the stored article")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--id", help="with a table or folder: only the article with this id")
    p.add_argument("--all", action="store_true", help="text format: show passages that moved nothing too")
    add_scoring_options(p)
    add_input_options(p)
    p.set_defaults(func=cmd_explain)
