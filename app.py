"""The dashboard: ``streamlit run app.py``.

A thin entry point: the store and the sample corpus on first start, the view filters in the
sidebar, and three pages (``ui/``). Figures and view logic live in ``metrics/`` (figures, filters, labels, ...), the pages' Streamlit glue in ``ui/``.
"""

import sys

import streamlit as st

st.set_page_config(page_title="Relations-tension index", page_icon="📈", layout="wide")
# Grey placeholders, not shimmering ones: while plotly.js (4.7 MB) loads, element placeholders
# animate, and without a GPU every frame is painted in software: compositor CPU per new visitor
# that the page's own scripts then wait for (bench/RESULTS.md).
# st.html, not markdown: markdown with HTML loads its HTML parser's script first, which a new
# visitor waits for; a style-only st.html goes to the page's event container and takes no room.
# The same element also carries the layout rules: less room above the title, so the timeline and
# the passages beside it fit in a 1280x800 window; headline labels that wrap instead of being
# cut; and below 900 px the chart row stacks (chart, then passages) instead of squeezing both.
st.html(
    "<style>[data-testid='stSkeleton'] { animation: none !important; }"
    "[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; }"
    ".st-key-passages [data-testid='stBaseButton-tertiary'] { justify-content: flex-start; text-align: left;"
    " color: #1f5fa8; padding: 0 0 0 14px; min-height: 0; }"
    "[data-testid='stMetricLabel'] p { white-space: normal !important; }"
    "@media (max-width: 900px) { [data-testid='stMainBlockContainer'] { padding-left: 1rem; padding-right: 1rem; }"
    " [data-testid='stHorizontalBlock']:has(> [data-testid='stColumn'] .st-key-timeline) { flex-wrap: wrap; }"
    " [data-testid='stHorizontalBlock']:has(> [data-testid='stColumn'] .st-key-timeline) > [data-testid='stColumn']"
    " { flex: 1 1 100% !important; width: 100% !important; min-width: 100%; } }"
    "</style>"
)
# The first run in a server process imports pandas, plotly and the readers (seconds): show a
# progress bar at once instead of a blank page. Later runs find the modules imported. The bar
# has its own slot on every run, so the elements after it keep their places: without it, a first
# visit's second run drew each element one place up and a stale copy of the headline row
# flashed under the chart.
# Only the session that saw the bar keeps the slot: for every other one it would be one more
# element before the chart.
_boot = None
if "ui.filters" not in sys.modules or st.session_state.get("boot_slot"):
    st.session_state.boot_slot = True
    _slot = st.empty()
    _boot = None if "ui.filters" in sys.modules else _slot.progress(0.0, text="Starting the dashboard …")

from metrics.errors import MetricsError  # noqa: E402 - after the progress bar, on purpose
from metrics.views.mdtext import md_escape  # noqa: E402

try:
    from ui import article, auth, cache, filters, firstpaint, firststart, weights  # noqa: E402
except MetricsError as err:  # the shipped data read at import (data/scope.yaml, the lexicon) is malformed
    st.error(md_escape(f"Cannot start the dashboard: {err}"))
    st.stop()

try:
    auth.apply_settings()  # the secrets' [limits] and [settings], before anything reads a setting
except MetricsError as err:
    st.error(md_escape(f"Settings are not usable: {err}"))
    st.stop()
try:
    auth.gate()  # with sign-in configured, nothing below runs before signing in
except MetricsError as err:
    st.error(md_escape(f"Sign-in is not usable: {err}"))
    st.stop()
try:
    firststart.ensure_sample(_boot)
    path, version = cache.current()
    fr = cache.frame(path, version)
except MetricsError as err:
    if _boot is not None:
        _boot.empty()
    # A database that cannot be opened or read (damaged, not a database, locked out): one line
    # naming the file, never a traceback.
    st.error(md_escape(f"Cannot read the article database: {err}"))
    st.stop()
if _boot is not None:
    _boot.empty()
weights.init_weights()
article.init_selection()

overview = st.Page("ui/overview.py", title="Overview", icon=":material/show_chart:", default=True)
pages = [
    overview,
    st.Page("ui/articles.py", title="Articles", icon=":material/table_rows:"),
    st.Page("ui/upload.py", title="Upload", icon=":material/upload_file:"),
]
page = st.navigation(pages)
auth.resume_deep_link(page, pages)  # just signed in: the page and view of the link followed
# A new visitor's overview sends its timeline first and the filters with the rest (ui.firstpaint).
st.session_state["view"] = filters.sidebar_filters(fr, draw=not (page is overview and firstpaint.pending()))
page.run()
