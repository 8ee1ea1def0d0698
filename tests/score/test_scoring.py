"""The score reconciles with its contributions and moves the right way with the weights."""

import numpy as np
import pytest
from helpers import SEED
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.events.extract import Extractor
from metrics.events.lexicon import TONE_ID, default_lexicon
from metrics.model import Article
from metrics.score.scoring import (
    contributions,
    explain,
    family_contributions,
    prepare,
    raw_scores,
    tension,
    to_tension,
)

TEXTS = [
    SEED.read_text(encoding="utf-8"),
    "Washington imposed new sanctions on Chinese chip makers. Beijing vowed to retaliate.",
    "The United States and China signed an agreement on fentanyl and agreed to restore military talks.",
    "China held live-fire drills near Taiwan after Pelosi's visit; Washington condemned the drills.",
    "Blinken said talks with Wang Yi were candid. China did not cut channels with the US.",
]
LEX = default_lexicon()
ESCALATION = [f.id for f in LEX.families if f.direction == "escalation"]


@pytest.fixture(scope="module")
def prep():
    return prepare(Extractor().extract_many([Article(text=t) for t in TEXTS]), "US-CN")


weights_strategy = st.dictionaries(
    st.sampled_from(LEX.ids + [TONE_ID]), st.floats(min_value=0, max_value=20, allow_nan=False), max_size=12
)


@settings(max_examples=60, deadline=None)
@given(weights=weights_strategy)
def test_contributions_reconcile_with_the_raw_score(prep, weights):
    m, t = contributions(prep, weights)
    per_article = np.bincount(prep.features.matches["article"], weights=m, minlength=len(TEXTS)) + np.bincount(
        prep.features.passages["article"], weights=t, minlength=len(TEXTS)
    )
    np.testing.assert_allclose(per_article, raw_scores(prep, weights), atol=1e-9)
    np.testing.assert_allclose(family_contributions(prep, weights).sum(axis=1), raw_scores(prep, weights), atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(weights=weights_strategy, cue=st.sampled_from(ESCALATION), bump=st.floats(min_value=0.01, max_value=10))
def test_raising_an_escalation_weight_never_lowers_tension(prep, weights, cue, bump):
    before = raw_scores(prep, weights)
    w = LEX.default_weights() | weights
    w[cue] = w[cue] + bump
    after = raw_scores(prep, w)
    assert np.all(after >= before - 1e-12)
    contains = (prep.cue_sums[:, LEX.ids.index(cue)] > 0)
    assert np.all(after[contains] > before[contains])


def test_explain_adds_up_to_the_article_tension(prep):
    for row in range(len(TEXTS)):
        doc = explain(prep, row)
        total = sum(p["contribution"] for p in doc["passages"])
        assert total == pytest.approx(doc["raw"])
        assert doc["tension"] == pytest.approx(float(to_tension(raw_scores(prep)[row])))
        assert doc["tension"] == pytest.approx(tension(prep)[row])


def test_tension_is_bounded_and_ordered(prep):
    t = tension(prep)
    assert np.all(np.abs(t) < 100)
    sanctions, agreement = t[1], t[2]
    assert sanctions > 20 > -20 > agreement


def test_reweighting_never_reads_text(prep, monkeypatch):
    import metrics.events.extract as ex

    monkeypatch.setattr(ex.Extractor, "extract", lambda *a: (_ for _ in ()).throw(AssertionError("re-read")))
    base = raw_scores(prep)
    heavier = raw_scores(prep, {"sanctions": 16})
    assert heavier[1] > base[1]


def test_long_and_short_articles_compare():
    # tension.aggregate.intensity.v3: the intensity of the acts reported, so sentences that
    # report no act neither dilute nor add to it (v2 diluted the sanction to a tenth).
    short = "Washington imposed sanctions on Beijing."
    filler = " ".join(f"Officials in Washington and Beijing issued statement number {i}." for i in range(30))
    long = short + " " + filler
    p = prepare(Extractor().extract_many([Article(text=short), Article(text=long)]), "US-CN")
    raw = raw_scores(p, {TONE_ID: 0})
    assert raw[0] == pytest.approx(raw[1]) == pytest.approx(LEX.family("sanctions").weight)
