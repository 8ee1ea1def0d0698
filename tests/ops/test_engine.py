"""``--engine dask`` gives exactly the local results, on a real two-worker LocalCluster."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from helpers import ROOT

from metrics.cli import main
from metrics.errors import MetricsError
from metrics.model import Article
from metrics.ops import engine
from metrics.ops.bench import Corpus

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Generated articles, the sample articles, a table with a bad row and a Latin-1 file."""
    root = tmp_path_factory.mktemp("corpus")
    gen = Corpus(seed=11)
    for i in range(70):
        (root / f"gen-{i:03d}.txt").write_text(gen.article(i), encoding="utf-8")
    shutil.copytree(ROOT / "data" / "articles", root / "sample")
    rows = pd.DataFrame(
        {
            "id": ["t1", "t2", "t3"],
            "date": ["2024-03-01", "2024-03-02", ""],
            "text": [gen.article(100), "", "Beijing and Washington agreed to resume talks on Monday."],
        }
    )
    rows.to_csv(root / "table.csv", index=False)
    (root / "latin1.txt").write_bytes("Beijing d\xe9clin\xe9".encode("latin-1"))
    return root


def _score(capsys, *args):
    # batches of 16: many partitions, finishing out of order on two workers
    code = main(["--setting", "score_batch", "16", "score", *map(str, args), "--quiet"])
    return code, capsys.readouterr().err


def test_dask_scores_equal_local_scores_row_for_row(cluster, corpus, tmp_path, capsys, monkeypatch):
    local_code, local_err = _score(capsys, corpus, "-o", tmp_path / "local.csv")
    dask_code, dask_err = _score(
        capsys, corpus, "-o", tmp_path / "dask.csv", "--engine", "dask", "--scheduler", cluster.scheduler_address
    )
    assert (dask_code, dask_err) == (local_code, local_err)
    assert local_code == 1 and "table.csv: row 2" in local_err  # the bad row is reported, the rest scored
    local = pd.read_csv(tmp_path / "local.csv", dtype=str, keep_default_na=False)
    dask = pd.read_csv(tmp_path / "dask.csv", dtype=str, keep_default_na=False)
    assert len(local) >= 70 + len(list((ROOT / "data" / "articles").glob("*.txt"))) + 2
    pd.testing.assert_frame_equal(dask, local)
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    # The batches really ran on the workers: each built its extractor.
    built = cluster_extractors(cluster)
    assert len(built) == 2 and all(n >= 1 for n in built.values())


def cluster_extractors(cluster) -> dict:
    with distributed.Client(cluster.scheduler_address) as client:
        return client.run(lambda: engine._extractor.cache_info().currsize)


def test_dask_parquet_output_is_a_folder_of_parts_with_the_local_rows(cluster, corpus, tmp_path, capsys, monkeypatch):
    _score(capsys, corpus, "-o", tmp_path / "local.parquet")
    out = tmp_path / "dask.parquet"
    out.mkdir()
    (out / "part-00099.parquet").write_bytes(b"stale part of an earlier run")
    _score(capsys, corpus, "-o", out, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    parts = sorted(p.name for p in out.iterdir())
    assert len(parts) > 3 and all(p.startswith("part-") for p in parts) and "part-00099.parquet" not in parts
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(tmp_path / "local.parquet"))
    import pyarrow.parquet as pq

    local_meta = pq.read_schema(tmp_path / "local.parquet").metadata
    assert all(pq.read_schema(out / p).metadata == local_meta for p in parts)  # every part is versioned alike
    assert local_meta[b"scale"] == b"tension.scale.linear.v3" and b"features_version" in local_meta


def test_dask_ingest_stores_what_local_ingest_stores(cluster, corpus, tmp_path, capsys):
    def ingest(db, *extra):
        code = main(["ingest", str(corpus), "--db", str(db), "--quiet", *extra])
        return code, capsys.readouterr()

    local_code, local_out = ingest(tmp_path / "local.db")
    dask_code, dask_out = ingest(tmp_path / "dask.db", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert dask_code == local_code
    assert dask_out.err == local_out.err
    assert dask_out.out.replace("dask.db", "X") == local_out.out.replace("local.db", "X")
    assert "added" in local_out.out

    def listing(db):
        assert main(["list", "--db", str(db), "--format", "csv"]) == 0
        return capsys.readouterr().out

    assert listing(tmp_path / "dask.db") == listing(tmp_path / "local.db")
    # A second run finds everything stored and extracts nothing.
    code, again = ingest(tmp_path / "dask.db", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert "added 0" in again.out


def test_scheduler_without_dask_and_an_unreachable_scheduler_are_one_line_errors(corpus, capsys, monkeypatch):
    assert main(["score", str(corpus), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err.strip() == "error: --scheduler needs --engine dask"
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", "2s")
    assert main(["score", str(corpus), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --scheduler tcp://127.0.0.1:9: cannot connect") and "\n" not in err


def test_a_worker_with_another_lexicon_stops_the_run():
    with pytest.raises(MetricsError, match="features version"):
        engine.score_batch([Article(text="Beijing and Washington held talks.")], "US-CN", None, "0-other")


def test_a_worker_with_another_gazetteer_stores_nothing_as_current(tmp_path, monkeypatch):
    """Same lexicon, other countries.yaml on the worker: its features version differs, so the
    ingest stops in one line before anything is stored with the database's version."""
    from metrics.resources import data_dir
    from metrics.store.core import Store

    db = Store(tmp_path / "t.db")
    version = db.features_version
    other = tmp_path / "countries.yaml"
    other.write_text(data_dir().joinpath("countries.yaml").read_text(encoding="utf-8") + "\n# edited\n")
    from metrics.events import dyad

    monkeypatch.setattr(dyad, "GAZETTEER", other)
    dyad._gazetteer.cache_clear()  # the features version follows the gazetteer's content
    try:
        with pytest.raises(MetricsError, match="features version"):
            engine.extract_batch([Article(text="Beijing and Washington held talks.")], version)
    finally:
        monkeypatch.undo()
        dyad._gazetteer.cache_clear()
    assert db.count() == 0
