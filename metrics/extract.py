"""Extraction: article text -> features (passages, cue matches, tone, relevance).

This is the expensive step and the only one that reads text. Scoring (``metrics.scoring``)
multiplies its output by a weight vector and never comes back here.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .dyad import gazetteer
from .lexicon import Lexicon, default_lexicon
from .prefilter import may_match, multi_finder, resolve_overlaps, short_key
from .segment import normalise, split_passages
from .tone import compound

# Bump when a change to segmentation, negation, hedging or matching changes the features that
# extraction produces: stored features carrying an older version are then recomputed.
EXTRACTOR_VERSION = "2"  # 2: wrapped lines joined into passages, passages capped at MAX_PASSAGE_CHARS

# Match strength multipliers. A hedge ("might cut", "could impose") halves a cue. A negated
# cooperative act is a rejection (PETRARCH's NOT rule): it flips sign, fully after an explicit
# refusal ("refused to meet", "failed to agree"), partly after a bare "not". A negated hostile
# act ("did not cut") is cancelled rather than turned into cooperation.
HEDGE = 0.5
NEGATED_COOPERATION = -0.6
REFUSED_COOPERATION = -1.0
NEGATED_CONFLICT = 0.0

# A cue inside a temporal or causal background clause ("five years after crowds stormed its
# embassy", "amid rising tensions", "in response to the visit") reports the past or the setting,
# not the event of the sentence, which is coded from the main clause (as PETRARCH does): it keeps
# only this share of its strength.
BACKGROUND = 0.35
BACKGROUND_WORDS = 8
_BACKGROUND = re.compile(
    r"\b(?:after|since|following|amid|amidst|despite|in (?:the )?wake of|in response to|in retaliation for|"
    r"(?:days|weeks|years|months|decades) of)\b",
    re.I,
)

# How far back a negator or hedge may stand: the same clause, at most this many words.
SCOPE_WORDS = 5
_CLAUSE_BREAK = re.compile(r"[,;:()]|\s-\s|\b(?:but|and|while|whereas|although|though|after|before|because)\b", re.I)
_NEGATION = re.compile(r"\b(?:not|never|no|without|neither|nor|cannot|no longer)\b|n't\b", re.I)
_REFUSAL = re.compile(
    r"\b(?:refus\w*|declin\w*|fail\w*|unwilling|reluctan\w*|reject\w*|rul\w* out|halt\w*|suspend\w*|"
    r"cancel\w*|stopp?\w*|end(?:ed|s|ing)?|abandon\w*|withdr[ae]w\w*|froze|freez\w*|scrap\w*|refrain\w*|"
    r"denied|denies|deny|postpon\w*|block\w*|obstruct\w*|thwart\w*|undermin\w*|sabotag\w*)\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:might|may|could|would|possibly|perhaps|whether|if|consider\w*|mull\w*|weigh\w*|"
    r"potential\w*|possible|threaten\w*|plan\w*|propos\w*|expected|likely|unlikely|reportedly|seek\w*|sought|"
    r"hope\w*|wants?|wanted|calls? for|called for|urg\w*)\b",
    re.I,
)


@dataclass
class Article:
    """One article as read from a file, table row or upload."""

    text: str
    id: str = ""
    title: str | None = None
    date: date | None = None
    source: str | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_id(self.text)


def content_id(text: str) -> str:
    """A stable id from the normalised text: the same article read twice gets the same id."""
    canon = " ".join(normalise(text).split()).casefold()
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


@dataclass
class ArticleFeatures:
    """The features of one article; plain lists so they pickle and store cheaply."""

    article: Article
    passages: list[tuple[int, int, str, float, int]]  # start, end, text, tone, country mask
    matches: list[tuple[int, int, int, int, str, float, bool, bool]]
    # (passage index, cue index, start, end, matched text, strength, negated, hedged)


def _scope(norm: str, lo: int, start: int) -> str:
    window = norm[lo:start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    return " ".join(window.split()[-SCOPE_WORDS:])


_PUNCT_BREAK = re.compile(r"[,;:()]")


def _in_background(norm: str, lo: int, start: int) -> bool:
    window = norm[lo:start]
    breaks = list(_PUNCT_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    tail = " ".join(window.split()[-BACKGROUND_WORDS:])
    return may_match(_BACKGROUND, short_key(tail)) and _BACKGROUND.search(tail) is not None


def _strength(sign: float, scope: str) -> tuple[float, bool, bool]:
    # may_match: a cheap test that skips the search when the scope cannot match (prefilter.py)
    keyed = short_key(scope)
    hedged = may_match(_HEDGE, keyed) and _HEDGE.search(scope) is not None
    refused = may_match(_REFUSAL, keyed) and _REFUSAL.search(scope) is not None
    negated = refused or (may_match(_NEGATION, keyed) and _NEGATION.search(scope) is not None)
    if negated:
        if sign > 0:
            s = NEGATED_CONFLICT
        else:
            s = REFUSED_COOPERATION if refused else NEGATED_COOPERATION
    else:
        s = 1.0
    if hedged:
        s *= HEDGE
    return s, negated, hedged


class Extractor:
    """Turns articles into features with one lexicon; the pair of countries is chosen later."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or default_lexicon()
        self._signs = self.lexicon.signs
        self._gazetteer = gazetteer()
        # One shared scan finds where any cue or country may start (prefilter.py); the
        # results are exactly each regex's finditer.
        self._finder = multi_finder(
            (*self.lexicon.regexes, self._gazetteer.regex), ((_NEGATION, _REFUSAL, _HEDGE), (_BACKGROUND,))
        )
        self._unscoped = [_strength(sign, "") for sign in self._signs]  # no negator or hedge in scope

    def extract(self, article: Article) -> ArticleFeatures:
        text = article.text
        norm = normalise(text)
        passages = split_passages(text, norm)
        starts = [p.start for p in passages]
        scan = self._finder.scan(norm)
        *cue_matches, places = scan.matches
        mentions = self._gazetteer.mentions(norm, starts, places)
        found = [(s, e, cue) for cue, spans in enumerate(cue_matches) for s, e, _ in spans]
        matches = []
        # Overlapping finds keep the longest ("declined to meet" beats "meet").
        for s, e, cue in resolve_overlaps(found):
            pi = bisect.bisect_right(starts, s) - 1
            if pi < 0 or e > passages[pi].end:
                continue  # spans a passage boundary: not one statement
            lo = max(passages[pi].start, s - 120)
            # Most cues have no negator, hedge or background word anywhere before them in the
            # window: the scan's hits say so, and the clause analysis is skipped (prefilter.py).
            if scan.may_occur(0, lo, s, SCOPE_WORDS):
                strength, negated, hedged = _strength(self._signs[cue], _scope(norm, lo, s))
            else:
                strength, negated, hedged = self._unscoped[cue]
            if scan.may_occur(1, lo, s, BACKGROUND_WORDS) and _in_background(norm, lo, s):
                strength *= BACKGROUND
            matches.append((pi, cue, s, e, text[s:e], strength, negated, hedged))
        rows = [(p.start, p.end, p.text, -compound(p.text), int(m)) for p, m in zip(passages, mentions)]
        return ArticleFeatures(article, rows, matches)

    def extract_many(self, articles: Iterable[Article]) -> Features:
        return Features.build([self.extract(a) for a in articles], self.lexicon.version)


@dataclass
class Features:
    """Columnar features of many articles: the input of ``metrics.scoring.score``.

    ``articles``: one row per article (id, title, date, source, n_passages).
    ``passages``: one row per passage (article row, idx, start, end, text, tone, mentions), where
    tone is the negated VADER compound and mentions the gazetteer bit mask (``metrics.dyad``).
    ``matches``: one row per cue match (article row, passage row, cue index, start, end,
    matched, strength, negated, hedged).
    """

    articles: pd.DataFrame
    passages: pd.DataFrame
    matches: pd.DataFrame
    lexicon_version: str

    @classmethod
    def build(cls, items: list[ArticleFeatures], lexicon_version: str) -> Features:
        arts = [(f.article.id, f.article.title, f.article.date, f.article.source, len(f.passages)) for f in items]
        if not any(f.passages or f.matches for f in items):
            return cls(
                articles=pd.DataFrame(arts, columns=ARTICLE_COLUMNS),
                passages=pd.DataFrame([], columns=PASSAGE_COLUMNS).astype(PASSAGE_DTYPES),
                matches=pd.DataFrame([], columns=MATCH_COLUMNS).astype(MATCH_DTYPES),
                lexicon_version=lexicon_version,
            )
        # Column by column (not row tuples): the same frames, built several times faster.
        n_pas = np.array([len(f.passages) for f in items], dtype=np.int64)
        first = np.cumsum(n_pas) - n_pas
        p_cols = list(zip(*(p for f in items for p in f.passages))) or [()] * 5
        n_mat = np.array([len(f.matches) for f in items], dtype=np.int64)
        m_cols = list(zip(*(m for f in items for m in f.matches))) or [()] * 8
        m_art = np.repeat(np.arange(len(items), dtype=np.int64), n_mat)
        passages = pd.DataFrame(
            {
                "article": np.repeat(np.arange(len(items), dtype=np.int64), n_pas),
                "idx": (np.arange(int(n_pas.sum()), dtype=np.int64) - np.repeat(first, n_pas)).astype(np.int32),
                "start": np.array(p_cols[0], dtype=np.int64),
                "end": np.array(p_cols[1], dtype=np.int64),
                "text": _strings(p_cols[2]),
                "tone": np.array(p_cols[3], dtype=np.float64),
                "mentions": np.array(p_cols[4], dtype=np.int64),
            }
        )
        matches = pd.DataFrame(
            {
                "article": m_art,
                "passage": first[m_art] + np.array(m_cols[0], dtype=np.int64),
                "cue": np.array(m_cols[1], dtype=np.int32),
                "start": np.array(m_cols[2], dtype=np.int64),
                "end": np.array(m_cols[3], dtype=np.int64),
                "matched": _strings(m_cols[4]),
                "strength": np.array(m_cols[5], dtype=np.float64),
                "negated": np.array(m_cols[6], dtype=bool),
                "hedged": np.array(m_cols[7], dtype=bool),
            }
        )
        return cls(
            articles=pd.DataFrame(arts, columns=ARTICLE_COLUMNS),
            passages=passages,
            matches=matches,
            lexicon_version=lexicon_version,
        )

    def __len__(self) -> int:
        return len(self.articles)

    @classmethod
    def concat(cls, parts: list[Features]) -> Features:
        """Join feature tables of several batches, renumbering article and passage rows."""
        if not parts:
            return cls.build([], "")
        arts, pas, mat = [], [], []
        a_off = p_off = 0
        for f in parts:
            arts.append(f.articles)
            pas.append(f.passages.assign(article=f.passages["article"] + a_off))
            mat.append(
                f.matches.assign(article=f.matches["article"] + a_off, passage=f.matches["passage"] + p_off)
            )
            a_off += len(f.articles)
            p_off += len(f.passages)
        return cls(
            articles=pd.concat(arts, ignore_index=True),
            passages=pd.concat(pas, ignore_index=True),
            matches=pd.concat(mat, ignore_index=True),
            lexicon_version=parts[0].lexicon_version,
        )

    def subset(self, rows: np.ndarray | list[int]) -> Features:
        """The features of the articles at positional ``rows``, renumbered from 0."""
        rows = np.asarray(rows, dtype=np.int64)
        remap = np.full(len(self.articles), -1, dtype=np.int64)
        remap[rows] = np.arange(len(rows))
        pmask = remap[self.passages["article"].to_numpy()] >= 0
        pas = self.passages[pmask]
        premap = np.full(len(self.passages), -1, dtype=np.int64)
        premap[np.flatnonzero(pmask)] = np.arange(int(pmask.sum()))
        mmask = remap[self.matches["article"].to_numpy()] >= 0
        mat = self.matches[mmask]
        return Features(
            articles=self.articles.iloc[rows].reset_index(drop=True),
            passages=pas.assign(article=remap[pas["article"].to_numpy()]).reset_index(drop=True),
            matches=mat.assign(
                article=remap[mat["article"].to_numpy()], passage=premap[mat["passage"].to_numpy()]
            ).reset_index(drop=True),
            lexicon_version=self.lexicon_version,
        )


def _strings(values: tuple) -> pd.Series:
    # As the row-wise constructor infers them: object when empty, pandas' string type otherwise.
    return pd.Series(list(values), dtype=None if values else object)


ARTICLE_COLUMNS = ["id", "title", "date", "source", "n_passages"]
PASSAGE_COLUMNS = ["article", "idx", "start", "end", "text", "tone", "mentions"]
PASSAGE_DTYPES = {"article": "int64", "idx": "int32", "start": "int64", "end": "int64", "tone": "float64", "mentions": "int64"}
MATCH_COLUMNS = ["article", "passage", "cue", "start", "end", "matched", "strength", "negated", "hedged"]
MATCH_DTYPES = {"article": "int64", "passage": "int64", "cue": "int32", "start": "int64", "end": "int64", "strength": "float64", "negated": "bool", "hedged": "bool"}
