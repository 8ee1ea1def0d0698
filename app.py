"""Dashboard placeholder: the real one comes with the dashboard issue."""

import streamlit as st

st.title("Relations-tension index")
st.write("Run `python -m metrics score data/articles` for scores; the dashboard is under construction.")
