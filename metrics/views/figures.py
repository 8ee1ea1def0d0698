"""The dashboard's plotly figures: the timeline (articles, period means and their band, the
rolling mean, article volume, compared pairs, the level index) and what drove a period or an
article. Plotly renders some HTML in hover labels and legends: article titles are escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.events.dyad import countries
from metrics.score.timeline import PERIODS as PERIODS_FREQ
from metrics.score.timeline import ROLLING, period_end, period_start, with_gaps
from metrics.views.labels import articles_label, pair_name, period_label

# Beyond this many dated articles the timeline draws period means only: a browser handles a
# few thousand SVG markers smoothly, 100,000 would freeze the page and the websocket.
MAX_POINTS = 3000
PERIOD_NAMES = {"day": "day", "week": "week", "month": "month"}
ESCALATION_COLOR = "#c0392b"
DEESCALATION_COLOR = "#2471a3"
NEUTRAL_COLOR = "#7f8c8d"
PERIOD_PREFIX = "period:"  # custom_data of a period mean point, so a click can tell it from an article
PLOT_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "tension-chart"},
}


# Plotly checks and copies every property a figure is given, a large share of each figure's
# build on every slider move (bench/RESULTS.md). The figures of
# the dashboard are built unchecked from values made here; the tests build each one checked as
# well and compare what reaches the browser, so a misspelt property, or a value plotly would
# reject or rewrite, fails there. ``CHECK = True`` turns the checks back on.
CHECK = False


def unchecked() -> dict:
    """Keyword arguments for a plotly constructor: no property checks unless ``CHECK``."""
    return {} if CHECK else {"_validate": False}


def scatter(**properties) -> go.Scatter:
    return go.Scatter(**properties, **unchecked())


def bar(**properties) -> go.Bar:
    return go.Bar(**properties, **unchecked())


def plotly_escape(text: str) -> str:
    """``text`` for plotly's labels, legends and hover boxes, which render a subset of HTML tags:
    <, > and & escaped. Not quotes: plotly decodes only &amp;, &lt;, &gt; and numeric entities
    (besides a few symbols), so html.escape's &quot; would show as typed, escaped twice."""
    return html.escape(text, quote=False)


def _hover_title(title: str, limit: int = 90) -> str:
    # Plotly renders a subset of HTML tags in hover labels: titles are escaped like any article text.
    t = title if len(title) <= limit else title[: limit - 1] + "…"
    return plotly_escape(t)


# Colours of the pairs compared with the main one (the main pair keeps the dark mean line).
COMPARE_COLORS = ["#16a085", "#d35400", "#8e44ad", "#2980b9", "#7f8c00"]
# Article points: blue (cooperation) through a visible grey (neutral) to red (conflict), so a
# point near 0 never disappears into the white background; a dark outline does the rest.
POINT_SCALE = [[0.0, DEESCALATION_COLOR], [0.5, "#a6a6a6"], [1.0, ESCALATION_COLOR]]
Y_RANGE = [-105, 105]  # the whole scale for every pair, so -29 never looks like the top
VOLUME_DOMAIN = [0.0, 0.2]
TENSION_DOMAIN = [0.3, 1.0]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of consecutive True values."""
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(mask)))
    return out


def _band(full: pd.DataFrame) -> tuple[list, list]:
    """The 95% band as one closed shape per run of periods with articles, separated by gaps."""
    x, y = [], []
    # ISO strings, not Timestamps: plotly validates a list of Timestamps one element at a time.
    per = list(pd.to_datetime(full["period"]).dt.strftime("%Y-%m-%d"))
    lo, hi = full["lo"].to_numpy(), full["hi"].to_numpy()
    for a, b in _runs(full["count"].to_numpy() > 0):
        if x:
            x.append(None)
            y.append(None)
        x += per[a:b] + per[a:b][::-1]
        y += list(hi[a:b]) + list(lo[a:b])[::-1]
    return x, y


def _intervals(full: pd.DataFrame, period: str) -> list[str]:
    """Each period's "first to last day", vectorised: a Period object per row is slow, and a
    slider move redraws a few hundred of them."""
    first = pd.to_datetime(full["period"]).dt.strftime("%Y-%m-%d")
    if period == "day":
        return list(first)
    return list(first + " to " + pd.to_datetime(full["end"]).dt.strftime("%Y-%m-%d"))


def _mean_labels(full: pd.DataFrame, period: str, intervals: list[str]) -> list[str]:
    out = []
    for p, iv, n, lo, hi in zip(full["period"], intervals, full["count"], full["lo"], full["hi"]):
        head = f"{period_label(pd.Timestamp(p), period)} · {iv}<br>{articles_label(int(n))}"
        if n > 1:
            head += f" · 95% interval {lo:+.1f} to {hi:+.1f}"
        out.append(head)
    return out


def _rolling_labels(full: pd.DataFrame, period: str, rolling: int) -> list[str]:
    starts = pd.to_datetime(full["period"]).shift(rolling - 1)
    starts.iloc[: rolling - 1] = (pd.Timestamp(full["period"].iloc[0]).to_period(PERIODS_FREQ[period])
                                  - (rolling - 1)).start_time if len(full) else pd.NaT
    counts = full["rolling_count"] if "rolling_count" in full else full["count"]
    ends = pd.to_datetime(full["end"]).dt.strftime("%Y-%m-%d")
    return [f"{rolling} {PERIOD_NAMES[period]}s, {s:%Y-%m-%d} to {e} · {articles_label(int(n) if n == n else 0)}"
            for s, e, n in zip(starts, ends, counts)]


def timeline_figure(
    points: pd.DataFrame,
    tl: pd.DataFrame,
    *,
    period: str = "month",
    rolling: int = ROLLING,
    max_points: int = MAX_POINTS,
    selected: str | None = None,
    highlight: pd.Timestamp | None = None,
    level: pd.DataFrame | None = None,
    pair: str | None = None,
    compare: Iterable[tuple[str, pd.DataFrame]] = (),
) -> go.Figure:
    """Articles as points (custom_data: id, title), the period mean with its 95% band, the
    rolling mean over calendar periods, and under them the number of articles per period.

    ``points`` has columns id, title, date, tension (already filtered); ``tl`` is its
    ``metrics.score.timeline.timeline`` (with or without the empty periods: the lines break at
    periods without articles either way). Beyond ``max_points`` dated articles only the period
    means are drawn; a click on one (or on its volume bar) lists that period's articles.
    ``highlight`` shades the period that starts there (the one whose drivers are shown).
    ``level`` (columns date, level: ``metrics.score.level.level_index``) adds the level index as a line.
    ``compare`` adds, per (pair, timeline), that pair's period means and volume; ``pair`` names
    the main pair in the legend when there is something to compare it with.
    """
    compare = list(compare)
    traces = []
    dated = points.dropna(subset=["date", "tension"])
    many = len(dated) > max_points
    suffix = f": {pair_name(pair)}" if pair and compare else ""
    if not tl.empty:
        traces += _period_traces(with_gaps(tl, period), period, rolling, many, suffix)
    for k, (name, other) in enumerate(c for c in compare if not c[1].empty):
        color = COMPARE_COLORS[k % len(COMPARE_COLORS)]
        traces += _compared_traces(pair_name(name), with_gaps(other, period), period, color)
    if level is not None and not level.empty:
        traces.append(_level_trace(level))
    if not many and not dated.empty:
        traces.append(_article_trace(dated))
    if selected is not None:
        sel = dated[dated["id"] == selected]
        if not sel.empty:
            traces.append(_selected_trace(sel))
    unit = PERIOD_NAMES[period]
    layout = _timeline_layout(
        f"{len(dated):,} articles: drawn as {unit}ly means; click a mean to list its articles" if many else None)
    if highlight is not None:
        # Layout shapes, not add_vrect: the same rectangles, without add_vrect's subplot
        # bookkeeping, a quarter of a page run at 10,000 articles (bench/RESULTS.md).
        layout["shapes"] = _highlight_shapes(highlight, period)
    # The layout given to the constructor, not through update_layout: the same figure, several
    # times faster (update_layout splits and checks every nested key path).
    return go.Figure(data=traces, layout=layout, **unchecked())


def _period_traces(full: pd.DataFrame, period: str, rolling: int, many: bool, suffix: str) -> list:
    """The main pair's band, mean line and markers, rolling mean and volume bars (``full``: the
    timeline with its empty periods)."""
    unit = PERIOD_NAMES[period]
    has = full["count"].to_numpy() > 0
    intervals, windows = _intervals(full, period), _rolling_labels(full, period, rolling)
    bx, by = _band(full)
    custom = [[f"{PERIOD_PREFIX}{pd.Timestamp(p).date().isoformat()}"] for p in full["period"]]
    # Where the articles are drawn, a period of one article has its mean on that very point:
    # no marker of its own there, so a click on the point opens the article, not the period.
    marked = has if many else full["count"].to_numpy() > 1
    return [
        scatter(
            x=bx, y=by, fill="toself", mode="lines", line={"width": 0}, fillcolor="rgba(127,140,141,0.22)",
            hoverinfo="skip", name="95% interval of the mean", **_px(period),
        ),
        scatter(
            x=full["period"], y=full["mean"].where(has), mode="lines", name=f"Mean per {unit}{suffix}",
            line={"color": "#2c3e50", "width": 2}, connectgaps=False, hoverinfo="skip", legendgroup="mean",
            **_px(period),
        ),
        scatter(
            x=full["period"], y=full["mean"].where(marked), mode="markers", name=f"Mean per {unit}{suffix}",
            marker={"size": 9 if many else 6, "color": "#2c3e50"}, showlegend=False, legendgroup="mean",
            customdata=custom, text=_mean_labels(full, period, intervals),
            hovertemplate="%{text}<br>mean %{y:+.1f}<extra></extra>", **_px(period),
        ),
        scatter(
            x=full["period"], y=full["rolling"], mode="lines", name=f"Rolling mean ({rolling} calendar {unit}s)",
            line={"color": "#e67e22", "width": 2, "dash": "dash"}, connectgaps=False, **_px(period),
            # No hover of its own: its points sit on the articles' and would take their clicks.
            # The volume bars' hover tells each window's mean and count.
            text=windows, hoverinfo="skip",
        ),
        bar(
            x=full["period"], y=full["count"], name=f"Articles per {unit}{suffix}", yaxis="y2",
            marker={"color": "#5d6d7e"}, customdata=custom,
            text=[f"{iv}<br>{articles_label(int(n))}<br>rolling mean " + ("–" if r != r else f"{r:+.1f}")
                  + f" over {lab}" for iv, n, r, lab in zip(intervals, full["count"], full["rolling"], windows)],
            hovertemplate="%{text}<extra></extra>", textposition="none",
            **_px(period),
        ),
    ]


def _compared_traces(name: str, full: pd.DataFrame, period: str, color: str) -> list:
    """A compared pair's period means and volume bars, in its own colour."""
    unit = PERIOD_NAMES[period]
    has = full["count"].to_numpy() > 0
    return [
        scatter(
            x=full["period"], y=full["mean"].where(has), mode="lines+markers", name=f"Mean per {unit}: {name}",
            line={"color": color, "width": 2}, marker={"size": 5}, connectgaps=False, **_px(period),
            text=_mean_labels(full, period, _intervals(full, period)),
            hovertemplate=f"{plotly_escape(name)}<br>%{{text}}<br>mean %{{y:+.1f}}<extra></extra>",
        ),
        bar(
            x=full["period"], y=full["count"], name=f"Articles per {unit}: {name}", yaxis="y2",
            marker={"color": color}, text=_intervals(full, period),
            hovertemplate=f"{plotly_escape(name)}<br>%{{text}}<br>%{{y}} articles<extra></extra>",
            textposition="none", **_px(period),
        ),
    ]


def _level_trace(level: pd.DataFrame) -> go.Scatter:
    half = level.attrs.get("half_life_days")
    return scatter(
        x=level["date"], y=level["level"], mode="lines", line={"color": "#8e44ad", "width": 2},
        name="Level index" + (f" (half-life {half:g} days)" if half else ""),
        hovertemplate="%{x|%Y-%m-%d}<br>level %{y:+.1f}<extra></extra>",
    )


def _article_trace(dated: pd.DataFrame) -> go.Scatter:
    custom = np.column_stack([dated["id"].to_numpy(), [_hover_title(t) for t in dated["title"]]])
    return scatter(
        x=dated["date"], y=dated["tension"], mode="markers", name="Article",
        marker={
            "size": 9, "color": dated["tension"], "colorscale": POINT_SCALE, "cmin": -100, "cmax": 100,
            "line": {"width": 0.8, "color": "#333"}, "opacity": 0.9,
        },
        customdata=custom,
        hovertemplate="<b>%{customdata[1]}</b><br>%{x|%Y-%m-%d}<br>tension %{y:+.1f}<extra></extra>",
    )


def _selected_trace(sel: pd.DataFrame) -> go.Scatter:
    return scatter(
        x=sel["date"], y=sel["tension"], mode="markers", name="Selected article",
        marker={"size": 16, "color": "rgba(0,0,0,0)", "line": {"width": 2.5, "color": "#111"}},
        customdata=np.column_stack([sel["id"].to_numpy(), [_hover_title(t) for t in sel["title"]]]),
        hovertemplate="<b>%{customdata[1]}</b><br>%{x|%Y-%m-%d}<br>tension %{y:+.1f}<extra>selected</extra>",
    )


def _highlight_shapes(highlight: pd.Timestamp, period: str) -> list[dict]:
    """The period that contains ``highlight``, shaded over the tension plot and the volume bars."""
    lo, hi = period_start(highlight, period), period_end(highlight, period)
    return [{
        "type": "rect", "xref": "x", "yref": yref, "x0": lo, "x1": hi, "y0": 0, "y1": 1,
        "fillcolor": "rgba(241,196,15,0.25)", "line": {"width": 0}, "layer": "below",
    } for yref in ("y domain", "y2 domain")]


# Full margins: the figures' margins already hold their axis titles, tick labels and legend rows.
# Streamlit draws a changed chart anew (its element id hashes the figure), and from margins too
# small plotly draws it twice: once to measure what its automargin must add, once more with it
# (twice the drawing time, on every slider move; bench/RESULTS.md). Automargin stays on
# for what is larger than usual: a legend that wraps in a narrow window, long cue labels.


def _label_margin(labels: Iterable[str]) -> int:
    """A left margin for horizontal bars' category labels (12 px Source Sans: about 5.5 px a character)."""
    return min(320, round(5.7 * max((len(str(x)) for x in labels), default=0)) + 12)


def _timeline_layout(title: str | None) -> dict:
    layout = dict(
        height=520 if title else 500,
        margin={"l": 80, "r": 10, "t": 40 if title else 10, "b": 80},  # full margins: see _label_margin
        # Under the plot: a legend above it runs under plotly's toolbar at the top right.
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
        hovermode="closest",
        clickmode="event+select",
        bargap=0.1,
        barmode="group",
        xaxis={"anchor": "y2", "showgrid": True, "gridcolor": "#eee"},
        yaxis={"title": {"text": "Tension  (−100 cooperation · +100 conflict)"}, "zeroline": True,
               "zerolinecolor": "#999", "range": Y_RANGE, "tickvals": [-100, -50, 0, 50, 100],
               "domain": TENSION_DOMAIN, "showgrid": True, "gridcolor": "#eee", "fixedrange": True},
        yaxis2={"title": {"text": "articles"}, "domain": VOLUME_DOMAIN, "rangemode": "tozero", "showgrid": True,
                "gridcolor": "#eee", "fixedrange": True},
        plot_bgcolor="white",
    )
    if title:
        layout["title"] = {"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left", "y": 0.99, "yanchor": "top"}
    return layout


def _px(period: str) -> dict:
    # Period traces keep the period's first day as x (what a click reports) and are drawn in
    # the middle of the period, among the articles they average; weeks start on a Monday.
    day = 24 * 3600 * 1000
    return {"xperiod": {"month": "M1", "week": 7 * day, "day": day}[period], "xperiod0": "2000-01-03",
            "xperiodalignment": "middle"}


def parse_selection(points: Iterable[Mapping]) -> tuple[str | None, pd.Timestamp | None]:
    """The article id or the period start of the first clicked point (plotly selection event)."""
    for p in points:
        custom = p.get("customdata", p.get("custom_data"))
        if custom is None:
            continue
        first = custom[0] if isinstance(custom, list | tuple) else custom
        if not isinstance(first, str) or not first:
            continue
        if first.startswith(PERIOD_PREFIX):
            return None, pd.Timestamp(first[len(PERIOD_PREFIX):])
        return first, None
    return None, None


def drivers_figure(period: pd.Series, article: pd.Series | None = None, *, period_name: str = "Period",
                   article_name: str = "Selected article", top: int = 12) -> go.Figure:
    """Horizontal bars: contribution by cue family; red raises tension, blue lowers it."""
    keys = list(period.index)
    if article is not None:
        keys += [k for k in article.index if k not in period.index]
    both = pd.DataFrame({"p": period.reindex(keys).fillna(0.0)})
    if article is not None:
        both["a"] = article.reindex(keys).fillna(0.0)
    order = both.abs().max(axis=1).sort_values(ascending=True).index[-top:]
    both = both.loc[order]
    # The layout given to the constructor, as in timeline_figure (update_layout is much slower).
    fig = go.Figure(**unchecked(), layout=dict(
        barmode="group",
        height=max(240, 32 * len(both) + 110),
        margin={"l": _label_margin(both.index), "r": 10, "t": 40, "b": 66},  # full margins: see _label_margin
        # Two entries at the top left: clear of plotly's toolbar (top right) and of the axis title.
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        xaxis={"title": {"text": "contribution to the raw score"}, "zeroline": True, "zerolinecolor": "#555",
               "showgrid": True, "gridcolor": "#eee"},
        plot_bgcolor="white",
        showlegend=True,
    ))

    def colors(v: pd.Series) -> list[str]:
        return [ESCALATION_COLOR if x > 0 else DEESCALATION_COLOR for x in v]

    # The bars are coloured by sign, so a legend swatch would take the first bar's colour: the
    # legend gets swatches of its own, grey, solid for the period and hatched for the article.
    fig.add_trace(
        bar(
            y=both.index, x=both["p"], orientation="h", name=period_name, marker={"color": colors(both["p"])},
            hovertemplate="%{y}: %{x:+.2f}<extra>" + plotly_escape(period_name) + "</extra>",
            showlegend=False, legendgroup="p",
        )
    )
    fig.add_trace(bar(y=[None], x=[None], orientation="h", name=period_name, legendgroup="p",
                         marker={"color": NEUTRAL_COLOR}, hoverinfo="skip"))
    if article is not None:
        fig.add_trace(
            bar(
                y=both.index, x=both["a"], orientation="h", name=_hover_title(article_name, 50),
                marker={"color": colors(both["a"]), "pattern": {"shape": "/", "fgcolor": "white"}},
                hovertemplate="%{y}: %{x:+.2f}<extra>article</extra>", showlegend=False, legendgroup="a",
            )
        )
        fig.add_trace(bar(y=[None], x=[None], orientation="h", name=_hover_title(article_name, 50),
                             legendgroup="a", hoverinfo="skip",
                             marker={"color": "white", "line": {"color": NEUTRAL_COLOR, "width": 1},
                                     "pattern": {"shape": "/", "fgcolor": NEUTRAL_COLOR, "solidity": 0.5}}))
    return fig


def _has_lone_period(mean: pd.Series) -> bool:
    """A period with a mean between two without: a line cannot show it, a marker must."""
    has = mean.notna().to_numpy()
    before, after = np.r_[False, has[:-1]], np.r_[has[1:], False]
    return bool((has & ~before & ~after).any())


SIDE_COLOURS = ("#1f5fa8", "#c0392b")  # the first side blue, the second red, in every pair


def sides_figure(tl: pd.DataFrame, period_name: str = "month"):
    """One line per side, named by the country and whom it acts toward ("China → United States"),
    on the fixed -100..100 axis. Markers only on a side with a lone period (one between gaps): at
    120 months a marker per period doubled the chart's SVG and its redraw on every slider move
    (bench/RESULTS.md)."""
    names = countries()
    # The layout given to the constructor (update_layout and add_hline are several times slower).
    fig = go.Figure(**unchecked(), layout=dict(
        height=260, margin={"l": 80, "r": 10, "t": 30, "b": 80},  # full margins: see metrics.views.figures._label_margin
        title={"text": "Who escalates: tension from each side's own acts", "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.25},
        yaxis={"range": [-100, 100], "title": {"text": "tension"}, "zeroline": False},
        shapes=[{"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": 0, "y1": 0,
                 "line": {"color": "#888", "width": 1}}],  # the zero line
    ))
    codes = list(dict.fromkeys(tl["side"]))
    for colour, (code, part) in zip(SIDE_COLOURS, tl.groupby("side", sort=False)):
        other = next((c for c in codes if c != code), None)
        label = f"{names.get(code, code)} → {names.get(other, other)}" if other else names.get(code, code)
        fig.add_trace(
            scatter(
                x=part["period"], y=part["mean"], mode="lines+markers" if _has_lone_period(part["mean"]) else "lines",
                name=label,
                line={"color": colour, "width": 2}, marker={"size": 6, "color": colour},
                connectgaps=False, customdata=part[["count"]].to_numpy(),
                hovertemplate=f"%{{x|%Y-%m-%d}} ({period_name})<br>tension from the acts of {names.get(code, code)}: "
                              "%{y:+.1f}<br>%{customdata[0]} articles<extra></extra>",
            )
        )
    return fig
