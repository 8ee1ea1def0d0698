"""Looking at a store's database behind its back, on SQLite or PostgreSQL."""

from __future__ import annotations


def raw_rows(location, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query run on the database behind the store (not through it)."""
    if isinstance(location, str):
        import psycopg

        with psycopg.connect(location) as conn:
            return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), params).fetchall()]
    import sqlite3

    conn = sqlite3.connect(location)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
