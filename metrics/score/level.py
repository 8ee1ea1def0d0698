"""The level index: tension as a stock that events move and that decays back toward neutral.

The per-period mean (``metrics.score.timeline``) answers "how tense was this month's reporting"; it
forgets everything at the end of each period and has no value in a month without articles. The
level answers "where do relations stand": a consulate closure keeps relations strained for
months after the news about it stops. The Tsinghua relations score works this way: events move
the previous value instead of being scored afresh, and the value is bounded.

    w_i(d)   = 0.5 ** ((d - date_i) / half_life_days)        for every article i dated <= d
    level(d) = sum_i w_i(d) x tension_i / (prior + sum_i w_i(d))              (tension.level.v1)

- Each article's weight halves every ``half_life_days``: an old shock fades instead of lasting
  forever, and recent articles dominate.
- ``prior`` is the weight of one imaginary neutral (0) article that never fades: as the real
  weight decays during a silence, the level returns toward neutral; a single article at +60
  lifts the level to +30 (with the default prior of 1), a steady stream of +60 articles to
  nearly +60.
- The level is a shrunken weighted mean of tensions, so it stays on their -100..100 scale and
  can share an axis with them; many outlets reporting one event add certainty, not magnitude.
- Nothing depends on the corpus as a whole: adding articles changes the level only from their
  dates on, never in the past.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import settings
from metrics.score.timeline import PERIODS

LEVEL_FUNCTION = "tension.level.v1"
# Accepted ``freq`` values -> pandas period; weeks start on Monday, as in metrics.score.timeline.
FREQUENCIES = {
    **{alias: PERIODS["day"] for alias in ("D", "day")},
    **{alias: PERIODS["week"] for alias in ("W", "W-MON", "week")},
    **{alias: PERIODS["month"] for alias in ("MS", "M", "month")},
}


def level_index(
    scores: pd.DataFrame,
    half_life_days: float | None = None,
    freq: str = "D",
    prior: float | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The level of tension over time, from article scores (columns ``date`` and ``tension``).

    Returns columns ``date`` and ``level``: one row per day from the first dated article to the
    last (or to ``end``, to show the decay after the last article). With a coarser ``freq``
    (``"week"``/``"W"``, ``"month"``/``"MS"``), one row per period: the level at the close of
    the period, labelled by the period's first day like ``metrics.score.timeline``.
    Undated articles and articles with no tension are left out; no article gives no rows.
    ``half_life_days`` and ``prior`` default to the settings level_half_life_days and level_prior.
    """
    half_life_days = settings.get("level_half_life_days") if half_life_days is None else half_life_days
    prior = settings.get("level_prior") if prior is None else prior
    if not half_life_days > 0:
        raise ValueError("half_life_days must be > 0")
    if not prior > 0:
        raise ValueError("prior must be > 0")
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {', '.join(FREQUENCIES)}")
    period = FREQUENCIES[freq]
    df = pd.DataFrame({
        "date": pd.to_datetime(scores["date"], errors="coerce") if len(scores) else pd.Series(dtype="datetime64[ns]"),
        "tension": pd.to_numeric(scores["tension"], errors="coerce") if len(scores) else pd.Series(dtype=float),
    }).dropna()
    if df.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "level": pd.Series(dtype=float)})
    daily = df.groupby(df["date"].dt.normalize())["tension"].agg(["sum", "count"])
    last = daily.index.max()
    if end is not None:
        last = max(last, pd.Timestamp(end).normalize())
    days = pd.date_range(daily.index.min(), last, freq="D")
    sums = daily["sum"].reindex(days, fill_value=0.0).to_numpy(np.float64)
    counts = daily["count"].reindex(days, fill_value=0).to_numpy(np.float64)
    r = 0.5 ** (1.0 / half_life_days)
    level = np.empty(len(days))
    mass = weight = 0.0
    for i in range(len(days)):  # a few thousand days: a plain recurrence is clearer than a filter
        mass = mass * r + sums[i]
        weight = weight * r + counts[i]
        level[i] = mass / (prior + weight)
    out = pd.Series(level, index=days)
    if period != "D":
        # A stock is read at a point in time: the close of each period, keyed like timeline().
        out = out.groupby(out.index.to_period(period).start_time).last()
    result = pd.DataFrame({"date": out.index, "level": out.to_numpy()})
    result.attrs.update({"function": LEVEL_FUNCTION, "half_life_days": float(half_life_days), "prior": float(prior)})
    return result
