"""``fetch`` and ``watch`` against a news site the tests start on 127.0.0.1 (tests/webserver.py):
feeds, pages, a 404, a redirect loop, a slow endpoint, huge responses, a feed with bad items,
robots.txt; re-runs and two watchers store nothing twice; watch survives a failing feed and
stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import webserver
from helpers.webserver import Handler, story

from metrics import settings
from metrics.cli import main
from metrics.read.fetch import Fetcher, FetchError
from metrics.store.core import Store

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^added (\d+), already present (\d+), failed (\d+) \(")
FAST = ["--delay", "0", "--quiet"]
# The test site is on 127.0.0.1, which fetches refuse unless this setting opens them.
PRIVATE = ["--setting", "fetch_allow_private", "1"]


@pytest.fixture(autouse=True)
def private_allowed():
    """Fetchers made here (not through the command line) may reach the test site."""
    settings.configure({"fetch_allow_private": 1})
    yield
    settings.configure()


@pytest.fixture(scope="module")
def site():
    base, server = webserver.serve()
    yield base
    server.shutdown()


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "news.db"


def fetch(capsys, *args: str) -> tuple[int, tuple[int, int, int], list[str]]:
    code = main([*PRIVATE, "fetch", *args])
    out, err = capsys.readouterr()
    m = SUMMARY.match(out.strip().splitlines()[-1])
    assert m, out
    return code, tuple(int(x) for x in m.groups()), [ln for ln in err.splitlines() if ln.strip()]


def listed(db: Path, capsys) -> list[dict]:
    assert main(["list", "--db", str(db), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_feed_is_stored_item_by_item_and_a_rerun_stores_nothing_twice(site, db, capsys):
    code, counts, err = fetch(capsys, f"{site}/feed.xml", "--db", str(db), *FAST)
    assert (code, counts, err) == (0, (5, 0, 0), [])
    rows = {r["source"]: r for r in listed(db, capsys)}
    assert set(rows) == {f"{site}/story/{i}" for i in range(5)}
    first = rows[f"{site}/story/0"]
    assert first["title"] == story(0)[0]  # the page's own title, the site name cut off
    assert first["date"] == "2023-03-01"
    pages = sum(n for p, n in Handler.hits.items() if p.startswith("/story/"))
    code, counts, err = fetch(capsys, f"{site}/feed.xml", "--db", str(db), *FAST)
    assert (code, counts, err) == (0, (0, 5, 0), [])
    assert sum(n for p, n in Handler.hits.items() if p.startswith("/story/")) == pages  # stored links not fetched again
    assert Store(db).count() == 5


def test_an_atom_feed_a_page_and_a_redirect(site, db, capsys):
    code, counts, err = fetch(capsys, f"{site}/atom.xml", f"{site}/story/31", f"{site}/moved", "--db", str(db), *FAST)
    assert (code, counts, err) == (0, (4, 0, 0), [])
    sources = {r["source"] for r in listed(db, capsys)}
    assert sources == {f"{site}/story/10", f"{site}/story/11", f"{site}/story/31", f"{site}/moved"}


def test_the_feed_date_is_the_fallback_for_an_undated_page(site, db, capsys):
    assert fetch(capsys, f"{site}/undated-feed.xml", "--db", str(db), *FAST)[:2] == (0, (2, 0, 0))
    dates = {r["source"].rsplit("/", 1)[1]: r["date"] for r in listed(db, capsys)}
    assert dates == {"0": "2023-03-01", "1": "2023-03-02"}


def test_since_and_max_items(site, db, capsys):
    assert fetch(capsys, f"{site}/feed.xml?n=8", "--since", "2023-03-04", "--db", str(db), *FAST)[1] == (5, 0, 0)
    assert {r["date"] for r in listed(db, capsys)} == {f"2023-03-{d:02d}" for d in range(4, 9)}
    other = db.with_name("other.db")
    assert fetch(capsys, f"{site}/feed.xml?n=8", "--max-items", "2", "--db", str(other), *FAST)[1] == (2, 0, 0)
    assert main([*PRIVATE, "fetch", f"{site}/feed.xml", "--since", "March 4", "--db", str(other)]) == 2
    assert "--since March 4: expected a date as YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.slow
def test_each_bad_url_is_one_line_with_its_reason(site, db, capsys):
    urls = {
        "/missing": "HTTP 404",
        "/loop-a": "redirect loop",
        "/slow": "timed out after 2 s",
        "/huge": "too large",
        "/huge-undeclared": "too large",
        "/image.png": "not HTML (content type image/png)",
        "/private/page": "disallowed by the site's robots.txt",
    }
    code, counts, err = fetch(
        capsys, *(site + u for u in urls), "ftp://files.invalid/x.txt", "http://127.0.0.1:9/closed",
        "--timeout", "2", "--max-size", "1", "--db", str(db), *FAST,
    )
    assert code == 1 and counts == (0, 0, len(urls) + 2)
    assert len(err) == len(urls) + 2
    for line, (path, reason) in zip(err, urls.items()):
        assert line.startswith(f"error: {site}{path}") and reason in line, line
    assert err[-2] == "error: ftp://files.invalid/x.txt: only http and https links can be fetched"
    assert err[-1].startswith("error: http://127.0.0.1:9/closed: cannot connect")
    assert all("Traceback" not in ln for ln in err)
    assert Store(db).count() == 0


def test_a_feed_with_bad_items_keeps_the_good_one(site, db, capsys):
    code, counts, err = fetch(capsys, f"{site}/bad-feed.xml", "--db", str(db), *FAST)
    assert code == 1 and counts == (1, 0, 4)
    assert "item 2 (An item without a link) has no link" in err[0]
    assert f"{site}/missing: HTTP 404" in err[1]
    assert f"{site}/image.png: not HTML" in err[2]
    assert "ftp://files.invalid/story.txt: only http and https" in err[3]
    assert [r["source"] for r in listed(db, capsys)] == [f"{site}/story/20"]


@pytest.mark.slow
def test_the_per_host_delay_spaces_requests(site):
    f = Fetcher(delay=0.3)
    t0 = time.monotonic()
    for i in range(3):
        f.get(f"{site}/story/{60 + i}")
    # robots.txt + three pages to one host: three waits at least.
    assert time.monotonic() - t0 >= 0.9
    with pytest.raises(FetchError, match="more than 0 redirects"):
        Fetcher(delay=0, max_redirects=0).get(f"{site}/moved")


def _watch(db: Path, site: str, out: Path) -> subprocess.Popen:
    fh = open(out, "w")  # noqa: SIM115 - handed to the child
    return subprocess.Popen(
        [sys.executable, "-m", "metrics", *PRIVATE, "watch", f"{site}/changing-feed.xml", f"{site}/missing",
         "--every", "0.01", "--delay", "0", "--db", str(db)],
        cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _rounds(out: Path) -> int:
    return len(re.findall(r"^\S+ round \d+: ", out.read_text(), re.M)) if out.exists() else 0


@pytest.mark.slow
def test_two_watchers_store_nothing_twice_survive_a_failing_feed_and_stop_on_ctrl_c(site, db, tmp_path):
    outs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    procs = [_watch(db, site, o) for o in outs]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and min(_rounds(o) for o in outs) < 3:
            assert all(p.poll() is None for p in procs), [o.read_text() for o in outs]
            time.sleep(0.2)
        assert min(_rounds(o) for o in outs) >= 3, [o.read_text() for o in outs]
        for p in procs:
            p.send_signal(signal.SIGINT)
        codes = [p.wait(timeout=30) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    logs = [o.read_text() for o in outs]
    assert codes == [0, 0], logs
    for log in logs:
        assert re.search(r"^stopped after \d+ rounds$", log, re.M), log
        assert "Traceback" not in log
        assert f"error: {site}/missing: HTTP 404" in log  # the failing feed, named each round
        assert re.search(r"round 3: added \d+, already present \d+, failed 1; next in 0.01 min", log), log
    # Three live pages whose text changes on every read: stored once each, by one of the two.
    stored = Store(db).articles()
    assert sorted(stored["source"]) == [f"{site}/changing/{i}" for i in range(3)]
    assert Store(db).last_fetched() is not None
