"""Helpers the tests share (imported as ``helpers``: pytest puts tests/ on the path), so no test
module imports another: paths and sample articles, databases, documents, the dashboard under
AppTest and in Chromium. ``browser`` (the Chromium and ``streamlit run`` settings) is also what
bench/dashboard_perf.py uses, as ``tests.helpers.browser``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "data" / "articles"
SEED = SAMPLE / "2023-06-19-blinken-wang-yi-talks-seed.txt"
