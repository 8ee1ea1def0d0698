"""Evidence that the index measures tension, and weights fitted to one's own labelled data.

Commands (their options and output in ``metrics.cli.validate``):

- ``validate``: score a labelled table; ROC AUC, accuracy at the neutral point and per-family
  precision, beside VADER alone on the same rows.
- ``validate-series``: period means against a reference series (Spearman on levels and changes).
- ``validate-events``: sign agreement with the Goldstein value of expert-coded CAMEO events.
- ``calibrate``: sign-constrained, regularised fit of the cue weights, cross-validated.

The functions below do the work; the commands only read, print and write.
"""

from __future__ import annotations

import csv
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.errors import InputError, MetricsError, needs_extra, reason
from metrics.events.extract import Extractor
from metrics.events.lexicon import TONE_ID, Lexicon, default_lexicon
from metrics.model import Article
from metrics.score.scoring import Prepared, contributions, prepare, raw_scores, top_cues
from metrics.score.timeline import PERIODS

DEFAULT_POSITIVE = "3,4"  # CAMEO PentaClass: verbal and material conflict
DEFAULT_NEGATIVE = "1,2"  # verbal and material cooperation
LABEL_SUFFIXES = (".csv", ".tsv", ".jsonl")


# ---------------------------------------------------------------------------- reading tables


def _first_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return fh.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read: {reason(err)}") from None


def _norm_label(value: object) -> str:
    """Labels compare as text; ``3``, ``3.0`` and `` 3 `` are the same label."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = str(value).strip()
    return re.sub(r"^(-?\d+)\.0+$", r"\1", s)


def parse_label_list(spec: str, option: str) -> list[str]:
    labels = [_norm_label(p) for p in spec.split(",") if p.strip()]
    if not labels:
        raise MetricsError(f"{option} {spec!r}: expected comma-separated labels like 3,4")
    return labels


def read_labelled(path: str | Path, text_column: str = "text", label_column: str = "label") -> pd.DataFrame:
    """A labelled table as columns ``row`` (1-based line of data), ``text`` and ``label``.

    ``.csv``, ``.tsv`` and ``.jsonl`` with named columns; a ``.tsv`` or ``.csv`` whose first
    line has exactly two fields and names neither column is read as headerless
    ``sentence<TAB>label`` rows (the layout of many published labelled sets).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in LABEL_SUFFIXES:
        raise InputError(f"{path}: unsupported table type '{suffix or '(none)'}'; expected {', '.join(LABEL_SUFFIXES)}")
    try:
        if suffix == ".jsonl":
            df = pd.read_json(path, lines=True, dtype=False)
        else:
            sep = "\t" if suffix == ".tsv" else ","
            first = next(csv.reader([_first_line(path)], delimiter=sep), [])
            headerless = len(first) == 2 and text_column not in first and label_column not in first
            if headerless:
                # Published sentence sets are not CSV-quoted: a quote inside a sentence is text.
                df = pd.read_csv(path, sep=sep, header=None, names=[text_column, label_column], dtype=str,
                                 keep_default_na=False, quoting=csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL)
            else:
                df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: cannot read table: {first_line}") from None
    for flag, col in (("--text-column", text_column), ("--label-column", label_column)):
        if col not in df.columns:
            raise InputError(f"{path}: no column '{col}' ({flag}); columns are: {', '.join(map(str, df.columns))}")
    texts = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in df[text_column]]
    return pd.DataFrame(
        {"row": np.arange(1, len(df) + 1), "text": texts, "label": [_norm_label(v) for v in df[label_column]]}
    )


@dataclass
class Labelled:
    """The rows of a labelled table that belong to one of the two classes."""

    rows: pd.DataFrame  # row, text, label
    y: np.ndarray  # True for the positive (conflict) class
    dropped: int  # rows whose label is in neither class
    errors: list[str]  # one line per unusable row


def select_classes(df: pd.DataFrame, positive: Sequence[str], negative: Sequence[str], source: str) -> Labelled:
    overlap = set(positive) & set(negative)
    if overlap:
        raise MetricsError(f"--positive and --negative share labels: {', '.join(sorted(overlap))}")
    in_class = df["label"].isin(list(positive) + list(negative))
    empty = df["text"].str.strip() == ""
    errors = [f"{source}: row {r}: empty text" for r in df.loc[in_class & empty, "row"]]
    keep = df[in_class & ~empty].reset_index(drop=True)
    y = keep["label"].isin(list(positive)).to_numpy()
    if y.sum() == 0 or (~y).sum() == 0:
        seen = ", ".join(sorted(set(df["label"]))[:12]) or "(none)"
        raise InputError(
            f"{source}: need rows of both classes (positive {','.join(positive)}; negative {','.join(negative)}); "
            f"found {int(y.sum())} and {int((~y).sum())}; labels in the file: {seen}"
        )
    return Labelled(keep, y, int((~in_class).sum()), errors)


def score_texts(texts: Sequence[str], dyad: str = "none", lexicon: Lexicon | None = None) -> Prepared:
    """Extract and prepare one article per text (weights are applied later)."""
    lexicon = lexicon or default_lexicon()
    feats = Extractor(lexicon).extract_many([Article(text=t, id=str(i)) for i, t in enumerate(texts)])
    return prepare(feats, dyad, lexicon)


# ---------------------------------------------------------------------------- measures


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC (scikit-learn's: ties count half); NaN when a class is empty."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        return float("nan")
    return float(roc_auc_score(y, np.nan_to_num(np.asarray(score, dtype=np.float64))))


def neutral_accuracy(y: np.ndarray, score: np.ndarray) -> float:
    """Share of rows on the right side of 0: above 0 predicts the positive (conflict) class."""
    score = np.nan_to_num(np.asarray(score, dtype=np.float64))
    return float(np.mean((score > 0) == np.asarray(y, dtype=bool)))


def _measures(y: np.ndarray, score: np.ndarray) -> dict:
    s = np.nan_to_num(np.asarray(score, dtype=np.float64))
    return {"auc": roc_auc(y, s), "accuracy": neutral_accuracy(y, s), "no_signal": int(np.sum(s == 0))}


def family_table(prep: Prepared, y: np.ndarray, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """How often each cue family (and the tone term) moves a row, on each side, and how often rightly.

    A family "fires" on a row when its summed contribution there is non-zero; it points up when
    that contribution raises tension (a negated cooperative cue points up too: ``flipped``
    counts those). ``precision`` is the share of firings that point to the row's labelled side.
    """
    lex = prep.lexicon
    w, w_tone = lex.weight_vector(weights)
    cols = np.column_stack([prep.cue_sums, prep.tone_sums])
    ids = lex.ids + [TONE_ID]
    directions = [f.direction for f in lex.families] + ["both"]
    signs = np.append(lex.signs, 0.0)
    y = np.asarray(y, dtype=bool)
    fired = cols != 0
    up = cols > 0
    right = (up & y[:, None]) | (~up & fired & ~y[:, None])
    n_fired = fired.sum(axis=0)
    flipped = (fired & (np.sign(cols) != signs) & (signs != 0)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n_fired > 0, right.sum(axis=0) / n_fired, np.nan)
    return pd.DataFrame(
        {
            "id": ids,
            "direction": directions,
            "weight": np.append(w, w_tone),
            "fires_positive": (fired & y[:, None]).sum(axis=0),
            "fires_negative": (fired & ~y[:, None]).sum(axis=0),
            "flipped": flipped,
            "precision": precision,
        }
    )


def validate_rows(
    data: Labelled, dyad: str = "none", weights: Mapping[str, float] | None = None, lexicon: Lexicon | None = None
) -> tuple[dict, Prepared]:
    """The ``validate`` report (JSON-ready) for rows already split into the two classes."""
    from metrics.events.tone import compound

    prep = score_texts(list(data.rows["text"]), dyad, lexicon)
    raw = raw_scores(prep, weights)
    cues_only = raw_scores(prep, {**(weights or {}), TONE_ID: 0.0})
    # VADER as a user would run it on the row's text, negated so that higher reads as conflict.
    vader = np.array([-compound(t) for t in data.rows["text"]])
    fam = family_table(prep, data.y, weights)
    report = {
        "dyad": prep.dyad.name,
        "n": {
            "positive": int(data.y.sum()),
            "negative": int((~data.y).sum()),
            "dropped": data.dropped,
            "errors": len(data.errors),
            "not_about_pair": int(np.sum(prep.relevant == 0)),
        },
        "index": _measures(data.y, raw),
        "vader": _measures(data.y, vader),
        "cues_only": _measures(data.y, cues_only),
        "families": [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
            for rec in fam.astype({"fires_positive": int, "fires_negative": int, "flipped": int}).to_dict("records")
        ],
    }
    return report, prep


def _misread(data: Labelled, prep: Prepared, weights: Mapping[str, float] | None, k: int) -> list[dict]:
    """The ``k`` rows scored most confidently on the wrong side, each side."""
    raw = raw_scores(prep, weights)
    cues = top_cues(prep, weights)
    wrong = np.flatnonzero((raw > 0) != data.y)
    order = wrong[np.argsort(-np.abs(raw[wrong]))]
    out = []
    for side in (True, False):
        picked = [i for i in order if data.y[i] == side][:k]
        for i in picked:
            out.append({
                "row": int(data.rows["row"].iat[i]), "label": str(data.rows["label"].iat[i]),
                "raw": float(raw[i]), "top_cues": cues[i], "text": str(data.rows["text"].iat[i]),
            })
    return out


# ---------------------------------------------------------------------------- calibration

FIT_MAX_WEIGHT = 10.0  # Goldstein's scale ends at 10: no fitted weight goes past war
L2_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def _logloss_grad(w, X, y, scale, prior, l2):
    z = scale * (X @ w)
    # log(1 + e^z) - y z, computed without overflow
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    p = 0.5 * (1.0 + np.tanh(0.5 * z))
    d = w - prior
    # The penalty is in weight units over the squared width of the scale (10^2): l2 is unitless.
    pen = 0.5 * l2 * np.dot(d, d) / FIT_MAX_WEIGHT**2
    grad = scale * (X.T @ (p - y)) / len(y) + l2 * d / FIT_MAX_WEIGHT**2
    return loss + pen, grad


def logit_scale(X: np.ndarray, y: np.ndarray, w0: np.ndarray) -> float:
    """The logistic temperature at which the starting weights fit best (one number)."""
    from scipy.optimize import minimize_scalar

    s0 = X @ w0
    yf = y.astype(np.float64)

    def f(log_a: float) -> float:
        z = math.exp(log_a) * s0
        return float(np.mean(np.logaddexp(0.0, z) - yf * z))

    res = minimize_scalar(f, bounds=(-12.0, 6.0), method="bounded")
    return math.exp(res.x)


def fit_weights(X: np.ndarray, y: np.ndarray, w0: np.ndarray, l2: float, upper: float = FIT_MAX_WEIGHT) -> np.ndarray:
    """Sign-constrained, ridge-to-the-defaults logistic fit of the weight vector.

    ``X`` is articles x (cues + tone), already signed by direction, so ``X @ w`` is the raw
    score: a weight vector in ``[0, upper]`` keeps every cue's direction. The logistic
    temperature is fixed at the value that fits the starting weights ``w0``, so the fitted
    weights stay in the same units; the penalty pulls towards ``w0``, so a family the data
    say little about keeps its grounded default instead of collapsing to 0.
    """
    from scipy.optimize import minimize

    yf = np.asarray(y, dtype=np.float64)
    scale = logit_scale(X, y, w0)
    start = np.clip(w0, 0.0, upper)
    res = minimize(
        _logloss_grad, start, args=(X, yf, scale, w0, l2), jac=True, method="L-BFGS-B",
        bounds=[(0.0, max(upper, float(v))) for v in w0], options={"maxiter": 2000},
    )
    return res.x


def _folds(y: np.ndarray, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    k = min(k, int(y.sum()), int((~y).sum()))
    if k < 2:
        raise InputError("need at least 2 rows of each class to cross-validate")
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def choose_l2(X: np.ndarray, y: np.ndarray, w0: np.ndarray, grid: Sequence[float], seed: int, k: int = 5) -> float:
    """The penalty with the best mean held-out AUC on an inner cross-validation."""
    best, best_auc = grid[0], -1.0
    folds = _folds(y, k, seed + 1)
    for l2 in grid:
        aucs = [roc_auc(y[te], X[te] @ fit_weights(X[tr], y[tr], w0, l2)) for tr, te in folds]
        m = float(np.mean(aucs))
        if m > best_auc + 1e-9:
            best, best_auc = l2, m
    return best


def calibrate_features(
    X: np.ndarray, y: np.ndarray, w0: np.ndarray, l2: float | None = None, folds: int = 5, seed: int = 0
) -> dict:
    """Cross-validated AUC before (starting weights) and after (refitted inside each fold), and the final fit."""
    y = np.asarray(y, dtype=bool)
    grid = L2_GRID if l2 is None else (l2,)
    before, after, acc_before, acc_after, chosen = [], [], [], [], []
    for tr, te in _folds(y, folds, seed):
        lam = grid[0] if len(grid) == 1 else choose_l2(X[tr], y[tr], w0, grid, seed)
        w = fit_weights(X[tr], y[tr], w0, lam)
        before.append(roc_auc(y[te], X[te] @ w0))
        after.append(roc_auc(y[te], X[te] @ w))
        acc_before.append(neutral_accuracy(y[te], X[te] @ w0))
        acc_after.append(neutral_accuracy(y[te], X[te] @ w))
        chosen.append(lam)
    lam = grid[0] if len(grid) == 1 else choose_l2(X, y, w0, grid, seed)
    return {
        "folds": len(before),
        "seed": seed,
        "before": {"auc": float(np.mean(before)), "auc_sd": float(np.std(before)), "accuracy": float(np.mean(acc_before))},
        "after": {"auc": float(np.mean(after)), "auc_sd": float(np.std(after)), "accuracy": float(np.mean(acc_after))},
        "l2_per_fold": chosen,
        "l2": lam,
        "weights": fit_weights(X, y, w0, lam),
    }


def _write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file so a failure never leaves half a file behind."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as err:
        raise MetricsError(f"{path}: cannot write: {reason(err)}") from None


# ---------------------------------------------------------------------------- CAMEO events


def read_goldstein_table(path: str | Path) -> dict[str, float]:
    """CAMEO code -> Goldstein value from a two-column table (tab or comma; header optional)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read: {reason(err)}") from None
    table: dict[str, float] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = re.split(r"[\t,]", line.strip())
        if len(parts) < 2:
            raise InputError(f"{path}: line {n}: expected code and Goldstein value")
        try:
            value = float(parts[1])
        except ValueError:
            if n == 1:
                continue  # header
            raise InputError(f"{path}: line {n}: Goldstein value is not a number: {parts[1]!r}") from None
        table[parts[0].strip()] = value
    if not table:
        raise InputError(f"{path}: no CAMEO codes")
    return table


def goldstein_of(code: str, table: Mapping[str, float]) -> float | None:
    """The value of the longest prefix of ``code`` that the table has (``1823`` -> ``182``)."""
    code = code.strip()
    for n in range(len(code), 0, -1):
        if code[:n] in table:
            return table[code[:n]]
    return None


def event_codes(cell: str) -> list[str]:
    """CAMEO codes from ``src>tgt:code;src>tgt:code``."""
    out = []
    for ev in str(cell or "").split(";"):
        code = ev.strip().rsplit(":", 1)[-1].strip()
        if code:
            out.append(code)
    return out


def events_agreement(
    table: pd.DataFrame, goldstein: Mapping[str, float], text_column: str, events_column: str,
    dyad: str = "none", weights: Mapping[str, float] | None = None,
) -> dict:
    """Share of sentences whose tension has the sign opposite to the mean Goldstein value of their events."""
    gvals, unmapped = [], set()
    for cell in table[events_column]:
        vals = []
        for code in event_codes(cell):
            g = goldstein_of(code, goldstein)
            if g is None:
                unmapped.add(code)
            else:
                vals.append(g)
        gvals.append(float(np.mean(vals)) if vals else float("nan"))
    g = np.array(gvals, dtype=np.float64)
    keep = np.flatnonzero(np.nan_to_num(g) != 0)
    texts = [str(t) for t in table[text_column].iloc[keep]]
    prep = score_texts(texts, dyad)
    raw = raw_scores(prep, weights)
    gk = g[keep]
    agree = np.sign(raw) == -np.sign(gk)
    cues = top_cues(prep, weights)
    ids = table["id"].iloc[keep].astype(str).tolist() if "id" in table.columns else [str(i + 1) for i in keep]
    disagreements = [
        {"id": ids[j], "goldstein": float(gk[j]), "raw": float(raw[j]), "top_cues": cues[j], "text": texts[j]}
        for j in np.flatnonzero(~agree)
    ]
    coop, confl = gk > 0, gk < 0
    actors = actor_agreement(prep, [str(c) for c in table[events_column].iloc[keep]], weights, texts)
    for m in actors["source_misses"]:
        m["text"] = texts[m["row"]]  # rows count the sentences kept, not the table's
    return {
        "actors": actors,
        "dyad": prep.dyad.name,
        "sentences": len(table),
        "with_events": int(np.sum(~np.isnan(g))),
        "nonzero": len(keep),
        "agree": int(agree.sum()),
        "share": float(agree.mean()) if len(keep) else None,
        "cooperative": {"n": int(coop.sum()), "agree": int((agree & coop).sum())},
        "conflictual": {"n": int(confl.sum()), "agree": int((agree & confl).sum())},
        "no_signal": int(np.sum(raw == 0)),
        "unmapped_codes": sorted(unmapped),
        "disagreements": disagreements,
    }


# Event coders write actors as ISO 3166 alpha-3 plus an agent suffix (USAGOV); the gazetteer
# uses alpha-2 and records each country's alpha-3 (data/countries.yaml). Codes an actors file
# defines are compared as written.
def _coded_actor(code: str, known: set[str], alpha3: Mapping[str, str] | None = None) -> str | None:
    code = code.strip().upper()
    for k in (code, code[:3]):
        if k in known:
            return k
        if alpha3 and k in alpha3:
            return alpha3[k]
    return None


def actor_agreement(
    prep: Prepared, cells: Sequence[str], weights: Mapping[str, float] | None = None,
    texts: Sequence[str] | None = None,
) -> dict:
    """How often the actors of a sentence's strongest cue are the coded source and target of one
    of its events (``SRC>TGT:code``), over the events whose actors the gazetteer knows; beside
    the rule of thumb "the first-mentioned of the two coded actors is the source" on the same
    sentences (``first_mention_source``). With the sentences' ``texts`` the cue judged is the
    sentence's event (``metrics.events.extract.main_event``), else the strongest cue."""
    from metrics.events.dyad import gazetteer
    from metrics.events.extract import main_event
    from metrics.events.segment import normalise

    g = gazetteer()
    known = set(g.codes)
    alpha3 = g.alpha3_codes()
    mat = prep.features.matches
    slots = prep.features.articles["actors"].tolist()
    m_contrib, _ = contributions(prep, weights)
    art = mat["article"].to_numpy()
    n = both = src_ok = tgt_ok = found = first_ok = first_cue_ok = named = named_ok = first_named_ok = 0
    first_any = in_text = in_text_ok = first_in_text = 0
    misses = []
    for row, cell in enumerate(cells):
        expected = []
        for ev in str(cell or "").split(";"):
            if ">" not in ev:
                continue
            s, rest = ev.split(">", 1)
            es, et = _coded_actor(s, known, alpha3), _coded_actor(rest.split(":", 1)[0], known, alpha3)
            if es or et:
                expected.append((es, et))
        if not expected:
            continue
        n += 1
        order = list(slots[row]) if row < len(slots) else []
        # the rule of thumb: of each event's two actors, the one named first did it
        first_hit = any(next((c for c in order if c in (es, et)), None) == es for es, et in expected if es)
        first_ok += first_hit
        # without the coding's help: the first actor the gazetteer finds is the source
        first_any += bool(order) and any(es and order[0] == es for es, _ in expected)
        coded_found = any(es and es in order for es, _ in expected)
        in_text += coded_found
        first_in_text += first_hit and coded_found
        rows = np.flatnonzero(art == row)
        first_cue_ok += first_hit and len(rows) > 0
        if not len(rows):
            misses.append({"row": row, "expected": cell, "source": None, "target": None, "in_text": coded_found})
            continue
        top = rows[np.argmax(np.abs(m_contrib[rows]))]
        if texts is not None and row < len(texts):
            norm = normalise(str(texts[row]))
            cues = list(zip(mat["start"].to_numpy()[rows].tolist(), mat["end"].to_numpy()[rows].tolist()))
            pick = main_event(norm, cues, m_contrib[rows].tolist())
            if pick is not None:
                top = rows[pick]
        found += 1
        got_s = set((g.codes_of(int(mat["source"].iat[top]), order) or "").split("+")) - {""}
        got_t = set((g.codes_of(int(mat["target"].iat[top]), order) or "").split("+")) - {""}
        hit_s = any(es and es in got_s for es, _ in expected)
        hit_t = any(et and et in got_t for _, et in expected)
        # a joint act ("Gondor and Arnor agreed") names both coded actors as its source
        hit_both = any((es in got_s and et in got_t) or {es, et} <= got_s for es, et in expected if es and et)
        src_ok += hit_s
        in_text_ok += hit_s and coded_found
        if got_s:  # the figures where attribution names a source at all
            named += 1
            named_ok += hit_s
            first_named_ok += first_hit
        tgt_ok += hit_t
        both += hit_both
        if not hit_s:
            misses.append({"row": row, "expected": cell, "source": "+".join(sorted(got_s)) or None,
                           "target": "+".join(sorted(got_t)) or None, "cue": str(mat["matched"].iat[top]),
                           "in_text": coded_found})

    def share(k: int) -> float | None:
        return k / n if n else None

    return {"events": n, "with_cue": found, "source": share(src_ok), "target": share(tgt_ok), "both": share(both),
            "first_mention_source": share(first_ok),
            # the same two figures over the sentences where a cue was found
            "source_with_cue": src_ok / found if found else None,
            "first_mention_with_cue": first_cue_ok / found if found else None,
            "with_source": named,
            "source_when_named": named_ok / named if named else None,
            "first_mention_when_named": first_named_ok / named if named else None,
            "first_actor_source": share(first_any),
            # over the sentences where the gazetteer finds a coded source at all
            "with_coded_source": in_text,
            "source_when_found": in_text_ok / in_text if in_text else None,
            "first_mention_when_found": first_in_text / in_text if in_text else None,
            "source_misses": misses}


# ---------------------------------------------------------------------------- reference series

PERIOD_KEYS = {**PERIODS, "quarter": "Q", "year": "Y"}  # the timeline's periods, and longer ones


def read_scores(path: str | Path) -> pd.DataFrame:
    """A score table written by ``score`` (.csv, .jsonl or .parquet): columns date and tension."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            df = pd.read_parquet(path)
        elif suffix == ".jsonl":
            df = pd.read_json(path, lines=True, dtype=False)
        elif suffix in (".csv", ".tsv"):
            df = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
        else:
            raise InputError(f"{path}: unsupported score table '{suffix or '(none)'}'; expected .csv, .jsonl or .parquet")
    except InputError:
        raise
    except Exception as err:  # pyarrow and pandas raise many types for a damaged file
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: cannot read score table: {first}") from None
    missing = [c for c in ("date", "tension") if c not in df.columns]
    if missing:
        raise InputError(f"{path}: no column {', '.join(repr(m) for m in missing)}; a score table from `score` has date and tension")
    return df


def read_reference(path: str | Path) -> pd.DataFrame:
    """A reference series: columns period,value (or the first two columns), one row per period."""
    path = Path(path)
    try:
        df = pd.read_csv(path, sep=None, engine="python")
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: cannot read reference series: {first}") from None
    cols = list(df.columns)
    if "period" in cols and "value" in cols:
        df = df[["period", "value"]]
    elif len(cols) >= 2:
        df = df.iloc[:, :2]
        df.columns = ["period", "value"]
    else:
        raise InputError(f"{path}: expected two columns period,value; columns are: {', '.join(map(str, cols))}")
    dates = pd.to_datetime(df["period"].astype(str), errors="coerce")
    values = pd.to_numeric(df["value"], errors="coerce")
    bad = np.flatnonzero(dates.isna() | values.isna())
    if len(bad):
        i = int(bad[0])
        raise InputError(f"{path}: row {i + 1}: cannot read period {str(df['period'].iat[i])!r} and value {str(df['value'].iat[i])!r}")
    return pd.DataFrame({"date": dates, "value": values.astype(float)})


def _period_start(dates: pd.Series, period: str) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period(PERIOD_KEYS[period]).dt.start_time


def _spearman(a: np.ndarray, b: np.ndarray) -> dict:
    from scipy.stats import spearmanr

    n = len(a)
    if n < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return {"n": n, "rho": None, "p": None}
    res = spearmanr(a, b)
    return {"n": n, "rho": float(res.statistic), "p": float(res.pvalue)}


def compare_series(scores: pd.DataFrame, reference: pd.DataFrame, period: str = "month") -> tuple[dict, pd.DataFrame]:
    """Spearman of the period means against the reference, on levels and on period-to-period changes.

    Changes are taken only between adjacent periods that both have a value, so a gap in either
    series never turns into one large jump.
    """
    if period not in PERIOD_KEYS:
        raise MetricsError(f"--period {period!r}: expected one of {', '.join(PERIOD_KEYS)}")
    s = scores[["date", "tension"]].copy()
    s["date"] = pd.to_datetime(s["date"], errors="coerce")
    s["tension"] = pd.to_numeric(s["tension"], errors="coerce")
    s = s.dropna()
    means = s.groupby(_period_start(s["date"], period))["tension"].agg(["mean", "count"])
    ref = reference.groupby(_period_start(reference["date"], period))["value"].mean()
    joined = means.join(ref.rename("reference"), how="inner").reset_index(names="period")
    joined = joined.rename(columns={"mean": "tension"})
    full = pd.DataFrame({"period": pd.period_range(
        joined["period"].min(), joined["period"].max(), freq=PERIOD_KEYS[period]).start_time}) if len(joined) else joined
    changes = full.merge(joined, on="period", how="left")[["tension", "reference"]].diff().dropna() if len(joined) else joined
    report = {
        "period": period,
        "periods": {"scores": int(len(means)), "reference": int(len(ref)), "both": int(len(joined))},
        "levels": _spearman(joined["tension"].to_numpy(), joined["reference"].to_numpy()),
        "changes": _spearman(changes["tension"].to_numpy(), changes["reference"].to_numpy()),
    }
    return report, joined


def plot_series(joined: pd.DataFrame, out: str | Path, reference_name: str = "reference") -> tuple[Path, str | None]:
    """Both series on one time axis (tension left, reference right). Returns the file written and,
    when an image was asked for but could not be made, why it fell back to HTML."""
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:
        raise needs_extra("a plot of the series", "plot") from None

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=joined["period"], y=joined["tension"], name="tension (period mean)", mode="lines+markers"))
    fig.add_trace(go.Scatter(x=joined["period"], y=joined["reference"], name=reference_name, mode="lines+markers"),
                  secondary_y=True)
    fig.update_yaxes(title_text="tension", secondary_y=False)
    fig.update_yaxes(title_text=reference_name, secondary_y=True)
    fig.update_layout(title="Tension index against the reference series", legend={"orientation": "h"})
    out = Path(out)
    if not out.parent.is_dir():
        raise MetricsError(f"{out}: cannot write: no folder {out.parent}")
    if out.suffix.lower() in (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".webp"):
        try:
            fig.write_image(str(out), width=1000, height=500)
            return out, None
        except Exception as err:  # kaleido missing, or no Chrome/Chromium it can start
            # kaleido's messages start with blank lines: take the first line that says something
            lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
            why = f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__
            html = out.with_suffix(".html")
            fig.write_html(str(html), include_plotlyjs=True)
            return html, why
    fig.write_html(str(out), include_plotlyjs=True)
    return out, None


# ---------------------------------------------------------------------------- reports


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def format_validate(report: dict, worst: int | None = None) -> str:
    n = report["n"]
    lines = [
        f"{report['file']}: {n['positive'] + n['negative']} rows scored "
        f"({n['positive']} positive: labels {','.join(report['labels']['positive'])}; "
        f"{n['negative']} negative: labels {','.join(report['labels']['negative'])}); "
        f"{n['dropped']} dropped (other labels); pair {report['dyad']}"
        + (f"; {n['not_about_pair']} not about the pair (scored 0)" if n["not_about_pair"] else ""),
        "",
        f"{'':<28}{'index':>10}{'VADER alone':>14}{'cues only':>12}",
    ]
    ix, va, co = report["index"], report["vader"], report["cues_only"]
    lines.append(f"{'ROC AUC':<28}{_fmt(ix['auc']):>10}{_fmt(va['auc']):>14}{_fmt(co['auc']):>12}")
    lines.append(f"{'accuracy at 0':<28}{_fmt(ix['accuracy']):>10}{_fmt(va['accuracy']):>14}{_fmt(co['accuracy']):>12}")
    lines.append(f"{'rows scored exactly 0':<28}{ix['no_signal']:>10}{va['no_signal']:>14}{co['no_signal']:>12}")
    fams = [f for f in report["families"] if f["precision"] is not None]
    fams.sort(key=lambda f: (f["precision"], -(f["fires_positive"] + f["fires_negative"])))
    if worst:
        fams = fams[:worst]
    lines += [
        "",
        "cue families, worst precision first (fires: rows the family moved; precision: share of them it moved",
        "towards the labelled side; flipped: rows where negation turned it against its direction)",
        f"{'family':<20}{'direction':>14}{'weight':>8}{'fires +':>9}{'fires -':>9}{'flipped':>9}{'precision':>11}",
    ]
    for f in fams:
        lines.append(
            f"{f['id']:<20}{f['direction']:>14}{f['weight']:>8.3g}{f['fires_positive']:>9}{f['fires_negative']:>9}"
            f"{f['flipped']:>9}{_fmt(f['precision']):>11}"
        )
    never = [f["id"] for f in report["families"] if f["precision"] is None]
    if never:
        lines.append(f"never fired: {', '.join(never)}")
    for m in report.get("misread", []):
        lines.append(f"  misread row {m['row']} (label {m['label']}, raw {m['raw']:+.2f}; {m['top_cues'] or 'tone only'}): {m['text'][:160]}")
    return "\n".join(lines)
