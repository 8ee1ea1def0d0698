"""Overview: the latest tension, the timeline with the passages behind the chosen period beside
it, what drove it, and the article behind a point or a quote."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from metrics.score.level import level_index
from metrics.score.scoring import mean_family_contributions, tension
from metrics.score.sides import side_tensions, sides_timeline
from metrics.score.timeline import period_start, timeline
from metrics.views.downloads import scores_csv, to_csv
from metrics.views.figures import PLOT_CONFIG, drivers_figure, parse_selection, sides_figure, timeline_figure
from metrics.views.filters import filter_mask, period_mask
from metrics.views.headline import evidence_headline, headline_label, headline_note
from metrics.views.labels import articles_label, dyad_label, labelled, period_label
from metrics.views.mdtext import md_escape
from metrics.views.passages import QUOTE_STYLE, quote_html, quotes, strongest
from metrics.views.sliders import SEED_CUES, key_cues
from ui import article, cache, firstpaint, weights

ss = st.session_state
path, version = cache.current()
fr = cache.frame(path, version)
view = ss["view"]  # set by app.py's sidebar filters on this run

st.title("Relations-tension index")
st.caption(
    "How much tension the news reports between the two countries, article by article and over time: "
    "above 0 the reporting leans to conflict, below 0 to cooperation. Click a point or a month to read the "
    "passages behind it; move a cue weight and the chart answers."
)

mask = filter_mask(fr, view["start"], view["end"], view["source"])


def _select_article(article_id: str | None) -> None:
    ss.selected_article = article_id


# The key sliders beside the chart: chosen on a full run (a filter change, a page load) and kept
# while sliders move, so a slider never jumps between the chart and the sidebar under the mouse.
first_paint = firstpaint.pending()  # app.py drew no filter either
if not first_paint:  # drawn with the rest after a first paint
    ss.key_cues = key_cues(cache.prepared(path, version, view["dyad"]), weights.current(), mask)


@st.fragment(key=weights.CHARTS_FRAGMENT)
def weighted_view(first_paint: bool = False) -> None:
    # Everything below depends on the weights: a slider move reruns this fragment only.
    # On a first paint only the headline and the timeline are sent (ui.firstpaint).
    w = weights.current()
    weights.sync_url()
    prep = cache.prepared(path, version, view["dyad"])
    t = tension(prep, w)
    points = fr.assign(tension=t)[mask]
    full = timeline(points, view["period"], empty=True)  # every calendar period: empty ones are gaps
    tl = full[full["count"] > 0].reset_index(drop=True)
    head = _headline(tl, t, points)
    if tl.empty:
        firstpaint.nothing_to_wait_for()
        st.info("No dated article about this pair in the chosen range. Widen the filters or upload articles.")
        return
    sel_period = _chosen_period(tl, head.start if head.kind == "period" else None)
    pmask = period_mask(fr, sel_period, view["period"]) & mask
    pname = period_label(sel_period, view["period"])
    chart_col = _timeline(prep, w, points, full, sel_period, first_paint, pmask, pname, t)
    if first_paint:
        return
    period_drivers = labelled(mean_family_contributions(prep, w, pmask), prep.lexicon)
    article_id = ss.get("selected_article")
    if article_id is not None and article_id in cache.ids(path, version):
        # Directly under the chart, beside the passages and sliders, where the click was: not
        # under two more charts.
        with chart_col:
            head_col, close = st.columns([6, 1])
            head_col.subheader("The article behind the point")
            close.button("Close", on_click=_select_article, args=(None,), key="close_article")
            article.show_article(article_id, view["dyad"], w, period_drivers, f"{pname} mean")
    st.caption(weights.weights_note())
    _sides(prep, w, points)
    _period(sel_period, pname, pmask, period_drivers, t)
    _downloads(tl, prep, w)
    article.sync_selection(sel_period if ss.get("selected_period") is not None else None)


def _headline(tl: pd.DataFrame, t: np.ndarray, points: pd.DataFrame):
    """The latest period with enough articles (or the level index), with its interval; the
    articles in view and, of them, those about the pair."""
    head = evidence_headline(tl, points, half_life=view["half_life"])
    c1, c2, c3 = st.columns(3)
    if head.value is None:
        c1.metric(headline_label(head, view["period"]), "–")
    else:
        c1.metric(
            headline_label(head, view["period"]), f"{head.value:+.1f}",
            delta=None if head.delta is None
            else f"{head.delta:+.1f} vs {period_label(head.previous_start, view['period'])}",
            delta_color="inverse",
            help=f"The mean tension of the latest {view['period']} with at least {head.min_count} articles, never "
            f"one article's score; without such a {view['period']}, the level index. A change is against the "
            f"previous {view['period']} with as many articles.",
        )
    c2.metric("Articles in view", f"{int(mask.sum()):,}",
              help=f"Stored articles within the sidebar's dates and source filter ({len(fr):,} stored in all).")
    scored = int(np.isfinite(t[mask]).sum())
    c3.metric(f"Of them about {view['dyad']}", f"{scored:,}",
              help=f"Articles in view with at least one passage about {dyad_label(view['dyad'])}: only these have "
              "a tension and a point on the chart.")
    st.caption(headline_note(head, view["period"]))
    return head


def _chosen_period(tl: pd.DataFrame, default: pd.Timestamp | None = None) -> pd.Timestamp:
    """The period whose passages, drivers and articles are shown: the one chosen, else the open
    article's, else ``default`` (the headline's: the latest with enough articles), else the latest."""
    periods = list(pd.to_datetime(tl["period"]))
    sel_period = ss.get("selected_period")
    selected = ss.get("selected_article")
    if sel_period is None and selected is not None:
        d = fr.loc[fr["id"] == selected, "date"]
        sel_period = d.iloc[0] if len(d) and pd.notna(d.iloc[0]) else None
    if sel_period is not None:
        sel_period = period_start(sel_period, view["period"])  # the period length may have changed
    if sel_period is None or sel_period not in periods:
        sel_period = default if default is not None and default in periods else periods[-1]
    return sel_period


@st.cache_resource(max_entries=32, show_spinner=False)
def _figure(key: tuple, _build):
    """The timeline figure of one view (``key`` holds every input), shared between sessions: a
    new visitor's first page is the page the last one opened, and building its figure is slow
    while the browser compiles its scripts on the same cores (bench/RESULTS.md).
    ``st.plotly_chart`` serialises a copy, so the shared figure is never changed."""
    return _build()


def _timeline(prep, w, points: pd.DataFrame, full: pd.DataFrame, sel_period: pd.Timestamp, first_paint: bool,
              pmask: np.ndarray, pname: str, t: np.ndarray):
    """The timeline (with compared pairs and the level index) and beside it the chosen period's
    passages and the key sliders (not on a first paint); returns the chart's column."""
    def build():
        # The level index and the compared pairs' timelines feed only the figure: a shared one needs neither.
        lvl = level_index(points, view["half_life"]) if view["level"] else None
        compare = []
        for other in view["compare"]:
            t_other = tension(cache.prepared(path, version, other), w)
            compare.append((other, timeline(fr.assign(tension=t_other)[mask], view["period"], empty=True)))
        return timeline_figure(points, full, period=view["period"], selected=ss.get("selected_article"),
                               highlight=sel_period, level=lvl, pair=view["dyad"], compare=compare)

    key = (path, version, tuple(sorted(view.items())), ss.get("selected_article"), sel_period,
           w.lexicon_version, tuple(w.as_dict().items()))
    # Narrow windows stack this row, the chart first (app.py's style finds it by the chart's key:
    # a keyed container around it would be one more block before a new visitor's first chart).
    chart_col, side_col = st.columns([3, 2])
    if not first_paint:
        with side_col:  # before the figure is built: after a click, the passages come first
            _passages(prep, w, pmask, pname, t)
            weights.key_cues_panel(ss.key_cues, len(SEED_CUES))
    fig = _figure(key, build)
    with chart_col:
        # A callback, not a check after the chart: the click's run draws the new period and its
        # passages at once, instead of a second run to draw them (twice the wait at 10,000 articles).
        st.plotly_chart(fig, key="timeline", on_select=_follow_click, selection_mode="points", config=PLOT_CONFIG)
    return chart_col


def _passages(prep, w, pmask: np.ndarray, pname: str, t: np.ndarray) -> None:
    """The chosen period's strongest passages, beside the chart: each a quote with its cue
    marked, its contribution, cue and actor, and its article's title, which opens the article."""
    n = int(np.isfinite(t[pmask]).sum())
    picked = strongest(prep, w, pmask)
    got = quotes(prep, w, picked, lambda aid: cache.article_text(path, version, aid))
    st.markdown(f"**Passages behind {pname}**")
    if not got:
        st.caption(f"No passage of the {articles_label(n)} of {pname} moves its score at these weights.")
        return
    st.caption(f"The {len(got)} strongest of the {articles_label(n)}' passages (at most 2 an article), with "
               "their contribution to the article's score. A title opens its article under the chart.")
    with st.container(height=330, key="passages", border=False):
        st.html(QUOTE_STYLE)
        for i, q in enumerate(got):
            st.html(quote_html(q))
            title = q["title"] or "(untitled)"
            short = title if len(title) <= 70 else title[:69] + "…"
            st.button(md_escape(f"{short} · {q['date'] or 'undated'} · passage {q['passage']}"),
                      key=f"quote_{i}", type="tertiary", on_click=_open_quote, args=(q["id"],),
                      help=md_escape(title))


def _open_quote(article_id: str) -> None:
    ss.selected_article = article_id


def _sides(prep, w, points: pd.DataFrame) -> None:
    """Who escalates: the same periods, tension from each side's own acts."""
    if prep.dyad.a is None:
        return
    side_tl = sides_timeline(points["date"], side_tensions(prep, w).iloc[np.flatnonzero(mask)], view["period"])
    if not side_tl.empty:
        st.plotly_chart(sides_figure(side_tl, view["period"]), key="sides", config=PLOT_CONFIG)
        st.caption("Each side's acts toward the other (a cue's actors, as the drill-down names them), on the "
                   "tension scale and averaged over the period's articles; joint acts and tone are in neither line.")


def _follow_click() -> None:
    event = ss.get("timeline")
    points_sel = list(event.selection.points) if event and event.selection else []
    token = repr([p.get("customdata") for p in points_sel])
    if points_sel and token != ss.get("timeline_token"):
        # React to a new click only: the chart keeps reporting its last selection.
        art, per = parse_selection(points_sel)
        if art is not None:
            ss.selected_article = art
            d = fr.loc[fr["id"] == art, "date"]
            if len(d) and pd.notna(d.iloc[0]):
                ss.selected_period = period_start(d.iloc[0], view["period"])
        elif per is not None:
            ss.selected_period = per
    ss.timeline_token = token


def _period(sel_period: pd.Timestamp, pname: str, pmask: np.ndarray, period_drivers: pd.Series, t: np.ndarray) -> None:
    """What drove the chosen period, and its articles (a row opens one)."""
    left, right = st.columns([1, 1])
    with left:
        st.subheader(f"What drove it: {pname}")
        st.caption("Mean contribution per article of each cue family (red raises tension, blue lowers it).")
        if period_drivers.empty:
            st.info("No cue found in this period's articles.")
        else:
            st.plotly_chart(
                drivers_figure(period_drivers, period_name=f"{pname} mean"),
                key="drivers_period", config=PLOT_CONFIG,
            )
    with right:
        st.subheader(f"Articles: {pname}")
        st.caption("Select a row (or click a point on the timeline) to read the article.")
        rows = fr[pmask].assign(tension=np.round(t[pmask], 1)).sort_values("date")
        ev = st.dataframe(
            rows[["date", "tension", "title"]], hide_index=True, width="stretch", height=min(320, 35 * (len(rows) + 1) + 3),
            key=f"period_table_{sel_period:%Y%m%d}", on_select="rerun", selection_mode="single-row",
            column_config={"date": st.column_config.DateColumn("date", width=100),
                           "tension": st.column_config.NumberColumn("tension", format="%+.1f", width=80),
                           "title": st.column_config.TextColumn("title", width="large")},
        )
        picked = list(ev.selection.rows) if ev and ev.selection else []
        token = f"{sel_period}:{picked}"
        if picked and token != ss.get("period_table_token"):
            ss.selected_article = rows.iloc[picked[0]]["id"]
            ss.period_table_token = token
            st.rerun(scope="fragment")  # ring the article on the timeline too
        ss.period_table_token = token


def _downloads(tl: pd.DataFrame, prep, w) -> None:
    d1, d2 = st.columns(2)
    d1.download_button(
        "Timeline as CSV", data=lambda: to_csv(tl), file_name="tension-timeline.csv", mime="text/csv",
        on_click="ignore", help="Period (first and last day), mean, count, sd, 95% interval, rolling mean and its article count.",
    )
    d2.download_button(
        "Article scores as CSV", data=lambda: scores_csv(prep, w, mask),
        file_name="tension-scores.csv", mime="text/csv", on_click="ignore",
        help="One row per article in view: id, date, title, source, tension, raw score, top cues (ids and labels).",
    )


weighted_view(first_paint)
if first_paint:
    firstpaint.await_timeline()
else:
    with st.sidebar:  # after the charts in script order, so the timeline reaches the browser first
        weights.weights_panel(ss.key_cues)
