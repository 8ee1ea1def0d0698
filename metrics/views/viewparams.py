"""The view in the URL: pair, period, dates, level index, source filter, compared pairs and the
chosen period, each checked on the way in and left out when at its default on the way out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from metrics import settings
from metrics.errors import MetricsError
from metrics.events.dyad import DEFAULT_DYAD, gazetteer, parse_dyad
from metrics.score.timeline import PERIODS

_KIND_ORDER = {"member": 0, "observer": 0, "territory": 1, "bloc": 2}


def country_options() -> list[str]:
    """Every actor of the gazetteer for the first side of the pair: the default pair's first
    side, then states by name, then territories, then blocs."""
    g = gazetteer()
    kinds = g.kinds or {}
    first = DEFAULT_DYAD.split("-")[0]
    rest = sorted((c for c in g.codes if c != first), key=lambda c: (_KIND_ORDER.get(kinds.get(c, ""), 1), g.names[c]))
    return [first, *rest]


def dyad_options(side: str | None = None) -> list[str]:
    """The pairs of one actor (``side``, default the default pair's first) with each other
    actor, the default pair first when it is one of them, then "none". Listing all ~37,000 pairs
    would make the selectbox unusable; any pair is two choices away (``country_options``)."""
    first, second = DEFAULT_DYAD.split("-")
    side = side or first
    others = [c for c in country_options() if c != side]
    lead = second if side == first else first if side == second else None
    if lead is not None:
        others = [lead] + [c for c in others if c != lead]
    return [f"{side}-{c}" for c in others] + ["none"]


class AllPairs:
    """Every pair of gazetteer actors as a container: ``spec in AllPairs()`` is true for
    "none" and for any two different known codes written as ``A-B``."""

    def __contains__(self, spec: object) -> bool:
        if spec == "none":
            return True
        if not isinstance(spec, str):
            return False
        try:
            return parse_dyad(spec).name == spec
        except MetricsError:
            return False


# URL parameter of each part of the view (weights are ``w``, the open article ``article``).
URL_KEYS = ("pair", "period", "from", "to", "level", "half", "source", "compare", "sel")
HALF_LIFE_RANGE = (7, 365)


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def view_from_params(params: Mapping[str, str], pairs: list[str]) -> dict:
    """The parts of a view a URL sets, each checked; a part that does not parse is left out
    (the widget keeps its default) rather than breaking the page."""
    out: dict = {}
    if params.get("pair") in pairs:
        out["pair"] = params["pair"]
    if params.get("period") in PERIODS:
        out["period"] = params["period"]
    start, end = _iso_date(params.get("from")), _iso_date(params.get("to"))
    if start and end and start <= end:
        out["dates"] = (start, end)
    if params.get("level") in ("1", "true", "on"):
        out["level"] = True
    try:
        half = int(params.get("half", ""))
        if HALF_LIFE_RANGE[0] <= half <= HALF_LIFE_RANGE[1]:
            out["half"] = half
    except ValueError:
        pass
    if params.get("source"):
        out["source"] = str(params["source"])[:200]
    if params.get("compare"):
        wanted = [c for c in str(params["compare"]).split(",") if c in pairs and c != out.get("pair", DEFAULT_DYAD)]
        if wanted:
            out["compare"] = list(dict.fromkeys(wanted))
    sel = _iso_date(params.get("sel"))
    if sel:
        out["sel"] = sel
    return out


def view_to_params(view: Mapping, dates_narrowed: bool, selected_period: date | None = None) -> dict[str, str]:
    """The URL parameters of a view (``state.sidebar_filters``'s dict); defaults are left out so
    a plain link stays plain."""
    out: dict[str, str] = {}
    if view.get("dyad", DEFAULT_DYAD) != DEFAULT_DYAD:
        out["pair"] = view["dyad"]
    if view.get("period", "month") != "month":
        out["period"] = view["period"]
    if dates_narrowed and view.get("start") and view.get("end"):
        out["from"], out["to"] = str(view["start"]), str(view["end"])
    if view.get("level"):
        out["level"] = "1"
        default_half = settings.get("level_half_life_days")
        if view.get("half_life", default_half) != default_half:
            out["half"] = f"{int(view['half_life'])}"
    if view.get("source", "").strip():
        out["source"] = view["source"].strip()
    if view.get("compare"):
        out["compare"] = ",".join(view["compare"])
    if selected_period is not None:
        out["sel"] = pd.Timestamp(selected_period).date().isoformat()
    return out
