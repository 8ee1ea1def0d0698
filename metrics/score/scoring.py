"""Scoring: features x weights -> contributions -> article tension. Pure and vectorised.

The formula (docs/method/intensity.md):

    intensity of a cue match m (in Goldstein units, -10..10)
        = weight(cue) x direction(cue) x strength(m)
    attention of m
        = severity(cue) x |strength(m)| x relevance(p) x event(m)
    raw(a)     = sum over a's matches of attention x intensity / norm(a)
                 + weight(tone) x T(a)                              (tension.aggregate.intensity.v3)
    norm(a)    = sum over a's matches of attention (0: no act, and the first term is 0)
    T(a)       = relevance-weighted mean of a's passages' tone
    tension(a) = clip(10 x raw(a), -100, 100)                       (tension.scale.linear.v3)

raw is a severity-weighted mean of the intensities of the acts an article reports between the
pair: telling one act three times reports it once (the mean does not move), and one clash is not
averaged away by five routine meetings. severity is the family's default weight (its Goldstein
magnitude), fixed with the lexicon, so raw is linear in the weights: a slider move is one
matrix-vector product, a raised escalation weight never lowers tension, and a weight of 0 makes
the family a neutral act (Goldstein 0) that still counts in the mean. How many acts an article
reports is evidence (``n_events``, ``confidence``), not magnitude.

event(m) is 1 when the match is an act between the pair and 0 when it is an act between one
side and a third party (``metrics.events.dyad.event_gate``); it also says whose act it is, which splits
raw into raw_by_A + raw_by_B + raw_by_both. Each match's contribution is its share of the mean
(attention x intensity / norm), each passage's tone contribution its share of the mean tone: they
add up to raw. The tone shifts the acts' mean by at most weight(tone) (2 by default, 20 points).

direction is +1 for escalation and -1 for de-escalation; strength is 1, halved by a hedge,
0 for a negated hostile act and negative for a negated cooperative one (``metrics.events.extract``);
tone is the negated VADER compound of the passage. Tension lies in [-100, 100]: above 0 the
reported acts lean to conflict, below 0 to cooperation, and 80 reads as "the acts average the
intensity of an embargo (Goldstein -8)". An article with no relevant passage has no tension (NaN).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import settings
from metrics.events.dyad import SIDE_BOTH, Dyad, gazetteer, parse_dyad
from metrics.events.extract import EXTRACTOR_VERSION
from metrics.events.lexicon import TONE_ID, Lexicon, WeightsLike, default_lexicon
from metrics.model import Features

AGGREGATE = "tension.aggregate.intensity.v3"
SCALE_FUNCTION = "tension.scale.linear.v3"
# v2 (shrunk_mean) summed contributions per 5 passages and squashed the sum: raw measured how many
# cues an article had, so dense articles piled up near +-100 and retelling one act made it tenser.
# v3 averages the acts' intensities instead (docs/method/intensity.md has the figures).
TENSION_PER_GOLDSTEIN = 10.0  # tension 100 is Goldstein -10 (war); the scale is linear
# Confidence is n / (n + CONFIDENCE_PRIOR) for n distinct acts: the weight an article's mean
# would keep against this many imaginary neutral acts (the level index's prior is also one).
CONFIDENCE_PRIOR = 1.0


def versions(lexicon: Lexicon) -> dict[str, str]:
    """What scores were computed with, by versioned name (spaCy's style): the lexicon's version,
    the features' (extractor and scope words, plus any setting that changes features and differs
    from its default), the aggregate and the scale. ``explain --format json`` fields and the
    key-value metadata of every Parquet file ``score`` and ``export`` write."""
    from metrics.events.scope import scope_words

    features = [f"tension.extractor.v{EXTRACTOR_VERSION}", scope_words().name, settings.features_key()]
    return {
        "aggregate": AGGREGATE,
        "scale": SCALE_FUNCTION,
        "lexicon_version": lexicon.version,
        "features_version": "+".join(filter(None, features)),
    }


def to_tension(raw: np.ndarray | float) -> np.ndarray | float:
    """The documented monotone map from raw score (a mean intensity in Goldstein units) to the
    tension scale: x 10, clipped to [-100, 100] (reached only by weights above 10, or by acts at
    Goldstein -10 told in hostile words: the tone adds up to its weight)."""
    r = np.asarray(raw, dtype=np.float64)
    return np.clip(TENSION_PER_GOLDSTEIN * r, -100.0, 100.0)


@dataclass
class Prepared:
    """Weight-independent arrays for one feature table and one pair of countries.

    ``cue_sums[a, k]`` is the sum over article a's matches of cue k of
    attention x direction x strength / norm (the family's share of the acts' mean), so that
    ``raw = cue_sums @ w + tone_sums * w_tone``: re-weighting is one matrix-vector product and
    never touches text.
    """

    features: Features
    lexicon: Lexicon
    dyad: Dyad
    relevance: np.ndarray  # per passage
    norm: np.ndarray  # per article: the acts' total attention, the denominator of the mean (0: no act)
    relevant: np.ndarray  # per article: sum of relevance
    match_base: np.ndarray  # per match: severity x |strength| x direction x strength x relevance x event / norm
    tone_base: np.ndarray  # per passage: tone x relevance / relevant (the article's mean tone, by passage)
    cue_sums: np.ndarray  # articles x cues
    tone_sums: np.ndarray  # per article
    side: np.ndarray  # per match: dyad.SIDE_A, SIDE_B or SIDE_BOTH (whose act it is)
    event: np.ndarray  # per match: 1 when it is an act between the pair, 0 when not
    attention: np.ndarray  # per match: severity x |strength| x relevance x event (0: not an act here)
    unbound: np.ndarray | None = None  # per match: unattributed (no other side named in its passage)


def severities(lexicon: Lexicon) -> np.ndarray:
    """How much each cue family counts in an article's mean: its default weight, the Goldstein
    magnitude of its CAMEO class. Part of the lexicon, not of the weights."""
    return np.array([abs(f.weight) for f in lexicon.families], dtype=np.float64)


def prepare(features: Features, dyad: Dyad | str | None = None, lexicon: Lexicon | None = None) -> Prepared:
    lexicon = lexicon or default_lexicon()
    dyad = parse_dyad(dyad)
    n = len(features.articles)
    pas, mat = features.passages, features.matches
    p_art = pas["article"].to_numpy(np.int64)
    m_art = mat["article"].to_numpy(np.int64)
    cue = mat["cue"].to_numpy(np.int64)
    signs = lexicon.signs[cue]
    bound = dyad.bind(
        features.articles["actors"].tolist(), pas["mentions"].to_numpy(np.int64), p_art, m_art,
        mat["passage"].to_numpy(np.int64), mat["source"].to_numpy(np.int64), mat["target"].to_numpy(np.int64), signs,
    )
    relevance, event, side = bound.relevance, bound.event, bound.side
    relevant = np.bincount(p_art, weights=relevance, minlength=n)
    strength = mat["strength"].to_numpy(np.float64)
    attention = severities(lexicon)[cue] * np.abs(strength) * relevance[mat["passage"].to_numpy(np.int64)] * event
    norm = np.bincount(m_art, weights=attention, minlength=n)
    inv = np.divide(1.0, norm, out=np.zeros(n), where=norm > 0)
    match_base = attention * signs * strength * inv[m_art]
    # The tone is the relevance-weighted mean over the article's passages, added to the acts'
    # mean: more sentences in the same tone do not move it, and a hostile wording never lowers
    # the tension of a hostile act (as a weak hostile pseudo-act in the mean would).
    tone_base = np.divide(pas["tone"].to_numpy(np.float64) * relevance, relevant[p_art],
                          out=np.zeros(len(p_art)), where=relevant[p_art] > 0)
    k = len(lexicon.families)
    cue_sums = np.bincount(m_art * k + cue, weights=match_base, minlength=n * k).reshape(n, k)
    tone_sums = np.bincount(p_art, weights=tone_base, minlength=n)
    return Prepared(
        features, lexicon, dyad, relevance, norm, relevant, match_base, tone_base, cue_sums, tone_sums, side, event,
        attention, bound.unbound,
    )


def evidence(prep: Prepared, weights: WeightsLike = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per article: ``n_events`` (distinct acts between the pair: cue family x whose act, among
    the families with a non-zero weight), ``mentions`` (the matches that are those acts) and
    ``confidence`` = n_events / (n_events + CONFIDENCE_PRIOR). Retelling an act adds mentions,
    not events; none of the three moves the tension."""
    w = prep.lexicon.checked(weights)
    n = len(prep.features.articles)
    mat = prep.features.matches
    cue = mat["cue"].to_numpy(np.int64)
    act = (prep.attention > 0) & (w.cues[cue] != 0)
    art = mat["article"].to_numpy(np.int64)[act]
    mentions = np.bincount(art, minlength=n)
    k = len(prep.lexicon.families)
    keys = np.unique((art * k + cue[act]) * 3 + prep.side[act].astype(np.int64))
    n_events = np.bincount(keys // (3 * k), minlength=n)
    return n_events, mentions, n_events / (n_events + CONFIDENCE_PRIOR)


def positions(rows: np.ndarray | list) -> np.ndarray:
    """Article positions from a boolean mask or a list of positions."""
    rows = np.asarray(rows)
    return np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)


def raw_scores(prep: Prepared, weights: WeightsLike = None) -> np.ndarray:
    """Raw score of every article: the cheap step a slider move runs."""
    w = prep.lexicon.checked(weights)
    return prep.cue_sums @ w.cues + prep.tone_sums * w.tone


def _tension_of(prep: Prepared, raw: np.ndarray) -> np.ndarray:
    """Tension from raw scores; NaN for an article with no passage about the pair."""
    return np.where(prep.relevant > 0, to_tension(raw), np.nan)


def tension(prep: Prepared, weights: WeightsLike = None) -> np.ndarray:
    return _tension_of(prep, raw_scores(prep, weights))


def contributions(prep: Prepared, weights: WeightsLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-match and per-passage-tone contributions; per article they add up to its raw score."""
    w = prep.lexicon.checked(weights)
    cue = prep.features.matches["cue"].to_numpy(np.int64)
    return w.cues[cue] * prep.match_base, w.tone * prep.tone_base


def side_names(prep: Prepared) -> list[str]:
    """The directed score columns: ``raw_by_US``, ``raw_by_CN``, ``raw_by_both`` for US-CN;
    only ``raw_by_both`` with ``--dyad none``."""
    if prep.dyad.a is None:
        return ["raw_by_both"]
    return [f"raw_by_{prep.dyad.a}", f"raw_by_{prep.dyad.b}", "raw_by_both"]


def raw_by_side(prep: Prepared, weights: WeightsLike = None) -> np.ndarray:
    """Articles x 3: the raw score of the first side's acts, the second side's, and of joint or
    unattributed acts and tone; the three add up to ``raw_scores`` (up to rounding)."""
    n = len(prep.features.articles)
    m_contrib, t_contrib = contributions(prep, weights)
    m_art = prep.features.matches["article"].to_numpy(np.int64)
    p_art = prep.features.passages["article"].to_numpy(np.int64)
    out = np.bincount(m_art * 3 + prep.side, weights=m_contrib, minlength=n * 3).astype(np.float64).reshape(n, 3)
    out[:, SIDE_BOTH] += np.bincount(p_art, weights=t_contrib, minlength=n)
    return out


def family_matrix(prep: Prepared, weights: WeightsLike = None, rows: np.ndarray | None = None) -> np.ndarray:
    """Articles (those at ``rows``, a mask or positions, when given) x (cue families + tone):
    what drove each article's raw score; a row adds up to the article's raw score."""
    w = prep.lexicon.checked(weights)
    at = slice(None) if rows is None else positions(rows)
    return np.column_stack([prep.cue_sums[at] * w.cues, prep.tone_sums[at] * w.tone])


def family_contributions(prep: Prepared, weights: WeightsLike = None, rows: np.ndarray | None = None) -> pd.DataFrame:
    """``family_matrix`` as a frame, columns the cue ids and ``tone``."""
    return pd.DataFrame(family_matrix(prep, weights, rows), columns=prep.lexicon.ids + [TONE_ID])


def mean_family_contributions(prep: Prepared, weights: WeightsLike = None,
                              rows: np.ndarray | None = None) -> pd.Series:
    """Mean contribution per article of each cue family and of tone over the articles at
    ``rows`` (all without it), by id; empty when there is no article. A period's drivers."""
    values = family_matrix(prep, weights, rows)
    if len(values) == 0:
        return pd.Series(dtype=float)
    return pd.Series(values.mean(axis=0), index=prep.lexicon.ids + [TONE_ID])


def top_cues(prep: Prepared, weights: WeightsLike = None, k: int = 3, rows: np.ndarray | None = None) -> list[str]:
    """The ``k`` cue families that moved each article (each at ``rows``) most, as ``id(+1.23); ...``."""
    values = family_matrix(prep, weights, rows)[:, :-1]
    ids = prep.lexicon.ids
    order = np.argsort(-np.abs(values), axis=1)[:, :k]
    return ["; ".join(f"{ids[j]}({row[j]:+.2f})" for j in idx if row[j] != 0) for row, idx in zip(values, order)]


def score_table(prep: Prepared, weights: WeightsLike = None) -> pd.DataFrame:
    """One row per article: id, date, title, source, tension, raw (and by side), passages,
    relevant_passages, n_events, mentions, confidence, top_cues."""
    weights = prep.lexicon.checked(weights)
    arts = prep.features.articles
    by_side = raw_by_side(prep, weights)
    # raw is the sum of its sides, so the rounded columns reconcile with it as closely as rounding allows
    raw = by_side.sum(axis=1)
    t = _tension_of(prep, raw)
    sides = {name: np.round(by_side[:, i if prep.dyad.a is not None else 2], 4) for i, name in enumerate(side_names(prep))}
    n_events, mentions, confidence = evidence(prep, weights)
    return pd.DataFrame(
        {
            "id": arts["id"].to_numpy(),
            "date": arts["date"].to_numpy(),
            "title": arts["title"].to_numpy(),
            "source": arts["source"].to_numpy(),
            "tension": np.round(t, 2),
            "raw": np.round(raw, 4),
            **sides,
            "passages": arts["n_passages"].to_numpy(),
            "relevant_passages": np.round(prep.relevant, 2),
            "n_events": n_events,
            "mentions": mentions,
            "confidence": np.round(confidence, 3),
            "top_cues": top_cues(prep, weights),
        }
    )


def passage_records(prep: Prepared, passages: Iterable[int], weights: WeightsLike = None,
                    contrib: tuple[np.ndarray, np.ndarray] | None = None) -> list[dict]:
    """The records ``explain`` and the drill-down (``metrics.views.drilldown.page``) show for the
    passages at positions ``passages``: index, text, start, end, relevance, tone,
    tone_contribution, contribution (its tone's plus its cues') and cues, one record per cue match
    with every factor of its contribution and who did it to whom. ``contrib``: the caller's
    ``contributions(prep, weights)``, when it has them already."""
    f = prep.features
    lex = prep.lexicon
    weights = lex.checked(weights)
    w = weights.cues
    m_contrib, t_contrib = contributions(prep, weights) if contrib is None else contrib
    mat, pas = f.matches, f.passages
    passages = np.asarray(list(passages), dtype=np.int64)
    m_passage = mat["passage"].to_numpy(np.int64)
    by_passage: dict[int, list[int]] = {}
    for mi in np.flatnonzero(np.isin(m_passage, passages)):
        by_passage.setdefault(int(m_passage[mi]), []).append(int(mi))
    g = gazetteer()
    slots = f.articles["actors"].tolist()  # each article's actor slots: the bits of its masks
    p_art = pas["article"].to_numpy(np.int64)
    by = [prep.dyad.a, prep.dyad.b, None]  # whose act: a country code, or None for joint/unattributed
    out = []
    for pi in passages.tolist():
        rel = float(prep.relevance[pi])
        actors = slots[p_art[pi]]
        cues = []
        total = float(t_contrib[pi])
        for mi in by_passage.get(pi, []):
            c = int(mat["cue"].iat[mi])
            fam = lex.families[c]
            strength = float(mat["strength"].iat[mi])
            contrib = float(m_contrib[mi])
            total += contrib
            cues.append({
                "id": fam.id, "family": fam.label, "matched": str(mat["matched"].iat[mi]),
                "start": int(mat["start"].iat[mi]), "end": int(mat["end"].iat[mi]), "weight": float(w[c]),
                "direction": fam.direction, "sign": float(lex.signs[c]), "strength": strength, "relevance": rel,
                "negated": bool(mat["negated"].iat[mi]), "hedged": bool(mat["hedged"].iat[mi]),
                "source": g.codes_of(int(mat["source"].iat[mi]), actors),
                "target": g.codes_of(int(mat["target"].iat[mi]), actors),
                "between_pair": bool(prep.event[mi]),
                "unattributed": bool(prep.unbound is not None and prep.unbound[mi]),
                "actor": by[int(prep.side[mi])],
                "intensity": float(w[c] * lex.signs[c] * strength),
                "attention": float(prep.attention[mi]),
                "contribution": contrib,
            })
        out.append({
            "index": int(pas["idx"].iat[pi]), "text": str(pas["text"].iat[pi]), "start": int(pas["start"].iat[pi]),
            "end": int(pas["end"].iat[pi]), "relevance": rel, "tone": float(pas["tone"].iat[pi]),
            "tone_contribution": float(t_contrib[pi]), "contribution": total, "cues": cues,
        })
    return out


def explain(prep: Prepared, row: int, weights: WeightsLike = None) -> dict:
    """The JSON document of ``python -m metrics explain`` for the article at ``row``."""
    f = prep.features
    m_contrib, t_contrib = contributions(prep, weights)  # once: explain runs once per article
    pas_rows = np.flatnonzero(f.passages["article"].to_numpy() == row)
    passages = passage_records(prep, pas_rows, weights, (m_contrib, t_contrib))
    raw = sum(p["contribution"] for p in passages)
    m_rows = np.flatnonzero(f.matches["article"].to_numpy() == row)
    # this article's acts of each side, as raw_by_side sums them
    by_side = np.bincount(prep.side[m_rows], weights=m_contrib[m_rows], minlength=3).astype(np.float64)
    by_side[SIDE_BOTH] += t_contrib[pas_rows].sum()
    relevant = prep.relevant[row] > 0
    n_events, mentions, confidence = (float(v[row]) for v in evidence(prep, weights))
    return {
        **article_header(prep, row),
        "tension": float(to_tension(raw)) if relevant else None,
        "raw": raw,
        **dict(zip(side_names(prep), map(float, by_side if prep.dyad.a is not None else [by_side.sum()]))),
        "norm": float(prep.norm[row]),
        "relevant": float(prep.relevant[row]),
        "n_events": int(n_events),
        "mentions": int(mentions),
        "confidence": confidence,
        **versions(prep.lexicon),  # aggregate, scale, lexicon_version, features_version
        "passages": passages,
    }


def article_header(prep: Prepared, row: int) -> dict:
    """The fields that name an article in ``explain`` and the drill-down: id, title, date, source, pair."""
    art = prep.features.articles.iloc[row]
    date = art["date"]
    return {
        "id": str(art["id"]),
        "title": None if pd.isna(art["title"]) else str(art["title"]),
        "date": None if date is None or pd.isna(date) else str(date),
        "source": None if pd.isna(art["source"]) else str(art["source"]),
        "dyad": prep.dyad.name,
    }
