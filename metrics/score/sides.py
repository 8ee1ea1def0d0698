"""Who escalates: tension from each side's own acts, per period (issue "Events, not words").

``raw_by_side`` splits every article's raw score into the acts of the first side, of the second,
and joint or unattributed acts with the tone. Put on the tension scale, a side's share says how
much that side's acts pushed the relationship towards conflict (above 0) or cooperation (below
0) in that article; the period mean averages it over the period's articles about the pair, so
an article in which a side did nothing counts as 0 for that side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.events.dyad import countries
from metrics.events.lexicon import WeightsLike
from metrics.score.scoring import Prepared, raw_by_side, to_tension
from metrics.score.timeline import PERIODS, calendar, period_sums


def side_tensions(prep: Prepared, weights: WeightsLike = None) -> pd.DataFrame:
    """One row per article: ``tension_A`` and ``tension_B`` from each side's acts (NaN for an
    article with no passage about the pair), named by the pair's codes."""
    if prep.dyad.a is None:
        raise ValueError("who escalates needs a pair of countries, not --dyad none")
    by = raw_by_side(prep, weights)
    relevant = prep.relevant > 0
    out = {}
    for i, code in enumerate((prep.dyad.a, prep.dyad.b)):
        out[code] = np.where(relevant, to_tension(by[:, i]), np.nan)
    return pd.DataFrame(out)


def sides_timeline(dates: pd.Series, sides: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """Period means of each side's tension: columns ``period``, ``side`` (a code), ``mean`` and
    ``count``; every period between the first and the last is present, NaN where no article is,
    so a line drawn from it has gaps instead of bridging months without news."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}")
    cols = ["period", "side", "mean", "count"]
    full, idx, ok = calendar(dates, period)
    if full is None:
        return pd.DataFrame(columns=cols)
    parts = []
    for code in sides.columns:
        # Sums over period numbers, as metrics.score.timeline does: this too runs on every slider move.
        v = sides[code].to_numpy(dtype=float)
        n, _total, mean = period_sums(v, idx, ok & np.isfinite(v), len(full))
        parts.append(pd.DataFrame({"period": full.start_time, "side": code, "mean": mean, "count": n.astype(int)}))
    return pd.concat(parts, ignore_index=True)[cols]


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
    import plotly.graph_objects as go

    from metrics.views.figures import scatter, unchecked

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
