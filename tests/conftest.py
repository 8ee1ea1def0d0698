from __future__ import annotations

from pathlib import Path

import pytest

from metrics.extract import Article, Extractor
from metrics.scoring import prepare

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "articles" / "2023-06-19-blinken-wang-yi-talks-seed.txt"


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture
def score_text(extractor):
    """Score one text: returns the Prepared features for the given pair (default US-CN)."""

    def run(text: str, dyad: str = "US-CN"):
        return prepare(extractor.extract_many([Article(text=text)]), dyad)

    return run


@pytest.fixture
def cues_of(extractor):
    """The (cue id, matched text, strength) triples found in a text."""

    def run(text: str):
        lex = extractor.lexicon
        f = extractor.extract(Article(text=text))
        return [(lex.families[m.cue].id, m.matched, m.strength) for m in f.matches]

    return run
