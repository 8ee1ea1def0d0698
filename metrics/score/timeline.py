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
    tension = scores["tension"].to_numpy(dtype=float)
    full, idx, ok = calendar(scores["date"], period, np.isfinite(tension))
    if full is None:
        return pd.DataFrame(columns=COLUMNS)
    from scipy import stats  # here, not at the top: the command line imports this module for its periods

    # Sums over integer period numbers, not a pandas groupby: this runs on every slider move
    # (several times faster; bench/RESULTS.md), and the mean, sd and windows follow from three sums.
    n, total, mean = period_sums(tension, idx, ok, len(full))
    v, at = tension[ok], idx[ok]
    dev = np.bincount(at, weights=(v - mean[at]) ** 2, minlength=len(full))
    sd = np.where(n > 1, np.sqrt(dev / np.maximum(n - 1, 1)), np.nan)
    half = np.where(n > 1, stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * np.nan_to_num(sd)
                    / np.sqrt(np.maximum(n, 1)), 0.0)
    # The whole calendar is in the index, so a window of ``rolling`` rows is ``rolling`` calendar periods.
    r_sum, r_n = _window_sum(total, rolling), _window_sum(n, rolling).astype(int)
    r_mean = np.where(r_n > 0, r_sum / np.maximum(r_n, 1), np.nan)
    out = pd.DataFrame({
        "period": full.start_time, "end": full.end_time.normalize(), "mean": mean, "count": n.astype(int), "sd": sd,
        "lo": np.clip(mean - half, -100, 100), "hi": np.clip(mean + half, -100, 100),
        "rolling": r_mean, "rolling_count": r_n,
    })[COLUMNS]
    if not empty:
        out = out[out["count"] > 0].reset_index(drop=True)
    return out


def period_sums(values: np.ndarray, idx: np.ndarray, ok: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """Per period of a ``calendar`` of ``size`` periods: the count, sum and mean (NaN where
    none) of the ``values`` at positions ``idx`` that are ``ok``."""
    n = np.bincount(idx[ok], minlength=size)
    total = np.bincount(idx[ok], weights=values[ok], minlength=size)
    return n, total, np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _window_sum(x: np.ndarray, width: int) -> np.ndarray:
    """Sum of each element and the ``width - 1`` before it."""
    c = np.cumsum(np.asarray(x, dtype=float))
    return c - np.concatenate([np.zeros(min(width, len(c))), c[:-width]]) if len(c) else c


def calendar(dates, period: str, keep: np.ndarray | None = None) -> tuple[pd.PeriodIndex | None, np.ndarray, np.ndarray]:
    """Every calendar period from the first to the last of ``dates`` (those with ``keep``),
    each date's position in it, and which dates are in it (dated and kept); ``(None, ...)``
    when none is."""
    when = pd.to_datetime(pd.Series(dates).reset_index(drop=True), errors="coerce")
    ok = when.notna().to_numpy().copy()
    if keep is not None:
        ok &= np.asarray(keep, dtype=bool)
    if not ok.any():
        return None, np.zeros(len(when), dtype=np.int64), ok
    ordinal = when.dt.to_period(PERIODS[period]).array.asi8
    first, last = ordinal[ok].min(), ordinal[ok].max()
    full = pd.period_range(pd.Period(ordinal=first, freq=PERIODS[period]), periods=int(last - first + 1),
                           freq=PERIODS[period])
    return full, np.where(ok, ordinal - first, 0), ok


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
