"""Corrections in the store (both backends): make, list, undo, redo, re-anchor and discard.

The table is ``corrections`` (migration 5 in ``metrics.store.core``); every change is one
transaction that also writes the activity log (``log``) and bumps the store's generation, so
every cached view reads the corrected features at once. Undo keeps the row as a tombstone
(``deleted_at``), as removing an article does; ``discard`` deletes it for good. How a correction
changes the features: ``metrics.score.corrections``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd

from metrics.errors import MetricsError
from metrics.score import corrections as C
from metrics.store.core import _LIVE, Store, _now

_SELECT = (
    "SELECT pk, at, who, features_version, article, p_start, p_end, cue, m_start, m_end, matched, kind, source,"
    " target, strength, reason, original, deleted_at FROM corrections"
)


def _title(cid: int, c: C.Correction | pd.Series) -> str:
    what = f"{c.kind} of {c.cue}" if c.kind != "missed_act" else f"missed act of {c.cue}"
    matched = " ".join(str(c.matched or "").split())[:60]
    return f"correction #{cid}: {what}" + (f" \u201c{matched}\u201d" if matched and c.kind != "missed_act" else "")


def add(store: Store, c: C.Correction, who: str | None = None) -> int:
    """Store a correction of a stored article; returns its id. A bad one raises MetricsError."""
    why = C.check(c, store.lexicon)
    if why:
        raise MetricsError(f"correction of article '{c.article}': {why}")
    if c.source:
        c.source = "+".join(p.strip().upper() for p in c.source.replace(",", "+").split("+") if p.strip())
    if c.target:
        c.target = "+".join(p.strip().upper() for p in c.target.replace(",", "+").split("+") if p.strip())
    reason = (c.reason or "").strip()[:500] or None

    def run(conn) -> int:
        if conn.execute(f"SELECT 1 FROM articles a WHERE a.id = ? AND {_LIVE}", (c.article,)).fetchone() is None:
            raise MetricsError(f"no stored article with id '{c.article}' in {store.path}")
        cid = conn.execute(
            "INSERT INTO corrections (at, who, features_version, article, p_start, p_end, cue, m_start, m_end, matched,"
            " kind, source, target, strength, reason, original) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING pk",
            (_now(), who, store.features_version, c.article, int(c.p_start), int(c.p_end), c.cue,
             None if c.m_start is None else int(c.m_start), None if c.m_end is None else int(c.m_end), c.matched,
             c.kind, c.source or None, c.target or None, None if c.strength is None else float(c.strength), reason,
             json.dumps(c.original or {}, ensure_ascii=False, default=str)),
        ).fetchone()[0]
        store._log(conn, "correct", c.article, _title(cid, c), who)
        store._bump(conn)
        return int(cid)

    return store._write(run)


def table(store: Store, include_undone: bool = False, article: str | None = None) -> pd.DataFrame:
    """The corrections (``metrics.score.corrections.COLUMNS``), oldest first."""
    where, params = [], []
    if not include_undone:
        where.append("deleted_at IS NULL")
    if article is not None:
        where.append("article = ?")
        params.append(article)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY pk"
    return C.table(store._read(lambda conn: conn.execute(sql, tuple(params)).fetchall()))


def _change(store: Store, ids: Iterable[int], action: str, who: str | None) -> list[int]:
    ids = sorted({int(i) for i in ids})
    if not ids:
        return []
    cond = {"undo": "deleted_at IS NULL", "redo": "deleted_at IS NOT NULL", "discard": "1 = 1"}[action]

    def run(conn) -> list[int]:
        done = []
        for cid in ids:
            row = conn.execute(f"{_SELECT} WHERE pk = ? AND {cond}{store._FOR_UPDATE}", (cid,)).fetchone()
            if row is None:
                continue
            rec = C.table([row]).iloc[0]
            if action == "discard":
                conn.execute("DELETE FROM corrections WHERE pk = ?", (cid,))
            else:
                conn.execute("UPDATE corrections SET deleted_at = ? WHERE pk = ?", (_now() if action == "undo" else None, cid))
            store._log(conn, f"{action} correction" if action != "discard" else "discard correction", rec["article"],
                       _title(cid, rec), who)
            done.append(cid)
        if done:
            store._bump(conn)
        return done

    return store._write(run)


def undo(store: Store, ids: Iterable[int], who: str | None = None) -> list[int]:
    """Withdraw corrections (kept as tombstones, back with ``redo``); returns the ids changed."""
    return _change(store, ids, "undo", who)


def redo(store: Store, ids: Iterable[int], who: str | None = None) -> list[int]:
    """Bring withdrawn corrections back."""
    return _change(store, ids, "redo", who)


def discard(store: Store, ids: Iterable[int], who: str | None = None) -> list[int]:
    """Delete corrections for good (typically ones that no longer match after a lexicon change)."""
    return _change(store, ids, "discard", who)


def status(store: Store, include_undone: bool = False) -> pd.DataFrame:
    """The corrections with their ``state`` against the current features: applied, unmatched
    (the cue no longer matches: another lexicon or extractor), absent (the article is removed),
    undone. Reads the features of the corrected articles only."""
    df = table(store, include_undone=include_undone)
    if df.empty:
        return df.assign(state=pd.Series(dtype=object))
    live = df[df["deleted_at"].isna()]
    state = pd.Series("undone", index=df.index, dtype=object)
    if not live.empty:
        feats = _features_of(store, list(dict.fromkeys(live["article"])))
        if feats is None:
            state[live.index] = C.ABSENT
        else:
            st = getattr(feats, "correction_status", None)
            by_id = dict(zip(st["id"], st["state"])) if st is not None else {}
            state[live.index] = [by_id.get(i, C.ABSENT) for i in live["id"]]
    return df.assign(state=state)


def _features_of(store: Store, article_ids: list[str]):
    """The corrected features of these articles (duplicates included), or None when none is stored."""
    if store.stale():
        if store.readonly:
            return store.features(duplicates=True)
        store.refresh()
    marks = ",".join("?" * len(article_ids))
    f = store._load(f"AND a.id IN ({marks})", tuple(article_ids), True)
    return f if len(f) else None


def reanchor(store: Store, cid: int, who: str | None = None, cue: str | None = None, m_start: int | None = None) -> dict:
    """Re-apply an unmatched correction to a match found now in its passage: the one of family
    ``cue`` (default: the correction's own) nearest ``m_start`` (default: its old start). Its
    match identity and features version become the current ones. Returns the new anchor."""
    rows = table(store, include_undone=True)
    rows = rows[rows["id"] == int(cid)]
    if rows.empty:
        raise MetricsError(f"no correction #{cid} in {store.path}")
    rec = rows.iloc[0]
    feats = _features_of(store, [rec["article"]])
    if feats is None:
        raise MetricsError(f"correction #{cid}: article '{rec['article']}' is not stored")
    want_cue = cue or rec["cue"]
    index = store.lexicon.index()
    if want_cue not in index:
        raise MetricsError(f"correction #{cid}: no cue family '{want_cue}' in lexicon version {store.lexicon.version}")
    pas, mat = feats.passages, feats.matches
    p_start, p_end = int(rec["p_start"]), int(rec["p_end"])
    overlap = (pas["end"].clip(upper=p_end) - pas["start"].clip(lower=p_start)).to_numpy()
    if rec["kind"] == "missed_act":
        if (overlap <= 0).all():
            raise MetricsError(f"correction #{cid}: no passage of article '{rec['article']}' covers {p_start}..{p_end}")
        pi = int(overlap.argmax())
        anchor = {"p_start": int(pas["start"].iat[pi]), "p_end": int(pas["end"].iat[pi]), "cue": want_cue,
                  "m_start": None, "m_end": None, "matched": rec["matched"]}
    else:
        near = mat[(mat["cue"] == index[want_cue]) & (mat["start"] < p_end) & (mat["end"] > p_start)]
        if near.empty:
            raise MetricsError(
                f"correction #{cid}: no '{want_cue}' match in its passage ({p_start}..{p_end}) now; "
                f"discard it with: corrections discard {cid}")
        ref = int(m_start if m_start is not None else (rec["m_start"] if pd.notna(rec["m_start"]) else p_start))
        m = near.iloc[int((near["start"] - ref).abs().to_numpy().argmin())]
        pi = int(m["passage"])
        anchor = {"p_start": int(pas["start"].iat[pi]), "p_end": int(pas["end"].iat[pi]), "cue": want_cue,
                  "m_start": int(m["start"]), "m_end": int(m["end"]), "matched": str(m["matched"])}

    def run(conn) -> None:
        conn.execute(
            "UPDATE corrections SET p_start = ?, p_end = ?, cue = ?, m_start = ?, m_end = ?, matched = ?,"
            " features_version = ? WHERE pk = ?",
            (anchor["p_start"], anchor["p_end"], anchor["cue"], anchor["m_start"], anchor["m_end"], anchor["matched"],
             store.features_version, int(cid)),
        )
        store._log(conn, "reapply correction", rec["article"], _title(int(cid), rec), who)
        store._bump(conn)

    store._write(run)
    return anchor


LABELLED_COLUMNS = ["id", "text", "label", "label_name", "family", "direction", "cameo_code", "kind", "source", "target",
                    "article", "who", "at", "reason", "features_version"]


def _direction(rec: pd.Series, sign: float) -> float:
    """The corrected reading's direction: +1 escalation, -1 de-escalation, 0 no act between the pair."""
    was = C.original_of(rec).get("strength")
    was = 1.0 if was is None else float(was)
    kind = rec["kind"]
    if kind == "not_between_pair":
        return 0.0
    if kind == "missed_act":
        st = rec["strength"]
        return 0.0 if st is not None and not pd.isna(st) and float(st) == 0 else sign
    if kind == "wrong_direction":
        return -sign * (1.0 if was == 0 else float(np.sign(was)))
    if kind == "wrong_strength" and float(rec["strength"]) == 0:
        return 0.0
    return sign * float(np.sign(was))


def labelled_set(store: Store) -> pd.DataFrame:
    """The live corrections as labelled sentences (``LABELLED_COLUMNS``): the passage's text and
    the corrected reading's class on GDELT's QuadClass (1 verbal cooperation, 2 material
    cooperation, 3 verbal conflict, 4 material conflict; the tier is the family's CAMEO root) or
    0 for "no act between the pair" (a cancelled or excluded reading). ``validate`` and
    ``calibrate`` take conflict 3,4 against cooperation 1,2 by default."""
    from metrics.score.events import QUAD_NAMES, cameo_table

    recs = table(store)
    if recs.empty:
        return pd.DataFrame(columns=LABELLED_COLUMNS)
    lex = store.lexicon
    cameo = cameo_table(lex)
    index = lex.index()
    texts: dict[str, str] = {}
    rows = []
    for _, r in recs.iterrows():
        if r["cue"] not in index:
            continue  # a family the lexicon no longer has: no label to give
        if r["article"] not in texts:
            try:
                texts[r["article"]] = store.article_text(r["article"])
            except KeyError:
                continue  # the article was removed: its corrections wait for a restore
        text = " ".join(texts[r["article"]][int(r["p_start"]):int(r["p_end"])].split())
        if not text:
            continue
        fam = lex.families[index[r["cue"]]]
        d = _direction(r, fam.sign)
        q = cameo.at[fam.id, "quad_class"]
        verbal = q in (1, 3) if q is not None and not pd.isna(q) else True
        label = 0 if d == 0 else (3 if verbal else 4) if d > 0 else (1 if verbal else 2)
        rows.append((int(r["id"]), text, str(label), QUAD_NAMES.get(label, "no act between the pair"), fam.id,
                     "none" if d == 0 else "escalation" if d > 0 else "de-escalation", cameo.at[fam.id, "cameo_code"],
                     r["kind"], r["source"] if r["kind"] in ("wrong_actor", "missed_act") else C.original_of(r).get("source"),
                     r["target"] if r["kind"] in ("wrong_actor", "missed_act") else C.original_of(r).get("target"),
                     r["article"], r["who"], r["at"], r["reason"], r["features_version"]))
    return pd.DataFrame(rows, columns=LABELLED_COLUMNS)
