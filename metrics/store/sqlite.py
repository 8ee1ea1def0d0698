"""The store's SQLite backend: one file, safe for several processes and threads at once.

Writes take ``BEGIN IMMEDIATE`` up front (so two writers never deadlock) and are retried with
growing random pauses while another writer holds the lock, on top of SQLite's busy timeout; WAL
lets readers go on meanwhile. A file (or folder) this process may not write is opened read-only:
``list``, ``export`` and the dashboard read it, and nothing is ever written to it.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from metrics import settings
from metrics.errors import MetricsError
from metrics.store import core

T = TypeVar("T")


def _is_busy(err: sqlite3.OperationalError) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    msg = str(err)
    return "database is locked" in msg or "database is busy" in msg or "database table is locked" in msg


class SQLiteBackend:
    name = "sqlite"
    for_update = ""  # BEGIN IMMEDIATE already serialises writers

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        if not create and not path.exists():
            raise MetricsError(f"{path}: no database here; fill it with: python -m metrics ingest FOLDER --db {path}"
                               " (installed: tension ingest ...; or start the dashboard, which loads the sample articles)")
        if not path.parent.is_dir():
            raise MetricsError(f"{path}: cannot create the database: folder {path.parent} does not exist")
        self.readonly = path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
        self._uri: str | None = None

    def connect(self) -> sqlite3.Connection:
        try:
            if self.readonly:
                return self._connect_readonly()
            conn = sqlite3.connect(self.path, timeout=settings.get("sqlite_busy_timeout_seconds"), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            # NORMAL in WAL mode: a commit survives a killed process; only a power cut can lose
            # the last commits, and it never leaves the file inconsistent. FULL costs an fsync
            # per article.
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as err:
            raise MetricsError(f"{self.path}: cannot open the database: {err}") from None
        return conn

    def _connect_readonly(self) -> sqlite3.Connection:
        from urllib.parse import quote

        base = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        # Without write access to the folder SQLite cannot create the WAL index (-shm) a
        # read needs; "immutable" reads the file as it is (it cannot change under us).
        for uri in ([self._uri] if self._uri else [base, base + "&immutable=1"]):
            conn = sqlite3.connect(uri, uri=True, timeout=settings.get("sqlite_busy_timeout_seconds"), isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA user_version").fetchone()
            except sqlite3.OperationalError:
                conn.close()
                continue
            self._uri = uri
            return conn
        raise sqlite3.OperationalError("cannot open the read-only database")

    @staticmethod
    def reusable(conn: sqlite3.Connection) -> bool:
        return True  # a SQLite connection stays usable; a server's may have been dropped

    @staticmethod
    def rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the connection is gone; SQLite rolls back on its own

    @staticmethod
    def discard(conn: sqlite3.Connection) -> None:
        try:
            conn.close()
        except sqlite3.Error:
            pass

    def retry(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` again with growing random pauses while the database is locked."""
        patience = settings.get("db_lock_patience_seconds")
        deadline = time.monotonic() + patience
        pause = 0.005
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as err:
                if not _is_busy(err):
                    raise MetricsError(f"{self.path}: {err}") from None
                if time.monotonic() > deadline:
                    raise MetricsError(f"{self.path}: still locked by another writer after {patience:g} s") from None
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.5)

    def write(self, borrow: Callable[[], Any], fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` inside one write transaction, taken up front so it can never deadlock."""
        if self.readonly:
            raise MetricsError(f"{self.path}: the database is read-only (no write access to the file or its folder)")
        with borrow() as conn:
            self.retry(lambda: conn.execute("BEGIN IMMEDIATE"))
            try:
                result = fn(conn)
                conn.execute("COMMIT")
                return result
            except sqlite3.Error as err:
                self.rollback(conn)
                raise MetricsError(f"{self.path}: {err}") from None

    def read(self, borrow: Callable[[], Any], fn: Callable[[sqlite3.Connection], T]) -> T:
        with borrow() as conn:

            def attempt() -> T:
                conn.execute("BEGIN")
                try:
                    return fn(conn)
                finally:
                    if conn.in_transaction:
                        conn.execute("COMMIT")

            return self.retry(attempt)

    def migrate(self, write: Callable[[Callable[[sqlite3.Connection], Any]], Any]) -> None:
        # Everything is checked before anything is written: a refused file (a newer schema,
        # another program's SQLite database) stays byte for byte as it was.
        newest = core.SCHEMA_VERSION
        conn = self.connect()
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as err:
            conn.close()
            raise MetricsError(f"{self.path}: not a database this program can use: {err}") from None
        if version > newest:
            conn.close()
            raise MetricsError(
                f"{self.path}: database schema version {version} is newer than this program's ({newest}); upgrade the program"
            )
        if (version == 0 and tables) or (version > 0 and "articles" not in tables):
            conn.close()
            raise MetricsError(f"{self.path}: an SQLite database of another program (tables: {', '.join(sorted(tables))[:80]}), not a tension database")
        if self.readonly:
            conn.close()
            if version != newest:
                raise MetricsError(
                    f"{self.path}: read-only database of schema version {version}; open it once with write access to upgrade it"
                )
            return
        try:
            mode = self.retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.DatabaseError as err:
            raise MetricsError(f"{self.path}: not a database this program can use: {err}") from None
        finally:
            conn.close()
        if str(mode).lower() != "wal":
            raise MetricsError(f"{self.path}: cannot switch the database to WAL mode (got {mode})")

        def run(conn: sqlite3.Connection) -> None:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > core.SCHEMA_VERSION:
                raise MetricsError(
                    f"{self.path}: database schema version {current} is newer than this program's "
                    f"({core.SCHEMA_VERSION}); upgrade the program"
                )
            for version in range(current, core.SCHEMA_VERSION):
                for statement in core.MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")

        if version != newest:
            write(run)  # re-reads the version under the write lock: one process migrates
