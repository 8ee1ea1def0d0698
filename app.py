"""The dashboard: ``streamlit run app.py``.

A thin entry point: the store and the sample corpus on first start, the view filters in the
sidebar, and three pages (``ui/``). Figures and view logic live in ``metrics/`` (figures, filters, labels, ...), the pages' Streamlit glue in ``ui/``.
"""

import sys

import streamlit as st

st.set_page_config(page_title="Relations-tension index", page_icon="📈", layout="wide")
# Grey placeholders, not shimmering ones: while plotly.js (4.7 MB) loads, element placeholders
# animate, and without a GPU every frame is painted in software: 1.5 s of compositor CPU per new
# visitor (twenty placeholders) that the page's own scripts then wait for on two cores.
# st.html, not markdown: markdown with HTML loads its HTML parser (190 kB of script) first, which
# cost a new visitor 0.2 s; a style-only st.html goes to the page's event container and takes no room.
st.html("<style>[data-testid='stSkeleton'] { animation: none !important; }</style>")
# The first run in a server process imports pandas, plotly and the readers (seconds): show a
# progress bar at once instead of a blank page. Later runs find the modules imported.
_boot = None if "ui.filters" in sys.modules else st.progress(0.0, text="Starting the dashboard …")

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
