"""The VADER shortcut is exact: a sentence scored as the plain sum of its lexicon values, or
skipped when VADER knows none of its words, gets VADER's own compound."""

import random

import pytest
from helpers import ROOT

from metrics.events import tone
from metrics.events.tone import analyzer, compound


def _sentences():
    from metrics.events.segment import split_passages

    for f in sorted((ROOT / "data" / "articles").glob("*.txt")):
        for p in split_passages(f.read_text(encoding="utf-8")):
            yield p.text


@pytest.fixture
def vader_calls(monkeypatch):
    """Sentences that the shortcut handed to VADER itself."""
    calls = []
    real = tone._vader

    def spy(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(tone, "_vader", spy)
    return calls


def test_compound_equals_vader_on_every_sample_sentence(vader_calls):
    sentences = list(_sentences())
    for s in sentences:
        assert compound(s) == analyzer().polarity_scores(s)["compound"], s
    # All three ways are exercised: no known word, the plain sum, and VADER for the rest.
    known = [s for s in sentences if compound(s) != 0.0]
    assert len(known) < len(sentences)
    assert 0 < len(set(vader_calls)) < len(known) / 2


def test_compound_equals_vader_on_odd_tokens():
    words = ["Talks", "ended", "GOOD", "no", "not", ":)", "(:", ":-(", "lol", "!!!", "kind", "of",
             "U.S.", "Beijing's", "'great'", "\u2764\ufe0f", "\U0001F600", "but", "the", "bomb", "—", "ok?"]
    rng = random.Random(7)
    for _ in range(3000):
        s = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        assert compound(s) == analyzer().polarity_scores(s)["compound"], s


@pytest.mark.slow
def test_compound_equals_vader_on_long_sentences_with_modifiers(vader_calls):
    # The words VADER's rules look at (boosters, negations, "no ... or", "least", "kind of",
    # idioms, capitals, punctuation), mixed with words it knows and plain ones.
    words = ["officials", "said", "the", "talks", "were", "good", "bad", "very", "not", "no", "or",
             "nor", "never", "so", "this", "without", "doubt", "least", "at", "kind", "of", "sort",
             "the", "bomb", "kiss", "death", "yeah", "right", "hardly", "EXTREMELY", "GREAT", "U.S.",
             "NATO", "isn't", "(hostile)", "'warm'", "cut", "mustard", "in", "red", "ok", "-", "Beijing",
             "\u201cwarm\u201d", "China\u2019s", "na\u00efve", "\u2014", "ok,", "but,", "button", "TALKS",
             "more", "most", "just", "enough", "almost", "uber", "friendly", "hostile", "trade", "deal",
             "mayn't"]  # a contraction VADER reads as a negation though it is not in its list
    # Phrases VADER's rules read as a whole, so that they occur often enough to be tested.
    words += ["kiss of death", "the bomb", "yeah right", "kind of good", "sort of bad", "never so good",
              "without doubt good", "at least good", "least good", "no good or bad", "not very bad",
              "to die for", "bus stop", "beating heart", "just enough"]
    rng = random.Random(11)
    for _ in range(6000):
        s = " ".join(rng.choice(words) for _ in range(rng.randint(3, 30)))
        assert compound(s) == analyzer().polarity_scores(s)["compound"], s
    assert len(vader_calls) > 1000  # the rules were there to be applied, not only the sum


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials said the talks were never so good.",  # "never so": a negation with a rule of its own
        "Officials said there was no good deal.",  # "no"
        "Officials said the talks were very good.",  # booster
        "Officials said this good deal was signed.",  # "this" before a known word
        "The talks were GOOD, officials said.",  # capitals
        "The talks were good but the deal was bad.",  # "but"
        "The talks were good!",  # emphasis
        "Officials called it the kiss of death for the deal.",  # idiom
    ],
)
def test_each_rule_sends_the_sentence_to_vader(sentence, vader_calls):
    assert compound(sentence) == analyzer().polarity_scores(sentence)["compound"]
    assert vader_calls == [sentence]


def test_a_plain_sentence_is_the_normalised_sum_without_vader(vader_calls):
    s = "Officials said the friendly talks ended in a deal after hostile remarks."
    assert compound(s) == analyzer().polarity_scores(s)["compound"] != 0.0
    assert vader_calls == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials said the talks were not good.",
        "Officials said the talks mayn't be good.",  # "n't" outside VADER's list of negations
        "Despite hostile remarks, the talks were friendly.",  # VADER counts "despite" as a negation
        "Officials said the talks were good despite everything.",  # a negation after: no effect
        "Officials said nothing was not good.",  # two negations within reach: flipped twice
        "Beijing said it had not rejected the friendly offer.",
    ],
)
def test_plain_negations_are_computed_without_vader(sentence, vader_calls):
    assert compound(sentence) == analyzer().polarity_scores(sentence)["compound"] != 0.0
    assert vader_calls == []


def test_compound_equals_vader_around_negations():
    # Every plain negation VADER lists, at every distance before and after words it knows.
    from vaderSentiment.vaderSentiment import NEGATE

    words = sorted(NEGATE) + ["good", "bad", "friendly", "hostile", "talks", "the", "said", "n't", "wasn't", "no",
                              "never", "so", "very", "GOOD", "but"]
    rng = random.Random(5)
    for _ in range(6000):
        s = " ".join(rng.choice(words) for _ in range(rng.randint(2, 12)))
        assert compound(s) == analyzer().polarity_scores(s)["compound"], s
