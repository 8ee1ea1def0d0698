"""Keeping the URL in step with the page: a shared link opens the same view."""

from __future__ import annotations

import streamlit as st


def set_params(params: dict[str, str], keys) -> None:
    """Make the URL's ``keys`` say ``params``: set what changed, drop what is no longer set."""
    qp = st.query_params
    for k in keys:
        if k in params:
            if qp.get(k) != params[k]:
                qp[k] = params[k]
        elif k in qp:
            del qp[k]
