"""The dashboard under Streamlit's AppTest (no browser): the app, a few sample articles, a run
that fails on any exception the page raised."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from metrics.readers import read_path
from metrics.store import Store

from . import ROOT, SAMPLE

APP = str(ROOT / "app.py")
FEW = [
    "2020-07-22-houston-consulate-ordered-closed.txt",
    "2022-08-04-pla-drills-around-taiwan.txt",
    "2022-11-14-biden-xi-bali-meeting.txt",
    "2023-02-04-balloon-shot-down.txt",
    "2023-06-19-blinken-wang-yi-talks-seed.txt",
    "2023-11-15-woodside-summit.txt",
]
TIMEOUT = 120


def fill(db: Path, names: list[str]) -> Store:
    store = Store(db)
    for name in names:
        (art,) = list(read_path(SAMPLE / name))
        assert store.add(art).status == "added"
    return store


def run(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


