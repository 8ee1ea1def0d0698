"""``corrections``: list, make, undo, redo, check, re-apply, discard and export analysts'
corrections of cue readings (docs/corrections.md)."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd

from metrics.cli.db import LIST_FORMATS, _clip, _open, _who
from metrics.cli.options import Reporter, add_db_option
from metrics.errors import MetricsError
from metrics.output import terminal_safe
from metrics.score import corrections as C

LIST_COLUMNS = ["id", "at", "who", "article", "kind", "cue", "matched", "correction", "reason", "state", "features_version"]


def _store_corrections():
    # The store (sqlite3, its schema) is imported when a corrections command runs, not by every
    # command's start-up.
    from metrics.store import corrections

    return corrections


def _listing(store, include_undone: bool) -> pd.DataFrame:
    df = _store_corrections().status(store, include_undone=include_undone)
    if df.empty:
        return pd.DataFrame(columns=LIST_COLUMNS)
    df = df.assign(correction=[C.describe(r) for _, r in df.iterrows()])
    return df[LIST_COLUMNS]


def _print(table: pd.DataFrame, fmt: str, empty: str) -> None:
    table = table.astype(object).where(table.notna(), None)
    if fmt == "json":
        json.dump(table.to_dict(orient="records"), sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    elif fmt == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif table.empty:
        print(empty, file=sys.stderr)
    else:
        print(f"{'id':>4}  {'state':<9}  {'who':<10}  {'article':<16}  {'cue':<18}  correction")
        for r in table.itertuples(index=False):
            matched = f" \u201c{_clip(' '.join(str(r.matched or '').split()), 40)}\u201d" if r.kind != "missed_act" else ""
            print(f"{r.id:>4}  {r.state:<9}  {_clip(r.who or '-', 10):<10}  {_clip(r.article, 16):<16}  "
                  f"{_clip(r.cue, 18):<18}  {terminal_safe(r.correction)}{terminal_safe(matched)}")


def cmd_list(args: argparse.Namespace) -> int:
    store = _open(args, create=False)
    try:
        table = _listing(store, args.all)
    finally:
        store.close()
    _print(table, args.format, f"no corrections in {store.path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 1 when a correction no longer matches its cue (the lexicon or extractor changed)."""
    store = _open(args, create=False)
    try:
        table = _listing(store, False)
    finally:
        store.close()
    bad = table[table["state"] == C.UNMATCHED]
    for r in bad.itertuples(index=False):
        print(f"correction #{r.id} ({r.kind} of {r.cue} \u201c{terminal_safe(' '.join(str(r.matched or '').split())[:60])}\u201d"
              f" in article {terminal_safe(r.article)}, made against features {r.features_version}) no longer matches;"
              f" re-apply it (corrections reapply {r.id} [--cue ID]) or discard it (corrections discard {r.id})")
    print(f"{len(table)} corrections: {int((table['state'] == C.APPLIED).sum())} applied, {len(bad)} unmatched, "
          f"{int((table['state'] == C.ABSENT).sum())} on removed articles")
    return 1 if len(bad) else 0


def _find_match(feats, lexicon, args) -> int:
    mat = feats.matches
    index = lexicon.index()
    if args.cue not in index:
        raise MetricsError(f"--cue {args.cue}: no such cue family (ids: {', '.join(lexicon.ids)})")
    rows = np.flatnonzero(mat["cue"].to_numpy() == index[args.cue])
    if args.matched:
        want = args.matched.casefold()
        rows = rows[[want in str(mat["matched"].iat[r]).casefold() for r in rows]]
    if len(rows) == 0:
        raise MetricsError(f"article '{args.article}': no match of cue {args.cue}"
                           + (f" with text {args.matched!r}" if args.matched else ""))
    if args.at is not None:
        return int(rows[np.abs(mat["start"].to_numpy()[rows] - args.at).argmin()])
    return int(rows[0])


def _find_passage(feats, args) -> int:
    pas = feats.passages
    if args.passage is not None:
        hit = np.flatnonzero(pas["idx"].to_numpy() == args.passage - 1)
    elif args.at is not None:
        hit = np.flatnonzero((pas["start"].to_numpy() <= args.at) & (pas["end"].to_numpy() > args.at))
    else:
        raise MetricsError("missed_act needs --passage N or --at OFFSET")
    if len(hit) == 0:
        raise MetricsError(f"article '{args.article}': no such passage")
    return int(hit[0])


def cmd_add(args: argparse.Namespace) -> int:
    store = _open(args, create=False)
    try:
        try:
            feats = store.article_features(args.article)
        except KeyError:
            raise MetricsError(f"no stored article with id '{args.article}' in {store.path}") from None
        fields = {"source": args.source, "target": args.target, "strength": args.strength, "reason": args.reason}
        if args.kind == "missed_act":
            c = C.for_passage(feats, store.lexicon, _find_passage(feats, args), args.cue, **fields)
        else:
            c = C.for_match(feats, store.lexicon, _find_match(feats, store.lexicon, args), args.kind, **fields)
        cid = _store_corrections().add(store, c, who=_who())
    finally:
        store.close()
    print(f"correction #{cid}: {C.describe(vars(c))} ({c.cue} in article {c.article}); undo with: corrections undo {cid}")
    return 0


def _ids_command(action: str):
    def run(args: argparse.Namespace) -> int:
        store = _open(args, create=False)
        try:
            done = getattr(_store_corrections(), action)(store, args.ids, who=_who())
        finally:
            store.close()
        rep = Reporter()
        for i in sorted(set(args.ids) - set(done)):
            rep.error(f"correction #{i}: not found in {store.path}" + ("" if action == "discard" else f" (or nothing to {action})"))
        print(f"{action}: {len(done)} correction{'s' if len(done) != 1 else ''}")
        return 1 if rep.failed else 0

    return run


def cmd_reapply(args: argparse.Namespace) -> int:
    store = _open(args, create=False)
    rep = Reporter()
    try:
        for cid in args.ids:
            try:
                a = _store_corrections().reanchor(store, cid, who=_who(), cue=args.cue, m_start=args.at)
            except MetricsError as err:
                rep.error(str(err))
                continue
            what = f"\u201c{terminal_safe(a['matched'])}\u201d at {a['m_start']}" if a["m_start"] is not None else f"passage {a['p_start']}..{a['p_end']}"
            print(f"correction #{cid} re-applied to {a['cue']} {what}")
    finally:
        store.close()
    return 1 if rep.failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    """The corrections as a labelled set: ``sentence<TAB>label`` (.tsv, .txt) or JSONL with actors."""
    from pathlib import Path

    from metrics.score.validation import _write_atomic

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".tsv", ".txt", ".jsonl"):
        raise MetricsError(f"-o {out}: name the file .tsv (sentence<TAB>label) or .jsonl (with actors)")
    store = _open(args, create=False)
    try:
        data = _store_corrections().labelled_set(store)
    finally:
        store.close()
    if suffix == ".jsonl":
        clean = data.astype(object).where(data.notna(), None)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in clean.to_dict(orient="records"))
    else:
        # One line per sentence, no quoting: a tab or line break inside the text becomes a space.
        text = "".join(f"{' '.join(t.split())}\t{label}\n" for t, label in zip(data["text"], data["label"]))
    _write_atomic(out, text)
    counts = data["label"].value_counts().sort_index()
    print(f"wrote {len(data)} labelled sentences to {out} (labels: "
          + (", ".join(f"{k}: {v}" for k, v in counts.items()) or "none") + ")")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "corrections", help="analysts' corrections of misread cues: list, add, undo, check, export",
        description="Corrections of cue readings made in the dashboard's drill-down or here. Every view (scores, "
                    "timelines, export, the dashboard) applies them; see docs/corrections.md.",
    )
    csub = p.add_subparsers(dest="corrections_command", required=True, metavar="SUBCOMMAND")

    q = csub.add_parser("list", help="the corrections with their state (applied, unmatched, absent, undone)")
    add_db_option(q)
    q.add_argument("--all", action="store_true", help="also the undone ones")
    q.add_argument("--format", choices=LIST_FORMATS, default="table")
    q.set_defaults(func=cmd_list)

    q = csub.add_parser("add", help="correct a cue of a stored article",
                        description="Correct a cue reading. Kinds: " + ", ".join(C.KINDS) + ".")
    q.add_argument("article", metavar="ARTICLE", help="article id (as `list` shows it)")
    q.add_argument("--kind", required=True, choices=C.KINDS)
    q.add_argument("--cue", required=True, metavar="ID", help="cue family id (for missed_act: the family of the act)")
    q.add_argument("--matched", metavar="TEXT", help="the match whose text contains TEXT (default: the first)")
    q.add_argument("--at", type=int, metavar="OFFSET", help="the match (or passage) nearest this character offset")
    q.add_argument("--passage", type=int, metavar="N", help="missed_act: passage number (1-based, as the drill-down shows)")
    q.add_argument("--source", metavar="CODES", help="wrong_actor, missed_act: source (US, CN, US+THIRD, PAIR, THIRD)")
    q.add_argument("--target", metavar="CODES", help="wrong_actor, missed_act: target")
    q.add_argument("--strength", type=float, metavar="X", help="wrong_strength, missed_act: strength of this occurrence (1 = full)")
    q.add_argument("--reason", metavar="TEXT", help="why (optional)")
    add_db_option(q)
    q.set_defaults(func=cmd_add)

    for action, helptext in (("undo", "withdraw corrections (kept; redo brings them back)"),
                             ("redo", "bring undone corrections back"),
                             ("discard", "delete corrections for good (e.g. ones that no longer match)")):
        q = csub.add_parser(action, help=helptext)
        q.add_argument("ids", nargs="+", type=int, metavar="ID")
        add_db_option(q)
        q.set_defaults(func=_ids_command(action))

    q = csub.add_parser("check", help="report corrections whose cue no longer matches (exit 1 if any)")
    add_db_option(q)
    q.set_defaults(func=cmd_check)

    q = csub.add_parser("export", help="write the corrections as a labelled set (sentence<TAB>label, or JSONL with actors)",
                        description="Each live correction as a labelled sentence: its passage's text and the corrected "
                                    "reading's class (GDELT QuadClass: 1 verbal cooperation, 2 material cooperation, "
                                    "3 verbal conflict, 4 material conflict; 0 no act between the pair). .tsv: headerless "
                                    "sentence<TAB>label, as validate and calibrate read it; .jsonl: with family, direction, "
                                    "CAMEO code, actors, who, when and why. Nothing here changes the lexicon.")
    q.add_argument("-o", "--output", required=True, metavar="FILE", help=".tsv or .jsonl")
    add_db_option(q)
    q.set_defaults(func=cmd_export)

    q = csub.add_parser("reapply", help="re-anchor unmatched corrections to the match found now in their passage")
    q.add_argument("ids", nargs="+", type=int, metavar="ID")
    q.add_argument("--cue", metavar="ID", help="the cue family to anchor to (default: the correction's own)")
    q.add_argument("--at", type=int, metavar="OFFSET", help="the match nearest this offset (default: the old start)")
    add_db_option(q)
    q.set_defaults(func=cmd_reapply)
