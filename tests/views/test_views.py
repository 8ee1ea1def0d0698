"""The dashboard's view logic with no Streamlit (metrics.views.figures, filters, headline, labels, presets,
sliders, viewparams, articlehtml, downloads): figures, filters, weights in URLs and presets."""

from __future__ import annotations

import html
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.errors import InputError, WeightsError
from metrics.events.extract import Extractor
from metrics.events.lexicon import TONE_ID, default_lexicon, dump_weights
from metrics.score.level import level_index
from metrics.score.scoring import explain, family_contributions, mean_family_contributions, prepare, tension, top_cues
from metrics.score.timeline import period_start, timeline
from metrics.store import intake
from metrics.views import (
    articlehtml,
    downloads,
    drilldown,
    figures,
    filters,
    headline,
    labels,
    mdtext,
    passages,
    presets,
    sliders,
    viewparams,
)

LEX = default_lexicon()

TEXTS = [
    "January 9, 2023\nChina and the United States held talks in Beijing. The two sides called the talks constructive.",
    "February 4, 2023\nWashington imposed sanctions on Chinese firms and Beijing condemned the move. "
    "China cut military communication channels with the United States.",
    "February 20, 2023\nThe United States and China signed an agreement on climate cooperation.",
    "March 2, 2023\nChina warned the United States over arms sales to Taiwan.",
]


@pytest.fixture(scope="module")
def prepared():
    from metrics.read.readers import read_bytes

    arts = [next(iter(read_bytes(f"a{i}.txt", t.encode()))) for i, t in enumerate(TEXTS)]
    return prepare(Extractor().extract_many(arts), "US-CN")


def _points(prep, weights=None) -> pd.DataFrame:
    return filters.article_frame(prep.features).assign(tension=tension(prep, weights))


# ----------------------------------------------------------------------------- weights


def test_slider_groups_cover_every_family_once_in_lexicon_categories_plus_tone():
    groups = sliders.slider_groups(LEX)
    ids = [s.id for _, specs in groups for s in specs]
    assert sorted(ids) == sorted(LEX.ids + [TONE_ID]) and ids[-1] == TONE_ID
    for category, specs in groups[:-1]:
        assert {LEX.family(s.id).category for s in specs} == {category}
    spec = groups[0][1][0]
    fam = LEX.family(spec.id)
    assert fam.help in spec.help and fam.grounding in spec.help and spec.default == fam.weight


def test_slider_range_stretches_to_a_loaded_weight():
    (spec,) = [s for _, specs in sliders.slider_groups(LEX, {"sanctions": 45.0}) for s in specs if s.id == "sanctions"]
    assert spec.max >= 45
    (normal,) = [s for _, specs in sliders.slider_groups(LEX) for s in specs if s.id == "sanctions"]
    assert normal.max >= 2 * LEX.family("sanctions").weight


def test_weights_round_trip_through_the_url_and_only_non_defaults_are_kept():
    w = LEX.weights({"sanctions": 12.5, "agreement": 0.0, "tone": 1.5})
    param = presets.weights_to_param(w)
    assert set(param.split(",")) == {"sanctions:12.5", "agreement:0", "tone:1.5"}
    assert presets.weights_from_param(param, LEX) == {"sanctions": 12.5, "agreement": 0.0, "tone": 1.5}
    assert presets.weights_to_param(LEX.weights()) == ""
    assert presets.weights_to_param(LEX.weights(LEX.default_weights())) == ""


@pytest.mark.parametrize(
    ("param", "needle"),
    [("sanctions", "not cue:weight"), ("sanctions:x", "'sanctions' is not a number"),
     ("bogus:1", "unknown cue id 'bogus'"), ("sanctions:-1", "negative")],
)
def test_bad_url_weights_name_the_entry(param, needle):
    with pytest.raises(WeightsError) as err:
        presets.weights_from_param(param, LEX)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_saved_preset_loads_back_unchanged():
    w = dict(LEX.default_weights(), sanctions=3.0)
    assert presets.parse_preset(dump_weights(w).encode(), "p.json", LEX) == presets.Preset(w)
    saved = presets.dump_preset(LEX.weights(w), LEX)
    assert json.loads(saved)["lexicon_version"] == LEX.declared_version
    assert presets.parse_preset(saved.encode(), "p.json", LEX) == presets.Preset(w)  # same version: no warning
    assert presets.parse_preset(b"sanctions: 4\ntone: 0\n", "p.yaml", LEX).weights == {"sanctions": 4.0, "tone": 0.0}


def test_a_preset_made_for_another_lexicon_version_loads_with_one_warning_line():
    data = json.dumps({"lexicon_version": "3", "sanctions": 4}).encode()
    got = presets.parse_preset(data, "old.json", LEX)
    assert got.weights == {"sanctions": 4.0}
    assert got.warning.startswith("old.json: made for lexicon version 3") and "\n" not in got.warning
    assert f"this lexicon is version {LEX.declared_version}" in got.warning
    # An id that lexicon had and this one has not: the error says which version the file was for.
    with pytest.raises(WeightsError, match=r"unknown cue id 'gone'.*made for lexicon version 3"):
        presets.parse_preset(b'{"lexicon_version": 3, "gone": 1}', "old.json", LEX)
    with pytest.raises(WeightsError, match="lexicon_version is not a version"):
        presets.parse_preset(b'{"lexicon_version": [1]}', "bad.json", LEX)


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [("p.json", b"{", "p.json: not valid JSON"), ("p.yaml", b"a: [", "p.yaml: not valid YAML"),
     ("p.json", b"\xff\xfe\x00", "p.json: not UTF-8"), ("p.json", b'{"tone": "high"}', "'tone' is not a number")],
)
def test_bad_presets_fail_in_one_line(name, data, needle):
    with pytest.raises(WeightsError) as err:
        presets.parse_preset(data, name, LEX)
    assert needle in str(err.value) and "\n" not in str(err.value)


# ----------------------------------------------------------------------------- filters


def test_dyad_options_start_with_us_cn_and_end_with_none():
    opts = viewparams.dyad_options()
    assert opts[0] == "US-CN" and opts[-1] == "none" and len(opts) == len(set(opts))
    assert "China" in labels.dyad_label("US-CN") and "every passage" in labels.dyad_label("none")


def test_filter_by_dates_and_source():
    fr = pd.DataFrame(
        {"id": list("abcd"), "title": list("wxyz"), "source": ["r.csv#1", "r.csv#2", "up.txt", "up2.txt"],
         "date": pd.to_datetime(["2023-01-01", "2023-01-31", None, "2023-03-01"])}
    )
    assert filters.filter_mask(fr, date(2023, 1, 1), date(2023, 1, 31)).tolist() == [True, True, False, False]
    assert filters.filter_mask(fr, date(2023, 1, 2), None, keep_undated=True).tolist() == [False, True, True, True]
    assert filters.filter_mask(fr, source=".CSV").tolist() == [True, True, False, False]
    assert filters.search_mask(fr, "UP").tolist() == [False, False, True, True]
    assert filters.date_bounds(fr) == (date(2023, 1, 1), date(2023, 3, 1))


def test_the_headline_shows_the_latest_period_with_enough_articles_never_one_article(prepared):
    tl = timeline(_points(prepared), "month")  # Jan 1, Feb 2, Mar 1 articles
    head = headline.evidence_headline(tl, _points(prepared), min_count=2)
    assert head.kind == "period" and head.start == pd.Timestamp("2023-02-01") and head.count == 2
    assert head.value == pytest.approx(tl["mean"].iloc[1]) and head.lo <= head.value <= head.hi
    assert head.latest_start == pd.Timestamp("2023-03-01") and head.latest_count == 1
    assert headline.headline_label(head, "month") == "Latest tension, February 2023 (≥ 2 articles)"
    note = headline.headline_note(head, "month")
    assert note.startswith("Mean of 2 articles (2023-02-01 to 2023-02-28), 95% interval ")
    assert "the latest month with at least 2 articles" in note
    assert "The latest month with articles, March 2023, has 1 article: too few to read alone." in note
    assert head.delta is None and "No earlier month with 2 articles" in note
    one = headline.evidence_headline(tl, _points(prepared), min_count=1)  # every month counts
    assert one.start == pd.Timestamp("2023-03-01") and one.delta == pytest.approx(tl["mean"].iloc[2] - tl["mean"].iloc[1])
    assert headline.evidence_headline(tl.iloc[:0]).kind == "none"


def test_without_a_period_of_enough_articles_the_headline_is_the_level_index_with_an_interval(prepared):
    pts = _points(prepared)
    head = headline.evidence_headline(timeline(pts, "month"), pts, min_count=3, half_life=30)
    assert head.kind == "level" and head.start == pd.Timestamp("2023-03-02") and head.count == 4
    lvl = level_index(pts, 30)
    assert head.value == pytest.approx(lvl["level"].iloc[-1])  # the level index's own value
    assert head.lo < head.value < head.hi
    assert headline.headline_label(head, "month") == "Latest tension, level index (02 Mar 2023)"
    assert "No month in view has 3 articles or more, so this is the level index" in headline.headline_note(head, "month")
    (alone,) = [i for i in range(len(pts)) if pts["date"].iloc[i] == pd.Timestamp("2023-03-02")]
    single = headline.evidence_headline(timeline(pts.iloc[[alone]], "month"), pts.iloc[[alone]], min_count=3)
    assert single.hi - single.lo > 50  # one article: a wide interval, not a confident number


# ----------------------------------------------------------------------------- passages


def test_the_strongest_passages_of_a_period_come_first_at_most_two_an_article(prepared):
    rows = np.ones(len(prepared.features.articles), dtype=bool)
    picked = passages.strongest(prepared, None, rows, k=10, per_article=1)
    assert picked["article"].is_unique  # one an article
    contrib = drilldown.passage_contributions(prepared)
    assert np.allclose(picked["contribution"], contrib[picked["passage"]])
    assert list(np.abs(picked["contribution"])) == sorted(np.abs(picked["contribution"]), reverse=True)
    feb = filters.period_mask(filters.article_frame(prepared.features), pd.Timestamp("2023-02-01"), "month")
    only = passages.strongest(prepared, None, feb, k=10)
    assert set(only["article"]) <= set(np.flatnonzero(feb)) and len(only) >= 2
    assert (only.groupby("article").size() <= passages.PER_ARTICLE).all()
    none = passages.strongest(prepared, None, np.zeros(len(rows), dtype=bool))
    assert none.empty


def test_a_quote_is_its_passage_with_the_cue_marked_and_its_actor(prepared):
    from metrics.read.readers import read_bytes

    rows = np.ones(len(prepared.features.articles), dtype=bool)
    picked = passages.strongest(prepared, None, rows, k=3)
    texts = {next(iter(read_bytes(f"a{i}.txt", t.encode()))).id: t for i, t in enumerate(TEXTS)}
    got = passages.quotes(prepared, None, picked, texts.get)
    sanction = next(q for q in got if "sanctions" in q["text"])
    assert sanction["text"] in texts[sanction["id"]] and sanction["date"] == "2023-02-04"
    assert sanction["cue"] and sanction["actor"] == "US toward CN"
    out = passages.quote_html(sanction)
    assert "<mark" in out and f"{sanction['contribution']:+.2f}</b> to its article" in out
    assert passages.quotes(prepared, None, picked, lambda _id: None) == []  # an article gone meanwhile


def test_quotes_escape_the_article_text():
    q = {"contribution": 2.5, "cue": "Sanctions <b>", "actor": "US toward CN", "by": "US",
         "text": 'Washington <script>window.__xss=1</script> imposed <img src=x onerror="x()"> sanctions',
         "offset": 0, "cut_before": False, "cut_after": True,
         "cues": [{"family": "Sanctions", "matched": "sanctions", "start": 79, "end": 88, "contribution": 2.5}]}
    out = passages.quote_html(q)
    assert "<script" not in out and "<img" not in out and "<b>Sanctions" not in out
    assert "&lt;script&gt;" in out and "<mark" in out and out.rstrip("</div>").endswith("…”")


def test_period_start_and_mask_agree_with_the_timeline():
    fr = pd.DataFrame({"date": pd.to_datetime(["2023-02-27", "2023-03-01", "2023-03-05"])})
    assert period_start(pd.Timestamp("2023-03-05"), "week") == pd.Timestamp("2023-02-27")
    assert filters.period_mask(fr, pd.Timestamp("2023-02-27"), "week").tolist() == [True, True, True]
    assert filters.period_mask(fr, pd.Timestamp("2023-03-01"), "month").tolist() == [False, True, True]


# ----------------------------------------------------------------------------- figures


def test_timeline_has_a_point_per_article_with_its_id_and_the_band_and_rolling_mean(prepared):
    points = _points(prepared)
    tl = timeline(points, "month")
    fig = figures.timeline_figure(points, tl)
    names = [t.name for t in fig.data]
    assert names[:5] == ["95% interval of the mean", "Mean per month", "Mean per month",
                         "Rolling mean (3 calendar months)", "Articles per month"]
    # A month of one article: its point is the mean, the month gets no marker of its own to click.
    assert [y is not None and not np.isnan(y) for y in fig.data[2].y] == list(tl["count"] > 1)
    (art,) = [t for t in fig.data if t.name == "Article"]
    assert [row[0] for row in art.customdata] == list(points["id"])
    assert "%{customdata[1]}" in art.hovertemplate and "tension" in art.hovertemplate
    assert list(fig.data[1].y) == list(tl["mean"])


def test_timeline_beyond_the_point_limit_draws_period_means_only(prepared):
    points = _points(prepared)
    tl = timeline(points, "month")
    fig = figures.timeline_figure(points, tl, max_points=2)
    assert "Article" not in [t.name for t in fig.data]
    assert "drawn as monthly means" in fig.layout.title.text
    # A click on a mean is told apart from a click on an article.
    mean = fig.data[2]
    assert list(mean.y) == list(tl["mean"])  # drawn as means only: every period gets its marker
    art, per = figures.parse_selection([{"customdata": list(mean.customdata[1])}])
    assert art is None and per == tl["period"].iloc[1]
    assert figures.parse_selection([{"customdata": ["abc", "t"]}]) == ("abc", None)
    assert figures.parse_selection([]) == (None, None)


def test_the_highlighted_period_is_shaded_across_the_whole_plot(prepared):
    points = _points(prepared)
    tl = timeline(points, "month")
    start = tl["period"].iloc[1]
    shape, volume = figures.timeline_figure(points, tl, highlight=start).layout.shapes
    assert (pd.Timestamp(shape.x0), pd.Timestamp(shape.x1)) == (start, start + pd.offsets.MonthBegin(1))
    assert (shape.yref, shape.y0, shape.y1) == ("y domain", 0, 1)
    assert volume.yref == "y2 domain" and volume.x0 == shape.x0  # the volume bars' period too
    # Any day highlights the whole period that contains it: Wednesday 1 February 2023 is in the
    # week of Monday 30 January.
    week = figures.timeline_figure(points, timeline(points, "week"), period="week",
                                  highlight=pd.Timestamp("2023-02-01")).layout.shapes
    assert (pd.Timestamp(week[0].x0), pd.Timestamp(week[0].x1)) == (pd.Timestamp("2023-01-30"), pd.Timestamp("2023-02-06"))
    assert figures.timeline_figure(points, tl).layout.shapes == ()


def test_months_without_articles_are_gaps_and_the_volume_bars_count_each_month():
    points = pd.DataFrame({"id": list("abcd"), "title": list("abcd"),
                           "date": pd.to_datetime(["2021-11-03", "2021-11-20", "2022-08-02", "2022-08-09"]),
                           "tension": [40.0, 20.0, -10.0, -30.0]})
    fig = figures.timeline_figure(points, timeline(points, "month"))
    mean, marks = [t for t in fig.data if t.name == "Mean per month"]
    ys = list(mean.y)
    assert len(ys) == 10 and ys[0] == 30 and ys[-1] == -20
    assert all(y is None or np.isnan(y) for y in ys[1:-1])  # December to July: no line across
    assert mean.connectgaps is False
    (bars,) = [t for t in fig.data if t.name == "Articles per month"]
    assert list(bars.y) == [2, 0, 0, 0, 0, 0, 0, 0, 0, 2] and bars.yaxis == "y2"
    assert "2021-11-01 to 2021-11-30<br>2 articles" in marks.text[0] and marks.y[0] == 30
    band = fig.data[0]
    assert None in band.x  # two separate shapes, not one across the gap
    (roll,) = [t for t in fig.data if t.name.startswith("Rolling")]
    assert "3 months, 2021-09-01 to 2021-11-30 · 2 articles" in roll.text[0]


def test_every_pair_gets_the_whole_scale_and_points_near_zero_stay_visible(prepared):
    points = _points(prepared).assign(tension=[1.0, -2.0, 0.5, 0.0])
    fig = figures.timeline_figure(points, timeline(points, "month"))
    assert tuple(fig.layout.yaxis.range) == (-105, 105)
    (art,) = [t for t in fig.data if t.name == "Article"]
    mid = [c for v, c in art.marker.colorscale if v == 0.5][0]
    assert mid.lower() not in ("#ffffff", "white", "rgb(255,255,255)")
    assert art.marker.line.color not in ("white", "#ffffff") and art.marker.line.width > 0
    assert fig.layout.legend.y < 0  # under the plot, not under the toolbar


def test_compared_pairs_get_their_own_mean_and_volume(prepared):
    points = _points(prepared)
    other = _points(prepared).assign(tension=-50.0)
    fig = figures.timeline_figure(points, timeline(points, "month"), pair="US-CN",
                                 compare=[("US-RU", timeline(other, "month"))])
    names = [t.name for t in fig.data]
    assert "Mean per month: US-CN" in names and "Mean per month: US-RU" in names
    assert "Articles per month: US-RU" in names
    (ru,) = [t for t in fig.data if t.name == "Mean per month: US-RU"]
    assert [y for y in ru.y if y == y] == [-50.0, -50.0, -50.0]


def test_hover_titles_are_escaped():
    points = pd.DataFrame({"id": ["x"], "title": ["<img src=x onerror=alert(1)>"],
                           "date": pd.to_datetime(["2023-01-01"]), "tension": [5.0]})
    fig = figures.timeline_figure(points, timeline(points, "month"))
    (art,) = [t for t in fig.data if t.name == "Article"]
    assert art.customdata[0][1] == html.escape("<img src=x onerror=alert(1)>")


def _as_sent(fig) -> dict:
    """The figure as st.plotly_chart sends it to the browser."""
    import plotly.io

    return json.loads(plotly.io.to_json(fig.to_dict(), validate=False))


def test_the_unchecked_figures_send_what_plotlys_checks_would(prepared, monkeypatch):
    # The dashboard's figures skip plotly's property checks for speed: built with the checks, each
    # must pass them (no misspelt property, no value they reject) and reach the browser unchanged.
    from metrics.score.level import level_index
    from metrics.score.sides import side_tensions, sides_timeline
    from metrics.views.figures import sides_figure

    points = _points(prepared)
    tl = timeline(points, "month", empty=True)
    sel = points.dropna(subset=["date"])["id"].iloc[1]
    drivers = mean_family_contributions(prepared, None, np.ones(len(points), bool))
    article = family_contributions(prepared).iloc[0]
    builds = {
        "timeline, articles drawn": lambda: figures.timeline_figure(
            points, tl, selected=sel, highlight=tl["period"].iloc[0], level=level_index(points, 30)),
        "timeline, means only, compared": lambda: figures.timeline_figure(
            points, tl, max_points=2, pair="US-CN", compare=[("US-RU", tl)], period="month"),
        "timeline, weeks": lambda: figures.timeline_figure(points, timeline(points, "week"), period="week"),
        "drivers, period": lambda: figures.drivers_figure(drivers, period_name="Feb 2023 mean"),
        "drivers, with article": lambda: figures.drivers_figure(drivers, article, article_name="<b>a title</b>"),
        "who escalates": lambda: sides_figure(sides_timeline(points["date"], side_tensions(prepared))),
    }
    for name, build in builds.items():
        fast = _as_sent(build())
        monkeypatch.setattr(figures, "CHECK", True)
        checked = _as_sent(build())
        monkeypatch.setattr(figures, "CHECK", False)
        assert fast == checked, name
        assert fast["data"], name


def test_drivers_are_the_mean_family_contribution_and_the_figure_colours_by_sign(prepared):
    fam = family_contributions(prepared)
    rows = np.array([False, True, False, False])  # the sanctions article
    d = labels.labelled(mean_family_contributions(prepared, None, rows), LEX)
    names = labels.family_labels(LEX)
    assert d[names["sanctions"]] == pytest.approx(fam["sanctions"].iloc[1]) and d[names["sanctions"]] > 0
    assert (d != 0).all()
    both = labels.labelled(mean_family_contributions(prepared, None, np.array([True, True, False, False])), LEX)
    assert both[names["talks_positive"]] == pytest.approx(fam["talks_positive"].iloc[:2].mean())
    fig = figures.drivers_figure(d, article=labels.labelled(mean_family_contributions(prepared, None, [0]), LEX))
    bar = fig.data[0]
    for label, x, color in zip(bar.y, bar.x, bar.marker.color):
        assert color == (figures.ESCALATION_COLOR if x > 0 else figures.DEESCALATION_COLOR), label
    # Two bar series; the legend shows each once, in a grey that means neither sign.
    legend = [t for t in fig.data if t.showlegend is not False]
    assert len(legend) == 2 and legend[0].marker.color == figures.NEUTRAL_COLOR
    assert legend[1].marker.pattern.shape == "/" and legend[1].marker.pattern.fgcolor == figures.NEUTRAL_COLOR
    assert not legend[0].marker.pattern.shape


# ----------------------------------------------------------------------------- drill-down


def test_article_html_highlights_cues_and_escapes_everything(extractor):
    from metrics.read.readers import read_bytes

    text = (
        "May 5, 2023\nThe US & China <script>window.__xss=1</script> imposed sanctions; "
        'Beijing said <img src=x onerror="window.__xss=2"> it condemned Washington.'
    )
    (art,) = list(read_bytes("x.txt", text.encode()))
    prep = prepare(extractor.extract_many([art]), "US-CN")
    doc = explain(prep, 0)
    out = articlehtml.article_html(doc)
    assert "<script" not in out and "<img" not in out
    # ... because each is shown as the text it is, character for character
    assert "The US &amp; China &lt;script&gt;window.__xss=1&lt;/script&gt; imposed" in out
    assert "said &lt;img src=x onerror=&quot;window.__xss=2&quot;&gt; it <mark" in out
    assert '<mark class="up" title="Sanctions' in out and ">sanctions</mark>" in out
    # Every passage is there, in order, with its contribution.
    positions = [out.index(f"Passage {p['index'] + 1} ") for p in doc["passages"]]
    assert positions == sorted(positions)
    assert f"{doc['passages'][-1]['contribution']:+.2f}" in out
    summary = articlehtml.explain_summary(doc)
    assert f"{doc['tension']:+.1f}" in summary
    table = drilldown.cue_table(prep)
    assert table["contribution"].sum() == pytest.approx(
        sum(c["contribution"] for p in doc["passages"] for c in p["cues"]), abs=1e-2
    )


def test_md_escape_keeps_markdown_literal():
    out = mdtext.md_escape("![x](http://e.com) **b** $1 <b>")
    # every character that could start an image, a link, emphasis, math or HTML is backslashed
    assert out == r"\!\[x\]\(http\://e\.com\) \*\*b\*\* \$1 \<b\>"
    assert mdtext.md_escape("line one\n\n# line two") == r"line one \# line two"  # no heading, one line


# ----------------------------------------------------------------------------- uploads and export


def test_read_upload_names_the_file_not_a_temporary_path():
    (art,) = intake.read_upload("../../etc/report.txt", b"Some text about China and the United States.")
    assert art.source == "report.txt"
    (err,) = intake.read_upload("notes.xyz", b"hello")
    assert isinstance(err, InputError) and str(err).startswith("notes.xyz")


def test_csv_export_round_trips():
    tl = pd.DataFrame({"period": pd.to_datetime(["2023-01-01"]), "mean": [1.5], "count": [2]})
    back = pd.read_csv(pd.io.common.BytesIO(downloads.to_csv(tl)))
    assert back.to_dict("list") == {"period": ["2023-01-01"], "mean": [1.5], "count": [2]}
    assert json.loads(json.dumps(back.to_dict()))  # plain data


def test_the_level_index_is_drawn_when_given(prepared):
    from metrics.score.level import level_index

    points = _points(prepared)
    lvl = level_index(points, 45)
    fig = figures.timeline_figure(points, timeline(points, "month"), level=lvl)
    (line,) = [t for t in fig.data if t.name.startswith("Level index")]
    assert line.name == "Level index (half-life 45 days)" and len(line.x) == len(lvl)


def test_period_drivers_and_top_cues_of_some_rows_match_the_whole_corpus(prepared):
    w = LEX.weights({"sanctions": 11.0, "tone": 0.5})
    rows = np.array([True, True, False, True])
    means = mean_family_contributions(prepared, w, rows)
    pd.testing.assert_series_equal(means, family_contributions(prepared, w)[rows].mean(), check_names=False)
    assert mean_family_contributions(prepared, w, np.zeros(4, dtype=bool)).empty
    assert top_cues(prepared, w, rows=np.array([3, 1])) == [top_cues(prepared, w)[3], top_cues(prepared, w)[1]]
    assert top_cues(prepared, {"sanctions": 11.0, "tone": 0.5}) == top_cues(prepared, w)  # a mapping, checked once


def test_key_cues_are_the_seed_then_what_moves_the_view_most(prepared):
    seed = list(sliders.SEED_CUES)
    assert sliders.key_cues(prepared, None, np.zeros(4, dtype=bool)) == seed
    got = sliders.key_cues(prepared, None, np.array([False, True, False, False]), movers=2)
    assert got[:4] == seed and len(got) == 6 and "sanctions" in got[4:]
    # A weight set to 0 no longer moves anything.
    assert "sanctions" not in sliders.key_cues(prepared, {"sanctions": 0}, np.array([False, True, False, False]))


def test_people_read_cue_labels_and_the_csv_keeps_the_ids_beside_them(prepared):
    from metrics.score.scoring import score_table

    (shown,) = [labels.label_top_cues(c, LEX) for c in top_cues(prepared, rows=np.array([1]))]
    assert "Sanctions, export controls, tariffs +" in shown and "sanctions(" not in shown
    table = labels.with_labels(score_table(prepared), LEX)
    cols = list(table.columns)
    assert cols[cols.index("top_cues") + 1] == "top_cues_labels"
    assert "sanctions(" in table.loc[1, "top_cues"] and "Sanctions, export controls, tariffs" in table.loc[1, "top_cues_labels"]
