"""``watch --alert-above --alert-change --notify``: a feed on 127.0.0.1 pushes the index over its
threshold, and the alert arrives once at a webhook the test starts (or once in a file)."""

from __future__ import annotations

import html
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from metrics.cli import main
from metrics.model import Article
from metrics.store.core import Store

# Written for these tests.
CALM = [
    "The United States and China signed an agreement on climate cooperation on Tuesday, and both sides "
    "praised the constructive talks in Beijing.",
    "Chinese and American negotiators held productive talks in Geneva and agreed to keep channels open.",
]
TENSE = [
    ("Sanctions widen", "Washington imposed sweeping sanctions on Chinese chip makers on Monday. Beijing condemned "
                        "the move and threatened retaliation against the United States."),
    ("Diplomats expelled", "China expelled American diplomats on Thursday, and the United States accused Beijing "
                           "of cyberattacks on its power grid. Chinese warships held live-fire drills near Taiwan."),
]


class _Site(BaseHTTPRequestHandler):
    feed_requests = 0
    posts: list[dict] = []

    def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
        pass

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        base = f"http://{self.headers['Host']}"
        if self.path == "/feed.xml":
            _Site.feed_requests += 1
            # The first round finds nothing new; from the second on, the feed carries two tense stories.
            items = [] if _Site.feed_requests == 1 else list(range(len(TENSE)))
            xml = "".join(f"<item><title>{html.escape(TENSE[i][0])}</title><link>{base}/story/{i}</link>"
                          f"<pubDate>Mon, 0{3 + i} Jun 2024 09:00:00 GMT</pubDate></item>" for i in items)
            self._send(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{xml}</channel></rss>'.encode(),
                       "application/rss+xml")
        elif self.path.startswith("/story/"):
            title, text = TENSE[int(self.path.rsplit("/", 1)[1])]
            i = int(self.path.rsplit("/", 1)[1])
            self._send((f'<html><head><title>{title}</title><meta property="article:published_time" '
                        f'content="2024-06-0{3 + i}T09:00:00Z"></head><body><article><h1>{title}</h1><p>{text}</p>'
                        "</article></body></html>").encode(), "text/html; charset=utf-8")
        else:
            self.send_error(404)

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Site.posts.append({"path": self.path, "type": self.headers["Content-Type"], "json": json.loads(body)})
        self._send(b"ok", "text/plain")


@pytest.fixture
def site():
    _Site.feed_requests = 0
    _Site.posts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "w.db")
    with Store(path) as s:
        for i, text in enumerate(CALM):
            s.add(Article(text=text, id=f"calm{i}", title=f"Calm {i}", date=date(2024, 5, 10 + i)))
    return path


def _watch(db, site, *alert_args: str) -> int:
    # the test site is on 127.0.0.1, which fetching refuses unless fetch_allow_private is on
    return main(["--setting", "fetch_allow_private", "1", "watch", f"{site}/feed.xml", "--every", "0.0005", "--rounds", "4", "--delay", "0", "--timeout", "5",
                 "--db", db, *alert_args])


@pytest.mark.slow
def test_a_feed_pushes_the_mean_over_the_threshold_and_the_webhook_gets_one_alert(db, site, capsys):
    assert _watch(db, site, "--alert-above", "30", "--alert-on", "mean", "--notify", f"{site}/hook") == 0
    out = capsys.readouterr().out
    assert _Site.feed_requests == 4
    assert len(_Site.posts) == 1, out  # once per crossing, not once per round above it
    (post,) = _Site.posts
    a = post["json"]
    assert post["path"] == "/hook" and post["type"] == "application/json"
    assert (a["alert"], a["series"], a["pair"], a["period"], a["period_kind"]) == ("above", "period mean", "US-CN", "2024-06-01", "month")
    assert a["value"] > 30 and a["previous"] < 0 and a["change"] == pytest.approx(a["value"] - a["previous"], abs=0.02)
    assert a["articles"] == 2 and a["threshold"] == 30
    top = a["top_passages"]
    assert 1 <= len(top) <= 3 and top[0]["contribution"] > 0
    assert any("sanctions" in p["text"] or "expelled" in p["text"] for p in top)
    assert out.count("alert sent to") == 1


@pytest.mark.slow
def test_a_change_alert_goes_to_a_file_once_and_the_level_index_is_watched_too(db, site, tmp_path):
    log = tmp_path / "alerts.jsonl"
    # 0: both series cross from cooperation into conflict (the level index, a stock, moves less)
    assert _watch(db, site, "--alert-change", "40", "--alert-above", "0", "--notify", str(log)) == 0
    alerts = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    kinds = sorted((a["alert"], a["series"]) for a in alerts)
    # The mean jumps from May's cooperation to June's conflict; the level (a stock) follows it up.
    assert ("change", "period mean") in kinds and ("above", "period mean") in kinds and ("above", "level index") in kinds
    assert len(kinds) == len(set(kinds))  # each once
    assert all(a["period"] == "2024-06-01" for a in alerts)


def test_bad_alert_options_are_one_line(db, site, capsys):
    assert _watch(db, site, "--alert-above", "30") == 2
    assert "--notify URL|FILE" in capsys.readouterr().err
    assert _watch(db, site, "--alert-above", "30", "--notify", "ftp://x/y") == 2
    assert "http:// or https://" in capsys.readouterr().err
    assert _watch(db, site, "--alert-change", "-1", "--notify", f"{site}/hook") == 2
    assert _Site.posts == []
