"""The VADER shortcut is exact: cutting a sentence to the words VADER reads, or skipping it when
there are none, never changes its compound."""

import random

from metrics.tone import _window, analyzer, compound
from tests.conftest import ROOT


def _sentences():
    from metrics.segment import split_passages

    for f in sorted((ROOT / "data" / "articles").glob("*.txt")):
        for p in split_passages(f.read_text(encoding="utf-8")):
            yield p.text


def test_compound_equals_vader_on_every_sample_sentence():
    skipped = cut = 0
    for s in _sentences():
        full = analyzer().polarity_scores(s)["compound"]
        assert compound(s) == full, s
        w = _window(s)
        skipped += w is None
        cut += w is not None and len(w) < len(s)
    # Both shortcuts are exercised, not dead code.
    assert skipped > 0
    assert cut > 0


def test_compound_equals_vader_on_odd_tokens():
    words = ["Talks", "ended", "GOOD", "no", "not", ":)", "(:", ":-(", "lol", "!!!", "kind", "of",
             "U.S.", "Beijing's", "'great'", "\u2764\ufe0f", "\U0001F600", "but", "the", "bomb", "—", "ok?"]
    rng = random.Random(7)
    for _ in range(3000):
        s = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        assert compound(s) == analyzer().polarity_scores(s)["compound"], s


def test_compound_equals_vader_on_long_sentences_with_modifiers():
    # Long enough that the sentence is cut; the words are what VADER's rules look at: boosters,
    # negations, "no ... or", "least", "kind of", idioms, capitals, words with punctuation.
    words = ["officials", "said", "the", "talks", "were", "good", "bad", "very", "not", "no", "or",
             "nor", "never", "so", "this", "without", "doubt", "least", "at", "kind", "of", "sort",
             "the", "bomb", "kiss", "death", "yeah", "right", "hardly", "EXTREMELY", "GREAT", "U.S.",
             "NATO", "isn't", "(hostile)", "'warm'", "cut", "mustard", "in", "red", "ok", "-", "Beijing",
             "\u201cwarm\u201d", "China\u2019s", "na\u00efve", "\u2014", "ok,", "but,", "button", "TALKS"]
    # Phrases VADER's rules read as a whole, so that they occur often enough to be tested.
    words += ["kiss of death", "the bomb", "yeah right", "kind of good", "sort of bad", "never so good",
              "without doubt good", "at least good", "least good", "no good or bad", "not very bad",
              "to die for", "bus stop", "beating heart"]
    rng = random.Random(11)
    cut = 0
    for _ in range(6000):
        s = " ".join(rng.choice(words) for _ in range(rng.randint(8, 30)))
        w = _window(s)
        cut += w is not None and len(w) < len(s)
        assert compound(s) == analyzer().polarity_scores(s)["compound"], s
    assert cut > 1000


def test_capitals_answer_is_kept_when_the_sentence_is_cut():
    # "GOOD" in capitals is boosted only while some other word is not in capitals; the words
    # within VADER's reach are all capitals here, so the cut sentence must bring one back.
    s = "officials in geneva on monday said THE TALKS WERE GOOD"
    full = analyzer().polarity_scores(s)["compound"]
    assert full != analyzer().polarity_scores("THE TALKS WERE GOOD")["compound"]
    assert compound(s) == full
    assert len(_window(s)) < len(s)
