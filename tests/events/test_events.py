"""Events between the two sides: actors of each cue, the pair gate, directed scores, scope, and
the v2 aggregate. Every sentence here was written for these tests, in the styles the scorer
meets: wire copy, official readouts, headlines and op-eds."""

import json

import numpy as np
import pytest
from helpers import SEED
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.cli import main
from metrics.events.dyad import gazetteer, set_actors
from metrics.events.extract import Extractor
from metrics.model import Article
from metrics.read.readers import article_from_text
from metrics.score.scoring import (
    contributions,
    explain,
    prepare,
    raw_by_side,
    raw_scores,
    score_table,
    side_names,
    tension,
)


@pytest.fixture(scope="module")
def x():
    return Extractor()


def _acts(x, text):
    """(cue id, source codes, target codes) of each match with non-zero strength."""
    g = gazetteer()
    f = x.extract(Article(text))
    return [
        (x.lexicon.families[m.cue].id, g.codes_of(m.source, f.actors), g.codes_of(m.target, f.actors))
        for m in f.matches
        if m.strength != 0
    ]


@pytest.mark.parametrize(
    ("text", "cue", "source", "target"),
    [
        # wire copy: subject - verb - object
        ("The United States imposed new sanctions on Chinese chipmakers on Tuesday.", "sanctions", "US", "CN"),
        ("WASHINGTON (Reuters) - The Commerce Department added 12 Chinese firms to its entity list.", None, "US", "CN"),
        # passive voice with an agent
        ("China was accused by the United States of hacking government networks.", "accusation", "US", "CN"),
        # an official readout: the speaker stands after the clause
        ("The talks were candid and constructive, the Chinese foreign ministry said.", "talks_positive", "CN", None),
        # institutions and officials stand for their country
        ("The Pentagon condemned the unsafe intercept by a PLA fighter jet.", "condemnation", "US", "CN"),
        ("Beijing's foreign ministry criticised Washington over the visit.", None, "CN", "US"),
        # a verb's object is the target, not the subject of what follows
        ("China warned Washington not to play with fire over Taiwan.", "threat_force", "CN", "US"),
        ("Washington urged Beijing to sign the accord.", "appeal", "US", "CN"),
        # one side acting with the other implied
        ("Beijing cut military channels.", "channels_cut", "CN", None),
        # both sides at once
        ("The two sides agreed to keep channels of communication open.", "agreement", "PAIR", None),
        ("US and Chinese negotiators agreed on a framework.", "agreement", "US+CN", None),
        # a headline
        ("Xi meets Blinken, says ties must stabilise", None, "CN", "US"),
    ],
)
def test_actors_of_a_cue(x, text, cue, source, target):
    acts = _acts(x, text)
    if cue is not None:
        acts = [a for a in acts if a[0] == cue]
    assert acts, f"no cue {cue} in {text!r}: {_acts(x, text)}"
    assert (acts[0][1], acts[0][2]) == (source, target), acts


def _score(text, dyad="US-CN"):
    prep = prepare(Extractor().extract_many([article_from_text(text, "t.txt")]), dyad)
    return prep, float(raw_scores(prep)[0])


# In a US-China article, these sentences report acts with third parties only.
THIRD_PARTY = [
    "The United States coordinates closely with allies and partners on export controls.",
    "Beijing and Canberra signed a free trade agreement, a step Washington watched closely.",
    "Japan and the United States held joint talks on supply chains.",
    "China and Russia pledged deeper cooperation at the summit in Moscow.",
    "The White House praised the G7 for its statement.",
]
ABOUT_PAIR = "Relations between the United States and China have been strained this year."


@pytest.mark.parametrize("sentence", THIRD_PARTY)
def test_acts_with_a_third_party_do_not_count_for_the_pair(sentence):
    prep, _ = _score(f"{ABOUT_PAIR} {sentence}")
    m_contrib, _ = contributions(prep)
    mat = prep.features.matches
    in_sentence = mat["start"].to_numpy() >= len(ABOUT_PAIR)
    assert in_sentence.any(), "the sentence must have cues for the test to mean anything"
    assert np.all(m_contrib[in_sentence] == 0), list(zip(mat["matched"][in_sentence], m_contrib[in_sentence]))


def test_the_same_act_between_the_pair_counts():
    # The control for the test above: the act itself counts once its actors are the two sides.
    prep, raw = _score(f"{ABOUT_PAIR} China and the United States signed a trade agreement.")
    assert raw < 0
    prep, raw = _score(f"{ABOUT_PAIR} Beijing and Canberra signed a trade agreement.")
    m_contrib, _ = contributions(prep)
    assert not np.any(m_contrib[prep.features.matches["matched"].str.contains("agreement")])


def test_a_coalition_against_one_side_counts_its_hostile_acts_not_its_own_cooperation():
    # "The US and its allies agreed to counter China": the agreement is among the allies (not a
    # US-China act); the sanctions they impose on China are the US's act toward China.
    prep, _ = _score("The US and its allies agreed on Tuesday. The US and its allies imposed sanctions on China.")
    m_contrib, _ = contributions(prep)
    mat = prep.features.matches
    by = dict(zip(mat["matched"], m_contrib))
    assert by["agreed"] == 0
    assert by["sanctions"] > 0
    assert prep.side[list(mat["matched"]).index("sanctions")] == 0  # the US's act


def test_directed_scores_say_who_escalates():
    text = (
        "China cut military channels with the United States. Beijing imposed sanctions on American defence firms. "
        "The United States invited Chinese officials to resume talks."
    )
    prep, raw = _score(text)
    by = raw_by_side(prep)[0]
    us, cn, both = by
    assert cn > 0 > us, by  # China's acts raise tension, the US's invitation lowers it
    assert us + cn + both == pytest.approx(raw)
    doc = explain(prep, 0)  # the drill-down's figures are the table's
    assert [doc["raw_by_US"], doc["raw_by_CN"], doc["raw_by_both"]] == pytest.approx(list(by))
    table = score_table(prep)
    assert {"raw_by_US", "raw_by_CN", "raw_by_both"} <= set(table.columns)
    assert side_names(prepare(prep.features, "none")) == ["raw_by_both"]


SENTENCES = [
    "China cut military channels with the United States.",
    "Washington imposed tariffs on Chinese steel.",
    "The two sides agreed to keep communication open.",
    "Beijing and Canberra signed a trade deal.",
    "The US praised China's decision to release the detained Americans.",
    "Washington condemned the drills, a State Department spokesman said.",
    "Officials said the weather was mild.",
    "China was accused by the United States of cyberattacks.",
]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=12), st.sampled_from(["US-CN", "CN-US", "US-AU", "none"]),
       st.dictionaries(st.sampled_from(["sanctions", "channels_cut", "agreement", "tone", "praise"]),
                       st.floats(0, 20, allow_nan=False), max_size=3))
def test_directed_scores_add_up_to_raw_exactly(sentences, dyad, weights):
    x = _EXTRACTOR
    prep = prepare(x.extract_many([Article(" ".join(sentences))]), dyad)
    by = raw_by_side(prep, weights)
    assert by.sum(axis=1) == pytest.approx(raw_scores(prep, weights), abs=1e-9)
    table = score_table(prep, weights)
    cols = side_names(prep)
    assert table[cols].sum(axis=1).to_numpy() == pytest.approx(table["raw"].to_numpy(), abs=2e-4)


_EXTRACTOR = Extractor()


@pytest.mark.parametrize(
    ("text", "cue", "expect"),
    [
        # a cooperative act urged is an appeal (weaker cooperation), not the act
        ("Washington urged Beijing to sign the accord.", "appeal", "cooperative"),
        # ... demanded: the demand itself carries the event, the act counts nothing
        ("Washington demanded that Beijing agree to new talks.", "agreement", "zero"),
        # ... opposed, rejected or failed at: a rejection
        ("China opposed the agreement with the United States.", "agreement", "hostile"),
        ("Beijing failed to agree on a ceasefire with Washington.", None, "hostile"),
        # ... made a condition: a demand
        ("China would sign the deal only if the US lifted its tariffs.", "demand", "hostile"),
        # reducing a cooperative programme is a reduction
        ("The United States scaled back student exchanges with China.", None, "hostile"),
        ("Washington cut aid to Beijing's programme.", None, "hostile"),
        # "not to" after a warning keeps the warning
        ("China warned Washington not to play with fire over Taiwan.", "threat_force", "hostile"),
        # completion is not a cut
        ("Blinken ended two days of talks in Beijing on Monday.", "channels_cut", "absent"),
        ("Yellen concluded her four-day visit to China on Sunday.", "channels_cut", "absent"),
        # an adjective is not the verb: keeping close communication is no cut
        ("The two sides agreed to keep close communication.", "channels_cut", "absent"),
        # nouns in a list of goods are not acts
        ("The US imposed tariffs on ship-to-shore cranes and medical supplies from China.", "aid", "zero"),
    ],
)
def test_scope_of_an_act(text, cue, expect):
    prep, raw = _score(f"{ABOUT_PAIR} {text}")
    m_contrib, _ = contributions(prep)
    mat = prep.features.matches
    ids = [prep.lexicon.families[c].id for c in mat["cue"]]
    in_text = mat["start"].to_numpy() >= len(ABOUT_PAIR)
    if expect == "absent":
        assert cue not in [i for i, keep in zip(ids, in_text) if keep]
        return
    vals = [v for i, v, keep in zip(ids, m_contrib, in_text) if keep and (cue is None or i == cue)]
    assert vals, f"{cue} not found in {text!r}: {ids}"
    total = sum(vals)
    if expect == "zero":
        assert total == 0
    elif expect == "hostile":
        assert total > 0
    else:
        assert total < 0


def test_wrapped_cue_reads_the_same_in_every_style():
    # headline, wire lead and op-ed phrasing of one event class: a channel cut by one side
    for text in [
        "China suspends military talks with US after Pelosi visit",
        "BEIJING, Aug 5 - China halted military-to-military dialogue with the United States on Friday.",
        "By freezing its defence contacts with Washington, Beijing has chosen escalation.",
    ]:
        prep, raw = _score(text)
        assert raw > 0, text


def _article(sentences: list[str], n: int) -> str:
    return " ".join(sentences[i % len(sentences)] for i in range(n))


TENSE = [
    "China imposed sanctions on three American defence firms.",
    "The United States accused Beijing of cyberattacks on its utilities.",
    "Officials in Washington said the meeting had been postponed.",
    "Chinese warships shadowed a US destroyer in the strait.",
    "Analysts said markets were calm on Tuesday.",
    "The two sides traded barbs at the forum.",
]


def test_long_articles_do_not_win_by_length():
    short, long_ = _article(TENSE, 12), _article(TENSE, 60)
    (p1, _), (p2, _) = _score(short), _score(long_)
    t_short, t_long = float(tension(p1)[0]), float(tension(p2)[0])
    assert t_short > 0 and t_long > 0
    assert t_long <= t_short * 1.1  # five times the words, the same density: no more tension


def test_typical_articles_spread_over_the_scale_instead_of_piling_up_at_the_ends():
    # sentences about the pair that report no act: under tension.aggregate.intensity.v3 they
    # neither dilute nor add to the acts an article reports (v2 read them as a lower density)
    calm = [
        "Trade between the United States and China was worth $575 billion last year.",
        "The US ambassador in Beijing spoke at a university on Monday.",
        "Chinese students make up the largest group of foreigners at American colleges.",
    ]
    acts = [
        "China imposed sanctions on three American defence firms.",
        "Chinese warships shadowed a US destroyer in the strait.",
        "The United States accused Beijing of cyberattacks on its utilities.",
        "The US trade representative met her Chinese counterpart in Geneva.",
        "The US secretary of state visited Beijing on Monday.",
        "The United States and China signed an agreement on fentanyl.",
    ]
    # one act each, told among calm sentences in articles of about 25 sentences, and a calm article
    texts = [_article([act] + calm * 3, 25) for act in acts] + [_article(calm, 25)]
    prep = prepare(Extractor().extract_many([article_from_text(m, f"{i}.txt") for i, m in enumerate(texts)]), "US-CN")
    t = tension(prep)
    assert np.all(np.abs(t) < 95), t
    assert len(np.unique(np.round(t / 10))) >= 5, t  # distinct levels, not all at one end
    assert t[0] > t[2] > t[3] and t[5] < t[4] < t[3], t  # sanctions over an accusation, a deal under a visit
    diluted = prepare(Extractor().extract_many([article_from_text(_article([acts[0]] + calm * 8, 25), "d.txt")]), "US-CN")
    assert tension(diluted)[0] == pytest.approx(t[0], abs=10)  # more calm sentences: the same act


def test_the_seed_stays_clearly_tense():
    # talks resumed amid channels cut, refusals, demands and a threat: the acts' mean leans to
    # conflict (about +19 on the v3 scale, a mean Goldstein near -2), above its own opening
    # sentence alone (talking again) and below one sanction
    prep, raw = _score(SEED.read_text(encoding="utf-8"))
    opening, _ = _score("In tensions between the US and China, the two sides are talking directly to each other again.")
    sanction, _ = _score("China imposed sanctions on three American defence firms.")
    assert tension(opening)[0] < 0 < 10 < tension(prep)[0] < tension(sanction)[0]


ACTORS = """\
countries:
  ARD:
    name: Ardenia
    patterns: ["Ardenia|Ardenian|Ardenians|Port Vell"]
  BOR:
    name: Borovia
    patterns: ["Borovia|Borovian|Borovians|Kesh"]
  US:
    name: United States
    patterns: ["United States|Washington|Uncle Sam"]
"""


@pytest.mark.slow
def test_custom_actors_follow_a_pair_the_gazetteer_lacks(tmp_path, capsys):
    actors = tmp_path / "actors.yaml"
    actors.write_text(ACTORS, encoding="utf-8")
    art = tmp_path / "a.txt"
    art.write_text(
        "Ardenia imposed sanctions on Borovia on Monday.\n\nPort Vell accused Kesh of shelling border villages.\n"
        "Uncle Sam watched.\n",
        encoding="utf-8",
    )
    try:
        assert main(["explain", str(art), "--format", "json", "--dyad", "ARD-BOR", "--actors", str(actors)]) == 0
        doc = json.loads(capsys.readouterr().out)
        cues = [c for p in doc["passages"] for c in p["cues"]]
        assert {(c["id"], c["source"], c["target"]) for c in cues} >= {("sanctions", "ARD", "BOR"), ("accusation", "ARD", "BOR")}
        assert doc["tension"] > 0 and doc["raw_by_ARD"] > 0 and doc["raw_by_BOR"] == 0
        # the override replaced the shipped patterns: "Uncle Sam" is the United States now
        assert gazetteer().codes.count("US") == 1 and "Uncle Sam" in gazetteer().patterns[gazetteer().codes.index("US")].pattern
    finally:
        set_actors(None)
    assert main(["explain", str(art), "--dyad", "ARD-BOR"]) == 2  # without the file the pair is unknown
    assert "ARD-BOR" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("countries: [1, 2]", "maps 'countries'"),
        ("countries:\n  ard: {patterns: [x]}", "upper-case code"),
        ("countries:\n  ARD: {patterns: ['(unclosed']}", "bad pattern"),
        ("countries: {ARD: {name: A", "not a YAML actors file"),
    ],
)
def test_a_bad_actors_file_is_one_line(tmp_path, capsys, content, reason):
    actors = tmp_path / "bad.yaml"
    actors.write_text(content, encoding="utf-8")
    art = tmp_path / "a.txt"
    art.write_text("China imposed sanctions on the United States.", encoding="utf-8")
    assert main(["score", str(art), "--actors", str(actors), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {actors}:") and reason in err and "\n" not in err
    set_actors(None)


def test_explain_json_names_each_cues_actors(tmp_path, capsys):
    art = tmp_path / "a.txt"
    art.write_text("The United States imposed sanctions on China. Japan and Australia signed a trade deal.", encoding="utf-8")
    assert main(["explain", str(art), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    cues = {c["id"]: c for p in doc["passages"] for c in p["cues"]}
    assert (cues["sanctions"]["source"], cues["sanctions"]["target"]) == ("US", "CN")
    assert cues["sanctions"]["between_pair"] and cues["sanctions"]["actor"] == "US"
    assert not cues["agreement"]["between_pair"] and cues["agreement"]["contribution"] == 0
    assert doc["raw_by_US"] + doc["raw_by_CN"] + doc["raw_by_both"] == pytest.approx(doc["raw"])
    assert doc["aggregate"] == "tension.aggregate.intensity.v3" and doc["scale"] == "tension.scale.linear.v3"


def test_who_escalates_per_period_names_each_side_and_leaves_gaps():
    from metrics.score.sides import side_tensions, sides_timeline
    from metrics.views.figures import sides_figure

    texts = {
        "2023-01-10": "China cut military channels with the United States. Beijing imposed sanctions on American firms.",
        "2023-03-02": "The United States imposed tariffs on Chinese steel. Washington accused Beijing of spying.",
        "2023-03-20": "The United States invited Chinese officials to Washington for talks.",
    }
    arts = [Article(t, date=__import__("datetime").date.fromisoformat(d)) for d, t in texts.items()]
    prep = prepare(Extractor().extract_many(arts), "US-CN")
    sides = side_tensions(prep)
    assert list(sides.columns) == ["US", "CN"]
    assert sides["CN"][0] > 0 and sides["US"][0] == 0  # January: only China acted
    tl = sides_timeline(prep.features.articles["date"], sides, "month")
    feb = tl[(tl["period"] == "2023-02-01")]
    assert len(feb) == 2 and feb["mean"].isna().all() and (feb["count"] == 0).all()  # a gap, not a line
    march_us = tl[(tl["period"] == "2023-03-01") & (tl["side"] == "US")]
    assert int(march_us["count"].iloc[0]) == 2
    fig = sides_figure(tl)
    assert [t.name for t in fig.data] == ["United States → China", "China → United States"]
    assert list(fig.layout.yaxis.range) == [-100, 100]
    assert {t.mode for t in fig.data} == {"lines+markers"}  # January stands alone between gaps: a dot shows it


def test_who_escalates_draws_markers_only_where_a_line_cannot_show_a_period():
    import pandas as pd

    from metrics.views.figures import sides_figure

    months = pd.date_range("2023-01-01", periods=4, freq="MS")
    dense = pd.DataFrame({"period": list(months) * 2, "side": ["US"] * 4 + ["CN"] * 4,
                          "mean": [10.0, 20.0, -5.0, 0.0, 5.0, 5.0, 30.0, 1.0], "count": [1] * 8})
    assert [t.mode for t in sides_figure(dense).data] == ["lines", "lines"]
    lone = dense.assign(mean=[10.0, None, -5.0, None, 5.0, 5.0, 30.0, 1.0])  # March has no neighbour with articles
    assert [t.mode for t in sides_figure(lone).data] == ["lines+markers", "lines"]


# The substring tests that stand before attribution's regexes must never change an answer:
# compared with the regexes themselves on text built from the words and marks they look for.
def _pieces(*words: str, max_size: int = 30):
    return st.lists(st.sampled_from(words), max_size=max_size).map("".join)


_GAP_TEXT = _pieces(*"abst ,.;:\t\nSTé_1", "said", "told", "says", "Said", "which", "as", "an ", "a step", "by", max_size=40)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(_GAP_TEXT, st.integers(0, 60), st.integers(0, 90))
def test_target_gap_search_equals_its_regex(text, start, width):
    from metrics.events import extract as X

    e = min(start, len(text))
    stop = min(len(text), e + width)
    m = X._TARGET_GAP.search(text, e, stop)
    assert X._target_gap(text, e, stop) == (m.start() if m else stop)


_MARKED_TEXT = _pieces(*"abcy ,'-.;\t", "tariffs on", "Imports of", "such as", "including", "ban", "urban", "if", "IF",
                       "unless", "as long as", "only when", "provided", "ſuch as", "\u0130f", "sanctions", "said", "Told",
                       "according to", "the", " by ", "BY", "nearby", "ſaid", "insisted", max_size=40)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_MARKED_TEXT, st.integers(0, 40), st.integers(0, 60))
def test_the_scan_never_hides_a_goods_list_a_condition_a_speaker_or_an_agent(text, start, width):
    """The shared scan's marker hits stand before these regexes in extraction: no hit, no match."""
    from metrics.events import extract as X

    scan = Extractor()._finder.scan(text)
    lo = min(start, len(text))
    hi = min(len(text), lo + width)
    if X._GOODS.search(text[lo:hi]):
        assert scan.occurs_within(X._MARK_GOODS, lo, hi)
    if X._CONDITION.match(text, lo, hi):
        assert scan.occurs_within(X._MARK_CONDITION, lo, min(hi, lo + 80))
    if X._SPEAKER_AFTER.match(text, lo):
        assert scan.occurs_within(X._MARK_SPEECH, lo, lo + 45)
    if X._SPEAKER_BEFORE.search(text, lo, hi):
        assert scan.occurs_within(X._MARK_SPEAKER_BEFORE, lo, hi)
    if X._PASSIVE_AGENT.fullmatch(text, lo, hi):
        assert scan.occurs_within(X._MARK_BY, lo, hi)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_pieces(*"ab .'-\t", "said", "Told", "according to", "the", "insisted", " by ", "ſaid"))
def test_speaker_word_tests_never_hide_a_speaker(text):
    from metrics.events import extract as X

    assert X._speaker_after(text, 0) == (X._SPEAKER_AFTER.match(text, 0) is not None)
    assert X._speaker_before(text, 0, len(text)) == (X._SPEAKER_BEFORE.search(text, 0, len(text)) is not None)
    assert X._has_by(text, 0, len(text)) or X._PASSIVE_AGENT.fullmatch(text, 0, len(text)) is None
