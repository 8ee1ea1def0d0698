"""VADER, wrapped once: one analyzer per process, scored one sentence at a time.

VADER saturates on long text (a whole article scores about -0.99 or +0.99), so it never sees
more than one passage.

VADER's cost grows with the length of the sentence (it walks every character, and re-reads the
whole sentence for each word it knows), while its score depends only on the words it knows and
a few words around each. ``compound`` hands VADER the sentence cut down to those words and gives
exactly the score of the whole sentence (a test compares both on varied text); the reasoning is
in ``_window``.
"""

from __future__ import annotations

import string
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

_PUNCT = string.punctuation
BEFORE, AFTER = 3, 2  # words VADER reads around a word it knows (negation, boosters, idioms)


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicon files costs ~50 ms; construct it once per process.
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    a = analyzer()
    return frozenset(a.lexicon), frozenset(a.emojis)


def _window(sentence: str) -> str | None:
    """The part of ``sentence`` VADER's compound depends on, or None when that is nothing
    (the compound is 0).

    VADER splits on white space and strips punctuation from each word (unless two characters
    or fewer remain). Each word gets a valence, 0 unless the word is in its lexicon; a lexicon
    word's valence reads the three words before it and the two after it, and whether those
    exist. The compound is the normalised sum of the valences, plus emphasis for "!" and "?"
    counted over the whole text. Beyond that, three things read the whole sentence: emoji
    (rewritten into words), "but" (which rescales every valence by its position relative to
    it, through a list search that sees the zeros of every other word), and whether some but
    not all words are in capitals. So the sentence is kept whole when it holds an emoji, "but",
    "!" or "?", and otherwise cut to the words within reach of a lexicon word, in order, plus
    one word in capitals and one not when that is needed to keep the capitals answer. A
    lexicon word then sees the same neighbours and the same "is there a word before/after"
    answers as in the full sentence, every other word still counts 0, and the sum adds the same
    values in the same order.
    """
    lexicon, emojis = _vocabulary()
    if not sentence.isascii() and not emojis.isdisjoint(sentence):
        return sentence
    low = sentence.lower()
    lows = low.split()
    # A word counts as known if it or its punctuation-stripped form is in the lexicon: all the
    # words VADER looks up, and a few more, which only keeps more of the sentence.
    hits = [i for i, t in enumerate(lows) if t in lexicon or t.strip(_PUNCT) in lexicon]
    if not hits:
        return None  # every valence is 0, so is the compound
    if "!" in sentence or "?" in sentence or ("but" in low and any(t.strip(_PUNCT) == "but" for t in lows)):
        return sentence
    tokens = sentence.split()
    n = len(tokens)
    if len(lows) != n:  # lower() changed the white space; never seen, but then nothing is cut
        return sentence
    keep = bytearray(n)
    for i in hits:
        lo, hi = max(0, i - BEFORE), min(n, i + AFTER + 1)
        keep[lo:hi] = b"\x01" * (hi - lo)
    if keep.count(1) == n:
        return sentence
    # Punctuation has no case, so a token is in capitals exactly when VADER's word for it is.
    upper = [t.isupper() for t in tokens]
    if any(upper) and not all(upper):
        kept = [u for u, k in zip(upper, keep) if k]
        if not any(kept):
            keep[upper.index(True)] = 1
        if all(kept):
            keep[upper.index(False)] = 1
    return " ".join([t for t, k in zip(tokens, keep) if k])


def compound(sentence: str) -> float:
    """VADER compound score of one sentence, in [-1, 1]; positive is warm."""
    text = _window(sentence)
    if text is None:
        return 0.0
    return float(analyzer().polarity_scores(text)["compound"])
