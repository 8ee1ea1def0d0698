"""The dashboard through Streamlit's AppTest: widgets, state, weights, presets and uploads.

Each test gets its own database (TENSION_DB); the app's caches are keyed on the database path,
so tests do not see each other's articles.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from helpers import SAMPLE, fill
from helpers.apptest import APP, FEW, TIMEOUT, run
from streamlit.testing.v1 import AppTest

from metrics.events.lexicon import TONE_ID, default_lexicon
from metrics.read.readers import read_bytes
from metrics.store.core import Store

HOSTILE = (
    "March 3, 2024\n"
    "Beijing <script>window.__xss=1</script> warns Washington\n"
    'China and the United States traded threats <img src=x onerror="window.__xss=2"> after talks collapsed. '
    "Washington imposed sanctions on Chinese firms.\n"
)


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "tension.db"
    monkeypatch.setenv("TENSION_DB", str(path))
    return path


@pytest.fixture
def few(db) -> Store:
    return fill(db, FEW)


def _save(at: AppTest, label: str) -> None:
    """Press the upload page's Save button, which must read ``label``, and let the app rerun."""
    (save,) = [b for b in at.button if b.label.startswith("Save ")]
    assert save.label == label
    save.click()
    run(at)


def _app(open_groups: bool = True, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    if open_groups:
        # Sliders are built only in open groups; open them all as a user clicking each would.
        for category in {f.category for f in default_lexicon().families} | {"Tone"}:
            at.session_state[f"group_{category}"] = True
    return at


def _latest(at: AppTest) -> str:
    (m,) = [m for m in at.metric if m.label.startswith("Latest tension")]
    return m.value


def _slider(at: AppTest, cue_id: str):
    return at.slider(key=f"w_{cue_id}")


@pytest.mark.slow
def test_first_start_loads_the_sample_corpus(db):
    at = run(_app())
    n_files = len(list(SAMPLE.glob("*.txt")))
    assert Store(db).count() == n_files
    (shown,) = [m for m in at.metric if m.label == "Articles in view"]
    assert shown.value == str(n_files)
    assert _latest(at) not in ("", "–")
    # The headline rests on a month of 3 articles or more (not June 2024's single article), and
    # the passages beside the chart are that month's.
    (head,) = [m for m in at.metric if m.label.startswith("Latest tension")]
    month = re.match(r"Latest tension, (\w+ \d{4}) \(≥ 3 articles\)$", head.label)
    assert month, head.label
    dated = [p.name[:7] for p in SAMPLE.glob("*.txt")]
    assert dated.count(pd.Timestamp(month.group(1)).strftime("%Y-%m")) >= 3
    assert any(m.value == f"**Passages behind {month.group(1)}**" for m in at.markdown)
    assert len([h for h in at.get("html") if "tp-q " in h.proto.body]) >= 3  # its quotes


@pytest.mark.slow
def test_the_seed_cues_have_sliders_on_first_view_and_the_other_groups_build_when_opened(few):
    at = run(_app(open_groups=False))
    lex = default_lexicon()
    visible = [s.key for s in at.slider]
    # No expander to open: the seed article's four cues and the cues moving this view most.
    assert visible[:4] == [f"w_{c}" for c in ("channels_cut", "relations_bad", "invitation", "talks_positive")]
    assert len(visible) == 8 and len(set(visible)) == 8
    assert len(at.expander) >= len({f.category for f in lex.families}) - 2
    at.session_state["group_Cooperation"] = True
    run(at)
    opened = {s.key for s in at.slider} - set(visible)
    assert opened == {f"w_{f.id}" for f in lex.families if f.category == "Cooperation"} - set(visible)
    assert opened  # the group still holds the cues not shown beside the chart


@pytest.mark.slow
def test_overview_has_timeline_metric_and_a_slider_per_family(few):
    at = run(_app())
    lex = default_lexicon()
    assert len(at.slider) == len(lex.families) + 1  # one per cue family, plus tone
    # every category has its group in the sidebar, except one whose cues all sit beside the chart
    beside = set(at.session_state["key_cues"])
    categories = {f.category for f in lex.families if f.id not in beside}
    labels = {e.label.split(" · ")[0] for e in at.expander}
    assert categories | {"Tone"} <= labels
    charts = at.get("plotly_chart")
    assert len(charts) >= 2  # the timeline and the period's drivers
    spec = json.loads(charts[0].proto.spec)
    article_trace = [t for t in spec["data"] if t.get("name") == "Article"][0]
    assert len(article_trace["x"]) == len(FEW)
    ids = {row[0] for row in article_trace["customdata"]}
    assert ids == set(few.articles()["id"])
    # Help text carries the family's help and its grounding.
    fam = lex.family("sanctions")
    assert fam.grounding in _slider(at, "sanctions").help and fam.help in _slider(at, "sanctions").help


@pytest.mark.slow
def test_moving_a_slider_rescores_and_goes_into_the_url(few):
    at = run(_app())
    before = _latest(at)
    _slider(at, "agreement").set_value(0.0)
    run(at)
    assert _latest(at) != before
    assert at.query_params["w"] == "agreement:0"
    # Only the charts (with the key sliders beside them) reran: the sidebar's sliders were not
    # redrawn under the user's hand.
    assert {s.key for s in at.slider} == {f"w_{c}" for c in at.session_state["key_cues"]}
    assert len(at.get("plotly_chart")) >= 1
    default = default_lexicon().family("agreement").weight
    assert f"Agreement reached or signed 0 (default {default:g})" in " ".join(c.value for c in at.caption)
    run(at)  # a full rerun, as after any other interaction
    assert _slider(at, "agreement").value == 0
    # Back to the defaults: the score returns and the URL forgets the weight.
    [b for b in at.button if b.label == "Reset all"][0].click()
    run(at)
    assert _latest(at) == before
    assert _slider(at, "agreement").value == default_lexicon().family("agreement").weight
    assert "w" not in at.query_params


@pytest.mark.slow
def test_weights_in_the_url_are_applied_and_bad_ones_reported(few):
    at = run(_app(w="sanctions:12,tone:0"))
    assert _slider(at, "sanctions").value == 12
    assert _slider(at, TONE_ID).value == 0
    assert not at.error

    bad = run(_app(w="sanctions:lots"))
    assert len(bad.error) == 1
    assert "sanctions" in bad.error[0].value and "\n" not in bad.error[0].value
    assert _slider(bad, "sanctions").value == default_lexicon().family("sanctions").weight


@pytest.mark.slow
def test_the_pair_of_countries_changes_the_scores(few):
    at = run(_app())
    us_cn = _latest(at)
    at.selectbox(key="dyad").set_value("none")
    run(at)
    assert at.query_params["pair"] == "none"
    assert _latest(at) != us_cn


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.json", b"{not json", "not valid JSON"),
        ("unknown.json", b'{"no_such_cue": 3}', "unknown cue id 'no_such_cue'"),
        ("negative.yaml", b"sanctions: -2\n", "negative"),
        ("list.yaml", b"- 1\n- 2\n", "expected a mapping"),
    ],
)
def test_a_bad_preset_is_refused_in_one_line(few, name, content, reason):
    at = run(_app())
    at.file_uploader(key="preset_file").upload(name, content)
    run(at)
    assert len(at.error) == 1
    msg = at.error[0].value.replace("\\", "")  # markdown escapes, invisible once rendered
    assert name in msg and reason in msg and "\n" not in msg
    assert _slider(at, "sanctions").value == default_lexicon().family("sanctions").weight


@pytest.mark.slow
def test_a_preset_loads_and_the_save_button_offers_the_same_format(few):
    at = run(_app())
    before = _latest(at)
    at.file_uploader(key="preset_file").upload("mine.json", json.dumps({"sanctions": 15, "agreement": 1}).encode())
    run(at)
    assert not at.error
    assert _slider(at, "sanctions").value == 15 and _slider(at, "agreement").value == 1
    assert _latest(at) != before
    assert set(at.query_params["w"].split(",")) == {"sanctions:15", "agreement:1"}
    (save,) = [b for b in at.download_button if b.label == "Save preset"]
    assert save.proto.label == "Save preset"


@pytest.mark.slow
def test_a_preset_for_another_lexicon_version_loads_with_one_warning_line(few):
    lex = default_lexicon()
    at = run(_app())
    at.file_uploader(key="preset_file").upload("same.json", json.dumps(
        {"lexicon_version": lex.declared_version, "sanctions": 14}).encode())
    run(at)
    assert not at.error and not at.warning and _slider(at, "sanctions").value == 14
    at.file_uploader(key="preset_file").upload("old.json", json.dumps({"lexicon_version": "1", "sanctions": 15}).encode())
    run(at)
    assert not at.error and _slider(at, "sanctions").value == 15  # it still loads...
    (warning,) = [w.value.replace("\\", "") for w in at.warning]  # ...with one line saying so
    assert warning.startswith("old.json: made for lexicon version 1") and lex.declared_version in warning
    assert "\n" not in warning


@pytest.mark.slow
def test_the_drill_down_escapes_hostile_article_text(db):
    store = fill(db, FEW[:2])
    (art,) = list(read_bytes("hostile.txt", HOSTILE.encode()))
    res = store.add(art)
    assert res.status == "added"
    at = _app()
    at.session_state["selected_article"] = res.id
    run(at)
    bodies = "\n".join(h.value for h in at.html)
    assert "warns Washington" in bodies  # the drill-down is shown...
    assert "<script" not in bodies and "<img" not in bodies  # ...and nothing of the article runs
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in bodies
    assert "&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;" in bodies
    assert '<mark class="up"' in bodies  # the sanctions cue is highlighted


@pytest.mark.slow
def test_upload_preview_reports_each_file_and_saves_the_new_one_with_a_corrected_date(few):
    at = run(_app())
    at.switch_page("ui/upload.py")
    run(at)
    seed = (SAMPLE / FEW[0]).read_bytes()
    new = (
        b"Washington and Beijing agreed on Tuesday to resume military talks and restore the hotline, "
        b"officials of both sides said after a constructive meeting.\n"
    )
    at.file_uploader(key="uploader_0").set_value(
        [
            ("again.txt", seed, "text/plain"),
            ("empty.txt", b"   \n", "text/plain"),
            ("fresh.txt", new, "text/plain"),
            ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "text/plain"),
        ]
    )
    run(at)
    errors = [e.value.replace("\\", "") for e in at.error]  # markdown escapes, invisible once rendered
    assert any(e.startswith("empty.txt") for e in errors)
    assert any(e.startswith("photo.txt") for e in errors)
    assert all("\n" not in e for e in errors)
    # The undated new article gets a date picker; the duplicate is listed, not offered again.
    (picker,) = at.main.date_input
    assert picker.value is None
    cues = " ".join(m.value for m in at.main.markdown).replace("\\", "")
    assert any(f.label in cues for f in default_lexicon().families)  # the card names its cues by label ...
    assert not re.search(r"[a-z_]+\([+-]\d", cues)  # ... never as ids like channels_restored(+4.10)
    picker.set_value(date(2024, 2, 1))
    run(at)
    _save(at, "Save 1 new article")
    arts = Store(few.path).articles()
    assert len(arts) == len(FEW) + 1
    (stored,) = arts.loc[arts["source"] == "fresh.txt", "date"]
    assert str(stored)[:10] == "2024-02-01"
    result = at.dataframe[0].value
    assert set(result["status"]) == {"added", "already present", "failed"}
    assert list(result.loc[result["status"] == "added", "file"]) == ["fresh.txt"]
    # The uploader is fresh: the saved files are not offered again.
    assert at.file_uploader(key="uploader_1").value in (None, [])


@pytest.mark.slow
def test_articles_page_lists_and_searches(few):
    at = run(_app())
    at.switch_page("ui/articles.py")
    run(at)
    table = at.dataframe[0].value
    assert len(table) == len(FEW)
    assert table["date"].is_monotonic_decreasing
    at.text_input(key="article_search").input("balloon")
    run(at)
    table = at.dataframe[0].value
    assert len(table) == 1 and "balloon" in table["title"].iloc[0].lower()


@pytest.mark.slow
def test_the_level_index_is_a_line_the_user_can_switch_on(few):
    at = run(_app())

    def names():
        return [t.get("name", "") for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]

    assert not any(n.startswith("Level index") for n in names())
    at.toggle(key="level_on").set_value(True)
    run(at)
    assert "Level index (half-life 30 days)" in names()
    at.slider(key="level_half").set_value(90)
    run(at)
    assert "Level index (half-life 90 days)" in names()


@pytest.mark.slow
def test_a_table_of_many_articles_is_previewed_as_an_editable_table_and_saved(few):
    at = run(_app())
    at.switch_page("ui/upload.py")
    run(at)
    rows = ["id,date,title,text"]
    for i in range(40):
        rows.append(
            f'r{i},2024-01-{i % 28 + 1:02d},Talks round {i},"The United States and China held talks on '
            f'fisheries quota number {i} and called them constructive."'
        )
    at.file_uploader(key="uploader_0").set_value([("rounds.csv", "\n".join(rows).encode(), "text/csv")])
    run(at)
    (editor,) = at.data_editor
    assert len(editor.value) == 40 and set(editor.value["status"]) == {"new"}
    assert len(at.main.date_input) == 0  # one table, not forty date pickers
    _save(at, "Save 40 new articles")
    arts = Store(few.path).articles()
    assert len(arts) == len(FEW) + 40
    assert (arts["source"].str.startswith("rounds.csv#")).sum() == 40


@pytest.mark.parametrize("damage", ["not a database", "truncated features"])
def test_a_damaged_database_is_reported_in_one_line_not_a_traceback(db, damage):
    if damage == "not a database":
        db.write_bytes(b"these are not the bytes of an SQLite file\n" * 20)
    else:
        fill(db, FEW[:2]).close()
        import sqlite3

        with sqlite3.connect(db) as conn:  # what a hand edit or a bad copy can leave behind
            conn.execute("UPDATE passages SET p_start = substr(p_start, 1, 5)")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    (err,) = at.error
    assert "Cannot read the article database" in err.value and "tension" in err.value
    assert ("not a database" if damage == "not a database" else "do not decode") in err.value


@pytest.mark.slow
def test_upload_takes_a_feed_with_the_same_preview_before_saving(few):
    from helpers import webserver

    base, server = webserver.serve()
    try:
        at = _app()
        at.secrets["settings"] = {"fetch_allow_private": 1}  # the test site is on 127.0.0.1
        run(at)
        at.switch_page("ui/upload.py")
        run(at)
        (links,) = [t for t in at.text_area if t.label == "Links"]
        links.set_value(f"{base}/feed.xml?n=2\n{base}/missing")
        (read,) = [b for b in at.button if b.label == "Read links"]
        read.click()  # one click: the links and the click are one form's submission
        run(at)
        errors = [e.value.replace("\\", "") for e in at.error]
        assert errors == [f"{base}/missing: HTTP 404 Not Found"]
        assert len(at.main.date_input) == 2  # one card per new article, its date found on the page
        assert {str(d.value) for d in at.main.date_input} == {"2023-03-01", "2023-03-02"}
        _save(at, "Save 2 new articles")
    finally:
        server.shutdown()
    arts = Store(few.path).articles()
    assert set(arts["source"]) >= {f"{base}/story/0", f"{base}/story/1"}
    assert Store(few.path).last_fetched() is not None
    result = at.dataframe[0].value
    assert list(result.loc[result["status"] == "added", "file"]) == [f"{base}/story/0", f"{base}/story/1"]


@pytest.mark.slow
def test_the_whole_view_comes_from_the_url_and_goes_back_into_it(few):
    at = run(_app(pair="none", period="week", **{"from": "2022-01-01", "to": "2023-12-31"}, level="1",
                   half="90", source="articles/", compare="US-CN", sel="2023-02-01", w="sanctions:12"))
    assert at.selectbox(key="dyad").value == "none"
    assert at.radio(key="period").value == "week"
    assert at.date_input(key="dates").value == (date(2022, 1, 1), date(2023, 12, 31))
    assert at.toggle(key="level_on").value is True and at.slider(key="level_half").value == 90
    assert at.text_input(key="source_q").value == "articles/"
    assert at.multiselect(key="compare").value == ["US-CN"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "Mean per week: US-CN" in [t.get("name") for t in spec["data"]]
    # The chosen period (the week of Monday 30 January 2023, which holds 1 February) is the one listed.
    assert any(s.value.startswith("What drove it: week of 30 Jan 2023") for s in at.subheader)
    # Nothing was lost on the way back out: the page writes the same view into its URL.
    for key, value in {"pair": "none", "period": "week", "from": "2022-01-01", "to": "2023-12-31", "level": "1",
                       "half": "90", "source": "articles/", "compare": "US-CN", "sel": "2023-01-30",
                       "w": "sanctions:12"}.items():
        assert at.query_params[key] == value, key


@pytest.mark.slow
def test_a_url_part_that_does_not_parse_is_ignored_not_fatal(few):
    at = run(_app(period="year", half="lots", compare="XX-YY", sel="soon", **{"from": "2023-13-01"}))
    assert at.radio(key="period").value == "month"
    assert at.multiselect(key="compare").value == []
    assert "period" not in at.query_params and "compare" not in at.query_params


@pytest.mark.slow
def test_a_browsers_first_page_run_sends_the_headline_and_timeline_and_the_rest_once_it_is_drawn(few, monkeypatch):
    # AppTest has no browser, so the app draws everything at once; pretend there is one.
    monkeypatch.setattr("ui.firstpaint._browser_session", lambda: True)
    at = run(_app(open_groups=False, period="week", source="articles/"))
    assert len(at.get("plotly_chart")) == 1  # the timeline
    assert at.metric and _latest(at) not in ("", "–")
    assert not at.slider and not at.dataframe and not at.selectbox and not at.get("expander")
    assert [c.key for c in at.get("bidi_component")] == ["first_paint"]  # the browser's watcher
    # The view without its widgets is the view they would have given: the shared link's.
    assert at.session_state["view"]["period"] == "week" and at.session_state["view"]["source"] == "articles/"
    at.session_state["first_paint_done"] = True  # what the browser's report sets
    run(at)
    assert len(at.slider) == 8 and at.dataframe and at.selectbox(key="dyad").value
    assert at.radio(key="period").value == "week" and at.text_input(key="source_q").value == "articles/"
    assert len(at.get("plotly_chart")) >= 2 and not at.get("bidi_component")


def test_a_first_page_run_with_no_chart_to_draw_shows_everything_at_once(few, monkeypatch):
    monkeypatch.setattr("ui.firstpaint._browser_session", lambda: True)
    at = run(_app(open_groups=False, source="no such source"))
    assert not at.get("plotly_chart") and at.info  # nothing in view: nothing to wait for
    assert at.selectbox(key="dyad").value and at.text_input(key="source_q").value == "no such source"
    assert not at.get("bidi_component")
