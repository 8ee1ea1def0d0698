"""The level index: tension as a stock that events move and that decays back toward neutral.

The per-period mean (``metrics.timeline``) answers "how tense was this month's reporting"; it
forgets everything at the end of each period and has no value in a month without articles. The
level answers "where do relations stand": a consulate closure keeps relations strained for
months after the news about it stops. The Tsinghua relations score works this way: each
month's events move the previous month's value instead of being scored afresh, and the value
is bounded.

    r        = 0.5 ** (1 / half_life_days)
    level(d) = clip(level(d-1) x r + gain x input(d), -100, 100)        (tension.level.v1)

one step per calendar day, from 0 (neutral) the day before the first article; ``input(d)`` is
the mean tension of that day's articles, 0 on a day without any.

- The decay halves the stock every ``half_life_days`` days without news: an old shock fades
  instead of lasting forever.
- The mean, not the sum, of a day's articles: twenty outlets reporting one event are one event,
  and a corpus that doubles its collection does not double the level.
- ``gain`` defaults to ``min(1, (1 - r) / coverage)``, where coverage is the share of days in
  the corpus's span that have articles. In a daily feed (coverage 1) the gain is ``1 - r``: the
  level is an exponentially weighted mean of past days with the given half-life, and a tension
  held at ``x`` day after day brings it to ``x``. In a sparse corpus each news day stands for the
  silent days around it, up to a gain of 1 (one article at +60 lifts the level by 60, which then
  halves every half-life): silence is then read as "not observed", not as calm. The gain comes
  from the whole corpus, so adding articles can change it; pass ``gain`` to pin it.
- The clip keeps the level on the -100..100 scale of tension, so both can share an axis: a
  run of hostile days cannot push relations past the worst the scale can say.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVEL_FUNCTION = "tension.level.v1"
DEFAULT_HALF_LIFE_DAYS = 30.0
# Accepted ``freq`` values -> pandas period; weeks start on Monday, as in metrics.timeline.
FREQUENCIES = {"D": "D", "day": "D", "W": "W-SUN", "W-MON": "W-SUN", "week": "W-SUN", "MS": "M", "M": "M", "month": "M"}


def default_gain(half_life_days: float, coverage: float = 1.0) -> float:
    """``min(1, (1 - r) / coverage)``: a steady input ``x`` on every observed day brings the level to ``x``."""
    return min(1.0, (1.0 - 0.5 ** (1.0 / half_life_days)) / max(coverage, 1e-12))


def level_index(
    scores: pd.DataFrame,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    freq: str = "D",
    gain: float | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The level of tension over time, from article scores (columns ``date`` and ``tension``).

    Returns columns ``date`` and ``level``: one row per day from the first dated article to the
    last (or to ``end``, to show the decay after the last article). With a coarser ``freq``
    (``"week"``/``"W"``, ``"month"``/``"MS"``), one row per period: the level at the close of
    the period, labelled by the period's first day like ``metrics.timeline``.
    Undated articles and articles with no tension are left out; no article gives no rows.
    """
    if not half_life_days > 0:
        raise ValueError("half_life_days must be > 0")
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {', '.join(FREQUENCIES)}")
    period = FREQUENCIES[freq]
    df = pd.DataFrame({
        "date": pd.to_datetime(scores["date"], errors="coerce") if len(scores) else pd.Series(dtype="datetime64[ns]"),
        "tension": pd.to_numeric(scores["tension"], errors="coerce") if len(scores) else pd.Series(dtype=float),
    }).dropna()
    if df.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "level": pd.Series(dtype=float)})
    daily = df.groupby(df["date"].dt.normalize())["tension"].mean()
    last = daily.index.max()
    if end is not None:
        last = max(last, pd.Timestamp(end).normalize())
    days = pd.date_range(daily.index.min(), last, freq="D")
    inputs = daily.reindex(days, fill_value=0.0).to_numpy(np.float64)
    span = (daily.index.max() - daily.index.min()).days + 1
    g = default_gain(half_life_days, len(daily) / span) if gain is None else float(gain)
    r = 0.5 ** (1.0 / half_life_days)
    level = np.empty_like(inputs)
    stock = 0.0
    for i, u in enumerate(inputs):  # a few thousand days: a plain loop is clearer than a filter
        stock = min(100.0, max(-100.0, stock * r + g * u))
        level[i] = stock
    out = pd.Series(level, index=days)
    if period != "D":
        # A stock is read at a point in time: the close of each period, keyed like timeline().
        out = out.groupby(out.index.to_period(period).start_time).last()
    result = pd.DataFrame({"date": out.index, "level": out.to_numpy()})
    result.attrs.update({"function": LEVEL_FUNCTION, "half_life_days": float(half_life_days), "gain": g})
    return result
