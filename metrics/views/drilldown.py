"""The drill-down of one article, a page of passages at a time (no Streamlit).

``metrics.score.scoring.explain`` builds one dictionary per passage, which for an article of 150,000
passages is a minute of Python and a page no browser wants. Here the per-passage contributions
are computed for the whole article with numpy, ordered (the largest contributions first, or in
reading order), and only the passages of the page asked for become dictionaries, built by the
same ``metrics.score.scoring.passage_records`` as ``explain``'s, so that
``metrics.views.articlehtml.article_html`` draws either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import settings
from metrics.events.lexicon import WeightsLike
from metrics.score.scoring import (
    Prepared,
    article_header,
    contributions,
    evidence,
    passage_records,
    raw_scores,
    tension,
)

ORDERS = ("top", "text")  # the largest |contribution| first (counted passages before the others), or as written


def __getattr__(name: str):
    # PAGE_SIZE, as the dashboard reads it: the setting drilldown_page_size when asked, not a copy
    if name == "PAGE_SIZE":
        return settings.get("drilldown_page_size")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def passage_contributions(prep: Prepared, weights: WeightsLike = None) -> np.ndarray:
    """Each passage's contribution (its cues' plus its tone's), positional like the passages."""
    m_contrib, t_contrib = contributions(prep, weights)
    passage = prep.features.matches["passage"].to_numpy(np.int64)
    return t_contrib + np.bincount(passage, weights=m_contrib, minlength=len(t_contrib))


def passage_order(prep: Prepared, weights: WeightsLike = None, order: str = "top") -> np.ndarray:
    """Passage positions in display order."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}")
    n = len(prep.features.passages)
    if order == "text":
        return np.arange(n)
    contrib = passage_contributions(prep, weights)
    # Primary key last: counted passages (relevance > 0) first, then by |contribution|, then as written.
    return np.lexsort((np.arange(n), -np.abs(contrib), prep.relevance <= 0))


def page(prep: Prepared, weights: WeightsLike = None, *, number: int = 1,
         size: int | None = None, order: str = "top") -> dict:
    """The one-article ``Prepared``'s drill-down: the article's totals and one page of passages.

    Keys: id, title, date, source, tension (None when no passage is about the pair), raw,
    norm (the acts' total attention), relevant (sum of relevance), n_events, mentions,
    confidence (``metrics.score.scoring.evidence``), passages_total, counted, page, pages, size, order,
    first (1-based position of the page's first passage in the order) and passages (the records
    of ``metrics.score.scoring.passage_records``, as ``explain`` gives them).
    """
    f = prep.features
    lex = prep.lexicon
    weights = lex.checked(weights)
    n = len(f.passages)
    size = settings.get("drilldown_page_size") if size is None else size
    pages = max(1, -(-n // size))
    number = min(max(1, int(number)), pages)
    chosen = passage_order(prep, weights, order)[(number - 1) * size: number * size]
    passages = passage_records(prep, chosen, weights)
    t = float(tension(prep, weights)[0])
    n_events, mentions, confidence = (v[0] for v in evidence(prep, weights))
    return {
        **article_header(prep, 0),
        "tension": None if np.isnan(t) else t,
        "raw": float(raw_scores(prep, weights)[0]),
        "norm": float(prep.norm[0]),
        "relevant": float(prep.relevant[0]),
        "n_events": int(n_events), "mentions": int(mentions), "confidence": float(confidence),
        "passages_total": n,
        "counted": int((prep.relevance > 0).sum()),
        "page": number, "pages": pages, "size": size, "order": order,
        "first": (number - 1) * size + 1,
        "passages": passages,
    }


def cue_table(prep: Prepared, weights: WeightsLike = None) -> pd.DataFrame:
    """Every cue match of the article with the factors of its contribution, one row each."""
    mat = prep.features.matches
    lex = prep.lexicon
    weights = lex.checked(weights)
    m_contrib, _ = contributions(prep, weights)
    w = weights.cues
    cue = mat["cue"].to_numpy(np.int64)
    passage = mat["passage"].to_numpy(np.int64)
    labels = np.array([f.label for f in lex.families], dtype=object)
    ids = np.array(lex.ids, dtype=object)
    return pd.DataFrame({
        "passage": prep.features.passages["idx"].to_numpy(np.int64)[passage] + 1,
        "cue": labels[cue],
        "cue_id": ids[cue],
        "matched": mat["matched"].astype(str).to_numpy(),
        "weight": w[cue],
        "direction": lex.signs[cue],
        "strength": mat["strength"].to_numpy(np.float64),
        "relevance": prep.relevance[passage],
        "attention": prep.attention,
        "norm": np.repeat(float(prep.norm[0]), len(mat)),
        # counts 0: its passage names no other side (docs/method/actors.md, "Binding")
        "unattributed": prep.unbound if prep.unbound is not None else np.zeros(len(mat), dtype=bool),
        "contribution": np.round(m_contrib, 3),
    })
