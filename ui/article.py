"""The open article: kept in the URL (a shareable link), and drawn as the drill-down (its
passages a page at a time, cues highlighted, every contribution with its factors)."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from metrics.events.lexicon import Weights
from metrics.score.scoring import mean_family_contributions
from metrics.views import drilldown
from metrics.views.articlehtml import article_html, explain_summary
from metrics.views.figures import PLOT_CONFIG, drivers_figure
from metrics.views.labels import labelled
from ui import corrections
from ui.cache import article_prepared, current
from ui.url import set_params


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


def show_article(article_id: str, dyad: str, w: Weights, period_drivers: pd.Series | None = None,
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
    st.caption(explain_summary(doc))
    fam = labelled(mean_family_contributions(prep, w), prep.lexicon)
    if not fam.empty or (period_drivers is not None and not period_drivers.empty):
        st.plotly_chart(
            drivers_figure(
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
    doc = corrections.annotate(prep, doc, article_id)
    st.html(article_html(doc, tone_weight=w.tone))
    corrections.show(prep, doc, article_id)
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
