"""The fast paths of extraction (metrics/events/prefilter.py) give exactly what the slow ones give.

The reference is the same code with ``prefilter.ENABLED = False``: every cue family, the
gazetteer and the negation, hedge and background patterns run in full over the text.
"""

from __future__ import annotations

import random
import re

import pandas as pd
import pytest
from helpers import ROOT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from metrics.errors import LexiconError
from metrics.events import prefilter
from metrics.events.extract import Extractor
from metrics.events.lexicon import load_lexicon
from metrics.model import (
    ARTICLE_COLUMNS,
    MATCH_COLUMNS,
    MATCH_DTYPES,
    PASSAGE_COLUMNS,
    PASSAGE_DTYPES,
    Article,
    ArticleFeatures,
    Features,
)
from metrics.ops.bench import Corpus

# Sentences written for these tests: negation, hedges, background clauses, quotes, dashes,
# abbreviations, case, odd spacing and the characters IGNORECASE folds specially.
TRICKY = [
    "Washington did not cut communication channels with Beijing, officials said.",
    "China didn't  cut channels of communication with the U.S. on Monday.",
    "Beijing might impose SANCTIONS on American chipmakers; Washington could retaliate.",
    "“We will not resume talks,” Wang Yi said after the U.S. imposed tariffs.",
    "Five years after crowds stormed the embassy, Beijing and Washington signed an agreement.",
    "Amid rising tensions, the two sides held talks in Geneva — and agreed to meet again.",
    "The Pentagon said talks\twere   suspended indefinitely after the near-collision.",
    "Mr. Blinken declined to meet Xi Jinping; the visit was called off at the last minute.",
    "'China refused to meet the American delegation', a 3-day strike ended, workers said.",
    "ſanctions were lifted by the KREMLIN; İstanbul hosted the talks; Kelvin: K.",
    "The U.S.A. and the People's Republic of China reached a landmark deal.",
    "Relations are at their “lowest point”, said the ministry (citing no breakthrough).",
    "sanctions",
    "Beijing warned Washington-- and Tokyo--against provocations.",
    "They did not rule out force. They might not. Whether China would invite Biden is unclear.",
    "No one answered the calls from Washington after China's drills near Taiwan.",
    "Co-operation on climate resumed; cooperation with Moscow was suspended.",
    "Xi invited Biden for a return visit, which Washington welcomed as constructive and candid.",
]


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "articles").glob("*.txt"))]
    corpus = Corpus(seed=7)
    texts += [corpus.article(i) for i in range(12)]
    texts += TRICKY
    texts.append("\n\n".join(TRICKY))
    # Shuffled words of the sample articles: phrases the lexicon has never been tuned on.
    rng = random.Random(3)
    words = " ".join(texts[:10]).split()
    for _ in range(10):
        rng.shuffle(words)
        texts.append(" ".join(words[:400]))
    return texts


@pytest.fixture(scope="module")
def reference_and_fast():
    ex = Extractor()
    arts = [Article(text=t, id=str(i)) for i, t in enumerate(_texts())]
    fast = [ex.extract(a) for a in arts]
    prefilter.ENABLED = False
    try:
        slow = [ex.extract(a) for a in arts]
    finally:
        prefilter.ENABLED = True
    return slow, fast


@pytest.mark.slow
def test_extracted_features_are_identical_to_the_full_regex_scan(reference_and_fast):
    slow, fast = reference_and_fast
    assert sum(len(f.matches) for f in slow) > 300  # the texts exercise the lexicon
    assert any(m[6] for f in slow for m in f.matches)  # negated finds
    assert any(m[7] for f in slow for m in f.matches)  # hedged finds
    for s, f in zip(slow, fast):
        assert f.passages == s.passages, s.article.text[:80]
        assert f.matches == s.matches, s.article.text[:80]


@pytest.mark.slow
def test_multifinder_equals_finditer_for_the_lexicon_and_gazetteer():
    ex = Extractor()
    finder = ex._finder
    for text in _texts():
        got = finder.spans_all(text)
        assert len(finder.patterns) > 250  # every cue family and every actor of the world gazetteer
        for rx, spans in zip(finder.patterns, got):
            want = [(m.start(), m.end(), m.lastgroup) for m in rx.finditer(text)]
            assert spans == want, rx.pattern[:60]


# ------------------------------------------------------------------ random patterns and texts
WORDS = ["cut", "cuts", "talks", "the", "deal", "a", "an", "not", "no", "China", "US", "U.S.", "ended",
         "strike", "3-day", "re-open", "open", "sanction", "Sanctions", "xi", "ſanctions", "İt", "can't",
         "tatalks", "oo", "nana", "aan", "notcut", "xdeal", "USA", "Ta", "é", "éxi", "deal.", "endé"]
SEPS = [" ", "  ", ", ", " - ", "\t", "\n", " \"", "\" ", "'", "(", ") ", ". ", "-", ""]

atoms = st.sampled_from([
    "cut", "cuts?", "talks", "the", "deal", "a", "an?", "not", "no", "china", "China", "US", "U\\.S\\.",
    "end\\w*", "strike", "\\d+-day", "\\w+-day", "re-?open", "sanction\\w*", "xi", "can't",
    "[ae]n", "[cC]hina", "t[ae]lks", "(?:\\w+ )?deal", "\\s+", " ", "(?:the|a) ", "n't",
    "(?:ta)+lks", "o{1,2}", "(?:na)*", "d?eal", "[,.]", "'", "(?:US|USA|U)", "a+n",
])


@st.composite
def patterns(draw):
    def seq():
        parts = draw(st.lists(atoms, min_size=1, max_size=3))
        return " ".join(parts) if draw(st.booleans()) else "".join(parts)

    alts = [seq() for _ in range(draw(st.integers(1, 3)))]
    body = "|".join(f"(?:{a})" for a in alts)
    left = draw(st.sampled_from(["", "(?<![\\w'])", "\\b", "(?<![\\w.])", "(?<![.,])", "(?<!x)", "(?<=\\w)"]))
    right = draw(st.sampled_from(["", "(?![\\w])", "\\b", "(?![.,])", "(?=\\w)"]))
    grouped = draw(st.booleans())
    src = f"{left}(?:{body}){right}"
    if grouped:
        src = f"(?P<g>{src})|(?P<h>\\bdeal\\b)"
    flags = draw(st.sampled_from([0, re.IGNORECASE, re.IGNORECASE | re.ASCII]))
    return re.compile(src, flags)


texts_st = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), min_size=0, max_size=25).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(pats=st.lists(patterns(), min_size=1, max_size=3), text=texts_st)
@example(pats=[re.compile("(?:ta)+lks")], text="tatalks and talks")
@example(pats=[re.compile("(?<![.,])(?:deal)", re.I)], text="xdeal, .deal deal")
@example(pats=[re.compile("(?<![\\w'])(?:the(?:\\s+)deal)(?![\\w])", re.I)], text="the  \"deal, the-deal")
@example(pats=[re.compile("(?:US|USA|U)\\b")], text="USA US U.S. xUSA")
@example(pats=[re.compile("(?<![\\w'])(?:end\\w*)(?![.,])", re.I)], text="ended. ends, endless")
@example(pats=[re.compile("\\b(?:'x)|\\b(?:x')")], text="a'x 'x x'a x' ")
@example(pats=[re.compile("(?<![\\w'])(?:xi)(?![\\w])", re.I | re.ASCII)], text="éxi xié xi")
def test_multifinder_equals_finditer_on_random_patterns(pats, text):
    finder = prefilter.MultiFinder(pats)
    got = finder.spans_all(text)
    for rx, spans in zip(pats, got):
        want = [(m.start(), m.end(), m.lastgroup) for m in rx.finditer(text)]
        assert spans == want, (rx.pattern, text)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True)
@given(pat=patterns(), text=texts_st, cut=st.integers(0, 40))
def test_tail_gates_never_hide_a_match(pat, text, cut):
    """If a pattern matches some suffix of the tail's words, the gates must let it through."""
    window = text[cut:]
    words = window.split()[-5:]
    keyed = prefilter.tail_key(window, 5)
    for i in range(len(words)):
        for first in range(len(words[i])):
            scope = " ".join([words[i][first:]] + words[i + 1:])
            if pat.search(scope):
                assert prefilter.tail_may_match(keyed, pat), (pat.pattern, scope)
                assert prefilter.may_match(pat, prefilter.short_key(scope)), (pat.pattern, scope)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True)
@given(pats=st.lists(patterns(), min_size=1, max_size=2), text=texts_st)
def test_scan_marks_never_hide_a_possible_match(pats, text):
    """Scan.may_occur (hits of the whole text) says "maybe" wherever the tail gate does."""
    finder = prefilter.MultiFinder([], [pats])
    scan = finder.scan(text)
    for words in (2, 5):
        for hi in range(len(text) + 1):
            for lo in range(0, hi, 3):
                if prefilter.tail_may_match(prefilter.tail_key(text[lo:hi], words), *pats):
                    assert scan.may_occur(0, lo, hi, words), (lo, hi, words, [p.pattern for p in pats])


@pytest.mark.slow
def test_fold_stands_for_every_character_ignorecase_equates_with_a_letter():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for m in re.finditer(letter, every, re.IGNORECASE):
            assert prefilter.fold(m.group()) == letter, hex(ord(m.group()))
    folded = prefilter.fold(every)
    assert len(folded) == len(every)
    # And the other way: a character folded onto an ASCII one is one IGNORECASE equates with it.
    for ch, f in zip(every, folded):
        if f.isascii() and not ch.isascii():
            assert re.fullmatch(re.escape(f), ch, re.IGNORECASE), hex(ord(ch))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12), st.integers(0, 5)), max_size=30))
def test_resolve_overlaps_is_the_pairwise_rule(raw):
    found = [(s, s + n, c) for s, n, c in raw]
    kept: list = []
    for s, e, c in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, c))
    assert prefilter.resolve_overlaps(found) == sorted(kept)


def _rowwise(items: list[ArticleFeatures], version: str) -> Features:
    arts, pas, mat = [], [], []
    for ai, f in enumerate(items):
        a = f.article
        base = len(pas)
        arts.append((a.id, a.title, a.date, a.source, len(f.passages), tuple(f.actors)))
        pas.extend((ai, i, s, e, t, tone, m) for i, (s, e, t, tone, m) in enumerate(f.passages))
        mat.extend((ai, base + m.passage, *m[1:]) for m in f.matches)
    return Features(
        pd.DataFrame(arts, columns=ARTICLE_COLUMNS),
        pd.DataFrame(pas, columns=PASSAGE_COLUMNS).astype(PASSAGE_DTYPES),
        pd.DataFrame(mat, columns=MATCH_COLUMNS).astype(MATCH_DTYPES),
        version,
    )


@pytest.mark.slow
def test_columnar_features_build_gives_the_rowwise_frames(reference_and_fast):
    _, fast = reference_and_fast
    quiet = Extractor().extract(Article(text="The weather was mild. Nothing else happened."))
    empty = ArticleFeatures(Article(text="x"), [], [])
    for items in (fast[:8], [quiet], [], [empty, *fast[:2], quiet]):
        got, want = Features.build(items, "v"), _rowwise(items, "v")
        for part in ("articles", "passages", "matches"):
            pd.testing.assert_frame_equal(getattr(got, part), getattr(want, part))


def test_a_bad_pattern_in_a_lexicon_is_reported_at_load(tmp_path):
    src = (ROOT / "data" / "lexicon.yaml").read_text(encoding="utf-8")
    for bad, reason in [('"(?<=an+)x"', "look-behind"), ('"(unclosed"', "missing")]:
        path = tmp_path / "lex.yaml"
        path.write_text(src.replace('"constructive"', bad, 1), encoding="utf-8")
        with pytest.raises(LexiconError, match=rf"family 'talks_positive': bad pattern: .*{reason}"):
            load_lexicon(path)
