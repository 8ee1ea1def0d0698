"""The cue weights of a session: sliders (the key ones beside the chart, the rest grouped in
the sidebar), reset, presets saved and loaded, and the ``w`` URL parameter.

``st.session_state.weights`` is the mapping the sliders edit; on every change one checked
``metrics.events.lexicon.Weights`` is built from it (``current()``) and the pages pass that on.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from metrics.errors import WeightsError
from metrics.events.lexicon import Weights
from metrics.views.labels import family_labels
from metrics.views.mdtext import md_escape
from metrics.views.presets import PRESET_NAME, dump_preset, parse_preset, weights_from_param, weights_to_param
from metrics.views.sliders import SliderSpec, slider_groups, slider_specs
from ui.cache import lexicon
from ui.url import set_params


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
            weights.update(weights_from_param(param, lex))
        except WeightsError as err:
            ss.weights_error = str(err)
    ss.weights = weights
    ss.weights_value = lex.weights(weights)


def current() -> Weights:
    """The session's weights, checked once when they last changed."""
    init_weights()
    return st.session_state.weights_value


# The sliders and the charts are two keyed fragments. A slider move reruns only the charts
# (its callback names them), so the 30-odd sliders are not redrawn under the user's mouse;
# reset and preset load rerun both, to move the sliders too.
WEIGHTS_FRAGMENT = "weights"
CHARTS_FRAGMENT = "charts"


def _apply(new: dict[str, float]) -> None:
    ss = st.session_state
    ss.weights.clear()  # in place: the "Save preset" button holds this dict
    ss.weights.update(new)
    ss.weights_value = lexicon().weights(new)
    for cue_id, value in new.items():
        ss[_key(cue_id)] = value
    # The sliders' values are pushed again when each is next drawn: a keyed rerun of two
    # fragments runs them one after the other, and the values set here reached only the first
    # one's sliders (the key sliders beside the chart kept the old value and sent it back on the
    # next full run).
    ss.weights_pushed = {_key(cue_id) for cue_id in new}


def _rerun(*fragments: str) -> None:
    try:
        st.rerun(list(fragments))
    except st.errors.StreamlitAPIException:
        pass  # no such fragment on this run (AppTest runs the whole script): the default rerun does


def _slider_moved(cue_id: str) -> None:
    ss = st.session_state
    ss.weights[cue_id] = float(ss[_key(cue_id)])
    ss.weights_value = lexicon().weights(ss.weights)  # once per change, for every chart of the run
    _rerun(CHARTS_FRAGMENT)


def _reset() -> None:
    _apply(lexicon().default_weights())
    for note in ("weights_error", "preset_note", "preset_warning"):
        st.session_state.pop(note, None)
    _rerun(WEIGHTS_FRAGMENT, CHARTS_FRAGMENT)


def _load_preset() -> None:
    ss = st.session_state
    up = ss.get("preset_file")
    if up is None:
        return
    lex = lexicon()
    try:
        preset = parse_preset(up.getvalue(), up.name, lex)
    except WeightsError as err:
        ss.weights_error = str(err)
        ss.pop("preset_note", None)
        ss.pop("preset_warning", None)
        _rerun(WEIGHTS_FRAGMENT)
        return
    merged = lex.default_weights()
    merged.update(preset.weights)  # ids the preset omits keep their defaults, as with --weights
    _apply(merged)
    ss.pop("weights_error", None)
    n = len(preset.weights)
    ss.preset_note = f"Loaded {up.name}: {n} weight{'s' if n != 1 else ''} set."
    ss.preset_warning = preset.warning  # made for another lexicon version: one line says so
    _rerun(WEIGHTS_FRAGMENT, CHARTS_FRAGMENT)


def sync_url() -> None:
    param = weights_to_param(current())
    set_params({"w": param} if param else {}, ("w",))


def _cue_slider(spec: SliderSpec) -> None:
    ss = st.session_state
    key = _key(spec.id)
    pushed = ss.get("weights_pushed", set())
    if key not in ss or key in pushed:
        ss[key] = float(ss.weights[spec.id])
        pushed.discard(key)
    st.slider(spec.label, 0.0, spec.max, step=spec.step, key=key, help=spec.help,
              on_change=_slider_moved, args=(spec.id,))


def key_cues_panel(cue_ids: list[str], seed: int) -> None:
    """The sliders of ``cue_ids`` (the seed's cues first, then those moving the view most),
    open on the page: the cues a first-time user should find without opening anything."""
    specs = slider_specs(lexicon(), current())
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
    for category, specs in slider_groups(lex, current()):
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
        "Save preset", data=lambda: dump_preset(held, lex), file_name=PRESET_NAME,
        mime="application/json", width="stretch", on_click="ignore",
        help="A JSON file in the format of `python -m metrics score --weights FILE`.",
    )
    st.file_uploader(
        "Load preset", type=["json", "yaml", "yml"], key="preset_file", on_change=_load_preset,
        help="A weights file (JSON or YAML mapping cue id to weight); ids it omits keep their defaults.",
    )
    if ss.get("weights_error"):
        st.error(md_escape(ss.weights_error))
    elif ss.get("preset_note"):
        st.success(md_escape(ss.preset_note))
        if ss.get("preset_warning"):
            st.warning(md_escape(ss.preset_warning))


def weights_note() -> str:
    """One markdown line: which weights differ from the defaults (plain ids and numbers)."""
    lex = lexicon()
    changed = current().non_default()
    if not changed:
        return "Cue weights: all at their defaults."
    labels = family_labels(lex)
    parts = [f"{labels.get(k, k)} {v:g} (default {lex.default_weights()[k]:g})" for k, v in changed.items()]
    return f"Cue weights changed ({len(changed)}, kept in the URL): " + "; ".join(parts) + "."
