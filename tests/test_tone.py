"""The VADER shortcut is exact: skipping a sentence never changes its compound."""

import random

from metrics.tone import analyzer, compound, may_have_tone
from tests.conftest import ROOT


def _sentences():
    from metrics.segment import split_passages

    for f in sorted((ROOT / "data" / "articles").glob("*.txt")):
        for p in split_passages(f.read_text(encoding="utf-8")):
            yield p.text


def test_compound_equals_vader_on_every_sample_sentence():
    skipped = 0
    for s in _sentences():
        full = analyzer().polarity_scores(s)["compound"]
        assert compound(s) == full, s
        skipped += not may_have_tone(s)
    assert skipped > 0  # the shortcut is exercised, not dead code


def test_compound_equals_vader_on_odd_tokens():
    words = ["Talks", "ended", "GOOD", "no", "not", ":)", "(:", ":-(", "lol", "!!!", "kind", "of",
             "U.S.", "Beijing's", "'great'", "\u2764\ufe0f", "\U0001F600", "but", "the", "bomb", "—", "ok?"]
    rng = random.Random(7)
    for _ in range(3000):
        s = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        assert compound(s) == analyzer().polarity_scores(s)["compound"], s
