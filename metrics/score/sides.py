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
