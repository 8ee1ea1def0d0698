"""``export --events``: one CAMEO-coded row per attributed act, in CSV, JSONL and Parquet with
the versioned metadata; an article's rows add up to its raw score; corrections are flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from metrics.cli import main
from metrics.events.lexicon import default_lexicon
from metrics.score import corrections as C
from metrics.score.events import EVENT_COLUMNS, cameo_table
from metrics.store import corrections as SC
from metrics.store.core import Store

ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("events") / "e.db")
    assert main(["ingest", str(ARTICLES), "--db", path, "--quiet"]) == 0
    return path


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype={"cameo_code": str, "cameo_root": str})
    return pd.read_csv(path, dtype={"cameo_code": str, "cameo_root": str})


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_rows_add_up_to_each_articles_raw(db, tmp_path, suffix):
    events, scores = tmp_path / f"ev{suffix}", tmp_path / f"scores{suffix}"
    assert main(["export", "-o", str(events), "--events", "--db", db]) == 0
    assert main(["export", "-o", str(scores), "--db", db]) == 0
    ev, sc = _read(events), _read(scores)
    assert list(ev.columns) == EVENT_COLUMNS + ["duplicate_of"]
    total = ev.groupby("article_id")["contribution"].sum().reindex(sc["id"]).fillna(0).to_numpy()
    assert total == pytest.approx(sc["raw"].to_numpy(), abs=1e-3)
    acts = ev[ev["record_type"] == "act"]
    assert len(acts) > 100 and acts["source_actor"].notna().mean() > 0.5
    # Every act carries its family's CAMEO code, root (the code's first two digits) and Goldstein value.
    table = cameo_table(default_lexicon())
    assert (acts["cameo_code"].to_numpy() == table.loc[acts["cue_family"], "cameo_code"].to_numpy()).all()
    assert all(code.startswith(root) for code, root in zip(acts["cameo_code"], acts["cameo_root"]))
    sanctions = acts[acts["cue_family"] == "sanctions"]
    assert set(sanctions["cameo_code"]) == {"163"} and set(sanctions["quad_class"]) == {4}
    assert (sanctions.loc[sanctions["contribution"] > 0, "goldstein"] == -8.0).all()
    # Conflict raises tension: the sign of a contribution is the opposite of its Goldstein value's.
    signed = acts[(acts["contribution"] != 0) & (acts["goldstein"] != 0)]
    assert ((signed["contribution"] > 0) == (signed["goldstein"] < 0)).mean() > 0.95
    if suffix == ".parquet":
        meta = pq.read_schema(events).metadata
        assert meta[b"events_schema"] == b"tension.events.v1" and b"lexicon_version" in meta and b"aggregate" in meta


def test_a_corrected_act_is_flagged_and_moves(db, tmp_path):
    with Store(db) as s:
        aid = s.articles()["id"].iat[3]
        f = s.article_features(aid)
        row = int((f.matches["strength"] != 0).to_numpy().argmax())
        cid = SC.add(s, C.for_match(f, s.lexicon, row, "wrong_direction"), who="ana")
        start = int(f.matches["start"].iat[row])
    try:
        out = tmp_path / "ev.jsonl"
        assert main(["export", "-o", str(out), "--events", "--db", db]) == 0
        rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        (fixed,) = [r for r in rows if r["corrected"]]
        assert (fixed["article_id"], fixed["match_start"], fixed["correction_id"]) == (aid, start, cid)
        assert all(r["correction_id"] is None for r in rows if not r["corrected"])
    finally:
        with Store(db) as s:
            SC.discard(s, [cid])


def test_mapping_file_covers_every_family():
    table = cameo_table(default_lexicon())
    assert table["cameo_code"].notna().all() and table["goldstein"].notna().all()
    assert set(table["quad_class"]) == {1, 2, 3, 4}
