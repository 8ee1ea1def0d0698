"""A news site on 127.0.0.1 for the fetch tests: feeds, pages and every way a fetch goes wrong.

Pages and feeds are built here from ``metrics.ops.bench.Corpus`` sentences (every article unique).
``serve()`` starts it in a thread on a free port and returns ``(base_url, server)``.
"""

from __future__ import annotations

import html
import socket
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from metrics.ops.bench import Corpus

SITE = "Example News"
N_ITEMS = 5
DAY0 = datetime(2023, 3, 1, 9, 30, tzinfo=timezone.utc)


def story(i: int) -> tuple[str, list[str]]:
    """Headline and paragraphs of story ``i``: the same on every request, unique to ``i``."""
    lines = [ln for ln in Corpus(seed=1000 + i).article(i, words=140).splitlines() if ln.strip()]
    return f"Story {i}: " + " ".join(lines[0].split()[2:9]), lines[2:]


def page(i: int, dated: bool = True, extra: str = "") -> bytes:
    headline, paras = story(i)
    day = DAY0 + timedelta(days=i)
    meta = f'<meta property="article:published_time" content="{day:%Y-%m-%dT%H:%M:%SZ}">' if dated else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (
        f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(headline)} | {SITE}</title>{meta}"
        f"<meta property=\"og:site_name\" content=\"{SITE}\"></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/business'>Business</a></nav>"
        f"<article><h1>{html.escape(headline)}</h1>{body}{extra}</article>"
        f"<footer>Copyright {SITE}. <a href='/terms'>Terms</a></footer></body></html>"
    ).encode()


def rss(items: list[tuple[str | None, str, datetime | None]]) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
           f"<title>{SITE}</title><link>http://example.invalid/</link><description>News</description>"]
    for link, title, when in items:
        out.append("<item>")
        out.append(f"<title>{html.escape(title)}</title>")
        if link is not None:
            out.append(f"<link>{html.escape(link)}</link>")
        if when is not None:
            out.append(f"<pubDate>{format_datetime(when)}</pubDate>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "".join(out).encode("utf-8")


def atom(base: str, ids: list[int]) -> bytes:
    entries = "".join(
        f"<entry><title>Atom story {i}</title><link href=\"{base}/story/{i}\"/><id>urn:story:{i}</id>"
        f"<updated>{DAY0 + timedelta(days=i):%Y-%m-%dT%H:%M:%SZ}</updated></entry>"
        for i in ids
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{SITE}</title>'
            f"<id>urn:site</id><updated>2023-03-01T00:00:00Z</updated>{entries}</feed>").encode()


class Handler(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    changing = Counter()
    slow_seconds = 8.0

    def log_message(self, *args) -> None:  # noqa: ANN002 - quiet test server
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client stopped reading (a size limit): what the test wants

    def do_GET(self) -> None:  # noqa: C901, N802 - one route table
        path, _, query = self.path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        Handler.hits[path] += 1
        base = f"http://{self.headers['Host']}"
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/feed.xml":
            n = int(params.get("n", N_ITEMS))
            self._send(200, rss([(f"{base}/story/{i}", f"Feed title {i}", DAY0 + timedelta(days=i)) for i in range(n)]),
                       "application/rss+xml")
        elif path == "/undated-feed.xml":
            self._send(200, rss([(f"{base}/undated/{i}", f"Undated story {i}", DAY0 + timedelta(days=i)) for i in range(2)]),
                       "application/rss+xml")
        elif path == "/atom.xml":
            self._send(200, atom(base, [10, 11]), "application/atom+xml")
        elif path == "/bad-feed.xml":
            self._send(200, rss([
                (f"{base}/story/20", "A good item", DAY0),
                (None, "An item without a link", DAY0),
                (f"{base}/missing", "A dead link", DAY0),
                (f"{base}/image.png", "A picture", DAY0),
                ("ftp://files.invalid/story.txt", "Not the web", DAY0),
            ]), "application/rss+xml")
        elif path == "/slow-feed.xml":
            self._send(200, rss([(f"{base}/slow?{i}", f"Slow story {i}", DAY0) for i in range(5)]), "application/rss+xml")
        elif path == "/changing-feed.xml":
            self._send(200, rss([(f"{base}/changing/{i}", f"Live story {i}", DAY0) for i in range(3)]), "application/rss+xml")
        elif path.startswith("/story/"):
            self._send(200, page(int(path.rsplit("/", 1)[1])))
        elif path.startswith("/undated/"):
            self._send(200, page(100 + int(path.rsplit("/", 1)[1]), dated=False))
        elif path.startswith("/changing/"):
            # A live page: a new "updated" line on every request, so its hash changes.
            i = int(path.rsplit("/", 1)[1])
            Handler.changing[i] += 1
            self._send(200, page(200 + i, extra=f"<p>Updated {time.time_ns()} (read {Handler.changing[i]} times).</p>"))
        elif path == "/loop-a":
            self._send(302, b"", headers={"Location": "/loop-b"})
        elif path == "/loop-b":
            self._send(302, b"", headers={"Location": "/loop-a"})
        elif path == "/moved":
            self._send(301, b"", headers={"Location": "/story/30"})
        elif path == "/slow":
            time.sleep(Handler.slow_seconds)
            self._send(200, page(40))
        elif path == "/huge":
            self._send(200, b"<html><body>" + b"<p>filler text</p>" * (2 * 1024 * 1024 // 18) + b"</body></html>")
        elif path == "/huge-undeclared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")
            except OSError:
                pass
            self.close_connection = True
        elif path == "/image.png":
            self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png")
        elif path.startswith("/private/"):
            self._send(200, page(50))
        else:
            self._send(404, b"<html><body>Not found</body></html>")


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - clients hang up on purpose
        pass


def serve() -> tuple[str, ThreadingHTTPServer]:
    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


if __name__ == "__main__":  # a manual look: python -m tests.helpers.webserver
    url, srv = serve()
    print(url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.shutdown()


class Listener:
    """A raw TCP server on ``host`` that records every connection and the request it was sent,
    and answers with ``respond(conn)`` (a page by default): for servers no HTTP library would
    write (a dripping one, a redirect to another address). Used by the security tests and by
    bench/security.py."""

    PAGE = page(7, extra="<p>The internal secret of this machine.</p>")

    def __init__(self, respond=None, host: str = "127.0.0.1") -> None:  # noqa: ANN001
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        self.connections = 0
        self.respond = respond or self.page
        self.done = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def page(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(self.PAGE), self.PAGE))

    def _loop(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(5)
                self.requests.append(conn.recv(65536))
                self.respond(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.done.set()
        self.sock.close()
