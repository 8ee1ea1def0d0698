"""The SQLite store: features round-trip, duplicates, removal, schema versions, stale lexicons,
threads and a writer that holds the lock."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers.db import raw_rows

from metrics import settings
from metrics.errors import InputError, MetricsError
from metrics.events.extract import Extractor
from metrics.events.lexicon import DEFAULT_LEXICON, load_lexicon
from metrics.model import Article
from metrics.read.readers import read_path
from metrics.score.scoring import prepare, score_table
from metrics.store import core as store_mod
from metrics.store.core import SCHEMA_VERSION, Store, default_db_path, ingest

ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"

TEXTS = [
    "March 1, 2021\nSanctions widen\n\nWashington imposed sanctions on Chinese officials, and Beijing condemned the move.",
    "April 2, 2021\nTalks held\n\nThe United States and China held constructive talks in Alaska, officials said.",
    "Envoys agree\n\nThe US and China signed an agreement on climate cooperation. The two sides praised the deal.",
]


@pytest.fixture
def db(db_location):
    s = Store(db_location)
    yield s
    s.close()


def _sorted_like(ref, ids):
    order = {i: k for k, i in enumerate(ref.articles["id"])}
    return ref.subset([order[i] for i in ids])


@pytest.mark.parametrize("include_text", [False, True])
def test_features_round_trip_equals_fresh_extraction(db, include_text):
    arts = [a for a in read_path(ARTICLES) if isinstance(a, Article)]
    summary = ingest(db, arts)
    assert (summary.added, summary.present, summary.failed) == (len(arts), 0, 0)
    got = db.features(include_text=include_text)
    want = _sorted_like(Extractor().extract_many(arts), list(got.articles["id"]))
    if not include_text:
        want.passages["text"] = ""
    pd.testing.assert_frame_equal(got.articles, want.articles)
    pd.testing.assert_frame_equal(got.passages, want.passages)
    pd.testing.assert_frame_equal(got.matches, want.matches)
    # Ordered like articles(): by date, undated last.
    assert list(got.articles["id"]) == list(db.articles()["id"])
    dates = [d for d in db.articles()["date"] if d is not None]
    assert dates == sorted(dates)
    # Scores from the store equal scores from the files.
    fresh = score_table(prepare(want), None).set_index("id")["tension"]
    stored = score_table(prepare(got), None).set_index("id")["tension"]
    pd.testing.assert_series_equal(stored, fresh)


def test_same_article_twice_is_stored_once(db):
    first = db.add(Article(text=TEXTS[0], source="a.txt"))
    assert first.status == "added"
    v = db.version()
    # Same text with other whitespace and case, from another file: the content hash matches.
    again = db.add(Article(text=TEXTS[0].upper().replace("\n\n", "\n  \n"), source="copy.txt"))
    assert again.status == "present" and again.id == first.id
    assert db.count() == 1 and db.version() == v  # nothing written


def test_an_id_reused_for_another_text_fails_without_writing(db):
    assert db.add(Article(text=TEXTS[0], id="a1", source="t.csv#1")).status == "added"
    res = db.add(Article(text=TEXTS[1], id="a1", source="t.csv#2"))
    assert res.status == "failed" and res.message == "t.csv#2: id 'a1' is already used by an article with a different text"
    assert db.count() == 1


def test_remove_hides_restore_brings_back_purge_deletes(db, db_location):
    ids = [db.add(Article(text=t, title=f"T{k}")).id for k, t in enumerate(TEXTS)]
    before = db.features()
    v = db.version()
    assert db.remove([ids[1], "no-such-id"]) == 1
    assert db.version() != v and db.count() == 2
    assert ids[1] not in set(db.features().articles["id"]) and ids[1] not in set(db.articles()["id"])
    assert db.stale() == 0 and len(db.features()) == 2
    with pytest.raises(KeyError):
        db.article_text(ids[1])
    with pytest.raises(KeyError):
        db.article_features(ids[1])
    assert list(db.removed()["id"]) == [ids[1]]
    assert db.find(Article(text=TEXTS[1])) is None
    # The tombstone keeps the text and features: restore gives back exactly what was there.
    assert db.remove([ids[1]]) == 0  # already removed
    assert db.restore([ids[1], ids[0]]) == 1  # ids[0] was never removed
    after = db.features()
    pd.testing.assert_frame_equal(after.matches, before.matches)
    pd.testing.assert_frame_equal(after.passages, before.passages)
    assert db.removed().empty and db.count() == 3
    # Purge deletes for good, removed or not.
    db.remove([ids[2]])
    assert db.purge([ids[2], ids[0]]) == 2
    assert db.restore([ids[2]]) == 0 and db.count() == 1
    for table in ("articles", "texts", "passages", "matches"):
        assert raw_rows(db_location, f"SELECT count(*) FROM {table}")[0][0] == 1
    assert db.remove([]) == 0 and db.purge([]) == 0


def test_adding_a_removed_text_again_brings_it_back(db):
    first = db.add(Article(text=TEXTS[0], id="a1"))
    db.remove(["a1"])
    again = db.add(Article(text=TEXTS[0], id="other-name"))
    assert (again.status, again.id) == ("added", "a1") and db.count() == 1 and db.removed().empty
    assert first.status == "added"
    # A removed article's id stays taken until it is purged.
    db.remove(["a1"])
    res = db.add(Article(text=TEXTS[1], id="a1", source="t.csv#2"))
    assert res.status == "failed" and "remove --purge" in res.message
    db.purge(["a1"])
    assert db.add(Article(text=TEXTS[1], id="a1")).status == "added"


def test_activity_log_records_who_did_what(db):
    a = db.add(Article(text=TEXTS[0], title="Sanctions widen"), who="ana")
    db.add(Article(text=TEXTS[1], title="Talks held"))
    db.add(Article(text=TEXTS[0]), who="ben")  # already present: nothing happened, nothing logged
    db.remove([a.id], who="ben")
    db.restore([a.id], who="ana")
    db.purge([a.id], who="cleo")
    log = db.activity()
    assert list(log["action"]) == ["purge", "restore", "remove", "add", "add"]
    assert [None if pd.isna(w) else w for w in log["who"]] == ["cleo", "ana", "ben", None, "ana"]
    assert set(log.loc[log["id"] == a.id, "title"]) == {"Sanctions widen"}
    assert all(len(t) >= 19 and t[4] == "-" for t in log["at"])
    assert list(db.activity(limit=2)["action"]) == ["purge", "restore"]


def test_article_drill_down_and_text(db):
    res = db.add(Article(text=TEXTS[1], title="Talks held"))
    f = db.article_features(res.id)
    assert len(f) == 1 and f.articles.loc[0, "title"] == "Talks held"
    assert all(TEXTS[1][s:e] == t for s, e, t in zip(f.passages["start"], f.passages["end"], f.passages["text"]))
    assert any("constructive" in m for m in f.matches["matched"])
    assert db.article_text(res.id) == TEXTS[1]
    with pytest.raises(KeyError):
        db.article_features("nope")


def test_empty_store_scores_to_an_empty_table(db):
    f = db.features()
    assert len(f) == 0 and db.count() == 0
    assert score_table(prepare(f)).empty


@pytest.fixture
def sqlite_db(tmp_path):
    s = Store(tmp_path / "t.db")
    yield s
    s.close()


def test_schema_is_versioned_and_wal(sqlite_db):
    db = sqlite_db
    raw = sqlite3.connect(db.path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def _schema_version(location) -> int:
    if isinstance(location, str):
        return raw_rows(location, "SELECT version FROM tension_schema")[0][0]
    return raw_rows(location, "PRAGMA user_version")[0][0]


def test_migration_upgrades_an_old_database_in_place(db_location, monkeypatch):
    path = db_location
    with Store(path) as old:
        kept = old.add(Article(text=TEXTS[0])).id
    assert _schema_version(path) == SCHEMA_VERSION
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS + [["ALTER TABLE articles ADD COLUMN note TEXT"]])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(path) as new:
        assert list(new.articles()["id"]) == [kept]
        assert _schema_version(path) == SCHEMA_VERSION + 1
        raw_rows(path, "SELECT note FROM articles")  # the new column is there
        assert new.add(Article(text=TEXTS[1])).status == "added"
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION)
    with pytest.raises(MetricsError, match="newer than this program"):
        Store(path)


def test_version_one_databases_gain_tombstones_and_the_log(tmp_path):
    # A file written before removals were kept (schema 1) opens with its articles live.
    path = tmp_path / "v1.db"
    raw = sqlite3.connect(path)
    for statement in store_mod.MIGRATIONS[0]:
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with Store(path) as s:
        a = s.add(Article(text=TEXTS[0]))
        assert s.count() == 1 and s.remove([a.id]) == 1 and s.restore([a.id]) == 1
        assert list(s.activity()["action"]) == ["restore", "remove", "add"]


def test_newer_or_foreign_files_are_refused_in_one_line(tmp_path):
    newer = tmp_path / "newer.db"
    raw = sqlite3.connect(newer)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.close()
    with pytest.raises(MetricsError, match="newer than this program"):
        Store(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is a text file, not SQLite" * 100)
    with pytest.raises(MetricsError, match="junk.db"):
        Store(junk)
    with pytest.raises(MetricsError, match="no database here"):
        Store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSION_DB", raising=False)
    assert default_db_path().name == "tension.db" and default_db_path().parent.name == "data"
    monkeypatch.setenv("TENSION_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    with Store() as s:
        assert s.path == tmp_path / "env.db"


def test_lexicon_change_recomputes_stale_features_never_mixes(tmp_path, db_location):
    path = db_location
    text = "The US and China remained locked in a glacial standoff over trade, officials said."
    with Store(path) as s:
        s.add(Article(text=text))
        s.add(Article(text=TEXTS[0]))
        before = s.features()
    # A new pattern in an existing family: "glacial standoff" now reads as bad relations.
    src = DEFAULT_LEXICON.read_text(encoding="utf-8")
    family = src.index("  - id: relations_bad\n")
    at = src.index("    patterns:\n", family) + len("    patterns:\n")
    lex_file = tmp_path / "lexicon.yaml"
    lex_file.write_text(src[:at] + '      - "glacial standoff"\n' + src[at:], encoding="utf-8")
    new_lex = load_lexicon(lex_file)
    assert new_lex.version != load_lexicon(DEFAULT_LEXICON).version
    with Store(path, lexicon=new_lex) as s2:
        assert s2.stale() == 2
        after = s2.features()
        assert s2.stale() == 0
        assert "glacial standoff" in set(after.matches["matched"])
        assert "glacial standoff" not in set(before.matches["matched"])
        versions = {r[0] for r in raw_rows(path, "SELECT features_version FROM articles")}
        assert versions == {s2.features_version}
    with Store(path) as s3:  # the old lexicon sees the new features as stale in turn
        assert s3.stale() == 2
        pd.testing.assert_frame_equal(s3.features().matches, before.matches)


def test_add_features_from_elsewhere_and_other_versions(db):
    ex = Extractor()
    f = ex.extract(Article(text=TEXTS[0]))
    assert db.add_features(f).status == "added"
    g = ex.extract(Article(text=TEXTS[1]))
    assert db.add_features(g, version="an-older-lexicon").status == "added"
    assert db.stale() == 1
    assert len(db.features()) == 2 and db.stale() == 0


def test_ingest_reports_failures_and_goes_on(db):
    lines: list[str] = []

    class Rep:
        def error(self, message: str) -> None:
            lines.append(message)

    ex = Extractor()

    def boom(article: Article):
        if "Alaska" in article.text:
            raise ValueError("cannot segment")
        return ex.extract(article)

    items = [
        Article(text=TEXTS[0], source="a.txt"),
        InputError("b.pdf: corrupt or unreadable PDF: bad xref"),
        Article(text=TEXTS[1], source="c.txt"),
        ex.extract(Article(text=TEXTS[2], source="d.txt")),
        Article(text=TEXTS[0], source="copy-of-a.txt"),
    ]
    summary = ingest(db, items, extract=boom, reporter=Rep())
    assert (summary.added, summary.present, summary.failed) == (2, 1, 2)
    assert lines == [
        "b.pdf: corrupt or unreadable PDF: bad xref",
        "c.txt: cannot extract features: ValueError: cannot segment",
    ]
    assert db.count() == 2


def test_threads_sharing_one_store(db):
    arts = [Article(text=f"{TEXTS[i % 3]} Report number {i // 3}.") for i in range(30)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for a in arts[k::2] + arts:  # every thread also tries every article: duplicates race
                db.add(a)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.count() == 30
    assert len(db.features().articles["id"].unique()) == 30


@pytest.mark.slow
def test_a_writer_holding_the_lock_is_waited_for_not_failed(tmp_path, monkeypatch, request):
    # SQLite's own wait is made tiny so that the retry with backoff is what rides out the lock.
    settings.configure({"sqlite_busy_timeout_seconds": 0.01})
    request.addfinalizer(settings.configure)
    path = tmp_path / "t.db"
    s = Store(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("INSERT INTO state VALUES ('held', 1)")
    released = threading.Event()
    result: list = []

    def add() -> None:
        result.append(s.add(Article(text=TEXTS[0])))
        result.append(released.is_set())

    t = threading.Thread(target=add)
    t.start()
    time.sleep(1.0)
    assert result == []  # still waiting: the lock is held
    released.set()
    blocker.execute("COMMIT")
    blocker.close()
    t.join(timeout=60)
    assert result[0].status == "added" and result[1] is True
    assert s.count() == 1
    s.close()


@pytest.mark.slow
def test_short_lived_threads_do_not_pile_up_connections(db):
    # The dashboard runs every rerun in a new thread; each must not leave a connection open.
    db.add(Article(text=TEXTS[0]))
    fds = lambda: len(os.listdir("/proc/self/fd"))  # noqa: E731
    for _ in range(5):  # warm the pool
        t = threading.Thread(target=db.count)
        t.start()
        t.join()
    before = fds()
    for _ in range(100):
        t = threading.Thread(target=db.features)
        t.start()
        t.join()
    assert fds() <= before + 2


def test_opening_without_create_writes_nothing_and_a_dead_server_is_one_line(db_location, tmp_path):
    with pytest.raises(MetricsError, match="no database here"):
        Store(db_location, create=False)
    if isinstance(db_location, str):
        assert raw_rows(db_location, "SELECT to_regclass('tension_schema')") == [(None,)]
    else:
        assert not db_location.exists()
    dead = f"postgresql://ana:secret@/postgres?host={tmp_path}/nowhere&user=ana"
    with pytest.raises(MetricsError) as err:
        Store(dead)
    msg = str(err.value)
    assert "cannot connect" in msg and "secret" not in msg and "ana:***@" in msg and len(msg.splitlines()) == 1


def test_racing_removes_and_restores_count_and_log_each_article_once(db):
    ids = [db.add(Article(text=f"{TEXTS[i % 3]} Note {i}.")).id for i in range(12)]
    done: dict[str, list[int]] = {"remove": [], "restore": []}
    start = threading.Barrier(4)

    def work(action: str, k: int) -> None:
        start.wait()
        mine = ids[k:] + ids[:k]  # every thread changes every article, each in its own order
        done[action].append((db.remove if action == "remove" else db.restore)(mine))

    for action in ("remove", "restore"):
        threads = [threading.Thread(target=work, args=(action, k)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(done["remove"]) == 12 and sum(done["restore"]) == 12
    log = db.activity()
    assert (log["action"] == "remove").sum() == 12 and (log["action"] == "restore").sum() == 12
    assert set(log.loc[log["action"] == "remove", "id"]) == set(ids) and db.count() == 12


def test_open_store_chooses_the_backend_by_the_location_and_both_keep_the_same_articles(db_location):
    from metrics.store import open_store

    with open_store(db_location) as store:
        expected = "postgresql" if str(db_location).startswith("postgresql://") else "sqlite"
        assert store.backend.name == expected
        assert store.add(Article("Beijing cut military channels with Washington.", title="Channels cut")).status == "added"
    with open_store(db_location, create=False) as again:  # the same place, opened anew
        assert list(again.features().articles["title"]) == ["Channels cut"]
        assert "password" not in repr(again) and expected in repr(again)


def test_open_store_refuses_a_missing_sqlite_file_when_asked_not_to_create_it(tmp_path):
    from metrics.store import open_store

    with pytest.raises(MetricsError, match=r"no database here.*python -m metrics ingest"):
        open_store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()
