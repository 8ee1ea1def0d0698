"""Scoring streams: ten times the articles costs next to no extra memory.

Each run is a fresh ``python -m metrics score`` process; its peak resident memory comes from
``os.wait4`` (the child's own rusage).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from metrics.ops.bench import run_child, write_corpus, write_documents

pytestmark = pytest.mark.slow


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.txt"))


def test_peak_memory_grows_far_less_than_the_corpus(tmp_path):
    small, large = 300, 3000
    rss, size = {}, {}
    # Both measured runs start from the same start-up cache (metrics/events/diskcache.py), filled by a
    # first run: a run that builds the cue finder holds its parse trees, one that reads it does not.
    cache = {"TENSION_CACHE_DIR": str(tmp_path / "cache")}
    warm = write_corpus(tmp_path / "warm", 50, 3)
    run_child([sys.executable, "-m", "metrics", "score", str(warm), "-o", str(tmp_path / "warm.csv"), "--quiet"], cache)
    for n, seed in ((small, 1), (large, 2)):
        folder = write_corpus(tmp_path / f"c{n}", n, seed)
        out = tmp_path / f"out{n}.csv"
        rss[n] = run_child([sys.executable, "-m", "metrics", "score", str(folder), "-o", str(out), "--quiet"], cache).rss
        size[n] = _size(folder)
        assert len(pd.read_csv(out)) == n  # every article scored
    corpus_growth = size[large] - size[small]
    assert corpus_growth > 9 * 2**20  # ~600 words per article: 10 MB more text
    # Holding the texts would add the whole corpus, and their features more again. What does
    # grow is the sorted list of the folder's file paths (~2 MB for 2,700 more files).
    growth = rss[large] - rss[small]
    assert growth < corpus_growth / 2, f"peak RSS grew {growth / 2**20:.1f} MB for {corpus_growth / 2**20:.1f} MB of text"


def test_long_documents_stream_by_the_batch_too(tmp_path):
    # Long documents (8,000-10,000 words) in batches of 4: eight times the documents, about the
    # same peak. Holding them would add their text and, several times more, their passages and
    # matches.
    small, large = 8, 64
    cache = {"TENSION_CACHE_DIR": str(tmp_path / "cache")}
    rss, size = {}, {}
    for n, seed in ((2, 9), (small, 1), (large, 2)):
        folder = write_documents(tmp_path / f"d{n}", n, seed)
        out = tmp_path / f"out{n}.csv"
        cmd = [sys.executable, "-m", "metrics", "--setting", "score_batch", "4", "score", str(folder), "-o", str(out), "--quiet"]
        rss[n] = run_child(cmd, cache).rss  # the first (2 documents) fills the start-up cache
        size[n] = _size(folder)
        assert len(pd.read_csv(out)) == n
    corpus_growth = size[large] - size[small]
    assert corpus_growth > 2 * 2**20  # 56 more documents of ~9,000 words: ~3 MB of text
    growth = rss[large] - rss[small]
    assert growth < corpus_growth / 2, f"peak RSS grew {growth / 2**20:.1f} MB for {corpus_growth / 2**20:.1f} MB of text"
