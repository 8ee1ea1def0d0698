"""The benchmark's corpus never repeats a sentence, and ``bench`` reports what the issue asks for."""

from __future__ import annotations

import json

import pytest

from metrics.cli import main
from metrics.events.segment import split_passages
from metrics.ops.bench import WORDS_PER_ARTICLE, Corpus


@pytest.mark.slow
def test_a_2000_article_corpus_never_repeats_a_sentence():
    corpus = Corpus(seed=0)
    seen: set[str] = set()
    words = 0
    n = 0
    for i in range(2000):
        text = corpus.article(i)
        words += len(text.split())
        for p in split_passages(text)[2:]:  # after the headline and the dateline
            assert p.text not in seen, p.text
            seen.add(p.text)
            n += 1
    assert n > 60_000
    assert abs(words / 2000 - WORDS_PER_ARTICLE) < 60  # "about 600 words"


def test_seeds_give_different_corpora_and_a_seed_the_same_one():
    assert Corpus(seed=1).article(0) == Corpus(seed=1).article(0)
    assert Corpus(seed=1).article(0) != Corpus(seed=2).article(0)


@pytest.mark.slow
def test_bench_reports_ratio_speed_memory_and_reweighting(capsys):
    assert main(["bench", "--articles", "20", "--reweight", "2000", "--repeat", "1", "--format", "json"]) == 0
    r = json.loads(capsys.readouterr().out)
    for part in ("score", "floor"):
        assert r[part]["seconds"] > 0 and r[part]["articles_per_s"] > 0
        assert r[part]["peak_rss_mb"] > 5 and r[part]["cpu_seconds"] > 0
    assert r["ratio"] > 0 and r["cpu_ratio"] > 0
    assert r["score_first"]["seconds"] > 0  # the run that fills the start-up cache, reported apart
    w = r["reweight"]
    assert w["articles"] == 2000 and w["passages"] > 20 * 2000 and w["matches"] > 5 * 2000
    assert w["raw_scores_ms"] > 0 and w["tension_ms"] > 0  # reported, never asserted against a clock


def test_bench_rejects_nonsense_in_one_line(capsys):
    assert main(["bench", "--articles", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
