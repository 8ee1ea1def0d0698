"""What a person reads: cue families by label (not id), pairs of countries by name, periods
as "June 2023" or "2023-06-01 to 2023-06-30", counts of articles."""

from __future__ import annotations

import re

import pandas as pd

from metrics.events.dyad import countries
from metrics.events.lexicon import TONE_ID, Lexicon
from metrics.score.timeline import period_last_day


def family_labels(lexicon: Lexicon) -> dict[str, str]:
    labels = {f.id: f.label for f in lexicon.families}
    labels[TONE_ID] = "Tone (VADER)"
    return labels


def labelled(values: pd.Series, lexicon: Lexicon) -> pd.Series:
    """Contributions by cue id (``metrics.score.scoring.mean_family_contributions``) by label, the
    families that contributed nothing left out: the bars of a drivers chart."""
    return values[values.abs() > 1e-9].rename(index=family_labels(lexicon))


_TOP_CUE = re.compile(r"([A-Za-z0-9_]+)\(([+-][0-9.]+)\)")


def label_top_cues(text: str, lexicon: Lexicon) -> str:
    """``sanctions(+2.41); tone(-0.3)`` as ``Sanctions, export controls, tariffs +2.41; ...``."""
    names = family_labels(lexicon)
    return _TOP_CUE.sub(lambda m: f"{names.get(m.group(1), m.group(1))} {m.group(2)}", str(text or ""))


def with_labels(table: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """A score table (``metrics.score.scoring.score_table``) with a ``top_cues_labels`` column beside
    ``top_cues``: the ids stay for scripts, the labels are for the person opening the CSV."""
    if "top_cues" not in table:
        return table
    at = list(table.columns).index("top_cues") + 1
    out = table.copy()
    out.insert(at, "top_cues_labels", [label_top_cues(t, lexicon) for t in table["top_cues"]])
    return out


def pair_name(spec: str) -> str:
    """A short name for a legend: the pair's codes, or "any countries"."""
    return "any countries" if spec == "none" else spec


def country_label(code: str) -> str:
    """An actor as the sidebar lists it: "Niger (NE)"."""
    return f"{countries().get(code, code)} ({code})"


def dyad_label(spec: str) -> str:
    if spec == "none":
        return "Any countries (count every passage)"
    names = countries()
    a, b = spec.split("-")
    return f"{names.get(a, a)} – {names.get(b, b)} ({spec})"


def articles_label(n: int) -> str:
    return f"{n:,} article{'s' if n != 1 else ''}"


def interval_label(start: pd.Timestamp, period: str) -> str:
    """A period's first and last day, "2023-06-01 to 2023-06-30" (a day is one date)."""
    first, last = pd.Timestamp(start), period_last_day(start, period)
    if first == last:
        return f"{first:%Y-%m-%d}"
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"


def period_label(start: pd.Timestamp, period: str) -> str:
    if period == "month":
        return start.strftime("%B %Y")
    if period == "week":
        return f"week of {start.strftime('%d %b %Y')}"
    return start.strftime("%d %b %Y")
