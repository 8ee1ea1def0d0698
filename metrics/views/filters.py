"""The articles in view: one row per stored article, filtered by dates, source, search and
period (boolean masks positional like the features)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from metrics.model import Features
from metrics.output import display_text
from metrics.score.timeline import period_end


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


def period_mask(frame: pd.DataFrame, start: pd.Timestamp, period: str) -> np.ndarray:
    """Articles dated within the period that begins at ``start`` (as ``metrics.score.timeline`` cuts it)."""
    start, end = pd.Timestamp(start), period_end(start, period)
    d = frame["date"]
    return ((d >= start) & (d < end)).to_numpy()
