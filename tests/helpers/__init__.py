"""Helpers the tests share (imported as ``helpers``: pytest puts tests/ on the path), so no test
module imports another: paths and sample articles, databases, documents, the dashboard under
AppTest and in Chromium. ``browser`` (the Chromium and ``streamlit run`` settings) is also what
bench/dashboard_perf.py uses, as ``tests.helpers.browser``."""

from __future__ import annotations

from pathlib import Path

from metrics.read.readers import read_path
from metrics.store.core import Store

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "data" / "articles"
SEED = SAMPLE / "2023-06-19-blinken-wang-yi-talks-seed.txt"
# Sample articles the dashboard tests store: the browser tests take all eight, AppTest (slower per
# run) the six from 2020 on.
SAMPLE_FEW = [
    "2019-05-10-tariffs-raised-to-25-percent.txt",
    "2020-01-15-phase-one-trade-deal-signed.txt",
    "2020-07-22-houston-consulate-ordered-closed.txt",
    "2022-08-04-pla-drills-around-taiwan.txt",
    "2022-11-14-biden-xi-bali-meeting.txt",
    "2023-02-04-balloon-shot-down.txt",
    "2023-06-19-blinken-wang-yi-talks-seed.txt",
    "2023-11-15-woodside-summit.txt",
]


def fill(db: Path | str, names: list[str]) -> Store:
    """A store at ``db`` holding the sample articles ``names`` (each newly added)."""
    store = Store(db)
    for name in names:
        (art,) = list(read_path(SAMPLE / name))
        assert store.add(art).status == "added"
    return store
