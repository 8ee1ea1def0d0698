"""The dashboard under Streamlit's AppTest (no browser): the app, a few sample articles, a run
that fails on any exception the page raised."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from . import ROOT, SAMPLE_FEW

APP = str(ROOT / "app.py")
FEW = SAMPLE_FEW[2:]
TIMEOUT = 120


def run(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


