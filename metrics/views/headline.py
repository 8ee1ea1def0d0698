"""The headline figure: the latest period's mean tension, what it rests on, and whether a
change against the period before can be read."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics.score.timeline import MIN_COUNT
from metrics.views.labels import articles_label, interval_label, period_label


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
    rests = f"Mean of {articles_label(h.count)} ({interval_label(h.start, period)})."
    if h.previous is None:
        return rests + " No earlier period to compare with."
    prev = f"{period_label(h.previous_start, period)}: {h.previous:+.1f} from {articles_label(h.previous_count)}"
    if h.delta is None:
        return (f"{rests} No change shown: {prev}, and a change needs at least {h.min_count} articles "
                f"in both periods.")
    return f"{rests} Change against {prev}."
