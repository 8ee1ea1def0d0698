"""View logic of the dashboard: plotly figures and pandas frames, with no Streamlit in sight.

``app.py`` and ``ui/`` only wire widgets to these functions, so everything a user sees can be
unit-tested without a browser. Article text is untrusted: every piece of it that ends up in
HTML goes through ``html.escape`` here, in one place.
"""

from __future__ import annotations

import html
import math
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
from .scoring import SCALE, Prepared
from .timeline import period_end, period_start

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


# ----------------------------------------------------------------------------- pairs of countries


def dyad_options() -> list[str]:
    """US-CN first, then every other pair of gazetteer countries, then "none"."""
    codes = list(countries())
    pairs = [f"{a}-{b}" for i, a in enumerate(codes) for b in codes[i + 1:]]
    ordered = [DEFAULT_DYAD] + [p for p in pairs if p != DEFAULT_DYAD and p != "CN-US"]
    return ordered + ["none"]


def dyad_label(spec: str) -> str:
    if spec == "none":
        return "Any countries (count every passage)"
    names = countries()
    a, b = spec.split("-")
    return f"{names.get(a, a)} – {names.get(b, b)} ({spec})"


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


def latest_change(tl: pd.DataFrame) -> tuple[float | None, float | None, pd.Timestamp | None]:
    """Mean of the latest period, its change against the period before, and the period's start."""
    if tl.empty:
        return None, None, None
    last = tl.iloc[-1]
    delta = float(last["mean"] - tl.iloc[-2]["mean"]) if len(tl) > 1 else None
    return float(last["mean"]), delta, pd.Timestamp(last["period"])


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


def timeline_figure(
    points: pd.DataFrame,
    tl: pd.DataFrame,
    *,
    period: str = "month",
    rolling: int = 3,
    max_points: int = MAX_POINTS,
    selected: str | None = None,
    highlight: pd.Timestamp | None = None,
    level: pd.DataFrame | None = None,
) -> go.Figure:
    """Articles as points (custom_data: id, title), the period mean with its 95% band, the rolling mean.

    ``points`` has columns id, title, date, tension (already filtered). Beyond ``max_points``
    dated articles only the period means are drawn; a click on one lists that period's articles.
    ``highlight`` shades the period that starts there (the one whose drivers are shown).
    ``level`` (columns date, level: ``metrics.level.level_index``) adds the level index as a line.
    """
    fig = go.Figure()
    dated = points.dropna(subset=["date", "tension"])
    many = len(dated) > max_points
    if not tl.empty:
        x = list(tl["period"]) + list(tl["period"])[::-1]
        y = list(tl["hi"]) + list(tl["lo"])[::-1]
        fig.add_trace(
            go.Scatter(
                x=x, y=y, fill="toself", mode="lines", line={"width": 0}, fillcolor="rgba(127,140,141,0.22)",
                hoverinfo="skip", name="95% interval of the mean",
            )
        )
        custom = [[f"{PERIOD_PREFIX}{pd.Timestamp(p).date().isoformat()}"] for p in tl["period"]]
        counts = tl["count"].astype(int).to_numpy()
        labels = [
            f"{period_label(pd.Timestamp(p), period)} · {n} article{'s' if n != 1 else ''}"
            for p, n in zip(tl["period"], counts)
        ]
        fig.add_trace(
            go.Scatter(
                x=tl["period"], y=tl["mean"], mode="lines+markers", name=f"Mean per {PERIOD_NAMES[period]}",
                line={"color": "#2c3e50", "width": 2}, marker={"size": 9 if many else 5},
                customdata=custom, text=labels,
                hovertemplate="%{text}<br>mean %{y:.1f}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=tl["period"], y=tl["rolling"], mode="lines", name=f"Rolling mean ({rolling} {PERIOD_NAMES[period]}s)",
                line={"color": "#e67e22", "width": 2, "dash": "dash"}, hoverinfo="skip",
            )
        )
    if level is not None and not level.empty:
        half = level.attrs.get("half_life_days")
        fig.add_trace(
            go.Scatter(
                x=level["date"], y=level["level"], mode="lines", line={"color": "#8e44ad", "width": 2},
                name="Level index" + (f" (half-life {half:g} days)" if half else ""),
                hovertemplate="%{x|%Y-%m-%d}<br>level %{y:.1f}<extra></extra>",
            )
        )
    if not many and not dated.empty:
        custom = np.column_stack([dated["id"].to_numpy(), [_hover_title(t) for t in dated["title"]]])
        fig.add_trace(
            go.Scatter(
                x=dated["date"], y=dated["tension"], mode="markers", name="Article",
                marker={
                    "size": 9, "color": dated["tension"], "colorscale": "RdBu_r", "cmin": -100, "cmax": 100,
                    "line": {"width": 0.5, "color": "white"}, "opacity": 0.85,
                },
                customdata=custom,
                hovertemplate="<b>%{customdata[1]}</b><br>%{x|%Y-%m-%d}<br>tension %{y:.1f}<extra></extra>",
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
                    hovertemplate="<b>%{customdata[1]}</b><br>%{x|%Y-%m-%d}<br>tension %{y:.1f}<extra>selected</extra>",
                )
            )
    if highlight is not None:
        lo, hi = period_start(highlight, period), period_end(highlight, period)
        # A layout shape, not add_vrect: the same rectangle, without add_vrect's subplot
        # bookkeeping, which took 170 ms of a 640 ms page run at 10,000 articles.
        fig.update_layout(shapes=[{
            "type": "rect", "xref": "x", "yref": "y domain", "x0": lo, "x1": hi, "y0": 0, "y1": 1,
            "fillcolor": "rgba(241,196,15,0.25)", "line": {"width": 0}, "layer": "below",
        }])
    title = None
    if many:
        title = f"{len(dated):,} articles: drawn as {PERIOD_NAMES[period]}ly means; click a mean to list its articles"
    fig.update_layout(
        title={"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left", "y": 0.99, "yanchor": "top"}
        if title else None,
        height=450 if title else 430,
        margin={"l": 10, "r": 10, "t": 60 if title else 10, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="closest",
        clickmode="event+select",
        xaxis={"title": None},
        yaxis={"title": "Tension  (−100 cooperation · +100 conflict)", "zeroline": True, "zerolinecolor": "#999"},
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    fig.update_yaxes(showgrid=True, gridcolor="#eee")
    return fig


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


def top_cues_of(prep: Prepared, weights: Mapping[str, float] | None, rows: np.ndarray, k: int = 3) -> list[str]:
    """``metrics.scoring.top_cues`` for the articles at ``rows`` only (a table page, not the corpus)."""
    idx = np.asarray(rows, dtype=np.int64)
    w, _ = prep.lexicon.weight_vector(weights)
    values = prep.cue_sums[idx] * w
    ids = np.array(prep.lexicon.ids)
    order = np.argsort(-np.abs(values), axis=1)[:, :k]
    return ["; ".join(f"{ids[j]}({row[j]:+.2f})" for j in o if row[j] != 0) for row, o in zip(values, order)]


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

    fig.add_trace(
        go.Bar(
            y=both.index, x=both["p"], orientation="h", name=period_name, marker={"color": colors(both["p"])},
            hovertemplate="%{y}: %{x:+.2f}<extra>" + html.escape(period_name) + "</extra>",
        )
    )
    if article is not None:
        fig.add_trace(
            go.Bar(
                y=both.index, x=both["a"], orientation="h", name=_hover_title(article_name, 50),
                marker={"color": colors(both["a"]), "pattern": {"shape": "/", "fgcolor": "white"}},
                hovertemplate="%{y}: %{x:+.2f}<extra>article</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        height=max(220, 32 * len(both) + 90),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
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


def _cue_line(c: dict) -> str:
    notes = [n for n, flag in (("negated", c["negated"]), ("hedged", c["hedged"])) if flag]
    arrow = "▲" if c["direction"] == "escalation" else "▼"
    return (
        f"<li>{arrow} <b>{html.escape(c['family'])}</b> “{html.escape(c['matched'])}”: "
        f"weight {c['weight']:g} × strength {c['strength']:g}"
        + (f" ({', '.join(notes)})" if notes else "")
        + f" → <b>{c['contribution']:+.2f}</b></li>"
    )


def article_html(doc: dict) -> str:
    """The drill-down of one article (``metrics.scoring.explain``): passages in order, cues
    highlighted, each passage's and each cue's contribution. All article text is escaped."""
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
        if p["cues"]:
            parts.append('<ul class="tp-c">' + "".join(_cue_line(c) for c in p["cues"]) + "</ul>")
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def explain_summary(doc: dict) -> str:
    """One line reconciling the passages with the score (plain text, safe for markdown)."""
    total = sum(p["contribution"] for p in doc["passages"])
    counted = sum(1 for p in doc["passages"] if p["relevance"] > 0)
    if doc["tension"] is None:
        return f"No passage of this article is about the chosen pair ({len(doc['passages'])} passages): it has no tension."
    return (
        f"{counted} of {len(doc['passages'])} passages count. Their contributions add up to "
        f"raw {total:+.2f}; tension = 100 × {total:+.2f} / √({total:+.2f}² + {SCALE:g}²) = {doc['tension']:+.1f}."
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
