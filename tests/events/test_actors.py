"""Who did what to whom, and whether it is an act between the chosen pair: targets must be named
(docs/method/actors.md, "Binding"), and the attribution rules beyond "the actor before the verb"
("Attribution"). Every sentence here was written for these tests, in wire, readout and headline
styles."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.events.dyad import gazetteer
from metrics.events.extract import Extractor, main_event
from metrics.model import Article
from metrics.score.scoring import contributions, explain, prepare, raw_by_side
from metrics.score.validation import actor_agreement, score_texts
from metrics.views.articlehtml import article_html
from metrics.views.drilldown import cue_table

DATA = Path(__file__).resolve().parents[1] / "data" / "attribution_sentences.tsv"


@pytest.fixture(scope="module")
def x():
    return Extractor()


def _acts(x, text: str) -> list[tuple[str, str | None, str | None]]:
    g = gazetteer()
    f = x.extract(Article(text))
    return [(x.lexicon.families[m.cue].id, g.codes_of(m.source, f.actors), g.codes_of(m.target, f.actors))
            for m in f.matches if m.strength != 0]


def _cues(x, text: str, dyad: str) -> list[dict]:
    prep = prepare(x.extract_many([Article(text)]), dyad)
    return [c for p in explain(prep, 0)["passages"] for c in p["cues"]]


# ------------------------------------------------------------------------------ binding


def test_an_act_whose_passage_names_no_other_side_is_unattributed(x):
    text = ("President Biden spoke at a rally in Ohio on Wednesday. "
            "The United States will impose new sanctions next month, he said. "
            "China's foreign ministry did not comment.")
    cues = _cues(x, text, "US-CN")
    sanctions = [c for c in cues if c["id"] == "sanctions"]
    assert sanctions and all(c["unattributed"] and c["contribution"] == 0 for c in sanctions)


def test_the_same_act_counts_when_its_passage_or_the_one_before_names_the_other_side(x):
    named = "The United States imposed new sanctions on Chinese chipmakers on Tuesday."
    before = "China's export curbs angered Washington. The United States imposed new sanctions on Tuesday."
    for text in (named, before):
        cues = [c for c in _cues(x, text, "US-CN") if c["id"] == "sanctions"]
        assert cues and all(not c["unattributed"] and c["contribution"] > 0 for c in cues), text


def test_pair_phrases_bind_only_where_both_sides_are_named_and_no_ally(x):
    ally = ("President Biden hosted Prime Minister Kishida at the White House. "
            "The two leaders agreed to deepen cooperation on China.")
    pair = ("President Biden met President Xi in Woodside. "
            "The two leaders agreed to resume military communication.")
    ally_cues = [c for c in _cues(x, ally, "US-CN") if c["direction"] == "de-escalation"]
    pair_cues = [c for c in _cues(x, pair, "US-CN") if c["direction"] == "de-escalation"]
    assert ally_cues and all(c["contribution"] == 0 for c in ally_cues)
    assert pair_cues and sum(c["contribution"] for c in pair_cues) < 0


def test_an_unattributed_cue_is_greyed_and_labelled_in_the_drilldown(x):
    text = ("Beijing and Washington traded accusations on Monday. The weather in Geneva was mild. "
            "The United States will impose new sanctions and deploy more warships, officials said.")
    prep = prepare(x.extract_many([Article(text)]), "US-CN")
    doc = explain(prep, 0)
    cues = {c["matched"]: c for p in doc["passages"] for c in p["cues"]}
    assert not cues["traded accusations"]["unattributed"] and cues["traded accusations"]["contribution"] > 0
    assert cues["sanctions"]["unattributed"] and cues["sanctions"]["contribution"] == 0
    table = cue_table(prep)
    assert table.set_index("matched")["unattributed"].to_dict() == {
        "traded accusations": False, "sanctions": True, "deploy more warships": True}
    html = article_html(doc, 1.0)
    assert html.count('class="tp-grey"') == 2 and html.count("unattributed: its passage names no other side") == 2
    assert html.count('mark class="grey"') == 2


def test_unattributed_acts_carry_no_contribution_in_a_readout_about_an_ally(x):
    """A readout of a meeting with an ally: acts with no other side named no longer land on the
    US-China pair."""
    text = ("The President welcomed Prime Minister Albanese of Australia to the White House. "
            "The United States will strengthen its defence cooperation and deepen support for Australia. "
            "The leaders also discussed China's coercion in the South China Sea.")
    prep = prepare(x.extract_many([Article(text)]), "US-CN")
    m_contrib, _ = contributions(prep)
    mat = prep.features.matches
    coop = [i for i, m in enumerate(mat["matched"]) if "cooperation" in m or "support" in m]
    assert coop and all(m_contrib[i] == 0 for i in coop)


# --------------------------------------------------------------------------- attribution


@pytest.mark.parametrize(
    ("text", "cue", "source", "target"),
    [
        # a passive whose agent stands later in the clause
        ("New tariffs on Canadian steel were announced by Washington on Friday.", "sanctions", "US", "CA"),
        ("Sanctions were imposed on Venezuela by the United States after the vote.", "sanctions", "US", "VE"),
        # wish verbs: the wisher acts on the one it addresses
        ("Ankara wants Stockholm to extradite dozens of suspects.", None, "TR", "SE"),
        # "X said Y did ...": reported speech whose subject is Y
        ("The Philippines said Chinese vessels had rammed its supply boat.", None, "CN", None),
        # a possessive agent of a nominal cue
        ("Australia welcomed China's decision to lift tariffs on its barley.", "easing", "CN", None),
        # an insertion between subject and verb is skipped
        ("Poland, which borders Belarus, expelled a Russian diplomat on Friday.", "expulsion", "PL", "RU"),
        ("Chad, a longtime ally of France, ordered French troops to leave.", None, "TD", "FR"),
        # a subordinate clause closed by a comma: the cue is in the main clause
        ("After Ethiopia refused to negotiate, Egypt accused Addis Ababa of stalling.", "accusation", "EG", "ET"),
        # "between X and Y": the two act together
        ("Talks between Armenia and Azerbaijan resumed in Washington on Monday.", None, "AM+AZ", None),
        # a passive with no agent: its subject is acted on
        ("Two Iranian diplomats were expelled on Monday, Baku said.", "expulsion", "AZ", "IR"),
        # an actor after a preposition is an object, not the speaker of a later verb
        ("Officials said an arms embargo against Iran would not work, Israel warned.", "sanctions", "IL", "IR"),
        # "the European Union (EU)" is one mention of one actor
        ("The Philippines and the European Union (EU) signed an agreement on maritime security.", "agreement",
         "PH+EU", None),
        # "by" after a noun phrase the cue opens is that noun's agent, not a passive's
        ("The Dutch government denounced a raid by Venezuelan police on its embassy in Caracas.", "accusation",
         "NL", "VE"),
        ("Japan condemned a missile launch by North Korea over the Sea of Japan.", "condemnation", "JP", "KP"),
        # a nominal cue's agent after its object: "the X of Y by Z"
        ("The arrest of two Japanese nationals by Chinese police angered Tokyo.", "coercion", "CN", "JP"),
        ("Lithuania condemned the detention of its citizens by Belarus, the ministry said.", "coercion", "BY", "LT"),
        # a region of a country after a preposition is an object, never the subject
        ("Pakistani artillery shelled villages in eastern Afghanistan and killed six civilians.", None, "PK", "AF"),
        ("Readout: Moscow shelled towns in northern Ukraine and then struck a dam.", None,
         "RU", "UA"),
        # a fronted gerund phrase has the main clause's subject
        ("By seizing two tankers in the Gulf, Iran has again defied the United States.", "coercion", "IR", None),
        ("By imposing tariffs on Mexican steel, the United States has again punished its neighbour.", None,
         "US", "MX"),
    ],
)
def test_attribution_rules(x, text, cue, source, target):
    acts = _acts(x, text)
    hits = [a for a in acts if cue is None or a[0] == cue]
    assert hits, acts
    _, src, tgt = hits[0]
    assert set((src or "").split("+")) == set(source.split("+")), acts
    if target is not None:
        assert tgt is not None and target in tgt.split("+"), acts


def _written_sentences() -> pd.DataFrame:
    return pd.read_csv(DATA, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)


def test_attributed_source_beats_the_first_mention_rule_on_written_wire_sentences():
    table = _written_sentences()
    assert len(table) >= 100 and table["id"].is_unique
    prep = score_texts(table["text"].tolist())
    a = actor_agreement(prep, table[table.columns[-1]].tolist(), None, table["text"].tolist())
    assert a["events"] == len(table)
    # the rule of thumb "the first-mentioned of the two coded actors is the source"
    assert a["source"] > a["first_mention_source"] + 0.05
    assert a["source_with_cue"] > a["first_mention_with_cue"] + 0.1


def test_attributed_source_beats_the_first_mention_rule_on_held_out_sentences_with_a_cue():
    # written after the rules, never tuned on (docs/method/actors.md, "Figures")
    table = pd.read_csv(DATA.with_name("attribution_heldout.tsv"), sep="\t", dtype=str, keep_default_na=False,
                        quoting=csv.QUOTE_NONE)
    assert len(table) >= 30 and table["id"].is_unique
    a = actor_agreement(score_texts(table["text"].tolist()), table[table.columns[-1]].tolist(), None,
                        table["text"].tolist())
    assert a["with_cue"] >= 25
    # 2026-12: 92.3% each; the one miss with a cue is "welcomed", which is no cue (lexicon)
    assert a["source_with_cue"] >= max(0.9, a["first_mention_with_cue"])


@pytest.mark.parametrize(
    ("text", "event"),
    [
        # the verb that governs a nominal cue is the sentence's event, however heavy the noun
        ("Lithuania condemned the detention of its citizens by Belarus, the ministry said.", "condemned"),
        ("Seoul protested the seizure of a South Korean fishing boat by Chinese coast guards.", "protested"),
        ("Philippines protests Chinese water cannon attack near shoal", "protests"),
        # a plural noun before a preposition is no verb
        ("Protests against the Chinese embassy attack spread across Vietnam.", "attack"),
        # a background clause is the setting when the main clause has a cue
        ("Canada expelled an Indian diplomat after Ottawa accused New Delhi of the killing.", "expelled"),
        ("Kenya recalled its ambassador from Somalia after Mogadishu accused Nairobi of interference.",
         "recalled its ambassador"),
    ],
)
def test_the_sentence_event_is_the_governing_main_clause_cue(x, text, event):
    prep = score_texts([text])
    m = prep.features.matches
    weight, _ = contributions(prep, None)
    i = main_event(text, list(zip(m["start"], m["end"])), list(weight))
    assert i is not None and m["matched"].iat[i] == event, list(m["matched"])


def test_directed_scores_of_a_passive_go_to_its_agent(x):
    text = "Ukraine was hit by a wave of Russian missile strikes overnight, killing four civilians in Kyiv."
    prep = prepare(x.extract_many([Article(text)]), "RU-UA")
    by_ru, by_ua, _ = raw_by_side(prep)[0]
    assert by_ru > 0 and np.isclose(by_ua, 0)
