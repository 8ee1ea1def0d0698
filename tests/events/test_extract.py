"""Cue extraction: the seed's four named cues, negation, hedging, quotes and the pair rule."""

import numpy as np
import pytest
from helpers import SEED

from metrics.model import Article
from metrics.score.scoring import contributions


def _cue_contributions(prep):
    m, _ = contributions(prep)
    lex = prep.lexicon
    mat = prep.features.matches
    return [(lex.families[c].id, t, v) for c, t, v in zip(mat["cue"], mat["matched"], m)]


@pytest.mark.parametrize(
    "cue, phrase, direction",
    [
        ("channels_cut", "cut channels of communication", +1),
        ("relations_bad", "lowest point", +1),
        ("invitation", "invited", -1),
        ("invitation", "return visit", -1),
        ("talks_positive", "constructive", -1),
    ],
)
def test_the_four_cues_the_user_named_are_found_in_the_seed(score_text, cue, phrase, direction):
    found = _cue_contributions(score_text(SEED.read_text(encoding="utf-8")))
    hits = [v for c, t, v in found if c == cue and t == phrase]
    assert hits, f"{phrase!r} not matched as {cue}"
    assert all(np.sign(v) == direction for v in hits)


def test_quotes_inside_a_phrase_do_not_break_it(cues_of):
    assert ("relations_bad", "at its “lowest point", 1.0) not in cues_of("x")  # sanity of the helper
    found = cues_of("Beijing called relations with Washington “rock bottom” and “at an all-time low”.")
    assert {c for c, _, _ in found} == {"relations_bad"}
    assert len(found) == 2
    found = cues_of("Washington said Beijing had “cut” channels of communication.")
    assert [c for c, _, _ in found] == ["channels_cut"]


@pytest.mark.parametrize(
    "text, cue, strength",
    [
        ("China did not cut communication channels with the United States.", "channels_cut", 0.0),
        ("Beijing will not resume talks with Washington.", "channels_restored", -0.6),
        ("China refused to meet the American delegation.", "meeting_refused", 1.0),
        ("Washington and Beijing failed to agree on tariffs.", "talks_tense", 1.0),
        ("China did not rule out force against Taiwan, the US was told.", "threat_force", 1.0),
        ("Washington might cut channels of communication with Beijing.", "channels_cut", 0.5),
        ("Beijing suspended cooperation with Washington on climate change.", "cooperation", -1.0),
    ],
)
def test_negation_and_hedging(cues_of, text, cue, strength):
    found = [(c, s) for c, _, s in cues_of(text)]
    assert (cue, strength) in found, found


def test_refusals_raise_and_plain_cooperation_lowers(score_text):
    refused = score_text("China refused to meet the American delegation in Beijing.")
    met = score_text("China met the American delegation in Beijing.")
    assert refused.cue_sums.sum() > 0 > met.cue_sums.sum()


def test_a_passage_must_concern_the_pair(score_text):
    text = (
        "Blinken met Wang Yi in Beijing on Monday.\n"
        "He said the talks were constructive.\n"
        "Russia imposed sanctions on Ukraine.\n"
        "He said more would follow."
    )
    prep = score_text(text)
    assert list(prep.relevance) == [1.0, 0.5, 0.0, 0.0]
    cues = {c: v for c, _, v in _cue_contributions(prep)}
    assert cues["sanctions"] == 0.0  # not about the US and China
    assert cues["talks_positive"] < 0


def test_an_article_that_names_only_one_side_has_no_tension(score_text):
    prep = score_text("China imposed sanctions on a shipping company. Beijing warned of more.")
    assert prep.relevant[0] == 0
    from metrics.score.scoring import tension

    assert np.isnan(tension(prep)[0])


def test_other_pairs_and_none(score_text):
    text = "Russia imposed sanctions on Ukraine. Moscow warned Kyiv."
    assert score_text(text, "US-CN").relevant[0] == 0
    assert score_text(text, "RU-UA").relevant[0] == 2
    assert score_text(text, "UA-RU").relevant[0] == 2
    assert score_text(text, "none").relevant[0] == 2


def test_us_is_the_country_but_us_is_a_pronoun(score_text):
    prep = score_text("China told us nothing. Beijing sanctioned a firm.")
    assert prep.relevant[0] == 0


def test_features_do_not_depend_on_the_pair(extractor):
    f = extractor.extract(Article(text=SEED.read_text(encoding="utf-8")))
    assert any(m for *_, m in f.passages)  # country masks recorded once, pair applied when scoring


def test_background_clauses_count_less_than_the_main_event(cues_of):
    found = {c: s for c, _, s in cues_of(
        "Beijing restored diplomatic ties with Washington five years after crowds stormed its embassy."
    )}
    assert found["ties_restored"] == 1.0
    assert 0 < found["violence"] < 0.5  # the storming is the setting, not the news


def test_yielding_and_violating_are_told_apart(cues_of):
    assert [c for c, _, _ in cues_of("The rebels laid down their weapons on Friday.")] == ["release"]
    assert [c for c, _, _ in cues_of("The army violated the ceasefire agreement twice.")] == ["military_incident"]
    assert [c for c, _, _ in cues_of("Officials signed copies of the book.")] == []  # "sign" needs an agreement


def test_stems_do_not_catch_unrelated_words(cues_of):
    text = (
        "The State Department said the candidate, a nationalist, praised the defendants "
        "and the significant storm that hit feudal villages; a shell company was named "
        "after several hail showers."
    )
    fired = {c for c, _, _ in cues_of(text)}
    assert fired <= {"praise"}, fired  # "praised" is the only cue here


def test_common_diplomatic_phrasings(cues_of):
    # A skipped word may be an abbreviation with periods.
    assert ("military_incident", "violated U.S. airspace") in [(c, t) for c, t, _ in cues_of(
        "Beijing said the drone violated U.S. airspace only briefly.")]
    assert [c for c, _, _ in cues_of("Ties are at their worst level since 1979.")] == ["relations_bad"]
    assert [c for c, _, _ in cues_of("The ship manoeuvred in an unsafe and unprofessional manner.")] == ["military_incident"]
    # Releasing detained people is one event, not a release and a detention.
    assert [c for c, _, _ in cues_of("Beijing released three detained Americans on Monday.")] == ["release"]
    # "Lethal aid" is reported as a danger, not as help between the two.
    assert [c for c, _, _ in cues_of("Washington warned Beijing against sending lethal aid.")] == ["warning", "military_posture"]
    assert [c for c, _, _ in cues_of("The pandas were a goodwill gesture.")] == ["cooperation"]
    assert [c for c, _, _ in cues_of("The firm booked a goodwill impairment.")] == []  # accounting, not diplomacy
    assert [c for c, _, _ in cues_of("Beijing froze the assets of two defence firms.")] == ["sanctions"]
    assert [c for c, _, _ in cues_of("Washington revoked the visas of 1,000 students.")] == ["sanctions"]
    assert [c for c, _, _ in cues_of("China halted purchases of American soybeans.")] == ["sanctions"]
    # The truce is the news, not the war it pauses.
    assert [c for c, _, _ in cues_of("The two sides called a truce in the trade war.")] == ["agreement"]
    assert [c for c, _, _ in cues_of("The ministry said it was deeply concerned by the drills.")] == ["accusation", "military_posture"]
    assert [c for c, _, _ in cues_of("Ties remain fragile.")] == ["relations_bad"]
    assert [c for c, _, _ in cues_of("The envoys traded barbs over trade.")] == ["accusation"]
    # "Mistrust" and "decoupling" are how analysts name the relationship going bad.
    assert [c for c, _, _ in cues_of("Strategic mistrust keeps growing.")] == ["relations_bad"]
    assert [c for c, _, _ in cues_of("Economic decoupling has begun.")] == ["relations_bad"]


def test_common_background_sentences_move_nothing(cues_of):
    # Wire copy is full of these; none of them is an event between the two countries.
    for text in [
        "The embassy opened in 1979.",
        "Reporters were allowed in briefly.",
        "Both governments released statements after the call.",
        "The ministry released trade figures for May.",
    ]:
        assert cues_of(text) == [], text
    assert [c for c, _, _ in cues_of("Blinken is the first envoy to visit Beijing since 2018.")] == ["visit"]
    # What those patterns are for still counts.
    assert [c for c, _, _ in cues_of("Beijing released two detained activists.")] == ["release"]
    assert [c for c, _, _ in cues_of("China opened its market to American banks.")] == ["easing"]
    assert [c for c, _, _ in cues_of("Xi will meet Biden in November.")] == ["invitation"]
    for text in ["The museum reopened to visitors after renovation.", "Visitors queued outside the zoo."]:
        assert cues_of(text) == [], text
    assert [c for c, _, _ in cues_of("Beijing reopened its consulate in Houston.")] == ["easing"]


def test_other_pairs_phrasings(cues_of):
    assert [c for c, _, _ in cues_of("Pakistan closed its airspace to Indian airlines.")] == ["sanctions"]
    assert [c for c, _, _ in cues_of("The two sides swapped 200 prisoners of war.")] == ["release"]
    assert [c for c, _, _ in cues_of("The armies completed the disengagement at two points.")] == ["release"]
