"""The sidebar's view filters (pair, compared pairs, period, dates, level index, source), the
same on every page, read from a shared link once per session and written back to the URL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from metrics import settings
from metrics.events.dyad import DEFAULT_DYAD
from metrics.views.filters import date_bounds
from metrics.views.labels import country_label, dyad_label
from metrics.views.viewparams import (
    HALF_LIFE_RANGE,
    URL_KEYS,
    AllPairs,
    country_options,
    dyad_options,
    view_from_params,
    view_to_params,
)
from ui.url import set_params


def _load_view_from_url(options) -> None:
    """Once per session, before the widgets exist: the view a shared link describes."""
    ss = st.session_state
    if ss.get("url_view_loaded"):
        return
    ss.url_view_loaded = True
    got = view_from_params(st.query_params.to_dict(), options)
    ss.setdefault("dyad", got.get("pair", DEFAULT_DYAD))
    for key, name in (("period", "period"), ("level_on", "level"), ("level_half", "half"),
                      ("source_q", "source"), ("compare", "compare")):
        if name in got:
            ss[key] = got[name]
    if "dates" in got:
        ss.dates, ss.dates_auto = got["dates"], False
    if "sel" in got:
        ss.selected_period = pd.Timestamp(got["sel"])


class _Unseen:
    """Stands in for ``st.sidebar`` on a first paint (ui.firstpaint): each widget's value is what
    the widget would return (its session state, else its default), and nothing is drawn."""

    def header(self, *_args, **_kw) -> None:
        pass

    def _value(self, key: str, default):
        return st.session_state.get(key, default)

    def selectbox(self, _label, options, *, key, **_kw):
        return self._value(key, options[0])

    def radio(self, _label, options, *, key, **_kw):
        return self._value(key, options[0])

    def multiselect(self, _label, _options, *, key, **_kw):
        return self._value(key, [])

    def date_input(self, _label, *, key, **_kw):
        return self._value(key, ())

    def toggle(self, _label, *, key, **_kw):
        return self._value(key, False)

    def slider(self, _label, lo, _hi, *, key, **_kw):
        return self._value(key, lo)

    def text_input(self, _label, *, key, **_kw):
        return self._value(key, "")


def sidebar_filters(fr: pd.DataFrame, draw: bool = True) -> dict:
    """Pair of countries, period, date range and source; the same on every page. With ``draw``
    false the view is read from the same state and defaults, and no widget is drawn."""
    ss = st.session_state
    every = AllPairs()
    _load_view_from_url(every)
    if ss.get("dyad") not in every:
        ss.dyad = DEFAULT_DYAD
    sides = country_options()
    if ss.get("side_a") not in sides:
        ss.side_a = ss.dyad.split("-")[0] if ss.dyad != "none" else sides[0]
    sidebar = st.sidebar if draw else _Unseen()
    sidebar.header("View")
    # Two choices instead of one list of ~37,000 pairs: a country, then its counterpart.
    side = sidebar.selectbox(
        "Country", sides, key="side_a", format_func=country_label,
        help="Any UN member or observer, territory or bloc; then choose the pair below.",
    )
    options = dyad_options(side)
    if ss.dyad not in options:
        ss.dyad = options[0]
    dyad = sidebar.selectbox(
        "Pair of countries", options, key="dyad", format_func=dyad_label,
        help="A passage counts when it concerns this pair. 'Any countries' counts every passage.",
    )
    if ss.get("compare"):
        ss.compare = [c for c in ss.compare if c != dyad]
    pool = options if dyad == "none" else options + dyad_options(dyad.split("-")[1])
    pool = list(dict.fromkeys([*(ss.get("compare") or []), *(o for o in pool if o not in (dyad, "none"))]))
    compare = sidebar.multiselect(
        "Compare with pairs", pool, key="compare", format_func=dyad_label,
        placeholder="e.g. United States – Russia",
        help="Draw these pairs' period means on the same timeline, scored from the same stored articles.",
    )
    period = sidebar.radio("Period", ["month", "week", "day"], key="period", horizontal=True,
                              help="How article scores are averaged on the timeline.")
    bounds = date_bounds(fr)
    start = end = None
    if bounds is not None:
        # Follow the data's full range until the user narrows it, so new uploads show up.
        if ss.get("dates_auto", True) or "dates" not in ss:
            ss.dates = bounds
        picked = sidebar.date_input(
            "Date range", key="dates", min_value=date(1900, 1, 1), max_value=date(2100, 12, 31),
            on_change=lambda: ss.__setitem__("dates_auto", False),
            help="Articles published between these dates, both included.",
        )
        picked = tuple(picked) if isinstance(picked, list | tuple) else (picked,)
        start = picked[0] if len(picked) > 0 else bounds[0]
        end = picked[1] if len(picked) > 1 else bounds[1]
    show_level = sidebar.toggle(
        "Level index", key="level_on",
        help="Tension as a stock that events move and that decays back toward neutral (metrics.score.level): "
        "where relations stand, not just how this period's reporting reads.",
    )
    default_half = settings.get("level_half_life_days")
    half_life = float(default_half)
    if show_level:
        lo, hi = HALF_LIFE_RANGE
        # the value lives in the session state (the URL may set it); the default is the setting
        ss.setdefault("level_half", int(min(max(default_half, lo), hi)))
        half_life = float(sidebar.slider("Level half-life (days)", lo, hi, key="level_half",
                                            help="An article's weight on the level halves every this many days."))
    source = sidebar.text_input(
        "Source contains", key="source_q", placeholder="e.g. articles/ or .csv",
        help="Keep articles whose source (file name or table row) contains this text.",
    )
    view = {"dyad": dyad, "period": period, "start": start, "end": end, "source": source,
            "level": show_level, "half_life": half_life, "compare": list(compare)}
    set_params(view_to_params(view, not ss.get("dates_auto", True)),
               [k for k in URL_KEYS if k != "sel"])
    return view
