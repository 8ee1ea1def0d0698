"""News from the web: pages and RSS/Atom feeds fetched politely, read like files.

``Fetcher.get(url)`` is one bounded HTTP GET: http and https only; the host name resolved once,
every address it gives checked (loopback, private, link-local, multicast and reserved addresses
are refused unless the setting ``fetch_allow_private`` is on) and the connection made to the
address checked, the Host header and the TLS certificate check on the name; one wall-clock
deadline per request over connect, headers and body, whatever the server's pace (a watchdog
closes the socket at the deadline); a size cap checked on the declared length and on the bytes
read; at most ``max_redirects`` redirects, each checked again; a clear User-Agent; robots.txt
honoured (``urllib.robotparser``, one read per host) and a delay between two requests to the
same host. Every failure is a ``FetchError`` naming the URL and the reason; every target that
is refused or cannot be reached gets the same reason (no port scanner). docs/security.md says why.

``articles(url, ...)`` tells a feed from a page by its content (feedparser): a page is one
article (``metrics.read.readers.parse_html``); a feed's items are fetched one by one, each with its
link as the source, the page's own title and date first and the item's as the fallback. Pages
and feeds are parsed in the parse sandbox (``metrics.read.budget``), as files are; a feed is
read for at most ``fetch_feed_seconds`` and ``fetch_max_items`` items.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.robotparser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

from metrics import __version__, settings
from metrics.errors import InputError
from metrics.model import Article
from metrics.read.readers import ReadOptions, parse_html, parse_untrusted

USER_AGENT = f"relations-tension-index/{__version__} (news reader for research; python-urllib)"
CHUNK = 64 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_MARKS = (b"<rss", b"<feed", b"<rdf:rdf", b"<?xml")


class FetchError(InputError):
    """A URL that could not be fetched or read: one line with the URL and the reason."""


@dataclass
class Response:
    url: str  # after redirects
    status: int
    content_type: str
    charset: str | None
    body: bytes


def _check_scheme(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http and https links can be fetched")
    return parts.netloc.lower()


# Said of every target that is refused or cannot be reached, before or after connecting: which
# of these it was would tell an attacker which internal hosts and ports exist.
UNREACHABLE = ("cannot connect (no such host, nothing answering, or a local or private address: "
               "those need the setting fetch_allow_private)")
# IPv6 forms that carry an IPv4 address: judged by the address they carry.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``ip`` is an address of the public internet: not loopback, private, link-local
    (169.254.169.254, the cloud metadata service), multicast, reserved, unspecified or shared
    (100.64/10), also when written as an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address."""
    if ip.version == 6:
        inner = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        inner = inner or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return public_address(inner)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


class Clock:
    """Time for the fetcher: its deadlines and its waits between two requests to one host. Tests
    pass one whose ``sleep`` only moves ``now`` on."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Watchdog:
    """Closes a request's socket when its deadline passes, wherever the request is blocked
    (connecting, reading headers or body a byte at a time): a socket timeout bounds one read only."""

    def __init__(self, clock: Clock, deadline: float) -> None:
        self.clock, self.deadline = clock, deadline
        self.expired = False
        self._sock: socket.socket | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True, name="fetch-deadline").start()

    def left(self) -> float:
        return self.deadline - self.clock.now()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._close()

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _run(self) -> None:
        # Short real waits, so a test clock moved on is noticed too.
        while not self._done.wait(min(max(self.left(), 0.0), 0.1)):
            if self.left() <= 0:
                with self._lock:
                    self.expired = True
                    self._close()
                return

    def stop(self) -> None:
        self._done.set()


class Fetcher:
    """Bounded, polite HTTP GETs; one per command run (robots.txt and per-host times are kept)."""

    def __init__(
        self,
        timeout: float | None = None,
        max_mb: float | None = None,
        delay: float | None = None,
        max_redirects: int | None = None,
        user_agent: str = USER_AGENT,
        robots: bool = True,
        clock: Clock | None = None,
        allow_private: bool | None = None,
    ) -> None:
        # None: the settings fetch_timeout_seconds, fetch_max_mb, fetch_delay_seconds,
        # fetch_max_redirects, fetch_allow_private
        self.timeout = settings.get("fetch_timeout_seconds") if timeout is None else timeout
        self.max_bytes = int((settings.get("fetch_max_mb") if max_mb is None else max_mb) * 1024 * 1024)
        self.delay = settings.get("fetch_delay_seconds") if delay is None else delay
        self.max_redirects = settings.get("fetch_max_redirects") if max_redirects is None else max_redirects
        self.allow_private = bool(settings.get("fetch_allow_private")) if allow_private is None else allow_private
        self.user_agent = user_agent
        self.robots = robots
        self.clock = clock or Clock()
        self._tls = ssl.create_default_context()
        self._last: dict[str, float] = {}
        self._rules: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._lock = threading.Lock()

    # -- politeness -----------------------------------------------------------------------------

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            now = self.clock.now()
            due = self._last.get(host, -1e9) + self.delay
            self._last[host] = max(now, due)
        if due > now:
            self.clock.sleep(due - now)

    def allowed(self, url: str) -> bool:
        """What the host's robots.txt says for our User-Agent (no robots.txt: allowed)."""
        if not self.robots:
            return True
        parts = urllib.parse.urlsplit(url)
        host = parts.netloc.lower()
        if host not in self._rules:
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            rules: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser(robots_url)
            try:
                r = self._request(robots_url, max_bytes=512 * 1024)
                rules.parse(r.body.decode("utf-8", "replace").splitlines())
            except FetchError as err:
                # As urllib.robotparser reads it: 401/403 forbid everything; a missing file or
                # another failure (the page fetch will say what is wrong) allows.
                status = getattr(err, "status", None)
                if status in (401, 403):
                    rules.disallow_all = True
                else:
                    rules = None
            self._rules[host] = rules
        rules = self._rules[host]
        return rules is None or rules.can_fetch(self.user_agent, url)

    # -- requests -------------------------------------------------------------------------------

    def _address(self, url: str, host: str, port: int, dog: _Watchdog) -> str:
        """The one address to connect to: ``host`` resolved once (within the deadline), every
        address it gives checked; FetchError(UNREACHABLE) when none may be used."""
        found: list = []

        def resolve() -> None:
            try:
                found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP))
            except (OSError, UnicodeError):
                pass

        t = threading.Thread(target=resolve, daemon=True, name="fetch-resolve")
        t.start()
        t.join(max(dog.left(), 0.0))
        if t.is_alive():
            raise FetchError(f"{url}: timed out after {self.timeout:g} s")
        addresses = []
        for *_, sockaddr in list(found):
            try:
                addresses.append(ipaddress.ip_address(sockaddr[0].split("%", 1)[0]))
            except ValueError:
                continue
        # A name that gives any local or private address is refused whole, not just that
        # address: a public one beside it does not make it a public site.
        if not addresses or (not self.allow_private and not all(public_address(a) for a in addresses)):
            raise FetchError(f"{url}: {UNREACHABLE}")
        return str(addresses[0])

    def _request(self, url: str, max_bytes: int | None = None) -> Response:
        """One GET without following redirects (a 3xx comes back as a Response with its target)."""
        netloc = _check_scheme(url)
        parts = urllib.parse.urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            raise FetchError(f"{url}: not a valid port") from None
        host = parts.hostname or ""
        limit = self.max_bytes if max_bytes is None else max_bytes
        self._wait_turn(netloc)
        target = urllib.parse.quote(parts.path or "/", safe="/%:@!$&'()*+,;=~") + (
            "?" + urllib.parse.quote(parts.query, safe="/%:@!$&'()*+,;=?~") if parts.query else "")
        dog = _Watchdog(self.clock, self.clock.now() + self.timeout)
        timed_out = FetchError(f"{url}: timed out after {self.timeout:g} s")
        try:
            ip = self._address(url, host, port, dog)

            def connect(_address, timeout=None, source_address=None) -> socket.socket:  # noqa: ANN001
                try:
                    sock = socket.create_connection((ip, port), max(dog.left(), 0.001))
                except OSError:
                    raise FetchError(f"{url}: {UNREACHABLE}") from None
                dog.watch(sock)
                sock.settimeout(max(self.timeout, 0.001))
                return sock

            if parts.scheme.lower() == "https":
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, context=self._tls)
            else:
                conn = http.client.HTTPConnection(host, port)
            conn._create_connection = connect  # type: ignore[attr-defined] - the address checked, no second lookup
            try:
                conn.request("GET", target, headers={"User-Agent": self.user_agent, "Accept": "*/*",
                                                     "Accept-Encoding": "identity", "Connection": "close"})
                resp = conn.getresponse()
                return self._response(url, resp, limit, dog, timed_out)
            except FetchError:
                raise
            except ssl.SSLCertVerificationError as err:
                raise FetchError(f"{url}: the site's certificate is not valid for it: {err.verify_message}") from None
            except (OSError, ValueError, http.client.HTTPException) as err:
                if dog.expired or isinstance(err, TimeoutError):
                    raise timed_out from None
                raise FetchError(f"{url}: connection broken: {type(err).__name__}") from None
            finally:
                conn.close()
        except FetchError:
            if dog.expired:
                raise timed_out from None
            raise
        finally:
            dog.stop()

    def _response(self, url: str, resp: http.client.HTTPResponse, limit: int, dog: _Watchdog,
                  timed_out: FetchError) -> Response:
        if 300 <= resp.status < 400:
            location = resp.getheader("Location")
            if not location:
                raise FetchError(f"{url}: HTTP {resp.status} redirect without a Location")
            return Response(urllib.parse.urljoin(url, location.strip()), resp.status, "", None, b"")
        if resp.status >= 400:
            raise _status_error(url, resp.status, resp.reason)
        declared = resp.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{url}: too large ({int(declared) / 1048576:.1f} MB, limit {limit / 1048576:g} MB)")
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if dog.left() <= 0:
                    raise timed_out
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"{url}: too large (over the {limit / 1048576:g} MB limit)")
                chunks.append(chunk)
        except (OSError, ValueError, http.client.HTTPException) as err:
            if dog.expired or isinstance(err, TimeoutError):
                raise timed_out from None
            raise FetchError(f"{url}: connection broken while reading: {type(err).__name__}") from None
        if dog.expired:  # the socket closed under the last read: what came is cut short
            raise timed_out
        msg = resp.msg
        return Response(url, resp.status, msg.get_content_type(), msg.get_content_charset(), b"".join(chunks))

    def get(self, url: str) -> Response:
        """GET ``url``, following at most ``max_redirects`` redirects, each checked (scheme,
        address, robots.txt); raises ``FetchError`` with the URL and the reason."""
        seen = [url]
        current = url
        for _ in range(self.max_redirects + 1):
            _check_scheme(current)
            if not self.allowed(current):
                raise FetchError(f"{current}: disallowed by the site's robots.txt")
            r = self._request(current)
            if not 300 <= r.status < 400:
                return r
            current = r.url
            if current in seen:
                raise FetchError(f"{url}: redirect loop ({' -> '.join(seen + [current])})")
            seen.append(current)
        raise FetchError(f"{url}: more than {self.max_redirects} redirects")


def _status_error(url: str, status: int, reason: str) -> FetchError:
    e = FetchError(f"{url}: HTTP {status} {reason}".rstrip())
    e.status = status  # type: ignore[attr-defined]
    return e


# --- feeds and pages -----------------------------------------------------------------------------


def looks_like_feed(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(head.startswith(m) or m in head[:512] for m in _FEED_MARKS) and b"<html" not in head[:512]


def parse_feed(body: bytes, url: str):
    """feedparser's reading of ``body``, or None when it is not a feed."""
    import feedparser

    if not looks_like_feed(body):
        return None
    d = feedparser.parse(body)
    if not d.get("version") and not d.get("entries"):
        return None
    return d


def _entry_date(entry) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            try:
                return datetime(*t[:6], tzinfo=timezone.utc).date()
            except (TypeError, ValueError):
                continue
    return None


@dataclass
class FeedItem:
    link: str | None
    title: str | None
    date: date | None


def feed_items(d, base: str) -> list[FeedItem]:
    items = []
    for e in d.get("entries", []):
        link = e.get("link") or next((x.get("href") for x in e.get("links", []) if x.get("href")), None)
        items.append(FeedItem(urllib.parse.urljoin(base, link.strip()) if link else None, e.get("title"), _entry_date(e)))
    return items


_ITEM_START = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]", re.I)


def cap_items(body: bytes, max_items: int) -> bytes:
    """``body`` cut before its item ``max_items + 1`` and closed: feedparser takes a third of a
    second per thousand items, so a 10 MB feed of 75,000 would be refused at the parse budget
    instead of read up to the cap."""
    for n, m in enumerate(_ITEM_START.finditer(body)):
        if n == max_items:
            head = body[:2048].lower()
            close = b"</feed>" if b"<feed" in head else b"</rdf:RDF>" if b"<rdf:rdf" in head else b"</channel></rss>"
            return body[:m.start()] + close
    return body


def read_feed(body: bytes, url: str, base: str,
              max_items: int | None = None) -> Iterator[tuple[list[FeedItem], str | None] | None]:
    """In the parse sandbox: one value, None when ``body`` is not a feed, else its first
    ``max_items`` items (links resolved against ``base``) and why it is unreadable when it has
    none (feedparser's "bozo")."""
    d = parse_feed(body if max_items is None else cap_items(body, max_items), url)
    if d is None:
        yield None
        return
    items = feed_items(d, base)
    why = None
    if not items and d.get("bozo"):
        why = (str(d.get("bozo_exception", "")).splitlines() or [""])[0][:200]
    # Plain strings and dates only cross back to the parent (feedparser's own types stay there).
    yield [FeedItem(it.link, str(it.title) if it.title is not None else None, it.date) for it in items], why


def read_page(r: Response, source: str, options: ReadOptions) -> Article:
    """The article of a fetched HTML page, its link as the source; raises ``FetchError``."""
    if r.content_type not in _HTML_TYPES and not r.body[:1024].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise FetchError(f"{source}: not HTML (content type {r.content_type or 'unknown'})")
    if not r.body:
        raise FetchError(f"{source}: empty response")
    data = r.body
    if r.charset and b"charset" not in data[:4096].lower():
        # The HTTP header's charset, for a page that declares none itself.
        data = f'<meta charset="{r.charset}">'.encode("ascii", "ignore") + data
    # The parse budget of files (parse_cpu_seconds, parse_memory_mb): a page may be as hostile.
    (got,) = list(parse_untrusted(parse_html, data, source, options))[:1] or [FetchError(f"{source}: nothing read")]
    if isinstance(got, InputError):
        raise FetchError(str(got)) from None
    return got


Outcome = Article | InputError


def articles(
    url: str,
    fetcher: Fetcher,
    options: ReadOptions | None = None,
    since: date | None = None,
    max_items: int | None = None,
    known: Callable[[str], bool] | None = None,
    on_known: Callable[[str], None] | None = None,
) -> Iterator[Outcome]:
    """The articles behind ``url``: itself if a page, its items if a feed. A feed item whose
    link ``known(link)`` says is stored is not fetched again (``on_known(link)`` is told);
    items dated before ``since`` are left out; the first ``max_items`` items the feed lists (None:
    the setting ``fetch_max_items``) are read, fetched for at most ``fetch_feed_seconds``: the
    rest wait for the next round, so one slow feed cannot hold up the others for long."""
    options = options or ReadOptions()
    max_items = settings.get("fetch_max_items") if max_items is None else max_items
    started = fetcher.clock.now()
    try:
        r = fetcher.get(url)
    except FetchError as err:
        yield err
        return
    reading = None
    if looks_like_feed(r.body):
        from metrics.read import budget

        (reading,) = budget.run(read_feed, (r.body, url, r.url, max_items), url)
        if isinstance(reading, InputError):
            yield FetchError(str(reading))
            return
    if reading is None:
        try:
            a = read_page(r, url, options)
        except FetchError as err:
            yield err
            return
        if since is None or a.date is None or a.date >= since:
            yield a
        return
    items, unreadable = reading
    if not items and unreadable is not None:
        yield FetchError(f"{url}: not a readable feed: {unreadable}")
        return
    if since is not None:
        items = [it for it in items if it.date is None or it.date >= since]
    feed_seconds = settings.get("fetch_feed_seconds")
    for n, it in enumerate(items, 1):
        if fetcher.clock.now() - started > feed_seconds:
            yield FetchError(f"{url}: stopped after {feed_seconds:g} s (fetch_feed_seconds) with "
                             f"{len(items) - n + 1} of {len(items)} items not read; they are tried next time")
            return
        if not it.link:
            yield FetchError(f"{url}: item {n} ({it.title or 'untitled'}) has no link")
            continue
        if known is not None and known(it.link):
            if on_known is not None:
                on_known(it.link)
            continue
        try:
            page = read_page(fetcher.get(it.link), it.link, options)
        except FetchError as err:
            yield err
            continue
        page.title = page.title or (it.title.strip() if it.title else None)
        page.date = page.date or it.date
        if since is not None and page.date is not None and page.date < since:
            continue
        page.meta.setdefault("feed", url)
        yield page
