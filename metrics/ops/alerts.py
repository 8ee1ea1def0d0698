"""Alerts for ``watch``: when the period mean or the level index crosses a threshold or moves by
more than an amount, a JSON summary goes to a webhook (POST) or is appended to a file.

Each alert fires once per crossing: ``above`` when the latest value goes from at or below the
threshold to above it (again only after it has fallen back); ``change`` once per period whose
value differs from the period before by more than the amount. The first evaluation, when the
watch starts, only records where things stand: what was already true then is not news.

The webhook is posted with plain urllib and a timeout; a failure is one line in the watch's log
and the watch goes on (docs/corrections.md, "Alerts").
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.errors import MetricsError
from metrics.events.lexicon import WeightsLike
from metrics.score.level import level_index
from metrics.score.scoring import Prepared, contributions, prepare, score_table
from metrics.score.timeline import PERIODS, timeline

SERIES = ("mean", "level")
TOP_PASSAGES = 3
USER_AGENT = "relations-tension-index alerts"


@dataclass
class AlertRule:
    above: float | None = None  # --alert-above X
    change: float | None = None  # --alert-change Y
    series: tuple[str, ...] = SERIES  # which values are watched
    period: str = "month"


@dataclass
class Alerts:
    """The state of the alerts of one watch: which series are above their threshold and which
    periods' changes have been sent."""

    rule: AlertRule
    dyad: str = "US-CN"
    weights: WeightsLike = None
    _above: dict[str, bool] = field(default_factory=dict)
    _changed: set[tuple[str, str]] = field(default_factory=set)
    _started: bool = False

    def check(self, store) -> list[dict]:
        """The alerts the store's current articles raise (none on the first call: the baseline)."""
        feats = store.features(include_text=True)
        prep = prepare(feats, self.dyad, store.lexicon)
        values = series_values(prep, self.weights, self.rule.period)
        out = []
        for name in self.rule.series:
            v = values.get(name)
            if v is None:
                continue
            value, previous, start = v["value"], v["previous"], v["period"]
            if self.rule.above is not None:
                now = value > self.rule.above
                if self._started and now and not self._above.get(name, False):
                    out.append(self._summary(prep, "above", name, v))
                self._above[name] = now
            if self.rule.change is not None and previous is not None:
                key = (name, start)
                if abs(value - previous) > self.rule.change and key not in self._changed:
                    if self._started:
                        out.append(self._summary(prep, "change", name, v))
                    self._changed.add(key)
        self._started = True
        return out

    def _summary(self, prep: Prepared, kind: str, name: str, v: dict) -> dict:
        return {
            "alert": kind,
            "series": "period mean" if name == "mean" else "level index",
            "pair": prep.dyad.name,
            "period": v["period"],
            "period_kind": self.rule.period,
            "value": round(v["value"], 2),
            "previous": None if v["previous"] is None else round(v["previous"], 2),
            "change": None if v["previous"] is None else round(v["value"] - v["previous"], 2),
            "threshold": self.rule.above,
            "change_threshold": self.rule.change,
            "articles": v["articles"],
            "top_passages": top_passages(prep, self.weights, v["rows"]),
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }


def series_values(prep: Prepared, weights: WeightsLike, period: str) -> dict[str, dict]:
    """The latest value of each series and the one before: the mean of the latest period with
    articles (and of the period with articles before it), and the level index at the close of the
    latest period (and of the one before)."""
    scores = score_table(prep, weights)
    tl = timeline(scores, period)
    out: dict[str, dict] = {}
    if tl.empty:
        return out
    dates = pd.to_datetime(scores["date"], errors="coerce")
    last = tl.iloc[-1]
    start = pd.Timestamp(last["period"])
    in_period = ((dates >= start) & (dates <= pd.Timestamp(last["end"]))).to_numpy() & np.isfinite(scores["tension"].to_numpy(float))
    rows = np.flatnonzero(in_period)
    base = {"period": start.date().isoformat(), "articles": int(last["count"]), "rows": rows}
    out["mean"] = {**base, "value": float(last["mean"]), "previous": float(tl.iloc[-2]["mean"]) if len(tl) > 1 else None}
    freq = {"day": "D", "week": "W", "month": "MS"}[period]
    lv = level_index(scores, freq=freq)
    if len(lv):
        out["level"] = {**base, "value": float(lv["level"].iat[-1]),
                        "previous": float(lv["level"].iat[-2]) if len(lv) > 1 else None}
    return out


def top_passages(prep: Prepared, weights: WeightsLike, rows: np.ndarray, k: int = TOP_PASSAGES) -> list[dict]:
    """The ``k`` passages of the articles at ``rows`` that moved tension most (either way)."""
    f = prep.features
    m_contrib, t_contrib = contributions(prep, weights)
    pas = f.passages
    p_contrib = t_contrib + np.bincount(f.matches["passage"].to_numpy(np.int64), weights=m_contrib, minlength=len(pas))
    p_art = pas["article"].to_numpy(np.int64)
    cand = np.flatnonzero(np.isin(p_art, rows))
    best = cand[np.argsort(-np.abs(p_contrib[cand]), kind="stable")[:k]]
    arts = f.articles
    out = []
    for pi in best:
        a = int(p_art[pi])
        d = arts["date"].iat[a]
        out.append({
            "article_id": str(arts["id"].iat[a]),
            "title": None if pd.isna(arts["title"].iat[a]) else str(arts["title"].iat[a]),
            "date": None if d is None or pd.isna(d) else str(d)[:10],
            "url": None if pd.isna(arts["source"].iat[a]) else str(arts["source"].iat[a]),
            "passage": int(pas["idx"].iat[pi]) + 1,
            "text": " ".join(str(pas["text"].iat[pi]).split())[:400],
            "contribution": round(float(p_contrib[pi]), 3),
        })
    return out


def is_webhook(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def notify(target: str, alert: dict, timeout: float) -> None:
    """POST ``alert`` as JSON to a webhook URL, or append it as one JSON line to a file."""
    body = json.dumps(alert, ensure_ascii=False)
    if not is_webhook(target):
        try:
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(body + "\n")
        except OSError as err:
            raise MetricsError(f"--notify {target}: cannot append: {err.strerror or err}") from None
        return
    req = urllib.request.Request(target, data=body.encode("utf-8"), method="POST",
                                 headers={"Content-Type": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read(1024)
    except urllib.error.HTTPError as err:
        raise MetricsError(f"--notify {target}: the webhook answered {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", None) or err
        raise MetricsError(f"--notify {target}: {reason}") from None


def check_target(target: str) -> None:
    """Refuse a --notify that cannot work before the watch starts (one line)."""
    if is_webhook(target):
        return
    if "://" in target:
        raise MetricsError(f"--notify {target}: a webhook must be an http:// or https:// URL")
    parent = Path(target).expanduser().resolve().parent
    if not parent.is_dir():
        raise MetricsError(f"--notify {target}: folder {parent} does not exist")


def period_choices() -> list[str]:
    return list(PERIODS)
