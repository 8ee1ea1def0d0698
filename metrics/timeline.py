"""Article scores over time: period means with an interval, counts and a rolling mean."""

from __future__ import annotations

import numpy as np
import pandas as pd

# pandas period per choice; "W-SUN" periods run Monday to Sunday, so weeks start on Monday.
PERIODS = {"day": "D", "week": "W-SUN", "month": "M"}
CONFIDENCE = 0.95
ROLLING = 3  # periods in the rolling mean


def period_start(when, period: str) -> pd.Timestamp:
    """The first day of the ``period`` ("day", "week", "month") that contains ``when``."""
    return pd.Timestamp(when).to_period(PERIODS[period]).start_time


def period_end(start, period: str) -> pd.Timestamp:
    """The first day after the period that begins at (or contains) ``start``."""
    return (pd.Timestamp(start).to_period(PERIODS[period]) + 1).start_time


def timeline(scores: pd.DataFrame, period: str = "month", rolling: int = ROLLING) -> pd.DataFrame:
    """Aggregate ``scores`` (columns ``date``, ``tension``) by day, week or month.

    Returns one row per period that has articles: ``period`` (its first day), ``mean``,
    ``count``, ``sd``, ``lo`` and ``hi`` (a 95% t-interval for the mean; equal to the mean for a
    single article) and ``rolling`` (mean of the last ``rolling`` periods' means that have
    articles). Undated articles and articles with no tension are left out.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}")
    df = scores[["date", "tension"]].copy()
    df["date"] = pd.to_datetime(df["date"], errors="coerce")
    df = df.dropna()
    cols = ["period", "mean", "count", "sd", "lo", "hi", "rolling"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    from scipy import stats  # here, not at the top: the command line imports this module for its periods

    key = df["date"].dt.to_period(PERIODS[period]).dt.start_time
    g = df.groupby(key)["tension"].agg(["mean", "count", "std"]).rename(columns={"std": "sd"})
    g.index.name = "period"
    n = g["count"].to_numpy()
    sd = np.nan_to_num(g["sd"].to_numpy())
    half = np.where(n > 1, stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n), 0.0)
    g["lo"] = np.clip(g["mean"] - half, -100, 100)
    g["hi"] = np.clip(g["mean"] + half, -100, 100)
    g["rolling"] = g["mean"].rolling(rolling, min_periods=1).mean()
    return g.reset_index()[cols]
