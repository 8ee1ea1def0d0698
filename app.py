"""The dashboard: ``streamlit run app.py``.

A thin entry point: the store and the sample corpus on first start, the view filters in the
sidebar, and three pages (``ui/``). Figures and view logic live in ``metrics/charts.py``.
"""

import streamlit as st

from metrics import charts
from metrics.errors import MetricsError
from ui import auth, state

st.set_page_config(page_title="Relations-tension index", page_icon="📈", layout="wide")

try:
    auth.gate()  # with sign-in configured, nothing below runs before signing in
except MetricsError as err:
    st.error(charts.md_escape(f"Sign-in is not usable: {err}"))
    st.stop()
try:
    state.ensure_sample()
    path, version = state.current()
    fr = state.frame(path, version)
except MetricsError as err:
    # A database that cannot be opened or read (damaged, not a database, locked out): one line
    # naming the file, never a traceback.
    st.error(charts.md_escape(f"Cannot read the article database: {err}"))
    st.stop()
state.init_weights()
state.init_selection()
st.session_state["view"] = state.sidebar_filters(fr)

page = st.navigation(
    [
        st.Page("ui/overview.py", title="Overview", icon=":material/show_chart:", default=True),
        st.Page("ui/articles.py", title="Articles", icon=":material/table_rows:"),
        st.Page("ui/upload.py", title="Upload", icon=":material/upload_file:"),
    ]
)
page.run()
