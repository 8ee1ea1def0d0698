"""The dashboard: ``streamlit run app.py``.

A thin entry point: the store and the sample corpus on first start, the view filters in the
sidebar, and three pages (``ui/``). Figures and view logic live in ``metrics/charts.py``.
"""

import streamlit as st

from ui import state

st.set_page_config(page_title="Relations-tension index", page_icon="📈", layout="wide")

state.ensure_sample()
state.init_weights()
state.init_selection()
path, version = state.current()
st.session_state["view"] = state.sidebar_filters(state.frame(path, version))

page = st.navigation(
    [
        st.Page("ui/overview.py", title="Overview", icon=":material/show_chart:", default=True),
        st.Page("ui/articles.py", title="Articles", icon=":material/table_rows:"),
        st.Page("ui/upload.py", title="Upload", icon=":material/upload_file:"),
    ]
)
page.run()
