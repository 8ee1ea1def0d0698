"""The headline figure: the latest period with enough articles to be read (its mean and its
interval), or, when no period has that many, the level index; never one article's score.

Why: "Latest tension (June 2024) -83.1" was once the mean of a single article about pandas, and
one more upload turned it into +5.6. A period mean resting on fewer than ``min_count`` articles
says more about those articles than about relations, so the headline skips such periods and
says which one it shows and how many articles it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import settings
from metrics.score.timeline import MIN_COUNT
from metrics.views.labels import articles_label, interval_label, period_label

Z95 = 1.96


@dataclass(frozen=True)
class Headline:
    """What the headline shows.

    ``kind`` is "period" (the mean of the latest period with at least ``min_count`` articles,
    starting at ``start``, with its 95% interval ``lo`` to ``hi``), "level" (no period has that
    many: the level index at ``start``, the latest article's date, with an approximate 95%
    interval) or "none" (no dated article). ``latest_start`` and ``latest_count`` name the latest
    period with any article, when it is not the one shown. ``delta`` is the change against the
    previous period with at least ``min_count`` articles (``previous_start``).
    """

    kind: str = "none"
    value: float | None = None
    lo: float | None = None
    hi: float | None = None
    count: int = 0
    start: pd.Timestamp | None = None
    latest_start: pd.Timestamp | None = None
    latest_count: int = 0
    previous: float | None = None
    previous_count: int = 0
    previous_start: pd.Timestamp | None = None
    delta: float | None = None
    min_count: int = MIN_COUNT
    half_life: float | None = None


def evidence_headline(tl: pd.DataFrame, points: pd.DataFrame | None = None, *, min_count: int = MIN_COUNT,
                      half_life: float | None = None, prior: float | None = None) -> Headline:
    """The headline of a timeline ``tl`` (``metrics.score.timeline.timeline``) and its article
    ``points`` (columns date, tension), for the level index when no period has ``min_count``."""
    tl = tl[tl["count"] > 0] if "count" in tl else tl
    if tl.empty:
        return Headline(min_count=min_count)
    last = tl.iloc[-1]
    latest = {"latest_start": pd.Timestamp(last["period"]), "latest_count": int(last["count"])}
    enough = tl[tl["count"] >= min_count]
    if not enough.empty:
        row = enough.iloc[-1]
        out = dict(kind="period", value=float(row["mean"]), lo=float(row["lo"]), hi=float(row["hi"]),
                   count=int(row["count"]), start=pd.Timestamp(row["period"]))
        if len(enough) > 1:
            prev = enough.iloc[-2]
            out.update(previous=float(prev["mean"]), previous_count=int(prev["count"]),
                       previous_start=pd.Timestamp(prev["period"]), delta=out["value"] - float(prev["mean"]))
        return Headline(**out, **latest, min_count=min_count)
    level = level_now(points, half_life, prior) if points is not None else None
    if level is None:
        return Headline(**latest, min_count=min_count)
    value, lo, hi, when, n = level
    return Headline(kind="level", value=value, lo=lo, hi=hi, count=n, start=when, **latest, min_count=min_count,
                    half_life=settings.get("level_half_life_days") if half_life is None else half_life)


def level_now(points: pd.DataFrame, half_life: float | None = None,
              prior: float | None = None) -> tuple[float, float, float, pd.Timestamp, int] | None:
    """The level index (``metrics.score.level``, tension.level.v1) on the latest article's date,
    with an approximate 95% interval, the date and the number of articles: each article's
    uncertainty is taken as the spread (sd) of all the articles' tensions, weighted as the level
    weights them, so one article gives a wide interval rather than none."""
    half_life = settings.get("level_half_life_days") if half_life is None else half_life
    prior = settings.get("level_prior") if prior is None else prior
    d = pd.to_datetime(points["date"], errors="coerce")
    t = pd.to_numeric(points["tension"], errors="coerce")
    ok = d.notna().to_numpy() & np.isfinite(t.to_numpy(np.float64))
    if not ok.any():
        return None
    days = d[ok].dt.normalize()
    t = t.to_numpy(np.float64)[ok]
    when = days.max()
    w = 0.5 ** (((when - days).dt.days.to_numpy(np.float64)) / half_life)
    total = prior + w.sum()
    value = float((w * t).sum() / total)
    sd = float(np.std(t, ddof=1)) if len(t) > 1 else 100.0  # one article: as wide as the scale's half
    half = Z95 * sd * float(np.sqrt((w * w).sum())) / total
    return value, max(-100.0, value - half), min(100.0, value + half), pd.Timestamp(when), int(ok.sum())


def headline_label(h: Headline, period: str) -> str:
    """The metric's label: what the number is and of which period."""
    if h.kind == "period":
        return f"Latest tension, {period_label(h.start, period)} (≥ {h.min_count} articles)"
    if h.kind == "level":
        return f"Latest tension, level index ({h.start:%d %b %Y})"
    return "Latest tension"


def headline_note(h: Headline, period: str) -> str:
    """One plain line under the headline figure: what it rests on, its interval, and why a
    thinner later period or a change is (not) shown."""
    if h.kind == "none":
        return "No dated article about the pair in view."
    interval = f"95% interval {h.lo:+.1f} to {h.hi:+.1f}"
    thin = ""
    if h.latest_start is not None and (h.kind == "level" or h.latest_start != h.start):
        thin = (f" The latest {period} with articles, {period_label(h.latest_start, period)}, has "
                f"{articles_label(h.latest_count)}: too few to read alone.")
    if h.kind == "level":
        return (f"No {period} in view has {h.min_count} articles or more, so this is the level index: "
                f"the {articles_label(h.count)} in view, each weighed by age (half-life {h.half_life:g} days) "
                f"and shrunk toward 0; {interval}.{thin}")
    rests = (f"Mean of {articles_label(h.count)} ({interval_label(h.start, period)}), {interval}: "
             f"the latest {period} with at least {h.min_count} articles.{thin}")
    if h.previous is None:
        return rests + f" No earlier {period} with {h.min_count} articles to compare with."
    prev = f"{period_label(h.previous_start, period)}, which read {h.previous:+.1f} from {articles_label(h.previous_count)}"
    return f"{rests} The change shown is against {prev}."
