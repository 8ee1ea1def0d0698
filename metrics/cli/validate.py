"""The validation commands: ``validate``, ``calibrate``, ``validate-series`` and ``validate-events``
(the measures themselves are in ``metrics.score.validation``)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.cli.options import (
    Reporter,
    add_db_option,
    add_scoring_options,
    add_text_column_option,
    add_verbose_option,
    at_least,
)
from metrics.errors import CommandFailed, InputError
from metrics.events.lexicon import TONE_ID, Lexicon, default_lexicon, dump_weights, load_weights
from metrics.score.validation import (
    DEFAULT_NEGATIVE,
    DEFAULT_POSITIVE,
    L2_GRID,
    PERIOD_KEYS,
    Labelled,
    _misread,
    _write_atomic,
    calibrate_features,
    compare_series,
    events_agreement,
    format_validate,
    parse_label_list,
    plot_series,
    read_goldstein_table,
    read_labelled,
    read_reference,
    read_scores,
    score_texts,
    select_classes,
    validate_rows,
)


def _weights(args: argparse.Namespace, lexicon: Lexicon) -> dict[str, float] | None:
    return load_weights(args.weights, lexicon) if args.weights else None


def _corrections_rows(args: argparse.Namespace) -> pd.DataFrame:
    """The database's corrections as labelled rows (``corrections export``'s labels)."""
    from metrics.store import corrections as SC
    from metrics.store.core import Store

    with Store(args.db, create=False) as store:
        data = SC.labelled_set(store)
        where = str(store.path)
    if data.empty:
        raise InputError(f"{where}: no corrections to learn from (make some in the drill-down or with `corrections add`)")
    return pd.DataFrame({"row": np.arange(1, len(data) + 1), "text": data["text"].to_numpy(), "label": data["label"].to_numpy()})


def _source(args: argparse.Namespace) -> str:
    parts = [str(args.labels)] if args.labels else []
    if args.corrections:
        parts.append(f"corrections in {args.db or 'the database'}")
    return " + ".join(parts)


def _load_labelled(args: argparse.Namespace) -> Labelled:
    pos = parse_label_list(args.positive, "--positive")
    neg = parse_label_list(args.negative, "--negative")
    if not args.labels and not args.corrections:
        raise InputError("give LABELS, --corrections, or both")
    frames = []
    if args.labels:
        frames.append(read_labelled(args.labels, args.text_column, args.label_column))
    if args.corrections:
        extra = _corrections_rows(args)
        if frames:
            extra = extra.assign(row=extra["row"] + len(frames[0]))
        frames.append(extra)
    df = pd.concat(frames, ignore_index=True)
    data = select_classes(df, pos, neg, _source(args))
    rep = Reporter()
    for e in data.errors:
        rep.error(e)
    return data


def cmd_validate(args: argparse.Namespace) -> int:
    lexicon = default_lexicon()
    weights = _weights(args, lexicon)
    try:
        data = _load_labelled(args)
    except InputError as err:
        raise CommandFailed(str(err)) from None
    report, prep = validate_rows(data, args.dyad, weights, lexicon)
    report = {
        "file": _source(args),
        "labels": {"positive": parse_label_list(args.positive, ""), "negative": parse_label_list(args.negative, "")},
        "weights": str(args.weights) if args.weights else None,
        **report,
    }
    if args.show_errors:
        report["misread"] = _misread(data, prep, weights, args.show_errors)
    if args.format == "json":
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_validate(report, args.worst))
    return 1 if data.errors else 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    lexicon = default_lexicon()
    start = _weights(args, lexicon)
    try:
        data = _load_labelled(args)
        prep = score_texts(list(data.rows["text"]), args.dyad, lexicon)
        X = np.column_stack([prep.cue_sums, prep.tone_sums])
        w, w_tone = lexicon.weight_vector(start)
        w0 = np.append(w, w_tone)
        result = calibrate_features(X, data.y, w0, args.l2, args.folds, args.seed)
    except InputError as err:
        raise CommandFailed(str(err)) from None
    ids = lexicon.ids + [TONE_ID]
    fitted = {i: float(v) for i, v in zip(ids, result["weights"])}
    _write_atomic(Path(args.output), dump_weights(fitted, lexicon))
    fires = (X != 0).sum(axis=0)
    n = len(data.y)
    b, a = result["before"], result["after"]
    print(f"{_source(args)}: {n} rows ({int(data.y.sum())} positive, {n - int(data.y.sum())} negative), pair {prep.dyad.name}")
    print(f"{result['folds']}-fold stratified cross-validation (seed {result['seed']}), held-out folds:")
    print(f"  before ({'--weights file' if start else 'defaults'}): AUC {b['auc']:.3f} (sd {b['auc_sd']:.3f}), accuracy at 0 {b['accuracy']:.3f}")
    print(f"  after  (fitted in each fold):  AUC {a['auc']:.3f} (sd {a['auc_sd']:.3f}), accuracy at 0 {a['accuracy']:.3f}")
    print(f"  penalty l2 chosen per fold: {', '.join(f'{v:g}' for v in result['l2_per_fold'])}; final fit on all rows: {result['l2']:g}")
    moved = sorted(range(len(ids)), key=lambda i: -abs(result["weights"][i] - w0[i]))
    print("largest changes (id: before -> after, rows it fires on):")
    for i in moved[:12]:
        if abs(result["weights"][i] - w0[i]) < 0.05:
            break
        print(f"  {ids[i]:<20} {w0[i]:>5.2f} -> {result['weights'][i]:>5.2f}   ({fires[i]} rows)")
    print(f"wrote {args.output}: load it with --weights {args.output}")
    return 1 if data.errors else 0


def cmd_validate_events(args: argparse.Namespace) -> int:
    lexicon = default_lexicon()
    weights = _weights(args, lexicon)
    try:
        gold = read_goldstein_table(args.cameo_table)
        path = Path(args.events)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        sep = "," if path.suffix.lower() == ".csv" else "\t"
        try:
            table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False,
                                quoting=csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL)
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
            raise InputError(f"{path}: cannot read table: {str(err).splitlines()[0]}") from None
        cols = list(table.columns)
        ev_col = args.events_column or next((c for c in cols if str(c).lower().startswith("expected")), None)
        for flag, col in (("--text-column", args.text_column), ("--events-column", ev_col)):
            if col is None or col not in cols:
                raise InputError(f"{path}: no column '{col or 'expected...'}' ({flag}); columns are: {', '.join(map(str, cols))}")
    except InputError as err:
        raise CommandFailed(str(err)) from None
    rep = events_agreement(table, gold, args.text_column, ev_col, args.dyad, weights)
    rep = {"file": str(path), **rep}
    if args.format == "json":
        json.dump(rep, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    print(f"{path}: {rep['sentences']} sentences, {rep['with_events']} with a mapped CAMEO code, "
          f"{rep['nonzero']} with a non-zero mean Goldstein value; pair {rep['dyad']}")
    if rep["nonzero"]:
        print(f"sign agreement (tension sign = -Goldstein sign): {rep['agree']}/{rep['nonzero']} = {rep['share']:.1%}")
        for name in ("cooperative", "conflictual"):
            part = rep[name]
            if part["n"]:
                print(f"  {name} events (Goldstein {'>' if name == 'cooperative' else '<'} 0): {part['agree']}/{part['n']} = {part['agree'] / part['n']:.1%}")
        print(f"  scored exactly 0 (counted as disagreeing): {rep['no_signal']}")
    a = rep["actors"]
    if a["events"]:
        def pct(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.1%}"

        print(f"actors of the sentence's event (its governing main-clause cue) vs the coded event ({a['events']} sentences whose coded actors the "
              f"gazetteer knows, {a['with_cue']} with a cue): source {pct(a['source'])}, target {pct(a['target'])}, "
              f"both {pct(a['both'])}")
        print(f"  baseline, the first-mentioned of the two coded actors is the source: {pct(a['first_mention_source'])}")
        print(f"  over the {a['with_cue']} sentences with a cue: source {pct(a['source_with_cue'])}, "
              f"baseline {pct(a['first_mention_with_cue'])}")
        print(f"  over the {a['with_source']} sentences whose strongest cue has a source: source "
              f"{pct(a['source_when_named'])}, baseline {pct(a['first_mention_when_named'])}")
        if a["with_coded_source"]:
            print(f"  over the {a['with_coded_source']} sentences where the gazetteer finds a coded source: source "
                  f"{pct(a['source_when_found'])}, baseline {pct(a['first_mention_when_found'])}")
        print(f"  baseline without the coding, the first actor found is the source: {pct(a['first_actor_source'])}")
        if args.verbose:
            for m in a["source_misses"]:
                print(f"  source miss: {m['expected']} got {m['source'] or '?'} > {m['target'] or '?'}"
                      f" ({m.get('cue') or 'no cue'}): {m.get('text', '')}")
    if rep["unmapped_codes"]:
        print(f"codes with no prefix in {args.cameo_table} (ignored): {', '.join(rep['unmapped_codes'])}")
    if args.verbose:
        for d in rep["disagreements"]:
            print(f"  {d['id']}: Goldstein {d['goldstein']:+.1f}, raw {d['raw']:+.2f} ({d['top_cues'] or 'tone only'}): {d['text']}")
    elif rep["disagreements"]:
        print(f"{len(rep['disagreements'])} disagreements; --verbose lists them")
    return 0


def cmd_validate_series(args: argparse.Namespace) -> int:
    try:
        scores = read_scores(args.scores)
        ref = read_reference(args.reference)
    except InputError as err:
        raise CommandFailed(str(err)) from None
    report, joined = compare_series(scores, ref, args.period)
    if report["periods"]["both"] == 0:
        raise CommandFailed(f"{args.scores} and {args.reference} share no {args.period}: nothing to compare")
    plot = None
    if args.output:
        written, reason = plot_series(joined, args.output, Path(args.reference).stem)
        plot = {"path": str(written), "fell_back_to_html": reason is not None, "reason": reason}
    report = {"scores": str(args.scores), "reference": str(args.reference), **report, "plot": plot}
    if args.format == "json":
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    p = report["periods"]
    print(f"{args.scores} vs {args.reference}, by {args.period}: {p['both']} periods in both "
          f"({p['scores']} with articles, {p['reference']} in the reference)")
    for key, label in (("levels", "levels"), ("changes", "period-to-period changes")):
        r = report[key]
        if r["rho"] is None:
            print(f"  Spearman on {label}: n/a (n = {r['n']}; needs 3 or more varying values)")
        else:
            print(f"  Spearman on {label}: rho {r['rho']:+.3f}, p {r['p']:.3g}, n = {r['n']}")
    if plot:
        if plot["fell_back_to_html"]:
            print(f"could not write an image ({plot['reason']}); fell back to HTML: {plot['path']}")
        else:
            print(f"plot written: {plot['path']}")
    return 0


VALIDATE_HELP = """\
Score a labelled table and measure how well tension separates its two classes.

LABELS is a .csv, .tsv or .jsonl table with a text column and a label column. A .tsv (or .csv)
whose first line has exactly two fields and names neither column is read as headerless
`sentence<TAB>label` rows, the layout of published sets such as ConfliBERT's CAMEO PentaClass
(0 statement, 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material
conflict). Rows whose label is in neither --positive nor --negative are dropped.

Reports, for the index and for VADER alone (its compound on the row's text, negated) side by
side: ROC AUC of tension with the positive class as conflict, and accuracy at the neutral point
(tension above 0 predicts positive). Per cue family: on how many rows of each class it fires
and its precision (share of its firings that push towards the row's labelled side).

--corrections adds the analysts' corrections stored in --db as labelled rows (each the passage of
a corrected cue, labelled with the corrected reading's class: `corrections export` writes them),
with or without LABELS.
"""

CALIBRATE_HELP = """\
Fit the cue weights (and the tone weight) to a labelled table and write a weights preset that
--weights and the dashboard load.

The model: each row's features are its per-family cue sums, already signed by direction, plus
its tone sum, so the raw score is features x weights. The weights are fitted by L2-penalised
logistic regression with every weight bounded to [0, 10] (scipy L-BFGS-B): no cue can change
direction, so weights stay readable and sliders stay meaningful; 10 is Goldstein's maximum.
The penalty pulls towards the starting weights (the defaults, or --weights FILE), so a family
the data say little about keeps its grounded default; its strength is chosen by an inner
cross-validation unless --l2 sets it. The logistic temperature is fixed from the starting
weights, so fitted weights are on the same Goldstein-like scale.

Reports the cross-validated ROC AUC (5-fold, stratified, fixed seed) of the starting weights
and of weights refitted inside each training fold, so the "after" figure is measured on rows
the fit never saw.

What it does NOT prove: a fit to one labelled set learns that set's style (its sources, its
labelling rules, its sentence length); the cross-validated AUC is held out from the fit but
not from that style. --corrections fits to the analysts' corrections in --db too (alone or with
LABELS): a correction changes weights only through the file this writes and you review, never the
lexicon. The test that counts is a separate labelled set, ideally real news of the
pair you study: run `validate --weights weights.json` on it. Sign constraints keep the fit from
exploiting a cue backwards, but they do not make a weakly grounded cue right.
"""

EVENTS_HELP = """\
Sign agreement with expert-coded events. EVENTS is a tab-separated table with a text column
and an expected-events column `src>tgt:code;src>tgt:code` (CAMEO codes), such as PETRARCH's
unit-test sentences. Each code is mapped through CAMEO_TABLE (code<TAB>Goldstein value) using
the longest prefix of the code that the table has; a sentence's value is the mean of its
events'. For the sentences with a non-zero value, reports the share where the sign of tension
is the opposite of the sign of the Goldstein value (tension = -Goldstein). A tension of exactly
0 counts as a disagreement.
"""

SERIES_HELP = """\
Compare the index with a reference series. SCORES is a score table written by `score`
(.csv, .jsonl or .parquet with date and tension); REFERENCE is a CSV of period,value (a
geopolitical-risk index, an expert score; any date in the period will do). Article tensions are
averaged per period; reports Spearman's rank correlation (rho, p, n) on the levels of the
periods both series have and on period-to-period changes between adjacent periods. With
-o PLOT, draws both on one time axis: .html, or an image (.png, .svg, .pdf) through kaleido,
which needs Chrome or Chromium; without them it falls back to HTML and says so.
"""


def _add_label_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("labels", metavar="LABELS", nargs="?",
                   help="labelled table (.csv, .tsv, .jsonl, or headerless sentence<TAB>label .tsv); optional with --corrections")
    p.add_argument("--corrections", action="store_true",
                   help="also learn from the analysts' corrections in --db (each a labelled sentence: see `corrections export`)")
    add_db_option(p)
    add_text_column_option(p, help="column with the text (default: text)")
    p.add_argument("--label-column", default="label", metavar="C", help="column with the label (default: label)")
    p.add_argument("--positive", default=DEFAULT_POSITIVE, metavar="L,L",
                   help=f"labels of the conflict (high-tension) class (default: {DEFAULT_POSITIVE})")
    p.add_argument("--negative", default=DEFAULT_NEGATIVE, metavar="L,L",
                   help=f"labels of the cooperation (low-tension) class (default: {DEFAULT_NEGATIVE})")
    _add_dyad_weights(p)


def _add_dyad_weights(p: argparse.ArgumentParser) -> None:
    add_scoring_options(
        p, dyad_default="none",
        dyad_help="pair of countries a passage must concern (US-CN, ...). Default here: none, i.e. every "
                  "passage counts, as usual for labelled sentences about many countries (score's default is US-CN)",
        weights_help="JSON or YAML weights file; ids it omits keep their defaults",
    )


def register(sub) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("validate", help="ROC AUC and accuracy on a labelled table, beside VADER alone",
                       description=VALIDATE_HELP, formatter_class=fmt)
    _add_label_options(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--worst", type=at_least(0), metavar="N", help="text format: show only the N families of worst precision")
    p.add_argument("--show-errors", type=at_least(0), default=0, metavar="N",
                   help="also list the N most confidently misread rows of each class")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("calibrate", help="fit sign-constrained cue weights to a labelled table",
                       description=CALIBRATE_HELP, formatter_class=fmt)
    _add_label_options(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="weights preset to write (JSON)")
    p.add_argument("--l2", type=at_least(0.0, float), metavar="X", help=f"penalty strength (default: chosen by inner cross-validation from {', '.join(map(str, L2_GRID))})")
    p.add_argument("--folds", type=at_least(2), default=5, help="cross-validation folds (default: 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fold split (default: 0)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("validate-series", help="Spearman of period means against a reference series, and a plot",
                       description=SERIES_HELP, formatter_class=fmt)
    p.add_argument("scores", metavar="SCORES")
    p.add_argument("reference", metavar="REFERENCE")
    p.add_argument("--period", default="month", choices=list(PERIOD_KEYS), help="period to average over (default: month)")
    p.add_argument("-o", "--output", metavar="PLOT", help="write a plot of both series (.html, or .png/.svg/.pdf)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_validate_series)

    p = sub.add_parser("validate-events", help="sign agreement with the Goldstein value of expert-coded CAMEO events",
                       description=EVENTS_HELP, formatter_class=fmt)
    p.add_argument("events", metavar="EVENTS")
    p.add_argument("cameo_table", metavar="CAMEO_TABLE")
    add_text_column_option(p, help="column with the sentence (default: text)")
    p.add_argument("--events-column", metavar="C", help="column with src>tgt:code;... (default: the first column named expected...)")
    _add_dyad_weights(p)
    add_verbose_option(p, help="list every disagreement")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_validate_events)
