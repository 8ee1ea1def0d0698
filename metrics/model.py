"""The records every layer passes along: an ``Article`` as read, its ``Passage`` and ``Match``
rows as extracted, one article's ``ArticleFeatures`` and the columnar ``Features`` of many.

They live here, below every layer, so that reading (``metrics.read``) makes articles without
importing the extractor, and the store and the views read features without it.
``normalise`` is here too: an article's id is a hash of its normalised text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

# Same-length substitutions only, so every offset found in the normalised text is valid in the
# original: typographic quotes and dashes become their ASCII twins before matching.
_NORMALISE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


def normalise(text: str) -> str:
    """Return ``text`` with quotes and dashes folded to ASCII; same length as the input."""
    if text.isascii():
        return text  # every character translated is non-ASCII; the test is a flag, not a scan
    return text.translate(_NORMALISE)


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


class Passage(NamedTuple):
    start: int
    end: int
    text: str
    tone: float  # negated VADER compound
    mentions: int  # actor mask: bit i is the article's i-th actor (ArticleFeatures.actors; metrics.events.dyad)


class Match(NamedTuple):
    passage: int  # index in the article's passages
    cue: int  # index in the lexicon's families
    start: int
    end: int
    matched: str
    strength: float
    negated: bool
    hedged: bool
    source: int = 0  # actor masks (metrics.events.dyad: actor slots, THIRD_BIT, PAIR_BIT); 0: none named
    target: int = 0


@dataclass
class ArticleFeatures:
    """The features of one article; plain lists so they pickle and store cheaply."""

    article: Article
    passages: list[Passage]
    matches: list[Match]
    actors: tuple[str, ...] = ()  # the codes of the masks' bits: the actors named, in order of first mention



@dataclass
class Features:
    """Columnar features of many articles: the input of ``metrics.score.scoring.score``.

    ``articles``: one row per article (id, title, date, source, n_passages, actors: the codes of
    its masks' bits, a tuple).
    ``passages``: one row per passage (article row, idx, start, end, text, tone, mentions), where
    tone is the negated VADER compound and mentions the article's actor mask (``metrics.events.dyad``).
    ``matches``: one row per cue match (article row, passage row, cue index, start, end,
    matched, strength, negated, hedged, source, target): source and target are actor masks.
    """

    articles: pd.DataFrame
    passages: pd.DataFrame
    matches: pd.DataFrame
    lexicon_version: str

    @classmethod
    def build(cls, items: list[ArticleFeatures], lexicon_version: str) -> Features:
        arts = [(f.article.id, f.article.title, f.article.date, f.article.source, len(f.passages), tuple(f.actors))
                for f in items]
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
        m_cols = list(zip(*(m for f in items for m in f.matches))) or [()] * 10
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
                "source": np.array(m_cols[8], dtype=np.int64),
                "target": np.array(m_cols[9], dtype=np.int64),
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


ARTICLE_COLUMNS = ["id", "title", "date", "source", "n_passages", "actors"]
PASSAGE_COLUMNS = ["article", "idx", "start", "end", "text", "tone", "mentions"]
PASSAGE_DTYPES = {"article": "int64", "idx": "int32", "start": "int64", "end": "int64", "tone": "float64", "mentions": "int64"}
MATCH_COLUMNS = ["article", "passage", "cue", "start", "end", "matched", "strength", "negated", "hedged", "source", "target"]
MATCH_DTYPES = {"article": "int64", "passage": "int64", "cue": "int32", "start": "int64", "end": "int64", "strength": "float64", "negated": "bool", "hedged": "bool", "source": "int64", "target": "int64"}
