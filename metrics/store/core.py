"""The article database: SQLite, safe for several processes and threads at once.

Layout (schema version ``SCHEMA_VERSION``, kept in ``PRAGMA user_version``):

- ``articles``: one row per article (id, content hash, title, date, source, when added, the
  version of the features stored for it);
- ``texts``: the full text, kept so that features can be recomputed when the lexicon changes;
- ``passages`` and ``matches``: one row per article holding its passages' (resp. cue matches')
  columns as packed little-endian arrays. Features are written once and always read whole, so
  ``features()`` loads 10,000+ articles with one query per table and ``numpy.frombuffer``,
  without building a Python object per passage or match.

- ``activity``: who (when signed in) added, removed, restored or purged which article, and when.

Removing an article keeps it as a tombstone (``deleted_at`` set): hidden from every read, back
with ``restore``; ``purge`` deletes it for good.

Writes: one ``BEGIN IMMEDIATE`` transaction per article, retried with backoff while another
writer holds the lock, on top of SQLite's busy timeout; WAL lets readers go on meanwhile. A
process killed mid-write leaves the last transaction rolled back, never half an article.

``open_store(URL)`` (or ``Store(URL)``) with a ``postgresql://`` URL opens the same store on
PostgreSQL: the same SQL, tables and packed columns over another backend
(``metrics.store.postgres``; SQLite's is ``metrics.store.sqlite``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np
import pandas as pd

from metrics import settings
from metrics.errors import InputError, MetricsError, needs_extra
from metrics.events.extract import Extractor
from metrics.events.lexicon import Lexicon, default_lexicon
from metrics.model import (
    ARTICLE_COLUMNS,
    MATCH_COLUMNS,
    MATCH_DTYPES,
    PASSAGE_COLUMNS,
    PASSAGE_DTYPES,
    Article,
    ArticleFeatures,
    Features,
    content_id,
)
from metrics.resources import ENV_DB, db_dir

POOL_SIZE = 8  # idle connections kept for reuse; more are opened when more threads need one
_ORDER = "a.date IS NULL, a.date, a.pk"  # articles by date, undated last, then as added

T = TypeVar("T")


def is_url(location: object) -> bool:
    """Whether a database location names a PostgreSQL server rather than a SQLite file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def default_db_path() -> Path | str:
    """``$TENSION_DB`` if set (a file, or a ``postgresql://`` URL), else ``data/tension.db``."""
    env = os.environ.get(ENV_DB)
    if env and is_url(env):
        return env
    return Path(env) if env else db_dir() / "tension.db"


# --- schema -----------------------------------------------------------------------------------

# MIGRATIONS[i] brings a database from user_version i to i + 1, inside one transaction; a new
# schema change is a new entry at the end, never an edit of an old one.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE articles (
            pk INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            hash TEXT NOT NULL UNIQUE,
            title TEXT,
            date TEXT,
            source TEXT,
            added_at TEXT NOT NULL,
            features_version TEXT NOT NULL,
            n_passages INTEGER NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE TABLE texts (article INTEGER PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE, text TEXT NOT NULL)",
        """CREATE TABLE passages (
            article INTEGER PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            n INTEGER NOT NULL, p_start BLOB NOT NULL, p_end BLOB NOT NULL, tone BLOB NOT NULL, mentions BLOB NOT NULL
        )""",
        """CREATE TABLE matches (
            article INTEGER PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE,
            n INTEGER NOT NULL, passage BLOB NOT NULL, cue BLOB NOT NULL, m_start BLOB NOT NULL, m_end BLOB NOT NULL,
            strength BLOB NOT NULL, flags BLOB NOT NULL, matched_len BLOB NOT NULL, matched BLOB NOT NULL
        )""",
        "CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT INTO state VALUES ('generation', 0)",
        "CREATE INDEX articles_date ON articles(date)",
    ],
    [
        "ALTER TABLE articles ADD COLUMN deleted_at TEXT",
        """CREATE TABLE activity (
            pk INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT,
            action TEXT NOT NULL,
            article TEXT NOT NULL,
            title TEXT
        )""",
    ],
    [
        # 3: syndicated copies (metrics.store.intake): the id of the first stored copy of the same story.
        "ALTER TABLE articles ADD COLUMN duplicate_of TEXT",
        "CREATE TABLE minhash (article INTEGER PRIMARY KEY REFERENCES articles(pk) ON DELETE CASCADE, sig BLOB NOT NULL)",
        "CREATE INDEX articles_source ON articles(source)",
        "CREATE INDEX articles_duplicate_of ON articles(duplicate_of)",
    ],
    # 4: the actors of each cue match (source and target masks). Rows written before have none
    # (NULL); their features version is older, so they are recomputed before anything reads them.
    ["ALTER TABLE matches ADD COLUMN source BLOB", "ALTER TABLE matches ADD COLUMN target BLOB"],
    # 5: analysts' corrections of cue readings (metrics.store.corrections); a tombstone on undo.
    [
        """CREATE TABLE corrections (
            pk INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT,
            features_version TEXT NOT NULL,
            article TEXT NOT NULL,
            p_start INTEGER NOT NULL,
            p_end INTEGER NOT NULL,
            cue TEXT,
            m_start INTEGER,
            m_end INTEGER,
            matched TEXT,
            kind TEXT NOT NULL,
            source TEXT,
            target TEXT,
            strength DOUBLE PRECISION,
            reason TEXT,
            original TEXT NOT NULL DEFAULT '{}',
            deleted_at TEXT
        )""",
        "CREATE INDEX corrections_article ON corrections(article)",
    ],
    # 6: the codes of each article's actor slots (the bits of its masks: metrics.events.dyad),
    # space-separated UTF-8. Rows written before have none and an older features version.
    ["ALTER TABLE passages ADD COLUMN actors BLOB"],
]
SCHEMA_VERSION = len(MIGRATIONS)

_I8, _I4, _F8, _U1 = np.dtype("<i8"), np.dtype("<i4"), np.dtype("<f8"), np.dtype("u1")
_NEGATED, _HEDGED = 1, 2

# The packed feature columns, defined once for writing, reading and both backends: (column,
# little-endian dtype, value for one passage/match tuple of ``ArticleFeatures``). A new column
# is one line here, its use in ``_features_from_rows`` and a migration adding it.
PASSAGE_PACKED: tuple[tuple[str, np.dtype, Callable[[tuple], Any]], ...] = (
    ("p_start", _I8, lambda p: p[0]),
    ("p_end", _I8, lambda p: p[1]),
    ("tone", _F8, lambda p: p[3]),
    ("mentions", _I8, lambda p: p[4]),
)
MATCH_PACKED: tuple[tuple[str, np.dtype, Callable[[tuple], Any]], ...] = (
    ("passage", _I8, lambda m: m[0]),
    ("cue", _I4, lambda m: m[1]),
    ("m_start", _I8, lambda m: m[2]),
    ("m_end", _I8, lambda m: m[3]),
    ("strength", _F8, lambda m: m[5]),
    ("flags", _U1, lambda m: (_NEGATED if m[6] else 0) | (_HEDGED if m[7] else 0)),
    ("source", _I8, lambda m: m[8]),
    ("target", _I8, lambda m: m[9]),
)
# Matched texts follow the packed match columns: UTF-8 bytes plus lengths, read back as one
# Arrow string array.
_MATCH_TEXT = ("matched_len", "matched")


def _upsert(table: str, columns: list[str]) -> str:
    return (
        f"INSERT INTO {table} (article, n, {', '.join(columns)}) VALUES ({', '.join('?' * (len(columns) + 2))})"
        f" ON CONFLICT (article) DO UPDATE SET n = excluded.n, " + ", ".join(f"{c} = excluded.{c}" for c in columns)
    )


_PASSAGE_COLS = [c for c, _, _ in PASSAGE_PACKED] + ["actors"]
_MATCH_COLS = [c for c, _, _ in MATCH_PACKED] + list(_MATCH_TEXT)
_PASSAGE_UPSERT = _upsert("passages", _PASSAGE_COLS)
_MATCH_UPSERT = _upsert("matches", _MATCH_COLS)
_LIVE = "a.deleted_at IS NULL"
_CORRECTIONS = (
    "SELECT pk, at, who, features_version, article, p_start, p_end, cue, m_start, m_end, matched, kind, source,"
    " target, strength, reason, original, deleted_at FROM corrections WHERE deleted_at IS NULL"
)


def _extraction_fingerprint() -> str:
    from metrics.events import dyad
    from metrics.events.scope import scope_words

    return _fingerprint(dyad.gazetteer().fingerprint, scope_words().version, settings.features_key())


@lru_cache(maxsize=8)
def _fingerprint(gazetteer_fingerprint: str, scope_version: str = "", features_settings: str = "") -> str:
    """What besides the lexicon shapes stored features: the extractor's declared version, the
    gazetteer's content, the scope words (data/scope.yaml), the settings that change features
    when they differ from their defaults (hedge_factor, ...) and VADER's version, so a change
    there also marks them stale. Code edits that leave features unchanged (comments, speed-ups)
    bump nothing and cost no recompute."""
    from metrics.events import extract

    h = hashlib.sha256(extract.EXTRACTOR_VERSION.encode())
    h.update(gazetteer_fingerprint.encode())  # the shipped gazetteer plus any --actors file
    h.update(scope_version.encode())
    h.update(features_settings.encode())
    try:
        from importlib.metadata import version

        h.update(version("vaderSentiment").encode())
    except Exception:  # noqa: BLE001 - an unknown version only costs a recompute
        pass
    return h.hexdigest()[:8]


def features_version(lexicon: Lexicon) -> str:
    """The version stored with each article's features: the lexicon's plus the extractor's."""
    return f"{lexicon.version}+{_extraction_fingerprint()}"


# --- results ----------------------------------------------------------------------------------


@dataclass
class AddResult:
    status: str  # "added" | "present" | "failed"
    id: str | None = None
    title: str | None = None
    message: str | None = None


class _Reporter(Protocol):
    def error(self, message: str) -> None: ...


class Signature(NamedTuple):
    """A stored article's MinHash signature as the near-duplicate finder (metrics.store.intake) reads it."""

    pk: int  # storage order: the first copy of a story wins
    id: str
    duplicate_of: str | None
    sig: bytes | None  # None: stored before signatures existed, or too short to have one


class NewSignature(NamedTuple):
    """A signature computed later for a stored article (``Store.set_signatures``)."""

    pk: int
    sig: bytes


@dataclass
class IngestSummary:
    added: int = 0
    present: int = 0
    failed: int = 0
    ids: list[str] = field(default_factory=list)  # ids of the articles added or already present

    def __str__(self) -> str:
        return f"added {self.added}, already present {self.present}, failed {self.failed}"


def _iso(d: Any) -> str | None:
    if d is None or (isinstance(d, float) and np.isnan(d)):
        return None
    if isinstance(d, datetime):
        return d.date().isoformat()
    if isinstance(d, date):
        return d.isoformat()
    return str(d)[:10] or None


def _to_date(s: object) -> date | None:
    if not isinstance(s, str) or not s:
        return None
    try:
        return date.fromisoformat(s)
    except ValueError:
        return None


def _pack(values: Iterable, dtype: np.dtype) -> bytes:
    return np.fromiter(values, dtype=dtype).tobytes()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Backend(Protocol):
    """What the store asks of a database: connections, transactions, retries, migrations.

    ``metrics.store.sqlite.SQLiteBackend`` and ``metrics.store.postgres.PostgresBackend`` answer
    it; the store composes one (as httpx composes a transport) and keeps the SQL, the tables and
    the packed columns to itself."""

    name: str
    path: Any  # what messages name: the file, or the URL without its password
    readonly: bool
    for_update: str

    def connect(self) -> Any: ...
    def reusable(self, conn: Any) -> bool: ...
    def rollback(self, conn: Any) -> None: ...
    def discard(self, conn: Any) -> None: ...
    def retry(self, fn: Callable[[], T]) -> T: ...
    def write(self, borrow: Callable[[], Any], fn: Callable[[Any], T]) -> T: ...
    def read(self, borrow: Callable[[], Any], fn: Callable[[Any], T]) -> T: ...
    def migrate(self, write: Callable[[Callable[[Any], Any]], Any]) -> None: ...


def open_backend(location: str | Path, create: bool = True) -> Backend:
    """The backend for a location: a ``postgresql://`` URL opens PostgreSQL, anything else is a
    SQLite file."""
    if is_url(location):
        try:
            from metrics.store.postgres import PostgresBackend  # psycopg only for a server
        except ImportError:
            raise needs_extra("a postgresql:// database", "postgres") from None
        return PostgresBackend(str(location), create)
    from metrics.store.sqlite import SQLiteBackend

    return SQLiteBackend(Path(location), create)


class Store:
    """Articles, their text and their extracted features, in one SQLite file or, given a
    ``postgresql://`` URL, a PostgreSQL database: the same tables and SQL over the backend
    ``open_backend`` chose."""

    def __init__(self, path: str | Path | None = None, lexicon: Lexicon | None = None, create: bool = True) -> None:
        self.backend: Backend = open_backend(path if path is not None else default_db_path(), create)
        self.path = self.backend.path
        self.lexicon = lexicon or default_lexicon()
        self.features_version = features_version(self.lexicon)
        self._extractor: Extractor | None = None
        self._idle: list[Any] = []
        self._closed = False
        self._lock = threading.Lock()
        self.backend.migrate(self._write)

    @property
    def readonly(self) -> bool:
        """A SQLite file without write access: read, never written; a server is never read-only."""
        return self.backend.readonly

    @property
    def _FOR_UPDATE(self) -> str:  # noqa: N802 - a SQL fragment spliced into the store's queries
        # Rows a write reads and then changes are locked by that read on a server, where writers
        # run side by side; SQLite's BEGIN IMMEDIATE already serialises them.
        return self.backend.for_update

    # -- connections and transactions: the pool is the store's, the rest the backend's ---------

    @contextmanager
    def _borrow(self) -> Iterator[Any]:
        """A connection for one operation. A pool rather than one per thread: the dashboard
        runs each rerun in a new thread, and per-thread connections would pile up."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self.backend.connect()
        try:
            yield conn
        finally:
            self.backend.rollback(conn)
            with self._lock:
                keep = not self._closed and len(self._idle) < POOL_SIZE and self.backend.reusable(conn)
                if keep:
                    self._idle.append(conn)
            if not keep:
                self.backend.discard(conn)

    def _retry(self, fn: Callable[[], T]) -> T:
        return self.backend.retry(fn)

    def _write(self, fn: Callable[[Any], T]) -> T:
        """``fn`` inside one write transaction."""
        return self.backend.write(self._borrow, fn)

    def _read(self, fn: Callable[[Any], T]) -> T:
        """``fn`` inside one read transaction: several queries see one consistent snapshot."""
        return self.backend.read(self._borrow, fn)

    def close(self) -> None:
        """Close the idle connections; operations still running close theirs when done."""
        with self._lock:
            conns, self._idle = self._idle, []
            self._closed = True
        for conn in conns:
            self.backend.discard(conn)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    @property
    def extractor(self) -> Extractor:
        if self._extractor is None:
            self._extractor = Extractor(self.lexicon)
        return self._extractor

    def find(self, article: Article) -> str | None:
        """The id under which this article's text is already stored, or None."""
        h = content_id(article.text)
        row = self._read(lambda c: c.execute(f"SELECT id FROM articles a WHERE hash = ? AND {_LIVE}", (h,)).fetchone())
        return row[0] if row else None

    def add(self, article: Article, extractor: Extractor | None = None, who: str | None = None) -> AddResult:
        """Extract the article's features and store it with them in one transaction; an
        article whose text is already stored is left alone (status "present")."""
        existing = self.find(article)
        if existing is not None:
            return AddResult("present", existing, article.title)
        extractor = extractor or self.extractor
        feats = extractor.extract(article)
        return self.add_features(feats, features_version(extractor.lexicon), who=who)

    def find_source(self, source: str) -> str | None:
        """The id of an article stored from this source (a fetched link), or None; a removed one
        counts, so a feed does not bring back what someone removed."""
        row = self._read(lambda c: c.execute("SELECT id FROM articles WHERE source = ? ORDER BY pk LIMIT 1", (source,)).fetchone())
        return row[0] if row else None

    def has(self, article_id: str) -> bool:
        return self._read(lambda c: c.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()) is not None

    def add_features(
        self, features: ArticleFeatures, version: str | None = None, who: str | None = None,
        duplicate_of: str | None = None, signature: bytes | None = None, once_per_source: bool = False,
    ) -> AddResult:
        """Store already-extracted features (the distributed path). ``version`` is the
        ``features_version`` of the lexicon they were extracted with (default: this store's);
        features of another version are stored and recomputed on the next ``features()``.
        A removed article (tombstone) with the same text comes back, with these features.
        ``who`` goes to the activity log. ``duplicate_of`` and ``signature`` come from
        ``metrics.store.intake``; ``once_per_source`` treats an article from an already stored source
        as present (fetched links)."""
        art = features.article
        h = content_id(art.text)
        version = version or self.features_version
        where = art.source or art.id
        n_cues = len(self.lexicon.families)
        if version == self.features_version and any(not 0 <= m[1] < n_cues for m in features.matches):
            return AddResult("failed", art.id, art.title, f"{where}: cue index out of range for this lexicon")
        pas, mat = features.passages, features.matches

        def run(conn: sqlite3.Connection) -> AddResult:
            row = conn.execute(f"SELECT pk, id, deleted_at FROM articles WHERE hash = ?{self._FOR_UPDATE}", (h,)).fetchone()
            if row is None and once_per_source and art.source:
                same = conn.execute("SELECT id FROM articles WHERE source = ? LIMIT 1", (art.source,)).fetchone()
                if same:
                    return AddResult("present", same[0], art.title)
            if row and row[2] is None:
                return AddResult("present", row[1], art.title)
            if row:  # a tombstone of the same text: the article comes back under its old id
                conn.execute("UPDATE articles SET deleted_at = NULL, features_version = ?, n_passages = ? WHERE pk = ?",
                             (version, len(pas), row[0]))
                self._write_features(conn, row[0], pas, mat, features.actors)
                self._log(conn, "add", row[1], art.title, who)
                self._bump(conn)
                return AddResult("added", row[1], art.title)
            # ON CONFLICT DO NOTHING: a concurrent writer of the same text (or id) on a server
            # that does not serialise writers makes this insert a no-op instead of an error.
            got = conn.execute(
                "INSERT INTO articles (id, hash, title, date, source, added_at, features_version, n_passages, meta)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING pk",
                (
                    art.id, h, art.title, _iso(art.date), art.source, _now(), version, len(pas),
                    json.dumps(art.meta or {}, ensure_ascii=False, default=str),
                ),
            ).fetchone()
            if got is None:
                row = conn.execute("SELECT id FROM articles WHERE hash = ?", (h,)).fetchone()
                if row:
                    return AddResult("present", row[0], art.title)
                gone = conn.execute("SELECT deleted_at FROM articles WHERE id = ?", (art.id,)).fetchone()
                hint = " (a removed one: purge it with `remove --purge` to reuse the id)" if gone and gone[0] else ""
                return AddResult(
                    "failed", art.id, art.title, f"{where}: id '{art.id}' is already used by an article with a different text{hint}"
                )
            pk = got[0]
            if duplicate_of is not None:
                conn.execute("UPDATE articles SET duplicate_of = ? WHERE pk = ?", (duplicate_of, pk))
            if signature is not None:
                conn.execute("INSERT INTO minhash VALUES (?, ?)", (pk, signature))
            conn.execute("INSERT INTO texts VALUES (?, ?)", (pk, art.text))
            self._write_features(conn, pk, pas, mat, features.actors)
            self._log(conn, "add", art.id, art.title, who)
            self._bump(conn)
            return AddResult("added", art.id, art.title)

        return self._write(run)

    @staticmethod
    def _write_features(conn: sqlite3.Connection, pk: int, pas: list, mat: list, actors: tuple = ()) -> None:
        matched = [m[4].encode("utf-8", "surrogatepass") for m in mat]
        conn.execute(
            _PASSAGE_UPSERT,
            (pk, len(pas), *(_pack(map(get, pas), dt) for _, dt, get in PASSAGE_PACKED), " ".join(actors).encode("utf-8")),
        )
        conn.execute(
            _MATCH_UPSERT,
            (
                pk, len(mat), *(_pack(map(get, mat), dt) for _, dt, get in MATCH_PACKED),
                _pack((len(b) for b in matched), _I4), b"".join(matched),
            ),
        )

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")

    @staticmethod
    def _log(conn: sqlite3.Connection, action: str, article_id: str, title: str | None, who: str | None) -> None:
        conn.execute("INSERT INTO activity (at, who, action, article, title) VALUES (?, ?, ?, ?, ?)",
                     (_now(), who, action, article_id, title))

    def _change(self, ids: list[str], action: str, who: str | None) -> int:
        """Remove, restore or purge articles by id in one transaction; returns how many changed."""
        ids = sorted(dict.fromkeys(ids))  # one lock order for every writer: no deadlock on a server
        if not ids:
            return 0
        scope = {"remove": f"AND {_LIVE}", "restore": "AND a.deleted_at IS NOT NULL", "purge": ""}[action]

        def run(conn: sqlite3.Connection) -> int:
            changed = 0
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(f"SELECT a.pk, a.id, a.title FROM articles a WHERE a.id IN ({marks}) {scope} ORDER BY a.id"
                                    f"{self._FOR_UPDATE}",
                                    chunk).fetchall()
                pks = [(r[0],) for r in rows]
                if action == "purge":
                    for table in ("texts", "passages", "matches", "minhash"):
                        conn.executemany(f"DELETE FROM {table} WHERE article = ?", pks)
                    conn.executemany("DELETE FROM corrections WHERE article = ?", [(r[1],) for r in rows])
                    conn.executemany("DELETE FROM articles WHERE pk = ?", pks)
                else:
                    stamp = _now() if action == "remove" else None
                    conn.executemany("UPDATE articles SET deleted_at = ? WHERE pk = ?", [(stamp, pk) for (pk,) in pks])
                if action != "restore":
                    self._promote_copies(conn, [aid for _, aid, _ in rows])
                for _, aid, title in rows:
                    self._log(conn, action, aid, title, who)
                changed += len(rows)
            if changed:
                self._bump(conn)
            return changed

        return self._write(run)

    def note(self, action: str, subject: str, detail: str | None = None, who: str | None = None) -> None:
        """An activity row that changes no article (a failed sign-in): ``log`` lists it, the
        data's generation stays."""
        self._write(lambda conn: self._log(conn, action, subject, detail, who))

    def remove(self, ids: list[str], who: str | None = None) -> int:
        """Remove articles by id, kept as tombstones that ``restore`` brings back; returns how
        many were removed."""
        return self._change(ids, "remove", who)

    def restore(self, ids: list[str], who: str | None = None) -> int:
        """Bring removed articles back; returns how many came back."""
        return self._change(ids, "restore", who)

    def purge(self, ids: list[str], who: str | None = None) -> int:
        """Delete articles (stored or removed) with their text and features for good."""
        return self._change(ids, "purge", who)

    def removed(self) -> pd.DataFrame:
        """The tombstones: id, title, source, deleted_at (latest first)."""
        rows = self._read(lambda c: c.execute(
            "SELECT id, title, source, deleted_at FROM articles WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC, pk DESC"
        ).fetchall())
        return pd.DataFrame(rows, columns=["id", "title", "source", "deleted_at"])

    def activity(self, limit: int | None = None) -> pd.DataFrame:
        """The activity log, latest first: at, who, action, id, title."""
        query = "SELECT at, who, action, article, title FROM activity ORDER BY pk DESC"
        if limit is not None:
            query, params = query + " LIMIT ?", (int(limit),)
        else:
            params = ()
        rows = self._read(lambda c: c.execute(query, params).fetchall())
        return pd.DataFrame(rows, columns=["at", "who", "action", "id", "title"])

    @staticmethod
    def _promote_copies(conn: sqlite3.Connection, removed_ids: list[str]) -> None:
        """The copies of a removed story: the earliest becomes the story, the others its copies."""
        for rid in removed_ids:
            copies = [r[0] for r in conn.execute(
                f"SELECT a.id FROM articles a WHERE a.duplicate_of = ? AND {_LIVE} ORDER BY a.pk", (rid,))]
            if copies:
                conn.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", (copies[0],))
                conn.executemany("UPDATE articles SET duplicate_of = ? WHERE id = ?", [(copies[0], c) for c in copies[1:]])

    def signatures(self, after: int = 0) -> list[Signature]:
        """The signatures of the articles stored after ``pk``, in storage order."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT a.pk, a.id, a.duplicate_of, m.sig FROM articles a LEFT JOIN minhash m ON m.article = a.pk"
                f" WHERE a.pk > ? AND {_LIVE} ORDER BY a.pk",
                (after,),
            ).fetchall()
        )
        return [Signature(*r) for r in rows]

    def set_signatures(self, rows: list[NewSignature]) -> None:
        """Store MinHash signatures (pk, blob) computed later, for articles stored without one."""
        if rows:
            self._write(lambda c: c.executemany("INSERT INTO minhash VALUES (?, ?) ON CONFLICT (article) DO NOTHING", rows))

    def mark_fetched(self, when: datetime | None = None) -> None:
        """Remember when feeds or links were last fetched (shown by the dashboard)."""
        stamp = int((when or datetime.now(timezone.utc)).timestamp())
        self._write(lambda c: c.execute("INSERT INTO state VALUES ('last_fetch', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (stamp,)))

    def last_fetched(self) -> datetime | None:
        row = self._read(lambda c: c.execute("SELECT value FROM state WHERE key = 'last_fetch'").fetchone())
        return datetime.fromtimestamp(row[0], timezone.utc) if row else None

    def stale(self) -> int:
        """How many articles have features from another lexicon or extractor version."""
        return self._read(
            lambda c: c.execute(
                f"SELECT count(*) FROM articles a WHERE features_version != ? AND {_LIVE}", (self.features_version,)
            ).fetchone()[0]
        )

    def refresh(self) -> int:
        """Recompute, from the stored text, the features of every article whose version is not
        this store's; one transaction per article. Returns how many were recomputed."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT a.pk, a.id, a.title, a.date, a.source, t.text FROM articles a JOIN texts t ON t.article = a.pk"
                f" WHERE a.features_version != ? AND {_LIVE}",
                (self.features_version,),
            ).fetchall()
        )
        done = 0
        for pk, aid, title, d, source, text in rows:
            f = self.extractor.extract(Article(text=text, id=aid, title=title, date=_to_date(d), source=source))

            def run(conn: sqlite3.Connection, pk: int = pk, f: ArticleFeatures = f) -> int:
                row = conn.execute("SELECT features_version FROM articles WHERE pk = ?", (pk,)).fetchone()
                if row is None or row[0] == self.features_version:
                    return 0  # removed meanwhile, or refreshed by another process
                self._write_features(conn, pk, f.passages, f.matches, f.actors)
                conn.execute(
                    "UPDATE articles SET features_version = ?, n_passages = ? WHERE pk = ?",
                    (self.features_version, len(f.passages), pk),
                )
                self._bump(conn)
                return 1

            done += self._write(run)
        return done

    # -- reading -------------------------------------------------------------------------------

    def version(self) -> int:
        """A number that changes on every add, remove or refresh, from any process."""
        return int(self._read(lambda c: c.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()[0]))

    def count(self) -> int:
        return int(self._read(lambda c: c.execute(f"SELECT count(*) FROM articles a WHERE {_LIVE}").fetchone()[0]))

    def articles(self) -> pd.DataFrame:
        """One row per stored article: id, date, title, source, added_at, duplicate_of (ordered by date)."""
        rows = self._read(
            lambda c: c.execute(
                f"SELECT a.id, a.date, a.title, a.source, a.added_at, a.duplicate_of FROM articles a WHERE {_LIVE} ORDER BY {_ORDER}"
            ).fetchall()
        )
        df = pd.DataFrame(rows, columns=["id", "date", "title", "source", "added_at", "duplicate_of"])
        df["date"] = pd.Series([_to_date(d) for d in df["date"]], dtype=object)
        return df

    def article_text(self, article_id: str) -> str:
        row = self._read(
            lambda c: c.execute(
                f"SELECT t.text FROM articles a JOIN texts t ON t.article = a.pk WHERE a.id = ? AND {_LIVE}", (article_id,)
            ).fetchone()
        )
        if row is None:
            raise KeyError(f"no article with id '{article_id}'")
        return row[0]

    def features(self, include_text: bool = False, duplicates: bool = False, corrected: bool = True) -> Features:
        """Every stored story as one ``Features`` table (the layout of ``Features.build``),
        rows ordered like ``articles()``: syndicated copies (``duplicate_of`` set) are left out
        unless ``duplicates``, so timelines and means count each story once. Stale features are
        recomputed first, never mixed in. Passage text is filled only with ``include_text``.
        The analysts' corrections are applied unless ``corrected`` is False."""
        where = "" if duplicates else "AND a.duplicate_of IS NULL"
        for _ in range(3):
            if self.readonly and self.stale():
                return self._extract_in_memory("", (), include_text, corrected)
            if self.stale():
                self.refresh()
            try:
                return self._load(where, (), include_text, corrected)
            except _StaleSnapshot:
                continue  # another process wrote other-version features meanwhile: refresh again
        raise MetricsError(f"{self.path}: features keep changing lexicon version (two lexicons writing at once?)")

    def article_features(self, article_id: str, corrected: bool = True) -> Features:
        """One article's features with passage text (the drill-down)."""
        if self._read(
            lambda c: c.execute(f"SELECT features_version FROM articles a WHERE id = ? AND {_LIVE}", (article_id,)).fetchone()
        ) not in (None, (self.features_version,)):
            if self.readonly:
                return self._extract_in_memory("WHERE a.id = ?", (article_id,), True, corrected)
            self.refresh()
        f = self._load("AND a.id = ?", (article_id,), True, corrected)
        if len(f) == 0:
            raise KeyError(f"no article with id '{article_id}'")
        return f

    def _extract_in_memory(self, where: str, params: tuple, include_text: bool, corrected: bool = True) -> Features:
        """Features of a read-only database whose stored ones are stale: extracted from the
        stored text, in the articles' order, and not written back."""
        rows = self._read(
            lambda c: c.execute(
                f"SELECT a.id, a.title, a.date, a.source, t.text FROM articles a JOIN texts t ON t.article = a.pk {where} ORDER BY {_ORDER}",
                params,
            ).fetchall()
        )
        feats = self.extractor.extract_many(
            Article(text=text, id=aid, title=title, date=_to_date(d), source=source) for aid, title, d, source, text in rows
        )
        if not include_text and len(feats.passages):
            feats.passages["text"] = ""
        if not corrected:
            return feats
        return self._corrected(feats, self._read(lambda c: c.execute(_CORRECTIONS).fetchall()))

    def _load(self, where: str, params: tuple, include_text: bool, corrected: bool = True) -> Features:
        # Feature rows are read in primary-key order (no sort of their blobs inside SQLite)
        # and put in the articles' order in Python: one list reordering per table.
        # ``where`` is a constant condition starting with AND; tombstones are never read.
        where = f"WHERE {_LIVE} {where}"
        scope = f"WHERE article IN (SELECT pk FROM articles a {where})"

        def run(c: sqlite3.Connection) -> tuple[list, list, list, list | None]:
            arts = c.execute(
                f"SELECT a.pk, a.id, a.title, a.date, a.source, a.n_passages, a.features_version FROM articles a {where} ORDER BY {_ORDER}",
                params,
            ).fetchall()
            pas = c.execute(f"SELECT article, n, {', '.join(_PASSAGE_COLS)} FROM passages {scope}", params).fetchall()
            mat = c.execute(f"SELECT article, n, {', '.join(_MATCH_COLS)} FROM matches {scope}", params).fetchall()
            texts = c.execute(f"SELECT article, text FROM texts {scope}", params).fetchall() if include_text else None
            cor = c.execute(f"{_CORRECTIONS} AND article IN (SELECT a.id FROM articles a {where})", params).fetchall() if corrected else []
            return arts, pas, mat, texts, cor

        arts, pas, mat, texts, cor = self._read(run)
        if any(a[6] != self.features_version for a in arts):
            # Another process wrote features of another lexicon between the stale check and
            # this snapshot: recompute rather than mix versions.
            raise _StaleSnapshot()
        pos = {a[0]: i for i, a in enumerate(arts)}
        if not (len(pas) == len(mat) == len(arts)) or any(r[0] not in pos for r in pas):
            raise MetricsError(f"{self.path}: features missing for some articles (damaged database?)")
        if texts is not None and len(texts) != len(arts):
            raise MetricsError(f"{self.path}: article text missing for some articles (damaged database?)")
        pas = _reorder(pas, pos)
        mat = _reorder(mat, pos)
        text_list = [t for _, t in _reorder(texts, pos)] if texts is not None else None
        try:
            feats = _features_from_rows(arts, pas, mat, text_list, self.lexicon.version)
        except (ValueError, TypeError, IndexError) as err:
            # Rows whose blobs do not decode (truncated, or edited by hand): what we wrote
            # always decodes, so this is damage, said in one line rather than a traceback.
            raise MetricsError(f"{self.path}: stored features do not decode ({err}); damaged database?") from None
        return self._corrected(feats, cor)

    def _corrected(self, feats: Features, rows: list) -> Features:
        """``feats`` with the analysts' corrections applied (metrics.score.corrections); what
        did not apply is kept on the table as ``correction_status`` for whoever reports it."""
        from metrics.score import corrections

        feats, applied = corrections.apply(feats, corrections.table(rows), self.lexicon)
        feats.correction_status = applied.status  # type: ignore[attr-defined]
        return feats

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, backend={self.backend.name})"


class _StaleSnapshot(Exception):
    pass


def _cat(blobs: list[bytes], dtype: np.dtype) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype=dtype)


def _local_index(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., n_i - 1 for each group size n_i, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _reorder(rows: list, pos: dict[int, int]) -> list:
    out: list = [None] * len(pos)
    for r in rows:
        out[pos[r[0]]] = r
    return out


_STR_DTYPE = pd.Series(["x"]).dtype  # what pandas infers for text, as in Features.build


def _strings(lengths: np.ndarray, data: bytes) -> pd.Series:
    """A text column from UTF-8 bytes and per-item byte lengths, without a Python str per item
    when pandas stores text in Arrow (pandas 3)."""
    import pyarrow as pa

    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    arr = pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))
    if isinstance(_STR_DTYPE, pd.StringDtype) and _STR_DTYPE.storage == "pyarrow":
        return arr.to_pandas(types_mapper={pa.large_string(): _STR_DTYPE}.get)
    return pd.Series(arr.to_pylist(), dtype=_STR_DTYPE)


def _features_from_rows(arts: list, pas: list, mat: list, texts: list[str] | None, lexicon_version: str) -> Features:
    if not arts:
        return Features.build([], lexicon_version)
    n_art = len(arts)
    p_count = np.fromiter((r[1] for r in pas), dtype=np.int64, count=n_art)
    _, _, *pcols = zip(*pas)
    slots = [tuple(bytes(b or b"").decode("utf-8").split()) for b in pcols[len(PASSAGE_PACKED)]]
    articles = pd.DataFrame(
        [(a[1], a[2], _to_date(a[3]), a[4], a[5], t) for a, t in zip(arts, slots)], columns=ARTICLE_COLUMNS
    )
    P = {name: _cat(blobs, dt) for (name, dt, _), blobs in zip(PASSAGE_PACKED, pcols)}
    p_start, p_end = P["p_start"], P["p_end"]
    p_article = np.repeat(np.arange(n_art, dtype=np.int64), p_count)
    if texts is not None:
        text_col = pd.Series(
            [t[s:e] for t, s, e in zip((texts[i] for i in p_article), p_start.tolist(), p_end.tolist())], dtype=_STR_DTYPE
        )
    else:
        text_col = _strings(np.zeros(len(p_start), dtype=np.int64), b"")
    passages = pd.DataFrame(
        {
            "article": p_article,
            "idx": _local_index(p_count).astype(np.int32),
            "start": p_start,
            "end": p_end,
            "text": text_col,
            "tone": P["tone"],
            "mentions": P["mentions"],
        },
        columns=PASSAGE_COLUMNS,
    ).astype(PASSAGE_DTYPES)
    m_count = np.fromiter((r[1] for r in mat), dtype=np.int64, count=n_art)
    _, _, *mcols = zip(*mat)
    M = {name: _cat(blobs, dt) for (name, dt, _), blobs in zip(MATCH_PACKED, mcols)}
    m_len, m_text = mcols[len(MATCH_PACKED):]
    m_article = np.repeat(np.arange(n_art, dtype=np.int64), m_count)
    p_offset = np.cumsum(p_count) - p_count
    flags = M["flags"]
    matches = pd.DataFrame(
        {
            "article": m_article,
            "passage": p_offset[m_article] + M["passage"],
            "cue": M["cue"],
            "start": M["m_start"],
            "end": M["m_end"],
            "matched": _strings(_cat(m_len, _I4), b"".join(m_text)),
            "strength": M["strength"],
            "negated": (flags & _NEGATED) > 0,
            "hedged": (flags & _HEDGED) > 0,
            "source": M["source"],
            "target": M["target"],
        },
        columns=MATCH_COLUMNS,
    ).astype(MATCH_DTYPES)
    return Features(articles=articles, passages=passages, matches=matches, lexicon_version=lexicon_version)


# --- ingestion --------------------------------------------------------------------------------


def ingest(
    store: Store,
    items: Iterable[Article | ArticleFeatures | InputError],
    extract: Callable[[Article], ArticleFeatures] | None = None,
    reporter: _Reporter | None = None,
    who: str | None = None,
) -> IngestSummary:
    """Store a stream of articles: read -> extract -> store, one transaction per article.

    ``items`` come from ``metrics.read.readers`` (an ``InputError`` is counted as failed and
    reported); an ``ArticleFeatures`` item was extracted elsewhere (a Dask cluster) and is
    stored as it is. ``extract`` replaces the store's own extractor. An article already stored
    is skipped before extraction. ``reporter.error(line)`` gets one line per failure; ``who``
    goes to the activity log.
    """
    from metrics.store.intake import Intake  # the one staging path (metrics/store/intake.py); it builds on this module

    return Intake(store, extract=extract, who=who).run(items, reporter)
