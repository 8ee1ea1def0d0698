"""Article scores over time: period means with an interval, counts and a rolling mean."""

from __future__ import annotations

import numpy as np
import pandas as pd

# pandas period per choice; "W-SUN" periods run Monday to Sunday, so weeks start on Monday.
PERIODS = {"day": "D", "week": "W-SUN", "month": "M"}
CONFIDENCE = 0.95
ROLLING = 3  # calendar periods in the rolling mean
# A period with fewer articles than this is too thin to read a change from: the headline shows
# no change against the period before unless both periods have at least this many articles.
MIN_COUNT = 3
COLUMNS = ["period", "end", "mean", "count", "sd", "lo", "hi", "rolling", "rolling_count"]


def period_start(when, period: str) -> pd.Timestamp:
    """The first day of the ``period`` ("day", "week", "month") that contains ``when``."""
    return pd.Timestamp(when).to_period(PERIODS[period]).start_time


def period_end(start, period: str) -> pd.Timestamp:
    """The first day after the period that begins at (or contains) ``start``."""
    return (pd.Timestamp(start).to_period(PERIODS[period]) + 1).start_time


def period_last_day(start, period: str) -> pd.Timestamp:
    """The last day of the period that begins at (or contains) ``start``."""
    return pd.Timestamp(start).to_period(PERIODS[period]).end_time.normalize()


def timeline(scores: pd.DataFrame, period: str = "month", rolling: int = ROLLING, *,
             empty: bool = False) -> pd.DataFrame:
    """Aggregate ``scores`` (columns ``date``, ``tension``) by day, week or month.

    Returns one row per period that has articles (with ``empty=True``: every calendar period
    from the first to the last, those without articles with count 0 and NaN statistics):
    ``period`` (its first day), ``end`` (its last day), ``mean``, ``count``, ``sd``, ``lo`` and
    ``hi`` (a 95% t-interval for the mean; equal to the mean for a single article), ``rolling``
    (mean of the articles of the ``rolling`` calendar periods ending with this one, so a month
    without articles shortens the evidence instead of reaching further back) and
    ``rolling_count`` (how many articles that is). Undated articles and articles with no
    tension are left out.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}")
    df = scores[["date", "tension"]].copy()
    df["date"] = pd.to_datetime(df["date"], errors="coerce")
    df = df.dropna()
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    from scipy import stats  # here, not at the top: the command line imports this module for its periods

    freq = PERIODS[period]
    key = df["date"].dt.to_period(freq)
    g = df.groupby(key)["tension"].agg(["mean", "count", "std", "sum"]).rename(columns={"std": "sd"})
    full = pd.period_range(g.index.min(), g.index.max(), freq=freq)
    g = g.reindex(full)
    g["count"] = g["count"].fillna(0).astype(int)
    n = g["count"].to_numpy()
    sd = np.nan_to_num(g["sd"].to_numpy())
    half = np.where(n > 1, stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1)), 0.0)
    g["lo"] = np.clip(g["mean"] - half, -100, 100)
    g["hi"] = np.clip(g["mean"] + half, -100, 100)
    # The whole calendar is in the index, so a window of ``rolling`` rows is ``rolling`` calendar periods.
    r_sum = g["sum"].fillna(0.0).rolling(rolling, min_periods=1).sum()
    r_n = g["count"].rolling(rolling, min_periods=1).sum().astype(int)
    g["rolling"] = (r_sum / r_n.where(r_n > 0)).to_numpy()
    g["rolling_count"] = r_n.to_numpy()
    g["period"] = full.start_time
    g["end"] = full.end_time.normalize()
    out = g.reset_index(drop=True)[COLUMNS]
    if not empty:
        out = out[out["count"] > 0].reset_index(drop=True)
    return out


def with_gaps(tl: pd.DataFrame, period: str) -> pd.DataFrame:
    """``tl`` (periods with articles) on the full calendar: empty periods as NaN rows, so a line
    drawn through it breaks where there were no articles instead of joining across the gap."""
    if tl.empty:
        return tl
    full = pd.period_range(pd.Timestamp(tl["period"].iloc[0]), pd.Timestamp(tl["period"].iloc[-1]),
                           freq=PERIODS[period])
    out = tl.set_index(pd.to_datetime(tl["period"]).dt.to_period(PERIODS[period])).reindex(full)
    out["period"] = full.start_time
    out["end"] = full.end_time.normalize()
    out["count"] = out["count"].fillna(0).astype(int)
    return out.reset_index(drop=True)
