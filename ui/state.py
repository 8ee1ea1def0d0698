"""Streamlit glue shared by the pages: the store, cached features, filters, weights and the URL.

What is expensive is cached once per process and keyed on ``Store.version()``, which changes on
every add or remove: the feature table (read from SQLite once per version), the per-pair
``Prepared`` arrays, the article frame. What depends on the weights is recomputed on every run,
and it is only ``metrics.scoring.tension`` (a matrix-vector product).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from metrics import charts, drilldown
from metrics.dyad import DEFAULT_DYAD
from metrics.errors import InputError, MetricsError, WeightsError
from metrics.extract import Extractor, Features
from metrics.intake import Intake
from metrics.lexicon import TONE_ID, Lexicon, default_lexicon, dump_weights
from metrics.readers import read_path
from metrics.resources import data_dir
from metrics.scoring import Prepared, family_contributions, prepare
from metrics.store import Store, default_db_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = data_dir() / "articles"

_seed_lock = threading.Lock()
_seeded: set[str] = set()


# ----------------------------------------------------------------------------- cached resources


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


def db_path() -> str:
    return str(default_db_path())


def store() -> Store:
    return _store(db_path())


@st.cache_resource(show_spinner=False)
def extractor() -> Extractor:
    return Extractor()


def lexicon() -> Lexicon:
    return default_lexicon()


# cache_resource, not cache_data: cache_data would unpickle a copy of 10^5 articles' features on
# every rerun. These objects are shared read-only between sessions.
@st.cache_resource(max_entries=2, show_spinner="Reading stored features…")
def features(path: str, version: int) -> Features:
    return _store(path).features()


@st.cache_resource(max_entries=2, show_spinner=False)
def frame(path: str, version: int) -> pd.DataFrame:
    return charts.article_frame(features(path, version))


@st.cache_resource(max_entries=2, show_spinner=False)
def ids(path: str, version: int) -> frozenset[str]:
    return frozenset(frame(path, version)["id"])


@st.cache_resource(max_entries=6, show_spinner="Preparing the pair of countries…")
def prepared(path: str, version: int, dyad: str) -> Prepared:
    return prepare(features(path, version), dyad, lexicon())


@st.cache_resource(max_entries=64, show_spinner=False)
def article_prepared(path: str, version: int, article_id: str, dyad: str) -> Prepared | None:
    """One article with its passage text, for the drill-down (relevance is per article)."""
    try:
        f = _store(path).article_features(article_id)
    except (KeyError, LookupError, MetricsError):
        return None
    if len(f) == 0:
        return None
    return prepare(f, dyad, lexicon())


def current() -> tuple[str, int]:
    s = store()
    return db_path(), s.version()


# ----------------------------------------------------------------------------- first start


def ensure_sample(bar=None) -> None:
    """On first start with an empty database, load the bundled sample corpus (with progress).

    ``bar`` is a progress bar already on the page (the app's start-up bar), else one is made.
    Once per process and database: a user who deletes every article does not get it back until
    the next start.
    """
    path = db_path()
    if path in _seeded:
        return
    with _seed_lock:
        if path in _seeded:
            return
        s = store()
        if s.count() == 0 and SAMPLE_DIR.is_dir():
            bar = bar or st.progress(0.0)
            bar.progress(0.0, text="First start: reading the sample articles in data/articles/ …")
            items = list(read_path(SAMPLE_DIR))
            bar.progress(0.0, text=f"First start: loading {len(items)} sample articles from data/articles/ …")
            intake = Intake(s, extractor())
            for i, item in enumerate(items, 1):
                if not isinstance(item, InputError):
                    try:
                        item.source = str(Path(item.source).resolve().relative_to(ROOT))
                    except (TypeError, ValueError):
                        pass
                intake.commit(intake.stage(item))
                if i % 8 == 0 or i == len(items):  # a bar message per article costs more than the article
                    bar.progress(i / len(items), text=f"First start: loading sample articles ({i}/{len(items)}) …")
            bar.empty()
        _seeded.add(path)


# ----------------------------------------------------------------------------- filters (sidebar)


def _load_view_from_url(options: list[str]) -> None:
    """Once per session, before the widgets exist: the view a shared link describes."""
    ss = st.session_state
    if ss.get("url_view_loaded"):
        return
    ss.url_view_loaded = True
    got = charts.view_from_params(st.query_params.to_dict(), options)
    ss.setdefault("dyad", got.get("pair", DEFAULT_DYAD))
    for key, name in (("period", "period"), ("level_on", "level"), ("level_half", "half"),
                      ("source_q", "source"), ("compare", "compare")):
        if name in got:
            ss[key] = got[name]
    if "dates" in got:
        ss.dates, ss.dates_auto = got["dates"], False
    if "sel" in got:
        ss.selected_period = pd.Timestamp(got["sel"])


def set_params(params: dict[str, str], keys) -> None:
    """Make the URL's ``keys`` say ``params``: set what changed, drop what is no longer set."""
    qp = st.query_params
    for k in keys:
        if k in params:
            if qp.get(k) != params[k]:
                qp[k] = params[k]
        elif k in qp:
            del qp[k]


def sidebar_filters(fr: pd.DataFrame) -> dict:
    """Pair of countries, period, date range and source; the same on every page."""
    ss = st.session_state
    options = charts.dyad_options()
    _load_view_from_url(options)
    if ss.get("dyad") not in options:
        ss.dyad = DEFAULT_DYAD
    st.sidebar.header("View")
    dyad = st.sidebar.selectbox(
        "Pair of countries", options, key="dyad", format_func=charts.dyad_label,
        help="A passage counts when it concerns this pair. 'Any countries' counts every passage.",
    )
    if ss.get("compare"):
        ss.compare = [c for c in ss.compare if c != dyad]
    compare = st.sidebar.multiselect(
        "Compare with pairs", [o for o in options if o != dyad], key="compare", format_func=charts.dyad_label,
        placeholder="e.g. United States – Russia",
        help="Draw these pairs' period means on the same timeline, scored from the same stored articles.",
    )
    period = st.sidebar.radio("Period", ["month", "week", "day"], key="period", horizontal=True,
                              help="How article scores are averaged on the timeline.")
    bounds = charts.date_bounds(fr)
    start = end = None
    if bounds is not None:
        # Follow the data's full range until the user narrows it, so new uploads show up.
        if ss.get("dates_auto", True) or "dates" not in ss:
            ss.dates = bounds
        picked = st.sidebar.date_input(
            "Date range", key="dates", min_value=date(1900, 1, 1), max_value=date(2100, 12, 31),
            on_change=lambda: ss.__setitem__("dates_auto", False),
            help="Articles published between these dates, both included.",
        )
        picked = tuple(picked) if isinstance(picked, list | tuple) else (picked,)
        start = picked[0] if len(picked) > 0 else bounds[0]
        end = picked[1] if len(picked) > 1 else bounds[1]
    show_level = st.sidebar.toggle(
        "Level index", key="level_on",
        help="Tension as a stock that events move and that decays back toward neutral (metrics.level): "
        "where relations stand, not just how this period's reporting reads.",
    )
    half_life = 30.0
    if show_level:
        lo, hi = charts.HALF_LIFE_RANGE
        ss.setdefault("level_half", 30)  # the value lives in the session state (the URL may set it)
        half_life = float(st.sidebar.slider("Level half-life (days)", lo, hi, key="level_half",
                                            help="An article's weight on the level halves every this many days."))
    source = st.sidebar.text_input(
        "Source contains", key="source_q", placeholder="e.g. articles/ or .csv",
        help="Keep articles whose source (file name or table row) contains this text.",
    )
    view = {"dyad": dyad, "period": period, "start": start, "end": end, "source": source,
            "level": show_level, "half_life": half_life, "compare": list(compare)}
    set_params(charts.view_to_params(view, not ss.get("dates_auto", True)),
               [k for k in charts.URL_KEYS if k != "sel"])
    return view


# ----------------------------------------------------------------------------- weights


def _key(cue_id: str) -> str:
    return f"w_{cue_id}"


def init_weights() -> None:
    """Session weights: the defaults, overridden by the URL's ``w`` parameter on first load."""
    ss = st.session_state
    if "weights" in ss:
        return
    lex = lexicon()
    weights = lex.default_weights()
    param = st.query_params.get("w")
    if param:
        try:
            weights.update(charts.weights_from_param(param, lex))
        except WeightsError as err:
            ss.weights_error = str(err)
    ss.weights = weights


def weights() -> dict[str, float]:
    init_weights()
    return dict(st.session_state.weights)


# The sliders and the charts are two keyed fragments. A slider move reruns only the charts
# (its callback names them), so the 30-odd sliders are not redrawn under the user's mouse;
# reset and preset load rerun both, to move the sliders too.
WEIGHTS_FRAGMENT = "weights"
CHARTS_FRAGMENT = "charts"


def _apply(new: dict[str, float]) -> None:
    ss = st.session_state
    ss.weights.clear()  # in place: the "Save preset" button holds this dict
    ss.weights.update(new)
    for cue_id, value in new.items():
        ss[_key(cue_id)] = value


def _rerun(*fragments: str) -> None:
    try:
        st.rerun(list(fragments))
    except st.errors.StreamlitAPIException:
        pass  # no such fragment on this run (AppTest runs the whole script): the default rerun does


def _slider_moved(cue_id: str) -> None:
    st.session_state.weights[cue_id] = float(st.session_state[_key(cue_id)])
    _rerun(CHARTS_FRAGMENT)


def _reset() -> None:
    _apply(lexicon().default_weights())
    st.session_state.pop("weights_error", None)
    st.session_state.pop("preset_note", None)
    _rerun(WEIGHTS_FRAGMENT, CHARTS_FRAGMENT)


def _load_preset() -> None:
    ss = st.session_state
    up = ss.get("preset_file")
    if up is None:
        return
    lex = lexicon()
    try:
        loaded = charts.parse_preset(up.getvalue(), up.name, lex)
    except WeightsError as err:
        ss.weights_error = str(err)
        ss.pop("preset_note", None)
        _rerun(WEIGHTS_FRAGMENT)
        return
    merged = lex.default_weights()
    merged.update(loaded)  # ids the preset omits keep their defaults, as with --weights
    _apply(merged)
    ss.pop("weights_error", None)
    ss.preset_note = f"Loaded {up.name}: {len(loaded)} weight{'s' if len(loaded) != 1 else ''} set."
    _rerun(WEIGHTS_FRAGMENT, CHARTS_FRAGMENT)


def sync_url() -> None:
    param = charts.weights_to_param(st.session_state.weights, lexicon().default_weights())
    if param:
        if st.query_params.get("w") != param:
            st.query_params["w"] = param
    elif "w" in st.query_params:
        del st.query_params["w"]


def _cue_slider(spec: charts.SliderSpec) -> None:
    ss = st.session_state
    key = _key(spec.id)
    if key not in ss:
        ss[key] = float(ss.weights[spec.id])
    st.slider(spec.label, 0.0, spec.max, step=spec.step, key=key, help=spec.help,
              on_change=_slider_moved, args=(spec.id,))


def key_cues_panel(cue_ids: list[str], seed: int) -> None:
    """The sliders of ``cue_ids`` (the seed's cues first, then those moving the view most),
    open on the page: the cues a first-time user should find without opening anything."""
    specs = charts.slider_specs(lexicon(), st.session_state.weights)
    st.markdown("**Key cue weights**")
    st.caption("▲ raises tension, ▼ lowers it: drag and the chart answers. Every other cue is in the sidebar.")
    for i, cue_id in enumerate(cue_ids):
        if i == seed:
            st.caption("Moving this view most:")
        _cue_slider(specs[cue_id])


@st.fragment(key=WEIGHTS_FRAGMENT)
def weights_panel(shown: Iterable[str] = ()) -> None:
    """One slider per cue family, grouped by category, plus tone; reset, save and load presets.

    Cues in ``shown`` have their slider beside the chart and are left out here. Call it inside
    ``with st.sidebar``. Read the weights with ``weights()``.
    """
    init_weights()
    ss = st.session_state
    lex = lexicon()
    shown = set(shown)
    st.header("Cue weights")
    st.caption(
        "▲ raises tension, ▼ lowers it. Open a group and drag a slider: the chart answers at once. "
        "Hover a ? for what a cue means and where its default weight comes from."
        + (" The key cues are beside the chart." if shown else "")
    )
    for category, specs in charts.slider_groups(lex, ss.weights):
        specs = [spec for spec in specs if spec.id not in shown]
        if not specs:
            continue
        # Sliders are built only in an open group: 30-odd hidden sliders slow the first page down.
        group = st.expander(category, key=f"group_{category}", on_change="rerun")
        if not group.open:
            continue
        with group:
            for spec in specs:
                _cue_slider(spec)
    c1, c2 = st.columns(2)
    c1.button("Reset all", on_click=_reset, width="stretch", help="Every weight back to its default.")
    held = ss.weights  # the live dict: the file is written when clicked, with the weights of that moment
    c2.download_button(
        "Save preset", data=lambda: dump_weights(held), file_name="tension-weights.json",
        mime="application/json", width="stretch", on_click="ignore",
        help="A JSON file in the format of `python -m metrics score --weights FILE`.",
    )
    st.file_uploader(
        "Load preset", type=["json", "yaml", "yml"], key="preset_file", on_change=_load_preset,
        help="A weights file (JSON or YAML mapping cue id to weight); ids it omits keep their defaults.",
    )
    if ss.get("weights_error"):
        st.error(charts.md_escape(ss.weights_error))
    elif ss.get("preset_note"):
        st.success(charts.md_escape(ss.preset_note))


def weights_note() -> str:
    """One markdown line: which weights differ from the defaults (plain ids and numbers)."""
    lex = lexicon()
    changed = charts.non_default(st.session_state.weights, lex.default_weights())
    if not changed:
        return "Cue weights: all at their defaults."
    labels = charts.family_labels(lex)
    parts = [f"{labels.get(k, k)} {v:g} (default {lex.default_weights()[k]:g})" for k, v in changed.items()]
    return f"Cue weights changed ({len(changed)}, kept in the URL): " + "; ".join(parts) + "."


# ----------------------------------------------------------------------------- the open article


def init_selection() -> None:
    """The article opened in the drill-down, from the URL on first load (a shareable link)."""
    if "selected_article" not in st.session_state:
        st.session_state.selected_article = st.query_params.get("article")


def sync_selection(selected_period: pd.Timestamp | None = None) -> None:
    """The open article and the chosen period (when the user chose one) into the URL."""
    ss = st.session_state
    params = {}
    if ss.get("selected_article"):
        params["article"] = ss.selected_article
    chosen = selected_period if selected_period is not None else ss.get("selected_period")
    if chosen is not None:
        params["sel"] = pd.Timestamp(chosen).date().isoformat()
    set_params(params, ("article", "sel"))


# ----------------------------------------------------------------------------- shared views


def show_article(article_id: str, dyad: str, w: dict[str, float], period_drivers: pd.Series | None = None,
                 period_name: str = "") -> None:
    """The drill-down: the article's passages a page at a time (the largest contributions first,
    or as written), cues highlighted, every contribution with its factors."""
    path, version = current()
    prep = article_prepared(path, version, article_id, dyad)
    if prep is None:
        st.info("That article is no longer stored.")
        return
    ss = st.session_state
    total = len(prep.features.passages)
    pages = max(1, -(-total // drilldown.PAGE_SIZE))
    order = ss.get("drill_order", "top")
    number = ss.get("drill_page", 1) if ss.get("drill_for") == article_id else 1
    doc = drilldown.page(prep, w, number=min(number, pages), order=order)
    meta = " · ".join(x for x in (doc["date"] or "undated", doc["source"]) if x)
    tension = "no tension (not about the pair)" if doc["tension"] is None else f"tension {doc['tension']:+.1f}"
    st.html(
        f'<div style="font-size:1.25rem;font-weight:600">{html.escape(doc["title"] or "(untitled)")}</div>'
        f'<div style="color:#555">{html.escape(meta)} · {tension}</div>'
    )
    st.caption(charts.explain_summary(doc))
    fam = charts.drivers(family_contributions(prep, w), np.array([True]), lexicon())
    if not fam.empty or (period_drivers is not None and not period_drivers.empty):
        st.plotly_chart(
            charts.drivers_figure(
                period_drivers if period_drivers is not None else pd.Series(dtype=float), fam,
                period_name=period_name or "Period mean", article_name=doc["title"] or "This article",
            ),
            key=f"drivers_article_{article_id}", config=PLOT_CONFIG,
        )
    c1, c2, c3 = st.columns([3, 2, 3])
    c1.radio("Passages", drilldown.ORDERS, key="drill_order", horizontal=True,
             format_func={"top": "largest contribution first", "text": "as written"}.get,
             on_change=lambda: ss.__setitem__("drill_page", 1))
    if pages > 1:
        ss.drill_for = article_id
        ss.drill_page = doc["page"]
        c2.number_input(f"Page (of {pages:,})", 1, pages, step=1, key="drill_page")
    last = doc["first"] + len(doc["passages"]) - 1
    c3.caption(f"Passages {doc['first']:,}–{last:,} of {total:,}"
               + (", the largest contributions first" if order == "top" else ", as written") + ".")
    st.html(charts.article_html(doc, tone_weight=w.get(TONE_ID)))
    table = drilldown.cue_table(prep, w)
    with st.expander(f"All {len(table):,} cue matches as a table"):
        st.dataframe(
            table, hide_index=True, width="stretch",
            column_config={
                "passage": st.column_config.NumberColumn("passage", width=70),
                "cue": st.column_config.TextColumn("cue", width="medium"),
                "cue_id": st.column_config.TextColumn("cue id", width="small"),
                "matched": st.column_config.TextColumn("matched", width="medium"),
                "contribution": st.column_config.NumberColumn("contribution", format="%+.3f", width=100),
            },
        )


PLOT_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "tension-chart"},
}
