"""The passages beside the timeline: a period's strongest passages, as quotes (no Streamlit).

A point on the chart is an article's tension and a period mean is the mean of its articles';
what moved them is a few passages. ``strongest`` picks them from the stored features with numpy
(no text is read), ``quotes`` reads the text of only those passages (``text_of`` returns an
article's stored text) and ``quote_html`` draws one, its cue highlighted. Article text is
untrusted: it reaches the HTML through ``metrics.views.articlehtml``'s escaping only.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import pandas as pd

from metrics.events.dyad import gazetteer
from metrics.events.lexicon import WeightsLike
from metrics.score.scoring import Prepared, positions
from metrics.views.articlehtml import _highlight, _sign_class

SHOWN = 5  # quotes beside the chart: what fits beside it at 1280x800 without scrolling the page
PER_ARTICLE = 2  # so one long article does not fill the panel while the others go unseen
CONTEXT = 160  # characters kept either side of the strongest cue in a long passage


def strongest(prep: Prepared, weights: WeightsLike, rows, k: int = SHOWN,
              per_article: int = PER_ARTICLE) -> pd.DataFrame:
    """The ``k`` passages of the articles at ``rows`` (a mask or positions) that moved their
    article's score most (largest |contribution|, at most ``per_article`` from one article),
    strongest first. Columns: article (row), passage (row), contribution, match (row of the
    passage's strongest cue match, -1 for a passage moved by its tone only)."""
    rows = positions(rows)
    f = prep.features
    n_art = len(f.articles)
    empty = pd.DataFrame({"article": [], "passage": [], "contribution": [], "match": []}).astype(
        {"article": np.int64, "passage": np.int64, "contribution": np.float64, "match": np.int64})
    if len(rows) == 0 or len(f.passages) == 0:
        return empty
    # Only the chosen articles' matches and passages are weighted: a click at 10,000 articles
    # computes a period's few thousand contributions, not the corpus's.
    w = prep.lexicon.checked(weights)
    wanted = np.zeros(n_art, dtype=bool)
    wanted[rows] = True
    p_art = f.passages["article"].to_numpy(np.int64)
    mat = f.matches
    msel = np.flatnonzero(wanted[mat["article"].to_numpy(np.int64)])
    m_passage_sel = mat["passage"].to_numpy(np.int64)[msel]
    m_contrib_sel = w.cues[mat["cue"].to_numpy(np.int64)[msel]] * prep.match_base[msel]
    psel = np.flatnonzero(wanted[p_art] & (prep.relevance > 0))
    p_contrib = np.zeros(len(p_art))
    p_contrib[psel] = w.tone * prep.tone_base[psel]
    np.add.at(p_contrib, m_passage_sel, m_contrib_sel)
    cand = psel[np.abs(p_contrib[psel]) > 1e-9]
    if len(cand) == 0:
        return empty
    # Strongest first; ties in reading order. Then at most per_article of each article.
    cand = cand[np.lexsort((cand, -np.abs(p_contrib[cand])))]
    arts = p_art[cand]
    order = np.argsort(arts, kind="stable")
    rank = np.empty(len(cand), dtype=np.int64)
    sorted_arts = arts[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_arts)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(cand)]))
    rank[order] = np.arange(len(cand)) - group_start
    picked = cand[rank < per_article][:k]
    # The strongest match of each picked passage (by |contribution|), for the actor line.
    best = np.full(len(picked), -1, dtype=np.int64)
    at = {int(p): i for i, p in enumerate(picked)}
    in_picked = np.flatnonzero(np.isin(m_passage_sel, picked))
    for j in in_picked[np.argsort(-np.abs(m_contrib_sel[in_picked]), kind="stable")]:
        i = at[int(m_passage_sel[j])]
        if best[i] < 0 and abs(m_contrib_sel[j]) > 1e-9:
            best[i] = msel[j]
    return pd.DataFrame({"article": p_art[picked], "passage": picked,
                         "contribution": p_contrib[picked], "match": best})


def quotes(prep: Prepared, weights: WeightsLike, picked: pd.DataFrame,
           text_of: Callable[[str], str | None]) -> list[dict]:
    """The quotes of ``strongest``'s passages: id, title, date, passage (1-based number in its
    article), contribution, text (the passage, or a window of it around its strongest cue),
    offset (where ``text`` starts in the article), cues (the passage's matches in the shape
    ``metrics.views.articlehtml`` highlights), cue (the strongest cue's label or None), actor
    (``"US → CN"`` as the extractor read it, or None) and whose act it is (``by``).
    Passages whose article text cannot be read (removed meanwhile) are left out."""
    f = prep.features
    lex = prep.lexicon
    w = lex.checked(weights)
    mat = f.matches
    m_passage = mat["passage"].to_numpy(np.int64)
    # The few matches and rows wanted, read out of the frames once: pandas' per-cell access
    # (``.iat`` on arrow strings) cost 80 ms for five quotes at 10,000 articles.
    rows = np.flatnonzero(np.isin(m_passage, picked["passage"].to_numpy(np.int64)))
    best_rows = picked["match"].to_numpy(np.int64)
    rows = np.union1d(rows, best_rows[best_rows >= 0])
    sub = {k: mat[k].to_numpy()[rows].tolist() for k in ("passage", "cue", "start", "end", "source", "target")}
    sub["matched"] = mat["matched"].iloc[rows].tolist()
    where = {int(r): j for j, r in enumerate(rows)}
    pis = picked["passage"].to_numpy(np.int64)
    p_start, p_end, p_idx = (f.passages[k].to_numpy()[pis].tolist() for k in ("start", "end", "idx"))
    ais = picked["article"].to_numpy(np.int64)
    a_id, a_title, a_date, a_actors = (f.articles[k].iloc[ais].tolist() for k in ("id", "title", "date", "actors"))
    a_id = [str(x) for x in a_id]
    g = gazetteer()
    by = [prep.dyad.a, prep.dyad.b, None]
    texts: dict[str, str | None] = {}
    out = []
    for k, (_art, pi, contrib, best) in enumerate(picked.itertuples(index=False)):
        aid = a_id[k]
        if aid not in texts:
            texts[aid] = text_of(aid)
        body = texts[aid]
        if body is None:
            continue
        lo, hi = start, end = int(p_start[k]), int(p_end[k])
        cues = []
        for j, r in enumerate(rows):
            if sub["passage"][j] != pi:
                continue
            c = int(sub["cue"][j])
            cues.append({"family": lex.families[c].label, "matched": str(sub["matched"][j]),
                         "start": int(sub["start"][j]), "end": int(sub["end"][j]),
                         "contribution": float(w.cues[c] * prep.match_base[r])})
        actor = cue = whose = None
        if best >= 0:
            j = where[int(best)]
            if end - start > 2 * CONTEXT + 40:
                lo = max(start, int(sub["start"][j]) - CONTEXT)
                hi = min(end, int(sub["end"][j]) + CONTEXT)
            cue = lex.families[int(sub["cue"][j])].label
            src, tgt = g.codes_of(int(sub["source"][j]), a_actors[k]), g.codes_of(int(sub["target"][j]), a_actors[k])
            whose = by[int(prep.side[best])] if prep.event[best] else None
            actor = _actor(src, tgt, whose, prep.dyad)
        title, date = a_title[k], a_date[k]
        out.append({
            "id": aid, "title": None if pd.isna(title) else str(title),
            "date": None if date is None or pd.isna(date) else str(pd.Timestamp(date).date()),
            "passage": int(p_idx[k]) + 1, "contribution": float(contrib),
            "text": body[lo:hi], "offset": lo, "cut_before": lo > start, "cut_after": hi < end,
            "cues": [c for c in cues if lo <= c["start"] and c["end"] <= hi], "cue": cue,
            "actor": actor, "by": whose,
        })
    return out


def _actor(src: str | None, tgt: str | None, whose: str | None, dyad) -> str | None:
    """Who did it to whom, in words: "CN toward US", "both sides", "US → unnamed"."""
    if whose is not None:
        other = dyad.b if whose == dyad.a else dyad.a
        return f"{whose} toward {other}" if other else whose
    if "PAIR" in (src, tgt):
        return "both sides"
    if src or tgt:
        return f"{src or 'unnamed'} → {tgt or 'unnamed'}"
    return None


QUOTE_STYLE = """<style>
.tp-q{border-left:4px solid #ccc;padding:2px 10px;margin:0 0 2px 0;font-size:0.9rem;line-height:1.45}
.tp-q.up{border-left-color:#c0392b}.tp-q.down{border-left-color:#2471a3}
.tp-q mark{padding:0 2px;border-radius:3px}
.tp-q mark.up{background:#f5c6c0}.tp-q mark.down{background:#c6dcf0}.tp-q mark.zero{background:#e5e5e5}
.tp-qh{font-size:0.78rem;color:#555}
</style>"""


def quote_html(q: dict) -> str:
    """One quote: its contribution, cue and actor on a line, then the passage with its cues
    marked. Every piece of article text is escaped (``articlehtml._highlight``)."""
    bits = [f"<b>{q['contribution']:+.2f}</b> to its article"]
    if q["cue"]:
        bits.append(html.escape(q["cue"]))
    if q["actor"]:
        bits.append(html.escape(q["actor"]))
    body = _highlight(q["text"], q["offset"], q["cues"])
    body = ("… " if q["cut_before"] else "") + body + (" …" if q["cut_after"] else "")
    return (f'<div class="tp-q {_sign_class(q["contribution"])}"><div class="tp-qh">{" · ".join(bits)}</div>'
            f"“{body}”</div>")
