"""Events in the field's format: one row per attributed act, with its CAMEO code and Goldstein
value (``export --events``), and the CAMEO mapping of the cue families (docs/events-export.md).

An act is a cue match that counts between the pair (the event gate) with a non-zero
contribution. Its ``contribution`` is the same number the drill-down shows, so an article's acts
plus its tone add up to its ``raw`` score (the ``tone`` column of the articles table is that rest).
"""

from __future__ import annotations

import csv
from functools import lru_cache

import numpy as np
import pandas as pd

from metrics.events.dyad import gazetteer
from metrics.events.lexicon import Lexicon, WeightsLike
from metrics.resources import data_dir
from metrics.score.corrections import corrected_ids
from metrics.score.scoring import Prepared, contributions

CAMEO_MAP = "cameo_map.tsv"
# GDELT's QuadClass from the CAMEO root: 1 verbal cooperation (01-05), 2 material cooperation
# (06-09), 3 verbal conflict (10-14), 4 material conflict (15-20).
QUAD_NAMES = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}
EVENTS_SCHEMA = "tension.events.v1"  # the columns below; a change of them is a new version
EVENT_COLUMNS = [
    "record_type", "event_id", "article_id", "event_date", "passage", "passage_start", "passage_end", "match_start", "match_end",
    "source_actor", "target_actor", "acted_by", "cue_family", "cameo_code", "cameo_root", "quad_class", "goldstein",
    "contribution", "corrected", "correction_id", "matched_text", "url",
]


def quad_class(root: str) -> int | None:
    try:
        r = int(root)
    except (TypeError, ValueError):
        return None
    return 1 if r <= 5 else 2 if r <= 9 else 3 if r <= 14 else 4


@lru_cache(maxsize=4)
def _shipped_map(path: str) -> dict[str, tuple[str, str, float]]:
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
        next(rows, None)
        for family, code, root, goldstein in rows:
            out[family] = (code, root, float(goldstein))
    return out


def cameo_table(lexicon: Lexicon) -> pd.DataFrame:
    """Per cue family (index: id): cameo_code, cameo_root, goldstein, quad_class. A family that
    carries ``cameo``/``goldstein`` in the lexicon data uses them; else data/cameo_map.tsv; a family
    in neither has none (NaN)."""
    shipped = _shipped_map(str(data_dir() / CAMEO_MAP))
    rows = []
    for fam in lexicon.families:
        code, root, gold = shipped.get(fam.id, (None, None, np.nan))
        own = getattr(fam, "cameo", None)
        if own:
            code = str(own).split("/")[0].strip()
            root = code[:2]
        own_g = getattr(fam, "goldstein", None)
        if own_g is not None:
            gold = float(own_g)
        rows.append((fam.id, code, root, gold, quad_class(root)))
    return pd.DataFrame(rows, columns=["family", "cameo_code", "cameo_root", "goldstein", "quad_class"]).set_index("family")


def event_table(prep: Prepared, weights: WeightsLike = None, include_zero: bool = False, tone: bool = True) -> pd.DataFrame:
    """One row per attributed act (``EVENT_COLUMNS``, ``record_type`` "act"), in article and text
    order, and with ``tone`` one "tone" row per article whose tone moved its score (no actors, no
    CAMEO code): then an article's rows add up to its raw score. ``goldstein`` is the mapped code's
    value, its sign flipped for an act read the other way (negated cooperation, or a
    wrong-direction correction)."""
    f = prep.features
    mat = f.matches
    m_contrib, _ = contributions(prep, weights)
    keep = (prep.event > 0) & (mat["strength"].to_numpy() != 0)
    if not include_zero:
        keep &= m_contrib != 0
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((mat["start"].to_numpy()[rows], mat["article"].to_numpy()[rows]))]
    table = cameo_table(prep.lexicon)
    cue = mat["cue"].to_numpy(np.int64)[rows]
    ids = np.array(prep.lexicon.ids, dtype=object)[cue]
    art = mat["article"].to_numpy(np.int64)[rows]
    pas = mat["passage"].to_numpy(np.int64)[rows]
    g = gazetteer()
    slots = f.articles["actors"].tolist()  # each article's actor slots: the bits of its masks
    codes: dict[tuple[int, int], str | None] = {}

    def actor(mask: int, article: int) -> str | None:
        key = (int(mask), int(article))
        if key not in codes:
            codes[key] = g.codes_of(int(mask), slots[article])
        return codes[key]

    strength = mat["strength"].to_numpy(np.float64)[rows]
    gold = table["goldstein"].to_numpy(np.float64)[cue] * np.sign(strength)
    corrected = corrected_ids(f)[rows]
    arts = f.articles
    dates = arts["date"].to_numpy()[art]
    out = pd.DataFrame({
        "record_type": "act",
        "event_id": [f"{a}-{int(s)}-{c}" for a, s, c in zip(arts["id"].to_numpy()[art], mat["start"].to_numpy()[rows], ids)],
        "article_id": arts["id"].to_numpy()[art],
        "event_date": [None if d is None or pd.isna(d) else str(d)[:10] for d in dates],
        "passage": f.passages["idx"].to_numpy(np.int64)[pas] + 1,
        "passage_start": f.passages["start"].to_numpy(np.int64)[pas],
        "passage_end": f.passages["end"].to_numpy(np.int64)[pas],
        "match_start": mat["start"].to_numpy(np.int64)[rows],
        "match_end": mat["end"].to_numpy(np.int64)[rows],
        "source_actor": [actor(m, a) for m, a in zip(mat["source"].to_numpy(np.int64)[rows], art)],
        "target_actor": [actor(m, a) for m, a in zip(mat["target"].to_numpy(np.int64)[rows], art)],
        "acted_by": np.array([prep.dyad.a, prep.dyad.b, "both"], dtype=object)[prep.side[rows].astype(np.int64)],
        "cue_family": ids,
        "cameo_code": table["cameo_code"].to_numpy(object)[cue],
        "cameo_root": table["cameo_root"].to_numpy(object)[cue],
        "quad_class": pd.array(table["quad_class"].to_numpy()[cue], dtype="Int64"),
        "goldstein": np.round(gold, 2),
        "contribution": m_contrib[rows],
        "corrected": corrected > 0,
        "correction_id": pd.array(np.where(corrected > 0, corrected, 0), dtype="Int64").astype("Int64"),
        "matched_text": mat["matched"].iloc[rows].astype(str).to_numpy(),
        "url": arts["source"].to_numpy()[art],
    }, columns=EVENT_COLUMNS)
    out.loc[~out["corrected"], "correction_id"] = pd.NA
    if tone:
        out = _with_tone_rows(prep, weights, out)
    return out.reset_index(drop=True)


def _with_tone_rows(prep: Prepared, weights: WeightsLike, acts: pd.DataFrame) -> pd.DataFrame:
    """``acts`` and one "tone" row per article whose passages' tone contributed, each after its
    article's acts."""
    f = prep.features
    _, t_contrib = contributions(prep, weights)
    n = len(f.articles)
    per_article = np.bincount(f.passages["article"].to_numpy(np.int64), weights=t_contrib, minlength=n)
    rows = np.flatnonzero(per_article != 0)
    if not len(rows):
        return acts
    arts = f.articles
    dates = arts["date"].to_numpy()[rows]
    tone = pd.DataFrame({
        "record_type": "tone",
        "event_id": [f"{a}-tone" for a in arts["id"].to_numpy()[rows]],
        "article_id": arts["id"].to_numpy()[rows],
        "event_date": [None if d is None or pd.isna(d) else str(d)[:10] for d in dates],
        "contribution": per_article[rows],
        "corrected": False,
        "url": arts["source"].to_numpy()[rows],
    }).reindex(columns=EVENT_COLUMNS)
    order = {a: i for i, a in enumerate(arts["id"])}
    both = pd.concat([acts.astype({"quad_class": "Int64", "correction_id": "Int64"}),
                      tone.astype({"quad_class": "Int64", "correction_id": "Int64", "corrected": bool,
                                   "passage": "Int64", "passage_start": "Int64", "passage_end": "Int64",
                                   "match_start": "Int64", "match_end": "Int64"})], ignore_index=True)
    key = both["article_id"].map(order).to_numpy() * 2 + (both["record_type"] == "tone").to_numpy()
    return both.iloc[np.argsort(key, kind="stable")]
