"""VADER, wrapped once: one analyzer per process, scored one sentence at a time.

VADER saturates on long text (a whole article scores about -0.99 or +0.99), so it never sees
more than one passage.
"""

from __future__ import annotations

import string
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

_PUNCT = string.punctuation


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicon files costs ~50 ms; construct it once per process.
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    a = analyzer()
    return frozenset(a.lexicon), frozenset(a.emojis)


def may_have_tone(sentence: str) -> bool:
    """False only when VADER's compound is certainly 0: no token of the sentence, in either of
    the forms VADER looks up (as split, or with its punctuation stripped), is in its lexicon,
    and no emoji (which VADER rewrites into words) is present. VADER gives every other token a
    valence of 0, so its sum, and the compound, is 0."""
    lexicon, emojis = _vocabulary()
    if not sentence.isascii() and not emojis.isdisjoint(sentence):
        return True
    for token in sentence.lower().split():
        if token in lexicon or token.strip(_PUNCT) in lexicon:
            return True
    return False


def compound(sentence: str) -> float:
    """VADER compound score of one sentence, in [-1, 1]; positive is warm."""
    # About a quarter of news sentences hold no word VADER knows; skipping them is exact.
    if not may_have_tone(sentence):
        return 0.0
    return float(analyzer().polarity_scores(sentence)["compound"])
