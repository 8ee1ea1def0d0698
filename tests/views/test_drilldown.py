"""The drill-down a page at a time (metrics.views.drilldown): the same numbers as explain, bounded pages."""

from __future__ import annotations

import pytest

from metrics.events.lexicon import default_lexicon
from metrics.model import Article
from metrics.score.scoring import explain, prepare
from metrics.views import drilldown
from metrics.views.articlehtml import article_html, explain_summary

LEX = default_lexicon()

TEXT = (
    "June 19, 2023\nBlinken meets Wang Yi\n"
    "The United States and China held talks in Beijing that both sides called constructive. "
    "Weather in the capital was mild. "
    "Washington imposed sanctions on Chinese firms, and Beijing condemned the move. "
    "China invited the American envoy to a return visit. "
    "Markets were calm."
)


@pytest.fixture(scope="module")
def one(extractor):
    return prepare(extractor.extract_many([Article(text=TEXT, title="Blinken meets Wang Yi")]), "US-CN")


def test_a_page_in_reading_order_has_explains_numbers(one):
    doc = drilldown.page(one, None, order="text", size=100)
    ref = explain(one, 0)
    assert [p["index"] for p in doc["passages"]] == [p["index"] for p in ref["passages"]]
    assert [p["contribution"] for p in doc["passages"]] == pytest.approx([p["contribution"] for p in ref["passages"]])
    assert doc["tension"] == pytest.approx(ref["tension"]) and doc["raw"] == pytest.approx(ref["raw"])
    assert doc["pages"] == 1 and doc["passages_total"] == len(ref["passages"])
    # one builder: the page's passage records are explain's, field for field
    assert doc["passages"] == ref["passages"]


def test_every_cue_contribution_is_the_product_of_the_factors_shown(one):
    doc = drilldown.page(one, {"sanctions": 12})
    cues = [c for p in doc["passages"] for c in p["cues"]]
    assert {c["id"] for c in cues} >= {"sanctions", "talks_positive"}
    for c in cues:
        event = 1.0 if c["between_pair"] else 0.0  # an act with a third party counts nothing for the pair
        # tension.aggregate.intensity.v3: intensity x attention / norm, attention = severity x |strength| x relevance
        severity = LEX.family(c["id"]).weight
        assert c["attention"] == pytest.approx(severity * abs(c["strength"]) * c["relevance"] * event)
        assert c["intensity"] == pytest.approx(c["weight"] * c["sign"] * c["strength"])
        assert c["contribution"] == pytest.approx(c["intensity"] * c["attention"] / doc["norm"])
    out = article_html(doc, tone_weight=2.0)
    assert f"/ norm {doc['norm']:.3g}" in out and "× direction +1" in out and "× direction -1" in out
    summary = explain_summary(doc)
    assert f"norm = {doc['norm']:.3g}" in summary and "tension = 10 × raw" in summary and f"{doc['tension']:+.1f}" in summary
    assert doc["n_events"] >= 2 and 0 < doc["confidence"] < 1


@pytest.mark.slow
def test_a_huge_article_is_shown_a_page_at_a_time_largest_contributions_first(extractor):
    filler = " ".join(f"Officials in Washington and Beijing met on day {i} of the review." for i in range(1200))
    text = filler + " China cut military communication channels with the United States. " + filler
    prep = prepare(extractor.extract_many([Article(text=text, title="Long")]), "US-CN")
    total = len(prep.features.passages)
    assert total > 2000
    doc = drilldown.page(prep, None, size=25)
    assert len(doc["passages"]) == 25 and doc["pages"] == -(-total // 25)
    first = doc["passages"][0]
    assert any(c["id"] == "channels_cut" for c in first["cues"])  # the one passage that matters, on page 1
    sizes = [abs(p["contribution"]) for p in doc["passages"]]
    assert sizes == sorted(sizes, reverse=True)
    last = drilldown.page(prep, None, number=10**6, size=25)  # past the end: the last page
    assert last["page"] == doc["pages"] and last["first"] + len(last["passages"]) - 1 == total
    table = drilldown.cue_table(prep)
    assert "Channels cut or suspended" in set(table["cue"]) and "channels_cut" in set(table["cue_id"])
