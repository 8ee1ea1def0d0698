"""Analysts' corrections of misread cues, applied to a feature table before any weighting.

A correction names one cue match by what survives re-extraction: the article id, the offsets of
its passage, the cue family id, the match's offsets and its matched text (or, for a missed act,
the passage alone). ``apply`` finds each correction's match in a feature table and edits the
match columns (strength, source, target), or adds a match for a missed act. It runs once per
feature table (when the store is read), so the weighting that every slider move runs stays one
matrix-vector product over the corrected table; it is independent of how scoring aggregates
matches. A correction whose match is no longer there (another lexicon or extractor) is kept and
reported as ``unmatched``, never dropped in silence (docs/corrections.md).

Kinds (``KINDS``):

- ``not_between_pair``: not an act between the pair: the match's actors become third parties
  and its strength 0, so no gate and no aggregate counts it;
- ``wrong_direction``: the act is read the wrong way round: its strength changes sign (a
  cancelled one, strength 0, becomes -1: the opposite of its family at full strength);
- ``wrong_actor``: the source and target (country codes joined by ``+``, ``THIRD``, ``PAIR``);
- ``wrong_strength``: this occurrence's strength, the multiplier of its family's weight (1 full,
  0.5 hedged, 0 cancelled, 2 twice as strong);
- ``missed_act``: the passage reports an act of ``cue``'s family the lexicon missed, by source
  on target, at ``strength`` (default 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.events.dyad import MAX_SLOTS, PAIR_BIT, THIRD_BIT, gazetteer
from metrics.events.lexicon import Lexicon
from metrics.model import Features

KINDS = ("not_between_pair", "wrong_direction", "wrong_actor", "wrong_strength", "missed_act")
KIND_LABELS = {
    "not_between_pair": "not an act between the pair",
    "wrong_direction": "wrong direction",
    "wrong_actor": "wrong actor",
    "wrong_strength": "wrong strength",
    "missed_act": "missed act",
}
MAX_STRENGTH = 10.0
# The columns of a corrections table (``Store.corrections``), in the order the store keeps them.
COLUMNS = ["id", "at", "who", "features_version", "article", "p_start", "p_end", "cue", "m_start", "m_end",
           "matched", "kind", "source", "target", "strength", "reason", "original", "deleted_at"]
APPLIED, UNMATCHED, ABSENT = "applied", "unmatched", "absent"  # absent: its article is not in the table


@dataclass
class Correction:
    """One correction as the drill-down or the command line makes it."""

    article: str
    kind: str
    p_start: int
    p_end: int
    cue: str | None = None  # the family id (for missed_act: the family of the missed act)
    m_start: int | None = None
    m_end: int | None = None
    matched: str | None = None
    source: str | None = None  # codes as ``Gazetteer.codes_of`` writes them
    target: str | None = None
    strength: float | None = None
    reason: str | None = None
    original: dict = field(default_factory=dict)  # the reading the analyst saw (source, target, strength, ...)


def actor_mask(codes: str | None, slots: list[str] | None = None) -> int:
    """The actor mask of ``US``, ``US+THIRD``, ``PAIR`` in an article whose actor slots are
    ``slots`` (``metrics.events.dyad``: a mask's bits are the article's own actors); a country the
    article never named gets the next free slot, appended to ``slots``. 0 for None or empty.
    Unknown codes raise KeyError."""
    if not codes:
        return 0
    g = gazetteer()
    slots = [] if slots is None else slots
    mask = 0
    for part in str(codes).replace(",", "+").split("+"):
        part = part.strip().upper()
        if not part:
            continue
        if part == "THIRD":
            mask |= 1 << THIRD_BIT
        elif part == "PAIR":
            mask |= 1 << PAIR_BIT
        elif part in g.codes:
            if part not in slots and len(slots) >= MAX_SLOTS:
                mask |= 1 << THIRD_BIT  # no slot left: a third party, as extraction reads it
                continue
            if part not in slots:
                slots.append(part)
            mask |= 1 << slots.index(part)
        else:
            raise KeyError(part)
    return mask


def check(c: Correction, lexicon: Lexicon) -> str | None:
    """Why this correction cannot be stored (one line), or None."""
    if c.kind not in KINDS:
        return f"kind {c.kind!r}: expected one of {', '.join(KINDS)}"
    if not c.cue or c.cue not in lexicon.index():
        return f"cue {c.cue!r}: no such cue family in lexicon version {lexicon.version}"
    if c.p_end < c.p_start or c.p_start < 0:
        return f"passage offsets {c.p_start}..{c.p_end}: not a passage"
    if c.kind != "missed_act" and (c.m_start is None or c.m_end is None or c.matched is None):
        return f"{c.kind} needs the cue match (its offsets and matched text)"
    if c.kind in ("wrong_actor", "missed_act"):
        for name, codes in (("source", c.source), ("target", c.target)):
            try:
                actor_mask(codes)
            except KeyError as err:
                return f"{name} {codes!r}: unknown actor {err.args[0]!r} (country codes, THIRD or PAIR)"
        if c.kind == "wrong_actor" and not (c.source or c.target):
            return "wrong_actor needs a source or a target"
    if c.kind == "wrong_strength" or (c.kind == "missed_act" and c.strength is not None):
        if c.strength is None or not np.isfinite(c.strength) or not 0 <= c.strength <= MAX_STRENGTH:
            return f"strength {c.strength!r}: expected a number from 0 to {MAX_STRENGTH:g}"
    return None


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def table(rows: list[tuple]) -> pd.DataFrame:
    """The corrections table from the store's rows (``COLUMNS`` order)."""
    if not rows:
        return empty_table()
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["id"] = df["id"].astype(np.int64)
    return df


def original_of(row: pd.Series | dict) -> dict:
    raw = row["original"]
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class Applied:
    """What ``apply`` did: one row per correction (id, state, row: the match row it edited or
    added, -1 when unmatched or absent)."""

    status: pd.DataFrame

    def unmatched(self) -> pd.DataFrame:
        return self.status[self.status["state"] == UNMATCHED]


def _locate(corr: pd.DataFrame, features: Features, lexicon: Lexicon, a_row: np.ndarray) -> np.ndarray:
    """The match row of each (match-kind) correction, -1 when its match is gone. Same article and
    cue family; the matched text equal (case aside) and the match inside the stored passage
    span, or the very same offsets; the nearest start wins."""
    mat = features.matches
    out = np.full(len(corr), -1, dtype=np.int64)
    if len(corr) == 0 or len(mat) == 0:
        return out
    index = lexicon.index()
    cue = np.array([index.get(c, -1) for c in corr["cue"]], dtype=np.int64)
    m_art = mat["article"].to_numpy(np.int64)
    near = np.flatnonzero(np.isin(m_art, a_row[a_row >= 0]))  # matches of corrected articles only
    if len(near) == 0:
        return out
    # Candidates: the matches of the same article and family, found by sorted keys (numpy only:
    # a pandas merge costs more than the rest of ``apply`` at a few hundred corrections).
    k = len(lexicon.families) + 1
    m_key = m_art[near] * k + mat["cue"].to_numpy(np.int64)[near]
    order = np.argsort(m_key, kind="stable")
    m_key, near = m_key[order], near[order]
    c_key = np.where((a_row >= 0) & (cue >= 0), a_row * k + cue, -1)
    lo, hi = np.searchsorted(m_key, c_key, "left"), np.searchsorted(m_key, c_key, "right")
    counts = np.where(c_key >= 0, hi - lo, 0)
    if counts.sum() == 0:
        return out
    which = np.repeat(np.arange(len(corr)), counts)  # the correction of each candidate
    cand = near[np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)]
    start, end = mat["start"].to_numpy(np.int64)[cand], mat["end"].to_numpy(np.int64)[cand]
    m_start = corr["m_start"].fillna(-1).to_numpy(np.int64)[which]
    m_end = corr["m_end"].fillna(-1).to_numpy(np.int64)[which]
    inside = (start >= corr["p_start"].to_numpy(np.int64)[which]) & (end <= corr["p_end"].to_numpy(np.int64)[which])
    want = np.array([str(t or "").lower().strip() for t in corr["matched"]], dtype=object)[which]
    text = mat["matched"].iloc[cand].astype(str).str.lower().str.strip().to_numpy(dtype=object)
    ok = ((start == m_start) & (end == m_end)) | ((text == want) & inside)
    which, cand, dist = which[ok], cand[ok], np.abs(start - m_start)[ok]
    pick = np.lexsort((dist, which))
    first = np.unique(which[pick], return_index=True)[1]
    out[which[pick][first]] = cand[pick][first]
    return out


def _passage_of(corr: pd.DataFrame, features: Features, a_row: np.ndarray) -> np.ndarray:
    """The passage row of each missed act: the passage of its article that overlaps the stored
    span most; -1 when none does."""
    pas = features.passages
    out = np.full(len(corr), -1, dtype=np.int64)
    if len(corr) == 0 or len(pas) == 0:
        return out
    p_art = pas["article"].to_numpy(np.int64)
    starts, ends = pas["start"].to_numpy(np.int64), pas["end"].to_numpy(np.int64)
    lo = np.searchsorted(p_art, a_row, side="left")  # passages are grouped by article, in order
    hi = np.searchsorted(p_art, a_row, side="right")
    ps, pe = corr["p_start"].to_numpy(np.int64), corr["p_end"].to_numpy(np.int64)
    for k in np.flatnonzero((a_row >= 0) & (hi > lo)):  # missed acts are few: one small slice each
        overlap = np.minimum(ends[lo[k]:hi[k]], pe[k]) - np.maximum(starts[lo[k]:hi[k]], ps[k])
        best = int(overlap.argmax())
        if overlap[best] > 0:
            out[k] = lo[k] + best
    return out


def _with_rows(mat: pd.DataFrame, extra: dict[str, np.ndarray], matched: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """``mat`` with the rows ``extra`` (numeric columns) and ``matched`` (their texts) added, kept
    grouped by article and passage as extraction writes them, column by column in numpy and
    Arrow (a frame-wide concat and take cost several times more); and where each row (old, then added) went."""
    import pyarrow as pa

    cols = {c: np.concatenate([mat[c].to_numpy(), np.asarray(extra[c]).astype(mat[c].dtype)])
            for c in mat.columns if c != "matched"}
    perm = np.lexsort((cols["start"], cols["passage"]))
    moved = np.empty(len(perm), dtype=np.int64)
    moved[perm] = np.arange(len(perm))
    old = mat["matched"]
    try:
        old_arr = pa.array(old.array).cast(pa.large_string())  # Arrow-backed text: no Python str per row
    except (TypeError, pa.ArrowInvalid):
        old_arr = pa.array([str(t) for t in old], type=pa.large_string())
    texts = pa.concat_arrays([old_arr, pa.array(matched, type=pa.large_string())]).take(pa.array(perm))
    out = pd.DataFrame({c: v[perm] for c, v in cols.items()})
    try:
        out["matched"] = pd.array(texts, dtype=old.dtype)
    except (TypeError, ValueError):
        out["matched"] = pd.Series(texts.to_pylist(), dtype=old.dtype)
    return out[list(mat.columns)], moved


def apply(features: Features, corrections: pd.DataFrame, lexicon: Lexicon) -> tuple[Features, Applied]:
    """``features`` with ``corrections`` (live ones, a ``table``) applied, and what was applied.

    The corrected matches table carries a ``corrected`` column (the id of the last correction of
    each match, 0 for none). Unknown actor codes (a changed gazetteer) leave that actor as read.
    """
    corr = corrections[corrections["deleted_at"].isna()] if "deleted_at" in corrections else corrections
    corr = corr.sort_values("id", kind="stable").reset_index(drop=True)
    status = pd.DataFrame({"id": corr["id"].to_numpy(np.int64), "state": ABSENT, "row": np.full(len(corr), -1, np.int64)})
    if corr.empty:
        return features, Applied(status)
    pos = pd.Index(features.articles["id"].astype(str)).get_indexer(corr["article"].astype(str))
    a_row = pos.astype(np.int64)
    missed = (corr["kind"] == "missed_act").to_numpy()
    rows = np.full(len(corr), -1, dtype=np.int64)
    on_match = ~missed
    rows[on_match] = _locate(corr[on_match], features, lexicon, a_row[on_match])
    mat = features.matches
    strength = mat["strength"].to_numpy(np.float64).copy()
    source = mat["source"].to_numpy(np.int64).copy()
    target = mat["target"].to_numpy(np.int64).copy()
    corrected = np.zeros(len(mat), dtype=np.int64)
    ids = corr["id"].to_numpy(np.int64)
    kind = corr["kind"].to_numpy()
    third = np.int64(1 << THIRD_BIT)

    slots = {int(a): list(features.articles["actors"].iat[int(a)]) for a in set(a_row.tolist()) if a >= 0}

    def masks(col: str) -> np.ndarray:
        out = np.full(len(corr), -1, dtype=np.int64)  # -1: keep as read
        for i, (codes, a) in enumerate(zip(corr[col], a_row)):
            if codes and a >= 0:
                try:
                    out[i] = actor_mask(codes, slots[int(a)])
                except KeyError:
                    pass
        return out

    src_mask, tgt_mask = masks("source"), masks("target")
    # Fixed order per match: the strength set, its sign flipped, the actors set, then "not between
    # the pair" overriding everything; corrections of one kind apply in the order they were made.
    for k in ("wrong_strength", "wrong_direction", "wrong_actor", "not_between_pair"):
        sel = np.flatnonzero((kind == k) & (rows >= 0))
        if not len(sel):
            continue
        r = rows[sel]
        if k == "wrong_strength":
            strength[r] = corr["strength"].to_numpy(np.float64)[sel]
        elif k == "wrong_direction":
            for ri in r:  # two flips of one match cancel: sequential, not a fancy assignment
                strength[ri] = -strength[ri] if strength[ri] != 0 else -1.0
        elif k == "wrong_actor":
            s, t = src_mask[sel], tgt_mask[sel]
            source[r] = np.where(s >= 0, s, source[r])
            target[r] = np.where(t >= 0, t, target[r])
        else:
            strength[r] = 0.0
            source[r] = third
            target[r] = third
    order = np.argsort(ids[rows >= 0], kind="stable")
    hit = np.flatnonzero(rows >= 0)[order]
    corrected[rows[hit]] = ids[hit]
    new_mat = mat.assign(strength=strength, source=source, target=target, corrected=corrected)
    p_rows = np.full(len(corr), -1, dtype=np.int64)
    if missed.any():
        p_rows[missed] = _passage_of(corr[missed], features, a_row[missed])
        add = np.flatnonzero(missed & (p_rows >= 0))
        if len(add):
            pas = features.passages
            index = lexicon.index()
            pr = p_rows[add]
            cue = np.array([index.get(c, -1) for c in corr["cue"].to_numpy()[add]], dtype=np.int64)
            good = cue >= 0
            add, pr, cue = add[good], pr[good], cue[good]
            st = corr["strength"].to_numpy()[add]
            extra = {
                "article": pas["article"].to_numpy(np.int64)[pr], "passage": pr, "cue": cue,
                "start": pas["start"].to_numpy(np.int64)[pr], "end": pas["end"].to_numpy(np.int64)[pr],
                "strength": np.array([1.0 if v is None or pd.isna(v) else float(v) for v in st], dtype=np.float64),
                "negated": np.zeros(len(add), dtype=bool), "hedged": np.zeros(len(add), dtype=bool),
                "source": np.maximum(src_mask[add], 0), "target": np.maximum(tgt_mask[add], 0), "corrected": ids[add],
            }
            n0 = len(new_mat)
            rows[add] = np.arange(n0, n0 + len(add))
            new_mat, moved = _with_rows(new_mat, extra, [str(corr["matched"].iat[i] or "") for i in add])
            rows = np.where(rows >= 0, moved[np.maximum(rows, 0)], -1)
    status["row"] = rows
    status["state"] = np.where(rows >= 0, APPLIED, np.where(a_row >= 0, UNMATCHED, ABSENT))
    articles = features.articles
    grown = {a: tuple(v) for a, v in slots.items() if len(v) != len(articles["actors"].iat[a])}
    if grown:  # a correction named a country its article never did: it has a slot now
        actors = articles["actors"].tolist()
        for a, v in grown.items():
            actors[a] = v
        articles = articles.assign(actors=actors)
    out = Features(articles=articles, passages=features.passages, matches=new_mat,
                   lexicon_version=features.lexicon_version)
    return out, Applied(status)


def corrected_ids(features: Features) -> np.ndarray:
    """Per match: the id of the correction applied to it, 0 for none."""
    col = features.matches.get("corrected")
    return np.zeros(len(features.matches), dtype=np.int64) if col is None else col.to_numpy(np.int64)


def for_match(features: Features, lexicon: Lexicon, row: int, kind: str, **fields) -> Correction:
    """A correction of the match at ``row`` of ``features`` (as read now: its reading becomes
    ``original``); ``fields``: source, target, strength, reason."""
    g = gazetteer()
    m = features.matches.iloc[int(row)]
    p = features.passages.iloc[int(m["passage"])]
    fam = lexicon.families[int(m["cue"])]
    slots = features.articles["actors"].iat[int(m["article"])]
    original = {
        "source": g.codes_of(int(m["source"]), slots), "target": g.codes_of(int(m["target"]), slots),
        "strength": float(m["strength"]), "direction": fam.direction,
        "negated": bool(m["negated"]), "hedged": bool(m["hedged"]),
    }
    return Correction(
        article=str(features.articles["id"].iat[int(m["article"])]), kind=kind,
        p_start=int(p["start"]), p_end=int(p["end"]), cue=fam.id, m_start=int(m["start"]), m_end=int(m["end"]),
        matched=str(m["matched"]), original=original, **fields,
    )


def for_passage(features: Features, lexicon: Lexicon, row: int, cue: str, **fields) -> Correction:
    """A missed act in the passage at ``row`` of ``features``, of family ``cue``; ``fields``:
    source, target, strength, reason. Its matched text is the passage's (the act it reports)."""
    p = features.passages.iloc[int(row)]
    text = " ".join(str(p["text"]).split())
    return Correction(
        article=str(features.articles["id"].iat[int(p["article"])]), kind="missed_act",
        p_start=int(p["start"]), p_end=int(p["end"]), cue=cue, matched=text[:300], original={}, **fields,
    )


def describe(rec: pd.Series | dict) -> str:
    """One line: what the correction says (plain text)."""
    kind = rec["kind"]
    if kind == "wrong_actor":
        return f"actors {rec['source'] or '?'} -> {rec['target'] or '?'}"
    if kind == "wrong_strength":
        return f"strength {float(rec['strength']):g}"
    if kind == "missed_act":
        st = rec["strength"]
        st = 1.0 if st is None or pd.isna(st) else float(st)
        return f"missed act of {rec['cue']} by {rec['source'] or '?'} on {rec['target'] or '?'} (strength {st:g})"
    return KIND_LABELS[kind]


def annotate(doc: dict, features: Features, records: pd.DataFrame) -> dict:
    """Mark the cues of an ``explain`` or drill-down ``doc`` (of one article of ``features``)
    that a correction changed: ``corrected`` (bool) and ``correction`` (id, kind, label, who, at,
    reason, what it says, and the ``original`` reading) so a view can show both."""
    mat = features.matches
    ids = corrected_ids(features)
    by_id = {int(r["id"]): r for _, r in records.iterrows()} if len(records) else {}
    art = features.articles["id"].astype(str).to_numpy()
    where: dict[tuple, list[int]] = {}  # (article, start, end) -> the corrections there
    for mi in np.flatnonzero(ids):
        key = (art[int(mat["article"].iat[mi])], int(mat["start"].iat[mi]), int(mat["end"].iat[mi]))
        where.setdefault(key, []).append(int(ids[mi]))
    for p in doc.get("passages", []):
        for c in p["cues"]:
            here = where.get((str(doc.get("id")), int(c["start"]), int(c["end"])), [])
            cid = next((v for v in here if v in by_id and by_id[v]["cue"] == c["id"]), 0)
            rec = by_id.get(cid)
            c["corrected"] = rec is not None
            if rec is not None:
                c["correction"] = {
                    "id": cid, "kind": rec["kind"], "label": KIND_LABELS[rec["kind"]], "who": rec["who"],
                    "at": rec["at"], "reason": rec["reason"], "says": describe(rec), "original": original_of(rec),
                }
    return doc
