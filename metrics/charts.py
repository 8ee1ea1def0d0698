"""View logic of the dashboard: plotly figures and pandas frames, with no Streamlit in sight.

``app.py`` and ``ui/`` only wire widgets to these functions, so everything a user sees can be
unit-tested without a browser. Article text is untrusted: every piece of it that ends up in
HTML goes through ``html.escape`` here, in one place.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .dyad import DEFAULT_DYAD, countries
from .errors import InputError, WeightsError
from .extract import Article, Features
from .lexicon import (
    TONE_DEFAULT_WEIGHT,
    TONE_GROUNDING,
    TONE_HELP,
    TONE_ID,
    TONE_LABEL,
    Lexicon,
    parse_weights,
    weights_from_bytes,
)
from .output import display_text, to_csv_text
from .readers import ReadOptions, read_bytes
from .scoring import PRIOR, SCALE, UNIT, Prepared
from .timeline import MIN_COUNT, ROLLING, period_end, period_last_day, period_start, with_gaps
from .timeline import PERIODS as PERIODS_FREQ

# Beyond this many dated articles the timeline draws period means only: a browser handles a
# few thousand SVG markers smoothly, 100,000 would freeze the page and the websocket.
MAX_POINTS = 3000
PERIOD_NAMES = {"day": "day", "week": "week", "month": "month"}
ESCALATION_COLOR = "#c0392b"
DEESCALATION_COLOR = "#2471a3"
NEUTRAL_COLOR = "#7f8c8d"
PERIOD_PREFIX = "period:"  # custom_data of a period mean point, so a click can tell it from an article


# ----------------------------------------------------------------------------- weights


@dataclass(frozen=True)
class SliderSpec:
    """One weight slider: the cue family (or tone) it sets and how it is presented."""

    id: str
    label: str
    help: str
    default: float
    max: float
    step: float
    direction: str  # "escalation", "de-escalation" or "tone"


def slider_max(default: float, value: float | None = None) -> float:
    """Room to double a default weight (at least 20), stretched to fit a loaded value."""
    top = max(20.0, 2.0 * default)
    if value is not None and value > top:
        top = float(math.ceil(value))
    return top


def slider_groups(lexicon: Lexicon, weights: Mapping[str, float] | None = None) -> list[tuple[str, list[SliderSpec]]]:
    """Sliders grouped by lexicon category, in lexicon order, with tone in a group of its own."""
    weights = weights or {}
    groups: dict[str, list[SliderSpec]] = {}
    for f in lexicon.families:
        groups.setdefault(f.category, []).append(
            SliderSpec(
                id=f.id,
                label=f"{f.label} {'▲' if f.direction == 'escalation' else '▼'}",
                help=f"{f.help}\n\nGrounding: {f.grounding}\n\nDefault weight {f.weight:g}; "
                + ("raises tension." if f.direction == "escalation" else "lowers tension."),
                default=f.weight,
                max=slider_max(f.weight, weights.get(f.id)),
                step=0.5,
                direction=f.direction,
            )
        )
    out = list(groups.items())
    out.append(
        (
            "Tone",
            [
                SliderSpec(
                    id=TONE_ID,
                    label=TONE_LABEL,
                    help=f"{TONE_HELP}\n\nGrounding: {TONE_GROUNDING}\n\nDefault weight {TONE_DEFAULT_WEIGHT:g}.",
                    default=TONE_DEFAULT_WEIGHT,
                    max=max(10.0, slider_max(TONE_DEFAULT_WEIGHT, weights.get(TONE_ID)) if TONE_ID in weights else 10.0),
                    step=0.1,
                    direction="tone",
                )
            ],
        )
    )
    return out


def non_default(weights: Mapping[str, float], defaults: Mapping[str, float]) -> dict[str, float]:
    """The weights that differ from the defaults, in lexicon order."""
    return {k: float(weights[k]) for k in defaults if k in weights and not math.isclose(weights[k], defaults[k])}


def weights_to_param(weights: Mapping[str, float], defaults: Mapping[str, float]) -> str:
    """Non-default weights as a short URL value, ``sanctions:10,tone:1.5``; "" when all default."""
    return ",".join(f"{k}:{v:g}" for k, v in non_default(weights, defaults).items())


def weights_from_param(text: str, lexicon: Lexicon) -> dict[str, float]:
    """Parse a ``w`` URL value; raises ``WeightsError`` with one line naming the bad entry."""
    raw: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition(":")
        if not sep:
            raise WeightsError(f"URL parameter w: '{item}' is not cue:weight")
        try:
            raw[key.strip()] = float(value)
        except ValueError:
            raise WeightsError(f"URL parameter w: weight for '{key.strip()}' is not a number: {value!r}") from None
    return parse_weights(raw, lexicon, "URL parameter w")


def parse_preset(data: bytes, name: str, lexicon: Lexicon) -> dict[str, float]:
    """A preset file (JSON or YAML, the ``--weights`` format); ``WeightsError`` names the file."""
    return weights_from_bytes(data, name, lexicon)


# The four cues the dashboard's seed article turns on (channels cut, relations at their "lowest
# point", an invitation to a return visit, talks called "constructive"): always within reach.
SEED_CUES = ("channels_cut", "relations_bad", "invitation", "talks_positive")


def key_cues(prep: Prepared, weights: Mapping[str, float] | None, rows: np.ndarray, lexicon: Lexicon,
             movers: int = 4) -> list[str]:
    """The seed's cues, then the ``movers`` cue families (or tone) that move the articles at
    ``rows`` most: the largest mean absolute contribution per article in view."""
    seed = [c for c in SEED_CUES if c in lexicon.ids]
    idx = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, dtype=np.int64)
    if len(idx) == 0 or movers <= 0:
        return seed
    w, w_tone = prep.lexicon.weight_vector(weights)
    size = np.append(np.abs(prep.cue_sums[idx] * w).mean(axis=0), np.abs(prep.tone_sums[idx] * w_tone).mean())
    ids = prep.lexicon.ids + [TONE_ID]
    ranked = [ids[j] for j in np.argsort(-size, kind="stable") if size[j] > 1e-9 and ids[j] not in seed]
    return seed + ranked[:movers]


def slider_specs(lexicon: Lexicon, weights: Mapping[str, float] | None = None) -> dict[str, SliderSpec]:
    """Every slider by cue id (tone included)."""
    return {s.id: s for _, specs in slider_groups(lexicon, weights) for s in specs}


# ----------------------------------------------------------------------------- pairs of countries


def dyad_options() -> list[str]:
    """US-CN first, then every other pair of gazetteer countries, then "none"."""
    codes = list(countries())
    pairs = [f"{a}-{b}" for i, a in enumerate(codes) for b in codes[i + 1:]]
    ordered = [DEFAULT_DYAD] + [p for p in pairs if p != DEFAULT_DYAD and p != "CN-US"]
    return ordered + ["none"]


def pair_name(spec: str) -> str:
    """A short name for a legend: the pair's codes, or "any countries"."""
    return "any countries" if spec == "none" else spec


def dyad_label(spec: str) -> str:
    if spec == "none":
        return "Any countries (count every passage)"
    names = countries()
    a, b = spec.split("-")
    return f"{names.get(a, a)} – {names.get(b, b)} ({spec})"


# ----------------------------------------------------------------------------- the view in the URL

# URL parameter of each part of the view (weights are ``w``, the open article ``article``).
URL_KEYS = ("pair", "period", "from", "to", "level", "half", "source", "compare", "sel")
HALF_LIFE_RANGE = (7, 365)


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def view_from_params(params: Mapping[str, str], pairs: list[str]) -> dict:
    """The parts of a view a URL sets, each checked; a part that does not parse is left out
    (the widget keeps its default) rather than breaking the page."""
    out: dict = {}
    if params.get("pair") in pairs:
        out["pair"] = params["pair"]
    if params.get("period") in PERIOD_NAMES:
        out["period"] = params["period"]
    start, end = _iso_date(params.get("from")), _iso_date(params.get("to"))
    if start and end and start <= end:
        out["dates"] = (start, end)
    if params.get("level") in ("1", "true", "on"):
        out["level"] = True
    try:
        half = int(params.get("half", ""))
        if HALF_LIFE_RANGE[0] <= half <= HALF_LIFE_RANGE[1]:
            out["half"] = half
    except ValueError:
        pass
    if params.get("source"):
        out["source"] = str(params["source"])[:200]
    if params.get("compare"):
        wanted = [c for c in str(params["compare"]).split(",") if c in pairs and c != out.get("pair", DEFAULT_DYAD)]
        if wanted:
            out["compare"] = list(dict.fromkeys(wanted))
    sel = _iso_date(params.get("sel"))
    if sel:
        out["sel"] = sel
    return out


def view_to_params(view: Mapping, dates_narrowed: bool, selected_period: date | None = None) -> dict[str, str]:
    """The URL parameters of a view (``state.sidebar_filters``'s dict); defaults are left out so
    a plain link stays plain."""
    out: dict[str, str] = {}
    if view.get("dyad", DEFAULT_DYAD) != DEFAULT_DYAD:
        out["pair"] = view["dyad"]
    if view.get("period", "month") != "month":
        out["period"] = view["period"]
    if dates_narrowed and view.get("start") and view.get("end"):
        out["from"], out["to"] = str(view["start"]), str(view["end"])
    if view.get("level"):
        out["level"] = "1"
        if view.get("half_life", 30) != 30:
            out["half"] = f"{int(view['half_life'])}"
    if view.get("source", "").strip():
        out["source"] = view["source"].strip()
    if view.get("compare"):
        out["compare"] = ",".join(view["compare"])
    if selected_period is not None:
        out["sel"] = pd.Timestamp(selected_period).date().isoformat()
    return out


# ----------------------------------------------------------------------------- frames and filters


def article_frame(features: Features) -> pd.DataFrame:
    """One row per article, positional like the features: id, title, date (datetime64), source."""
    arts = features.articles
    return pd.DataFrame(
        {
            "id": arts["id"].astype(str).to_numpy(),
            # Control and bidirectional-override characters would reorder a title in the tables.
            "title": arts["title"].fillna("(untitled)").astype(str).map(display_text).to_numpy(),
            "date": pd.to_datetime(arts["date"], errors="coerce").to_numpy(),
            "source": arts["source"].fillna("").astype(str).map(display_text).to_numpy(),
        }
    )


def date_bounds(frame: pd.DataFrame) -> tuple[date, date] | None:
    dates = frame["date"].dropna()
    if dates.empty:
        return None
    return dates.min().date(), dates.max().date()


def filter_mask(
    frame: pd.DataFrame, start: date | None = None, end: date | None = None, source: str = "",
    keep_undated: bool = False,
) -> np.ndarray:
    """Articles within the date range (both ends included) whose source contains ``source``.

    With a date bound set, undated articles are left out (they have no place on a timeline)
    unless ``keep_undated``: the articles table must still show them so they can be found.
    """
    mask = np.ones(len(frame), dtype=bool)
    dates = frame["date"]
    undated = dates.isna().to_numpy()
    if start is not None:
        mask &= (dates >= pd.Timestamp(start)).to_numpy() | (keep_undated & undated)
    if end is not None:
        mask &= (dates < pd.Timestamp(end) + pd.Timedelta(days=1)).to_numpy() | (keep_undated & undated)
    if source.strip():
        mask &= frame["source"].str.contains(source.strip(), case=False, regex=False).to_numpy()
    return mask


def search_mask(frame: pd.DataFrame, query: str) -> np.ndarray:
    """Case-insensitive substring search in title, source and id."""
    q = query.strip()
    if not q:
        return np.ones(len(frame), dtype=bool)
    hit = np.zeros(len(frame), dtype=bool)
    for col in ("title", "source", "id"):
        hit |= frame[col].astype(str).str.contains(q, case=False, regex=False).to_numpy()
    return hit


@dataclass(frozen=True)
class Headline:
    """The latest period with articles, the one before it, and whether a change can be read.

    ``delta`` is None unless both periods have at least ``min_count`` articles: a change between
    two periods of one article each says more about those two articles than about relations.
    """

    latest: float | None = None
    count: int = 0
    start: pd.Timestamp | None = None
    previous: float | None = None
    previous_count: int = 0
    previous_start: pd.Timestamp | None = None
    delta: float | None = None
    min_count: int = MIN_COUNT


def latest_change(tl: pd.DataFrame, min_count: int = MIN_COUNT) -> Headline:
    """Mean of the latest period with articles, its article count, and its change against the
    period with articles before it (only when both have ``min_count`` articles or more)."""
    tl = tl[tl["count"] > 0] if "count" in tl else tl
    if tl.empty:
        return Headline(min_count=min_count)
    last = tl.iloc[-1]
    out = {"latest": float(last["mean"]), "count": int(last["count"]), "start": pd.Timestamp(last["period"])}
    if len(tl) > 1:
        prev = tl.iloc[-2]
        out.update(previous=float(prev["mean"]), previous_count=int(prev["count"]),
                   previous_start=pd.Timestamp(prev["period"]))
        if out["count"] >= min_count and out["previous_count"] >= min_count:
            out["delta"] = out["latest"] - out["previous"]
    return Headline(**out, min_count=min_count)


def headline_note(h: Headline, period: str) -> str:
    """One plain line under the headline figure: what it rests on and why a change is (not) shown."""
    if h.latest is None:
        return "No dated article about the pair in view."
    rests = f"Mean of {_articles(h.count)} ({interval_label(h.start, period)})."
    if h.previous is None:
        return rests + " No earlier period to compare with."
    prev = f"{period_label(h.previous_start, period)}: {h.previous:+.1f} from {_articles(h.previous_count)}"
    if h.delta is None:
        return (f"{rests} No change shown: {prev}, and a change needs at least {h.min_count} articles "
                f"in both periods.")
    return f"{rests} Change against {prev}."


def _articles(n: int) -> str:
    return f"{n:,} article{'s' if n != 1 else ''}"


def interval_label(start: pd.Timestamp, period: str) -> str:
    """A period's first and last day, "2023-06-01 to 2023-06-30" (a day is one date)."""
    first, last = pd.Timestamp(start), period_last_day(start, period)
    if first == last:
        return f"{first:%Y-%m-%d}"
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"


def period_label(start: pd.Timestamp, period: str) -> str:
    if period == "month":
        return start.strftime("%B %Y")
    if period == "week":
        return f"week of {start.strftime('%d %b %Y')}"
    return start.strftime("%d %b %Y")


def period_mask(frame: pd.DataFrame, start: pd.Timestamp, period: str) -> np.ndarray:
    """Articles dated within the period that begins at ``start`` (as ``metrics.timeline`` cuts it)."""
    start, end = pd.Timestamp(start), period_end(start, period)
    d = frame["date"]
    return ((d >= start) & (d < end)).to_numpy()


# ----------------------------------------------------------------------------- timeline


def _hover_title(title: str, limit: int = 90) -> str:
    # Plotly renders a subset of HTML tags in hover labels: titles are escaped like any article text.
    t = title if len(title) <= limit else title[: limit - 1] + "…"
    return html.escape(t)


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
    """Each period's "first to last day", vectorised: a Period object per row costs 0.2 ms, and
    a slider move redraws a few hundred of them."""
    first = pd.to_datetime(full["period"]).dt.strftime("%Y-%m-%d")
    if period == "day":
        return list(first)
    return list(first + " to " + pd.to_datetime(full["end"]).dt.strftime("%Y-%m-%d"))


def _mean_labels(full: pd.DataFrame, period: str, intervals: list[str]) -> list[str]:
    out = []
    for p, iv, n, lo, hi in zip(full["period"], intervals, full["count"], full["lo"], full["hi"]):
        head = f"{period_label(pd.Timestamp(p), period)} · {iv}<br>{_articles(int(n))}"
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
    return [f"{rolling} {PERIOD_NAMES[period]}s, {s:%Y-%m-%d} to {e} · {_articles(int(n) if n == n else 0)}"
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
    ``metrics.timeline.timeline`` (with or without the empty periods: the lines break at
    periods without articles either way). Beyond ``max_points`` dated articles only the period
    means are drawn; a click on one (or on its volume bar) lists that period's articles.
    ``highlight`` shades the period that starts there (the one whose drivers are shown).
    ``level`` (columns date, level: ``metrics.level.level_index``) adds the level index as a line.
    ``compare`` adds, per (pair, timeline), that pair's period means and volume; ``pair`` names
    the main pair in the legend when there is something to compare it with.
    """
    compare = list(compare)
    fig = go.Figure()
    dated = points.dropna(subset=["date", "tension"])
    many = len(dated) > max_points
    unit = PERIOD_NAMES[period]
    suffix = f": {pair_name(pair)}" if pair and compare else ""
    if not tl.empty:
        full = with_gaps(tl, period)
        has = full["count"].to_numpy() > 0
        intervals, windows = _intervals(full, period), _rolling_labels(full, period, rolling)
        bx, by = _band(full)
        fig.add_trace(
            go.Scatter(
                x=bx, y=by, fill="toself", mode="lines", line={"width": 0}, fillcolor="rgba(127,140,141,0.22)",
                hoverinfo="skip", name="95% interval of the mean", **_px(period),
            )
        )
        custom = [[f"{PERIOD_PREFIX}{pd.Timestamp(p).date().isoformat()}"] for p in full["period"]]
        fig.add_trace(
            go.Scatter(
                x=full["period"], y=full["mean"].where(has), mode="lines", name=f"Mean per {unit}{suffix}",
                line={"color": "#2c3e50", "width": 2}, connectgaps=False, hoverinfo="skip", legendgroup="mean",
                **_px(period),
            )
        )
        # Where the articles are drawn, a period of one article has its mean on that very point:
        # no marker of its own there, so a click on the point opens the article, not the period.
        marked = has if many else full["count"].to_numpy() > 1
        fig.add_trace(
            go.Scatter(
                x=full["period"], y=full["mean"].where(marked), mode="markers", name=f"Mean per {unit}{suffix}",
                marker={"size": 9 if many else 6, "color": "#2c3e50"}, showlegend=False, legendgroup="mean",
                customdata=custom, text=_mean_labels(full, period, intervals),
                hovertemplate="%{text}<br>mean %{y:+.1f}<extra></extra>", **_px(period),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=full["period"], y=full["rolling"], mode="lines", name=f"Rolling mean ({rolling} calendar {unit}s)",
                line={"color": "#e67e22", "width": 2, "dash": "dash"}, connectgaps=False, **_px(period),
                # No hover of its own: its points sit on the articles' and would take their clicks.
                # The volume bars' hover tells each window's mean and count.
                text=windows, hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Bar(
                x=full["period"], y=full["count"], name=f"Articles per {unit}{suffix}", yaxis="y2",
                marker={"color": "#5d6d7e"}, customdata=custom,
                text=[f"{iv}<br>{_articles(int(n))}<br>rolling mean " + ("–" if r != r else f"{r:+.1f}")
                      + f" over {lab}" for iv, n, r, lab in zip(intervals, full["count"], full["rolling"], windows)],
                hovertemplate="%{text}<extra></extra>", textposition="none",
                **_px(period),
            )
        )
    for k, (name, other) in enumerate(c for c in compare if not c[1].empty):
        color = COMPARE_COLORS[k % len(COMPARE_COLORS)]
        name = pair_name(name)
        full = with_gaps(other, period)
        has = full["count"].to_numpy() > 0
        fig.add_trace(
            go.Scatter(
                x=full["period"], y=full["mean"].where(has), mode="lines+markers", name=f"Mean per {unit}: {name}",
                line={"color": color, "width": 2}, marker={"size": 5}, connectgaps=False, **_px(period),
                text=_mean_labels(full, period, _intervals(full, period)),
                hovertemplate=f"{html.escape(name)}<br>%{{text}}<br>mean %{{y:+.1f}}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Bar(
                x=full["period"], y=full["count"], name=f"Articles per {unit}: {name}", yaxis="y2",
                marker={"color": color}, text=_intervals(full, period),
                hovertemplate=f"{html.escape(name)}<br>%{{text}}<br>%{{y}} articles<extra></extra>",
                textposition="none", **_px(period),
            )
        )
    if level is not None and not level.empty:
        half = level.attrs.get("half_life_days")
        fig.add_trace(
            go.Scatter(
                x=level["date"], y=level["level"], mode="lines", line={"color": "#8e44ad", "width": 2},
                name="Level index" + (f" (half-life {half:g} days)" if half else ""),
                hovertemplate="%{x|%Y-%m-%d}<br>level %{y:+.1f}<extra></extra>",
            )
        )
    if not many and not dated.empty:
        custom = np.column_stack([dated["id"].to_numpy(), [_hover_title(t) for t in dated["title"]]])
        fig.add_trace(
            go.Scatter(
                x=dated["date"], y=dated["tension"], mode="markers", name="Article",
                marker={
                    "size": 9, "color": dated["tension"], "colorscale": POINT_SCALE, "cmin": -100, "cmax": 100,
                    "line": {"width": 0.8, "color": "#333"}, "opacity": 0.9,
                },
                customdata=custom,
                hovertemplate="<b>%{customdata[1]}</b><br>%{x|%Y-%m-%d}<br>tension %{y:+.1f}<extra></extra>",
            )
        )
    if selected is not None:
        sel = dated[dated["id"] == selected]
        if not sel.empty:
            fig.add_trace(
                go.Scatter(
                    x=sel["date"], y=sel["tension"], mode="markers", name="Selected article",
                    marker={"size": 16, "color": "rgba(0,0,0,0)", "line": {"width": 2.5, "color": "#111"}},
                    customdata=np.column_stack([sel["id"].to_numpy(), [_hover_title(t) for t in sel["title"]]]),
                    hovertemplate="<b>%{customdata[1]}</b><br>%{x|%Y-%m-%d}<br>tension %{y:+.1f}<extra>selected</extra>",
                )
            )
    if highlight is not None:
        lo, hi = period_start(highlight, period), period_end(highlight, period)
        # Layout shapes, not add_vrect: the same rectangles, without add_vrect's subplot
        # bookkeeping, which took 170 ms of a 640 ms page run at 10,000 articles.
        fig.update_layout(shapes=[{
            "type": "rect", "xref": "x", "yref": yref, "x0": lo, "x1": hi, "y0": 0, "y1": 1,
            "fillcolor": "rgba(241,196,15,0.25)", "line": {"width": 0}, "layer": "below",
        } for yref in ("y domain", "y2 domain")])
    title = None
    if many:
        title = f"{len(dated):,} articles: drawn as {unit}ly means; click a mean to list its articles"
    fig.update_layout(
        title={"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left", "y": 0.99, "yanchor": "top"}
        if title else None,
        height=600 if title else 580,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        # Under the plot: a legend above it runs under plotly's toolbar at the top right.
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
        hovermode="closest",
        clickmode="event+select",
        bargap=0.1,
        barmode="group",
        xaxis={"title": None, "anchor": "y2", "showgrid": True, "gridcolor": "#eee"},
        yaxis={"title": "Tension  (−100 cooperation · +100 conflict)", "zeroline": True, "zerolinecolor": "#999",
               "range": Y_RANGE, "tickvals": [-100, -50, 0, 50, 100], "domain": TENSION_DOMAIN,
               "showgrid": True, "gridcolor": "#eee", "fixedrange": True},
        yaxis2={"title": "articles", "domain": VOLUME_DOMAIN, "rangemode": "tozero", "showgrid": True,
                "gridcolor": "#eee", "fixedrange": True},
        plot_bgcolor="white",
    )
    return fig


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


# ----------------------------------------------------------------------------- what drove it


def family_labels(lexicon: Lexicon) -> dict[str, str]:
    labels = {f.id: f.label for f in lexicon.families}
    labels[TONE_ID] = "Tone (VADER)"
    return labels


def drivers(fam: pd.DataFrame, rows: np.ndarray, lexicon: Lexicon) -> pd.Series:
    """Mean contribution per cue family (and tone) over the articles at ``rows`` (mask or indices).

    Units are those of the raw score: ``tension = 100 x raw / sqrt(raw^2 + SCALE^2)``.
    """
    sub = fam.iloc[np.flatnonzero(rows)] if np.asarray(rows).dtype == bool else fam.iloc[np.asarray(rows)]
    if sub.empty:
        return pd.Series(dtype=float)
    mean = sub.mean(axis=0)
    return mean[mean.abs() > 1e-9].rename(index=family_labels(lexicon))


def period_drivers(prep: Prepared, weights: Mapping[str, float] | None, rows: np.ndarray) -> pd.Series:
    """``drivers`` straight from the prepared per-article cue sums: no articles x families frame,
    so a slider move over 100,000 articles stays a few milliseconds."""
    idx = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, dtype=np.int64)
    if len(idx) == 0:
        return pd.Series(dtype=float)
    w, w_tone = prep.lexicon.weight_vector(weights)
    values = np.append(prep.cue_sums[idx].mean(axis=0) * w, prep.tone_sums[idx].mean() * w_tone)
    mean = pd.Series(values, index=prep.lexicon.ids + [TONE_ID])
    return mean[mean.abs() > 1e-9].rename(index=family_labels(prep.lexicon))


def top_cues_of(prep: Prepared, weights: Mapping[str, float] | None, rows: np.ndarray, k: int = 3,
                labels: bool = False) -> list[str]:
    """``metrics.scoring.top_cues`` for the articles at ``rows`` only (a table page, not the
    corpus); with ``labels``, the families' labels instead of their ids (what a person reads)."""
    idx = np.asarray(rows, dtype=np.int64)
    w, _ = prep.lexicon.weight_vector(weights)
    values = prep.cue_sums[idx] * w
    ids = np.array(prep.lexicon.ids)
    order = np.argsort(-np.abs(values), axis=1)[:, :k]
    out = ["; ".join(f"{ids[j]}({row[j]:+.2f})" for j in o if row[j] != 0) for row, o in zip(values, order)]
    return [label_top_cues(t, prep.lexicon) for t in out] if labels else out


_TOP_CUE = re.compile(r"([A-Za-z0-9_]+)\(([+-][0-9.]+)\)")


def label_top_cues(text: str, lexicon: Lexicon) -> str:
    """``sanctions(+2.41); tone(-0.3)`` as ``Sanctions, export controls, tariffs +2.41; ...``."""
    names = family_labels(lexicon)
    return _TOP_CUE.sub(lambda m: f"{names.get(m.group(1), m.group(1))} {m.group(2)}", str(text or ""))


def with_labels(table: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """A score table (``metrics.scoring.score_table``) with a ``top_cues_labels`` column beside
    ``top_cues``: the ids stay for scripts, the labels are for the person opening the CSV."""
    if "top_cues" not in table:
        return table
    at = list(table.columns).index("top_cues") + 1
    out = table.copy()
    out.insert(at, "top_cues_labels", [label_top_cues(t, lexicon) for t in table["top_cues"]])
    return out


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
    fig = go.Figure()

    def colors(v: pd.Series) -> list[str]:
        return [ESCALATION_COLOR if x > 0 else DEESCALATION_COLOR for x in v]

    # The bars are coloured by sign, so a legend swatch would take the first bar's colour: the
    # legend gets swatches of its own, grey, solid for the period and hatched for the article.
    fig.add_trace(
        go.Bar(
            y=both.index, x=both["p"], orientation="h", name=period_name, marker={"color": colors(both["p"])},
            hovertemplate="%{y}: %{x:+.2f}<extra>" + html.escape(period_name) + "</extra>",
            showlegend=False, legendgroup="p",
        )
    )
    fig.add_trace(go.Bar(y=[None], x=[None], orientation="h", name=period_name, legendgroup="p",
                         marker={"color": NEUTRAL_COLOR}, hoverinfo="skip"))
    if article is not None:
        fig.add_trace(
            go.Bar(
                y=both.index, x=both["a"], orientation="h", name=_hover_title(article_name, 50),
                marker={"color": colors(both["a"]), "pattern": {"shape": "/", "fgcolor": "white"}},
                hovertemplate="%{y}: %{x:+.2f}<extra>article</extra>", showlegend=False, legendgroup="a",
            )
        )
        fig.add_trace(go.Bar(y=[None], x=[None], orientation="h", name=_hover_title(article_name, 50),
                             legendgroup="a", hoverinfo="skip",
                             marker={"color": "white", "line": {"color": NEUTRAL_COLOR, "width": 1},
                                     "pattern": {"shape": "/", "fgcolor": NEUTRAL_COLOR, "solidity": 0.5}}))
    fig.update_layout(
        barmode="group",
        height=max(240, 32 * len(both) + 110),
        margin={"l": 10, "r": 10, "t": 34, "b": 10},
        # Two entries at the top left: clear of plotly's toolbar (top right) and of the axis title.
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        xaxis={"title": "contribution to the raw score", "zeroline": True,
               "zerolinecolor": "#555"},
        plot_bgcolor="white",
        showlegend=True,
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    return fig


# ----------------------------------------------------------------------------- drill-down


_STYLE = """<style>
.tp-art{font-size:0.95rem;line-height:1.55}
.tp-p{border-left:4px solid #ccc;padding:4px 10px;margin:6px 0}
.tp-p.up{border-left-color:#c0392b}.tp-p.down{border-left-color:#2471a3}
.tp-p.off{color:#888;border-left-color:#e5e5e5}
.tp-h{font-size:0.8rem;color:#555;margin-bottom:2px}
.tp-p mark{padding:0 2px;border-radius:3px}
.tp-p mark.up{background:#f5c6c0}.tp-p mark.down{background:#c6dcf0}.tp-p mark.zero{background:#e5e5e5}
.tp-c{font-size:0.8rem;color:#333;margin:2px 0 0 0;padding-left:16px}
</style>"""


def _sign_class(v: float) -> str:
    return "up" if v > 1e-9 else "down" if v < -1e-9 else "zero"


def _highlight(text: str, offset: int, cues: list[dict]) -> str:
    """The passage text, escaped, with each matched cue wrapped in a <mark>."""
    spans = []
    for c in cues:
        s, e = c["start"] - offset, c["end"] - offset
        if not (0 <= s < e <= len(text)) or text[s:e] != c["matched"]:
            s = text.find(c["matched"])  # offsets should agree; fall back to the text itself
            if s < 0:
                continue
            e = s + len(c["matched"])
        spans.append((s, e, c))
    spans.sort(key=lambda t: t[0])
    out, pos = [], 0
    for s, e, c in spans:
        if s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        tip = f"{c['family']}: {c['contribution']:+.2f}"
        out.append(f'<mark class="{_sign_class(c["contribution"])}" title="{html.escape(tip)}">'
                   f"{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def _cue_line(c: dict, relevance: float, norm: float | None) -> str:
    notes = [n for n, flag in (("negated", c["negated"]), ("hedged", c["hedged"])) if flag]
    arrow = "▲" if c["direction"] == "escalation" else "▼"
    sign = c.get("sign", 1.0 if c["direction"] == "escalation" else -1.0)
    factors = (f"weight {c['weight']:g} × direction {sign:+g} × strength {c['strength']:g}"
               + (f" ({', '.join(notes)})" if notes else "")
               + f" × relevance {relevance:g}")
    between = c.get("between_pair", True)
    if not between:
        factors += " × 0 (not an act between the pair)"
    if norm is not None:
        factors += f" / norm {norm:.3g}"
    # Who did it to whom, as the extractor read it: codes from the gazetteer ("?" when unnamed).
    who = ""
    if "source" in c:
        who = f" <i>{html.escape(c['source'] or '?')} → {html.escape(c['target'] or '?')}</i>"
        if between and c.get("actor"):
            who += f" (an act of {html.escape(c['actor'])})"
    return (
        f"<li>{arrow} <b>{html.escape(c['family'])}</b> “{html.escape(c['matched'])}”{who}: {factors}"
        f" = <b>{c['contribution']:+.2f}</b></li>"
    )


def _tone_line(p: dict, weight: float | None, norm: float | None) -> str:
    if weight is None or norm is None or p["relevance"] == 0 or p["tone_contribution"] == 0:
        return ""
    return (f"<li>Tone (VADER): weight {weight:g} × −compound {p['tone']:+.3f} × relevance "
            f"{p['relevance']:g} / norm {norm:.3g} = <b>{p['tone_contribution']:+.2f}</b></li>")


def article_html(doc: dict, tone_weight: float | None = None) -> str:
    """The drill-down of one article (``metrics.scoring.explain`` or ``metrics.drilldown.page``):
    passages (in the doc's order), cues highlighted, each passage's and each cue's contribution
    with every factor of it when the doc carries the article's ``norm``. All article text is
    escaped."""
    norm = doc.get("norm")
    parts = [_STYLE, '<div class="tp-art">']
    for p in doc["passages"]:
        rel = p["relevance"]
        cls = "off" if rel == 0 else _sign_class(p["contribution"])
        head = f"Passage {p['index'] + 1} · contribution <b>{p['contribution']:+.2f}</b>"
        if rel == 0:
            head += " · not about the pair: does not count"
        else:
            head += f" · relevance {rel:g} · tone {p['tone_contribution']:+.2f}"
        parts.append(f'<div class="tp-p {cls}"><div class="tp-h">{head}</div>')
        parts.append(_highlight(p["text"], p["start"], p["cues"]))
        lines = "".join(_cue_line(c, rel, norm) for c in p["cues"]) + _tone_line(p, tone_weight, norm)
        if lines:
            parts.append('<ul class="tp-c">' + lines + "</ul>")
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def explain_summary(doc: dict) -> str:
    """One line reconciling the passages with the score (plain text, safe for markdown)."""
    total_n = doc.get("passages_total", len(doc["passages"]))
    if doc["tension"] is None:
        return f"No passage of this article is about the chosen pair ({total_n:,} passages): it has no tension."
    counted = doc.get("counted", sum(1 for p in doc["passages"] if p["relevance"] > 0))
    raw = doc.get("raw", sum(p["contribution"] for p in doc["passages"]))
    norm = ""
    if doc.get("norm") is not None:
        norm = (f" Each contribution is divided by the article's size, norm = ({doc['relevant']:g} relevant + {PRIOR:g})"
                f" / {UNIT:g} = {doc['norm']:.3g}.")
    return (
        f"{counted:,} of {total_n:,} passages count.{norm} Their contributions add up to "
        f"raw {raw:+.2f}; tension = 100 × raw / √(raw² + {SCALE:g}²) = {doc['tension']:+.1f}."
    )


def cue_table(doc: dict) -> pd.DataFrame:
    """Every cue match of the article, one row each, for a sortable table."""
    rows = [
        {
            "passage": p["index"] + 1,
            "cue": c["family"],
            "matched": c["matched"],
            "weight": c["weight"],
            "strength": c["strength"],
            "contribution": round(c["contribution"], 3),
        }
        for p in doc["passages"]
        for c in p["cues"]
    ]
    return pd.DataFrame(rows, columns=["passage", "cue", "matched", "weight", "strength", "contribution"])


# ----------------------------------------------------------------------------- uploads and export


def read_upload(name: str, data: bytes, options: ReadOptions | None = None) -> list[Article | InputError]:
    """The articles of one uploaded file, through the command line's readers; never raises."""
    safe = Path(name).name or "upload"
    try:
        return list(read_bytes(safe, data, options))
    except Exception as err:  # noqa: BLE001 - a reader bug on one file must not stop the other files
        return [InputError(f"{safe}: cannot read: {type(err).__name__}: {err}")]


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>$~:"})


def md_escape(text: str) -> str:
    """Untrusted text made literal for Streamlit markdown (no links, images, math or emphasis)."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def to_csv(frame: pd.DataFrame) -> bytes:
    """A CSV download, with cells a spreadsheet would run as formulas neutralised."""
    return to_csv_text(frame).encode("utf-8")
