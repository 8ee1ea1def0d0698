"""The drill-down's corrections: per cue a "Correct" control, per page "Missed act", and the
article's corrections with Undo (editors on a shared server; anyone on a laptop). Viewers see
every correction (the original reading struck through beside it) but cannot make one."""

from __future__ import annotations

import getpass

import numpy as np
import streamlit as st

from metrics.errors import MetricsError
from metrics.events.dyad import countries
from metrics.score import corrections as C
from metrics.store import corrections as SC
from metrics.views.mdtext import md_escape
from ui import auth
from ui.cache import store

CUE_KINDS = ("not_between_pair", "wrong_direction", "wrong_actor", "wrong_strength")


def _who() -> str | None:
    name = auth.user()
    if name:
        return name
    try:
        return getpass.getuser()  # a laptop without sign-in: the login name, as the command line logs
    except Exception:  # noqa: BLE001 - no login name: not logged
        return None


def article_corrections(article_id: str):
    """This article's live corrections (the records ``annotate`` needs)."""
    try:
        return SC.table(store(), article=article_id)
    except MetricsError:
        return C.empty_table()


def _actors() -> list[str]:
    return ["", *sorted(countries()), "PAIR", "THIRD"]


def _save(c: C.Correction) -> None:
    try:
        cid = SC.add(store(), c, who=_who())
    except MetricsError as err:
        st.session_state.correction_error = str(err)
        return
    st.session_state.correction_note = f"Correction #{cid} saved: {C.describe(vars(c))}."


def _undo(cid: int) -> None:
    try:
        SC.undo(store(), [cid], who=_who())
        st.session_state.correction_note = f"Correction #{cid} undone: the original reading is back."
    except MetricsError as err:
        st.session_state.correction_error = str(err)


def _cue_form(prep, mi: int, key: str) -> None:
    kind = st.radio("What is wrong", CUE_KINDS, format_func=C.KIND_LABELS.get, key=f"{key}_kind")
    fields: dict = {}
    if kind == "wrong_actor":
        names = _actors()
        a, b = st.columns(2)
        fields["source"] = a.selectbox("Source (who acts)", names, key=f"{key}_src") or None
        fields["target"] = b.selectbox("Target (on whom)", names, key=f"{key}_tgt") or None
    elif kind == "wrong_strength":
        fields["strength"] = st.number_input(
            "Strength of this occurrence", 0.0, C.MAX_STRENGTH, float(abs(prep.features.matches["strength"].iat[mi]) or 1.0),
            step=0.25, key=f"{key}_st", help="Multiplies the family's weight: 1 full, 0.5 hedged, 0 cancels, 2 twice as strong.")
    fields["reason"] = st.text_input("Reason (optional)", key=f"{key}_why", max_chars=500) or None
    if st.button("Save correction", key=f"{key}_save", type="primary"):
        _save(C.for_match(prep.features, prep.lexicon, mi, kind, **fields))
        st.rerun()


def _missed_form(prep, doc: dict, key: str) -> None:
    pas = prep.features.passages
    shown = [p["index"] for p in doc["passages"]]
    pi = st.selectbox("Passage", shown, format_func=lambda i: f"Passage {i + 1}", key=f"{key}_p")
    lex = prep.lexicon
    cue = st.selectbox("Cue family of the act", lex.ids, format_func=lambda i: lex.family(i).label, key=f"{key}_cue")
    names = _actors()
    a, b = st.columns(2)
    source = a.selectbox("Source (who acts)", names, key=f"{key}_src") or None
    target = b.selectbox("Target (on whom)", names, key=f"{key}_tgt") or None
    reason = st.text_input("Reason (optional)", key=f"{key}_why", max_chars=500) or None
    if st.button("Save missed act", key=f"{key}_save", type="primary"):
        row = int(np.flatnonzero(pas["idx"].to_numpy() == pi)[0])
        _save(C.for_passage(prep.features, lex, row, cue, source=source, target=target, reason=reason))
        st.rerun()


def show(prep, doc: dict, article_id: str) -> None:
    """Below the passages: the Correct controls (or why not), this article's corrections with
    Undo, and any that no longer match their cue."""
    ss = st.session_state
    for name, show_it in (("correction_note", st.success), ("correction_error", st.error)):
        if ss.get(name):
            show_it(md_escape(ss.pop(name)))
    status = getattr(prep.features, "correction_status", None)
    records = article_corrections(article_id)
    if status is not None and len(records):
        lost = set(status.loc[status["state"] == C.UNMATCHED, "id"]) & set(records["id"])
        if lost:
            st.warning(md_escape(
                f"{len(lost)} correction(s) of this article no longer match their cue (the lexicon or extractor changed) "
                f"and are not applied: #{', #'.join(map(str, sorted(lost)))}. Re-apply or discard them with "
                "`python -m metrics corrections check`."), icon=":material/link_off:")
    editable = auth.can_edit()
    with st.expander(f"Correct a reading ({len(records)} correction{'s' if len(records) != 1 else ''} of this article)",
                     expanded=bool(len(records))):
        if not editable:
            st.caption(md_escape(auth.refusal("correcting a reading")))
        mat = prep.features.matches
        starts, cues = mat["start"].to_numpy(), mat["cue"].to_numpy()
        lex = prep.lexicon
        if editable:
            for p in doc["passages"]:
                for c in p["cues"]:
                    if c.get("correction", {}).get("kind") == "missed_act":
                        continue  # an act added by a correction: undo it below
                    hit = np.flatnonzero((starts == c["start"]) & (cues == lex.index()[c["id"]]))
                    if not len(hit):
                        continue
                    mi = int(hit[0])
                    key = f"corr_{c['id']}_{c['start']}"
                    with st.container(key=key, horizontal=True, vertical_alignment="center"):
                        st.markdown(md_escape(
                            f"Passage {p['index'] + 1} · {c['family']} “{' '.join(c['matched'].split())[:60]}” "
                            f"({c['source'] or '?'} → {c['target'] or '?'}, {c['contribution']:+.2f})"))
                        with st.popover("Correct"):
                            _cue_form(prep, mi, key)
            with st.container(key="corr_missed"), st.popover("Missed act"):
                _missed_form(prep, doc, "corr_missed_form")
        for _, r in records.iterrows():
            line = (f"#{r['id']} · {C.KIND_LABELS[r['kind']]} · {r['cue']} “{' '.join(str(r['matched'] or '').split())[:50]}”"
                    f" → {C.describe(r)} · by {r['who'] or '?'} at {r['at']}" + (f" · {r['reason']}" if r["reason"] else ""))
            with st.container(key=f"corr_rec_{r['id']}", horizontal=True, vertical_alignment="center"):
                st.markdown(md_escape(line))
                if editable and st.button("Undo", key=f"corr_undo_{r['id']}"):
                    _undo(int(r["id"]))
                    st.rerun()  # the whole page: the timeline above reads the restored features too


def annotate(prep, doc: dict, article_id: str) -> dict:
    """The drill-down page ``doc`` with each corrected cue's correction and original reading."""
    return C.annotate(doc, prep.features, article_corrections(article_id))
