"""VADER, wrapped once: one analyzer per process, scored one sentence at a time.

VADER saturates on long text (a whole article scores about -0.99 or +0.99), so it never sees
more than one passage.
"""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicon files costs ~50 ms; construct it once per process.
    return SentimentIntensityAnalyzer()


def compound(sentence: str) -> float:
    """VADER compound score of one sentence, in [-1, 1]; positive is warm."""
    return float(analyzer().polarity_scores(sentence)["compound"])
