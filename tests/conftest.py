from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest
from helpers import ROOT

# The start-up cache (metrics/events/diskcache.py) of this test session and the processes it starts:
# never the user's own ~/.cache, and empty at the start of every session.
_CACHE = tempfile.mkdtemp(prefix="tension-test-cache-")
os.environ["TENSION_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

from metrics.events.extract import Extractor  # noqa: E402 - after the cache folder is set
from metrics.model import Article  # noqa: E402
from metrics.score.scoring import prepare  # noqa: E402


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture
def score_text(extractor):
    """Score one text: returns the Prepared features for the given pair (default US-CN)."""

    def run(text: str, dyad: str = "US-CN"):
        return prepare(extractor.extract_many([Article(text=text)]), dyad)

    return run


@pytest.fixture
def cues_of(extractor):
    """The (cue id, matched text, strength) triples found in a text."""

    def run(text: str):
        lex = extractor.lexicon
        f = extractor.extract(Article(text=text))
        return [(lex.families[m.cue].id, m.matched, m.strength) for m in f.matches]

    return run


# ----------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (tests/ui/test_browser.py says when it skips)."""
    from helpers.browser import launch_chromium
    from helpers.dashboard import require_chromium
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    from helpers.browser import VIEWPORT

    ctx = browser.new_context(viewport=VIEWPORT)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()


# ----------------------------------------------------------------------------- database backends
# Store, CLI and concurrency tests run on SQLite and on PostgreSQL. PostgreSQL comes from
# $TENSION_TEST_PG (a server URL, set by .ci/run), else from a throwaway cluster this session
# starts with .ci/postgres when Debian's postgresql is installed; else those tests skip with a
# notice, or fail when TENSION_REQUIRE_POSTGRES=1 (CI).

PG_SCRIPT = ROOT / ".ci" / "postgres"


def _pg_missing(reason: str) -> None:
    import os

    if os.environ.get("TENSION_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} and TENSION_REQUIRE_POSTGRES=1")
    pytest.skip(f"{reason}: PostgreSQL tests skipped (apt-get install postgresql, or set TENSION_TEST_PG)")


@pytest.fixture(scope="session")
def pg_server():
    """The URL of a PostgreSQL server the tests may create schemas in."""
    import glob
    import os
    import shutil
    import subprocess
    import tempfile

    url = os.environ.get("TENSION_TEST_PG")
    if url:
        yield url
        return
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        _pg_missing("no PostgreSQL server: TENSION_TEST_PG is unset and /usr/lib/postgresql/*/bin/initdb is missing")
    # Short path: the server's socket path must fit in 107 bytes.
    folder = tempfile.mkdtemp(prefix="tpg.", dir="/tmp")
    try:
        got = subprocess.run(["bash", str(PG_SCRIPT), "start", folder], capture_output=True, text=True, timeout=120)
        if got.returncode != 0:
            _pg_missing(f"cannot start a test PostgreSQL cluster: {got.stderr.strip()[-500:]}")
        yield got.stdout.strip()
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "stop", folder], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def pg_schema_url(server: str, schema: str) -> str:
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options=-csearch_path%3D{schema}"


# PostgreSQL is `slow`: it starts a cluster; the fast subset runs each of these tests on SQLite.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_location(request, tmp_path):
    """A fresh, empty database location on each backend: a SQLite file path, or a PostgreSQL
    URL whose search_path is a new schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield tmp_path / "t.db"
        return
    import uuid

    import psycopg

    server = request.getfixturevalue("pg_server")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    yield pg_schema_url(server, schema)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Streamlit's AppTest leaves ``sys.modules['__main__']`` pointing at app.py; dask's
    LocalCluster spawns workers that re-run ``__main__``, so a later test's workers would run the
    dashboard script and die. Each test gets back the main module it started with."""
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
