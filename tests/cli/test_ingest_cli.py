"""``ingest``, ``list``, ``remove``, ``restore``, ``log`` and ``export`` end to end, several writer
processes at once, and ingest processes killed with SIGKILL (between and inside transactions) that
resume; the multi-process tests on SQLite and PostgreSQL (``db_location``)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from helpers.db import raw_rows
from helpers.documents import BODY, make_docx, make_html, make_pdf

from metrics.cli import main

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^added (\d+), already present (\d+), failed (\d+) \(")

ACTORS = ["Washington", "Beijing", "US officials", "Chinese diplomats", "The State Department", "China's commerce ministry"]
ACTS = [
    "imposed sanctions on firms linked to the other side in the US-China dispute",  # names its target
    "held constructive talks with their counterparts",
    "signed an agreement on fentanyl enforcement",
    "condemned the latest military drills near Taiwan",
    "invited a delegation for a return visit",
    "said relations had reached their lowest point in years",
]


@pytest.fixture(autouse=True)
def own_db(tmp_path, monkeypatch):
    """Never touch data/tension.db: every test gets its own database through the environment."""
    db = tmp_path / "env.db"
    monkeypatch.setenv("TENSION_DB", str(db))
    return db


def write_articles(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        d = date(2019, 1, 1) + timedelta(days=i)
        a, b = ACTORS[i % len(ACTORS)], ACTS[(i // len(ACTORS)) % len(ACTS)]
        text = (
            f"{d:%B} {d.day}, {d.year}\nBulletin {i}: {a} and the other side\n\n"
            f"{a} {b}, according to bulletin number {i}. The United States and China each issued statements. "
            f"{ACTORS[(i + 1) % len(ACTORS)]} {ACTS[(i + 2) % len(ACTS)]}.\n"
        )
        p = folder / f"bulletin-{i:05d}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def counts(db: Path | str) -> dict[str, object]:
    """Row counts of every table and, for SQLite, its own integrity verdict (a PostgreSQL
    server keeps its own consistency: "ok")."""
    one = lambda sql: raw_rows(db, sql)[0][0]  # noqa: E731
    res: dict[str, object] = {"integrity": "ok" if isinstance(db, str) else one("PRAGMA integrity_check")}
    for t in ("articles", "texts", "passages", "matches"):
        res[t] = one(f"SELECT count(*) FROM {t}")
    res["distinct_hash"] = one("SELECT count(DISTINCT hash) FROM articles")
    res["orphans"] = one(
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.article = a.pk)"
        " OR NOT EXISTS (SELECT 1 FROM matches m WHERE m.article = a.pk)"
        " OR NOT EXISTS (SELECT 1 FROM texts t WHERE t.article = a.pk)"
        " OR a.n_passages != (SELECT n FROM passages p WHERE p.article = a.pk)"
    )
    return res


def cli(*argv: object, **kw) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "TENSION_DB"}
    return subprocess.Popen(
        [sys.executable, "-m", "metrics", *map(str, argv)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )


# --- the commands in-process -----------------------------------------------------------------------


@pytest.mark.slow
def test_ingest_mixed_folder_reports_each_bad_file_and_keeps_the_good(tmp_path, capsys, own_db):
    folder = tmp_path / "in"
    write_articles(folder, 3)
    (folder / "page.html").write_text(make_html(), encoding="utf-8")
    make_pdf(folder / "report.pdf", ["Envoys meet in Vienna", BODY])
    make_docx(folder / "memo.docx", "Talks resume", [BODY + " Both sides met again."])
    (folder / "binary.txt").write_bytes(b"\x00" * 64)
    (folder / "empty.md").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (folder / "broken.docx").write_bytes(b"not a zip")
    code, out, err = run(capsys, "ingest", folder, "--quiet")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 4 and "Traceback" not in err
    for name in ("binary.txt", "empty.md", "broken.pdf", "broken.docx"):
        assert sum(line.startswith(f"error: {folder / name}: ") for line in lines) == 1
    assert SUMMARY.match(out).groups() == ("6", "0", "4")
    code, out, err = run(capsys, "ingest", folder / "page.html", folder / "report.pdf", "--quiet")
    assert code == 0 and SUMMARY.match(out).groups() == ("0", "2", "0")
    code, out, _ = run(capsys, "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 6
    assert set(rows[0]) == {"id", "date", "title", "source", "tension", "duplicate_of"}
    titles = {r["title"] for r in rows}
    assert {"Sanctions widen as talks stall", "Envoys meet in Vienna", "Talks resume"} <= titles
    assert own_db.exists()


def test_db_option_and_nothing_found(tmp_path, capsys, own_db):
    other = tmp_path / "other.db"
    write_articles(tmp_path / "in", 2)
    code, out, _ = run(capsys, "ingest", tmp_path / "in", "--db", other, "--quiet")
    assert code == 0 and str(other) in out
    assert other.exists() and not own_db.exists()
    (tmp_path / "none").mkdir()
    code, out, err = run(capsys, "ingest", tmp_path / "none", "--quiet")
    assert code == 1 and err.strip() == f"error: no articles found in {tmp_path / 'none'}"
    code, _, err = run(capsys, "ingest", tmp_path / "in", "--db", tmp_path / "no" / "such" / "x.db")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "does not exist" in err


def test_ingest_max_size_option(tmp_path, capsys):
    f = tmp_path / "big.txt"
    f.write_bytes(b"x" * 250_000 + b"\n" + BODY.encode())  # small, with the limits scaled alike: cheap
    code, _, err = run(capsys, "ingest", f, "--max-size", "0.1", "--quiet")
    assert code == 1 and err.strip() == f"error: {f}: 0.2 MB, over the 0.1 MB size limit (--max-size)"
    code, out, _ = run(capsys, "ingest", f, "--max-size", "0.5", "--quiet")
    assert code == 0 and SUMMARY.match(out).groups() == ("1", "0", "0")


def test_list_formats_weights_and_dyad(tmp_path, capsys):
    write_articles(tmp_path / "in", 6)
    run(capsys, "ingest", tmp_path / "in", "--quiet")
    code, out, _ = run(capsys, "list", "--format", "csv")
    df = pd.read_csv(io.StringIO(out))
    assert code == 0 and list(df.columns) == ["id", "date", "title", "source", "tension", "duplicate_of"] and len(df) == 6
    assert list(df["date"]) == sorted(df["date"])
    code, out, _ = run(capsys, "list")
    assert out.splitlines()[0].split() == ["id", "date", "tension", "title", "source"]
    assert len(out.splitlines()) == 7
    w = tmp_path / "w.json"
    w.write_text(json.dumps({"sanctions": 30}), encoding="utf-8")
    heavy = pd.read_csv(io.StringIO(run(capsys, "list", "--format", "csv", "--weights", w)[1])).set_index("id")["tension"]
    base = df.set_index("id")["tension"]
    sanctioned = [i for i, t in zip(df["id"], df["title"]) if t.startswith("Bulletin 0:")]
    assert heavy[sanctioned[0]] > base[sanctioned[0]]
    code, _, err = run(capsys, "list", "--dyad", "US-XX")
    assert code == 2 and "US-XX" in err


def _listed(capsys) -> list[str]:
    return [r["id"] for r in json.loads(run(capsys, "list", "--format", "json")[1])]


@pytest.mark.slow
def test_remove_restore_purge_and_the_log(tmp_path, capsys, monkeypatch, db_location):
    monkeypatch.setenv("TENSION_DB", str(db_location))
    write_articles(tmp_path / "in", 3)
    run(capsys, "ingest", tmp_path / "in", "--quiet")
    ids = _listed(capsys)
    code, out, err = run(capsys, "remove", ids[0], "nope")
    assert code == 1 and out.strip().startswith("removed 1")
    assert err.strip().startswith("error: no article with id 'nope'")
    assert _listed(capsys) == ids[1:]
    out_csv = tmp_path / "s.csv"
    run(capsys, "export", "-o", out_csv)
    assert ids[0] not in set(pd.read_csv(out_csv)["id"])
    # A wrong click is undone: the same article, the same score.
    code, out, err = run(capsys, "restore", ids[0], ids[1], "nope")
    assert code == 1 and out.strip() == "restored 1"
    assert f"article '{ids[1]}' is stored, not removed" in err and "'nope' was never stored" in err
    assert _listed(capsys) == ids
    # Removing twice names the way to delete for good; --purge does it.
    run(capsys, "remove", ids[2])
    code, _, err = run(capsys, "remove", ids[2])
    assert code == 1 and "already removed; --purge" in err
    code, out, _ = run(capsys, "remove", "--purge", ids[2], ids[1])
    assert code == 0 and out.strip() == "purged 2"
    code, _, err = run(capsys, "restore", ids[2])
    assert code == 1 and "purged" in err
    assert _listed(capsys) == ids[:1]
    code, out, _ = run(capsys, "log", "--format", "json")
    log = json.loads(out)
    actions = [(e["action"], e["id"]) for e in log]
    purged = [("purge", i) for i in sorted([ids[1], ids[2]], reverse=True)]  # latest first
    assert code == 0 and actions[:5] == [*purged, ("remove", ids[2]), ("restore", ids[0]), ("remove", ids[0])]
    assert [a for a, _ in actions[5:]] == ["add"] * 3 and {i for _, i in actions[5:]} == set(ids)
    assert all(e["who"] and e["title"].startswith("Bulletin") and e["at"][:2] == "20" for e in log)
    code, out, _ = run(capsys, "log", "--limit", "2")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["at", "who", "action", "id", "title"] and len(lines) == 3
    assert lines[1].split()[2] == "purge"
    assert run(capsys, "log", "--limit", "0")[0] == 2


def test_commands_on_a_missing_database_do_not_create_it(tmp_path, capsys, own_db):
    for argv in (["list"], ["remove", "x"], ["restore", "x"], ["log"], ["export", "-o", tmp_path / "s.csv"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and "no database here" in err and len(err.strip().splitlines()) == 1
    assert not own_db.exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_articles_and_passages_reconcile(tmp_path, capsys, suffix):
    write_articles(tmp_path / "in", 5)
    run(capsys, "ingest", tmp_path / "in", "--quiet")
    out = tmp_path / f"scores{suffix}"
    code, stdout, err = run(capsys, "export", "-o", out)
    assert code == 0, err
    passages_file = tmp_path / f"scores.passages{suffix}"
    assert str(passages_file) in stdout
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    arts, pas = read(out), read(passages_file)
    assert len(arts) == 5 and {"id", "date", "title", "tension", "raw", "top_cues"} <= set(arts.columns)
    assert {"id", "passage", "contribution", "cues", "text"} <= set(pas.columns)
    # The passages' contributions add up to each article's raw score.
    summed = pas.groupby("id")["contribution"].sum()
    for aid, raw in zip(arts["id"], arts["raw"]):
        assert summed[aid] == pytest.approx(raw, abs=1e-3)
    assert pas["cues"].fillna("").str.contains('sanctions "sanctions" +', regex=False).any()
    assert (pas["text"].fillna("").str.len() > 0).all()


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("DELETE FROM texts WHERE article = (SELECT min(article) FROM texts)", "article text missing"),
        ("UPDATE passages SET p_start = substr(p_start, 1, 5)", "stored features do not decode"),
        ("UPDATE matches SET m_end = substr(m_end, 1, 8)", "stored features do not decode"),
    ],
)
def test_a_database_damaged_by_hand_gives_one_line_and_no_output(tmp_path, capsys, own_db, damage, reason):
    write_articles(tmp_path / "in", 3)
    run(capsys, "ingest", tmp_path / "in", "--quiet")
    with sqlite3.connect(own_db) as conn:
        conn.execute(damage)
    out = tmp_path / "scores.csv"
    for argv in (["export", "-o", out], ["list"]) if "texts" not in damage else (["export", "-o", out],):
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and reason in err and str(own_db) in err, err
        assert len(err.strip().splitlines()) == 1 and stdout == ""
    assert not out.exists()


def test_export_needs_a_known_suffix(tmp_path, capsys):
    write_articles(tmp_path / "in", 1)
    run(capsys, "ingest", tmp_path / "in", "--quiet")
    code, _, err = run(capsys, "export", "-o", tmp_path / "scores.xlsx")
    assert code == 2 and ".csv, .parquet or .jsonl" in err


# --- several processes, and killed processes ---------------------------------------------------------


@pytest.mark.slow
def test_concurrent_writer_processes_lose_and_duplicate_nothing(tmp_path, db_location):
    db = db_location
    shared = tmp_path / "shared"
    write_articles(shared, 80)
    own = [tmp_path / f"own{k}" for k in range(4)]
    for k, folder in enumerate(own):
        write_articles(folder, 20, start=1000 + 20 * k)
    # Half the writers take the shared articles first, half their own: both orders collide.
    procs = [
        cli("ingest", *((shared, own[k]) if k % 2 else (own[k], shared)), "--db", db, "--quiet") for k in range(4)
    ]
    results = [p.communicate(timeout=600) for p in procs]
    added = 0
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
        a, present, failed = map(int, SUMMARY.match(out).groups())
        assert a + present == 100 and failed == 0
        added += a
    assert added == 160  # every article added exactly once across all writers
    c = counts(db)
    assert c == {"integrity": "ok", "articles": 160, "texts": 160, "passages": 160, "matches": 160,
                 "distinct_hash": 160, "orphans": 0}


def _wait_for_rows(db: Path | str, proc: subprocess.Popen, at_least: int) -> int:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the ingest finished before it could be killed: give it more files"
        if isinstance(db, str) or db.exists():
            try:
                n = raw_rows(db, "SELECT count(*) FROM articles")[0][0]
                if n >= at_least:
                    return n
            except Exception:  # noqa: BLE001 - schema not created yet (either backend)
                pass
        time.sleep(0.02)
    raise AssertionError("ingest made no progress")


@pytest.mark.slow
def test_killed_ingest_leaves_a_consistent_database_and_resumes(tmp_path, db_location):
    db = db_location
    folder = tmp_path / "many"
    write_articles(folder, 400)
    proc = cli("ingest", folder, "--db", db, "--quiet")
    _wait_for_rows(db, proc, 25)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    c = counts(db)
    stored = c["articles"]
    assert 25 <= stored < 400
    assert c == {"integrity": "ok", "articles": stored, "texts": stored, "passages": stored, "matches": stored,
                 "distinct_hash": stored, "orphans": 0}
    again = cli("ingest", folder, "--db", db, "--quiet")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert SUMMARY.match(out).groups() == (str(400 - stored), str(stored), "0")
    assert counts(db) == {"integrity": "ok", "articles": 400, "texts": 400, "passages": 400, "matches": 400,
                          "distinct_hash": 400, "orphans": 0}


KILL_INSIDE = """
import sys, time
import metrics.store.core as sm
from metrics.cli import main

write = sm.Store._write_features
calls = []

def slow_write(conn, pk, pas, mat, *rest):
    write(conn, pk, pas, mat, *rest)
    calls.append(pk)
    if len(calls) == 3:  # third article: its rows are written, its transaction not committed
        print("INSIDE", flush=True)
        time.sleep(120)

sm.Store._write_features = staticmethod(slow_write)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_process_killed_inside_a_transaction_leaves_no_half_article(tmp_path, db_location):
    db = db_location
    folder = tmp_path / "few"
    write_articles(folder, 10)
    env = {k: v for k, v in os.environ.items() if k != "TENSION_DB"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_INSIDE, "ingest", str(folder), "--db", str(db), "--quiet"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout.readline().strip() == "INSIDE"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    # The article whose transaction was open is not there, not even in part.
    assert counts(db) == {"integrity": "ok", "articles": 2, "texts": 2, "passages": 2, "matches": 2,
                          "distinct_hash": 2, "orphans": 0}
    again = cli("ingest", folder, "--db", db, "--quiet")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert SUMMARY.match(out).groups() == ("8", "2", "0")
    assert counts(db)["articles"] == 10
