"""News from the web: pages and RSS/Atom feeds fetched politely, read like files.

``Fetcher.get(url)`` is one bounded HTTP GET: http and https only, a per-request timeout that
also bounds a server trickling bytes, a size cap checked on the declared length and on the bytes
read, at most ``max_redirects`` redirects (each checked again), a clear User-Agent, robots.txt
honoured (``urllib.robotparser``, one read per host) and a delay between two requests to the
same host. Every failure is a ``FetchError`` naming the URL and the reason.

``articles(url, ...)`` tells a feed from a page by its content (feedparser): a page is one
article (``metrics.read.readers.parse_html``); a feed's items are fetched one by one, each with its
link as the source, the page's own title and date first and the item's as the fallback.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.message import Message

from metrics import __version__, settings
from metrics.errors import InputError
from metrics.events.extract import Article
from metrics.read.readers import ReadOptions, parse_html

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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by ``Fetcher.get`` itself, to count and check each hop."""

    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def _check_scheme(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http and https links can be fetched")
    return parts.netloc.lower()


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
    ) -> None:
        # None: the settings fetch_timeout_seconds, fetch_max_mb, fetch_delay_seconds, fetch_max_redirects
        self.timeout = settings.get("fetch_timeout_seconds") if timeout is None else timeout
        self.max_bytes = int((settings.get("fetch_max_mb") if max_mb is None else max_mb) * 1024 * 1024)
        self.delay = settings.get("fetch_delay_seconds") if delay is None else delay
        self.max_redirects = settings.get("fetch_max_redirects") if max_redirects is None else max_redirects
        self.user_agent = user_agent
        self.robots = robots
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._last: dict[str, float] = {}
        self._rules: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._lock = threading.Lock()

    # -- politeness -----------------------------------------------------------------------------

    def _wait_turn(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            due = self._last.get(host, -1e9) + self.delay
            self._last[host] = max(now, due)
        if due > now:
            time.sleep(due - now)

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

    def _request(self, url: str, max_bytes: int | None = None) -> Response:
        """One GET without following redirects (a 3xx comes back as a Response)."""
        host = _check_scheme(url)
        limit = self.max_bytes if max_bytes is None else max_bytes
        self._wait_turn(host)
        req = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept": "*/*"})
        deadline = time.monotonic() + self.timeout
        try:
            resp = self._opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as err:
            if 300 <= err.code < 400:
                if not err.headers.get("Location"):
                    raise FetchError(f"{url}: HTTP {err.code} redirect without a Location") from None
                return _redirect(url, err)
            e = FetchError(f"{url}: HTTP {err.code} {err.reason}")
            e.status = err.code  # type: ignore[attr-defined]
            raise e from None
        except TimeoutError:
            raise FetchError(f"{url}: timed out after {self.timeout:g} s") from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, TimeoutError):
                raise FetchError(f"{url}: timed out after {self.timeout:g} s") from None
            raise FetchError(f"{url}: cannot connect: {getattr(reason, 'strerror', None) or reason}") from None
        except (OSError, ValueError, http.client.HTTPException) as err:
            raise FetchError(f"{url}: cannot connect: {type(err).__name__}: {err}") from None
        with resp:
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError(f"{url}: too large ({int(declared) / 1048576:.1f} MB, limit {limit / 1048576:g} MB)")
            chunks: list[bytes] = []
            size = 0
            try:
                while True:
                    if time.monotonic() > deadline:
                        raise FetchError(f"{url}: timed out after {self.timeout:g} s")
                    chunk = resp.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(f"{url}: too large (over the {limit / 1048576:g} MB limit)")
                    chunks.append(chunk)
            except TimeoutError:
                raise FetchError(f"{url}: timed out after {self.timeout:g} s") from None
            except (OSError, ValueError, http.client.HTTPException) as err:
                raise FetchError(f"{url}: connection broken while reading: {err}") from None
            msg: Message = resp.headers
            return Response(resp.geturl(), resp.status, msg.get_content_type(), msg.get_content_charset(), b"".join(chunks))

    def get(self, url: str) -> Response:
        """GET ``url``, following at most ``max_redirects`` redirects, each checked (scheme,
        robots.txt); raises ``FetchError`` with the URL and the reason."""
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


def _redirect(url: str, err: urllib.error.HTTPError) -> Response:
    target = urllib.parse.urljoin(url, err.headers.get("Location", ""))
    return Response(target, err.code, "", None, b"")


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
    (got,) = list(parse_html(data, source, options)) or [FetchError(f"{source}: nothing read")]
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
    items dated before ``since`` are left out."""
    options = options or ReadOptions()
    try:
        r = fetcher.get(url)
    except FetchError as err:
        yield err
        return
    feed = parse_feed(r.body, url)
    if feed is None:
        try:
            a = read_page(r, url, options)
        except FetchError as err:
            yield err
            return
        if since is None or a.date is None or a.date >= since:
            yield a
        return
    items = feed_items(feed, r.url)
    if not items and feed.get("bozo"):
        yield FetchError(f"{url}: not a readable feed: {str(feed.get('bozo_exception', '')).splitlines()[0][:200]}")
        return
    if since is not None:
        items = [it for it in items if it.date is None or it.date >= since]
    if max_items is not None:
        items = items[:max_items]
    for n, it in enumerate(items, 1):
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
