"""Issue 27: a server that cannot be turned against its own network. Fetches refuse local and
private addresses before connecting (and after every redirect), connect to the address they
checked, end at one deadline whatever the server's pace; feeds are capped and bounded in time;
sign-in is throttled; and the smaller holes (CSV log, memory limits, .docx entries)."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
import zipfile

import pytest
from helpers import webserver
from helpers.webserver import Listener

from metrics import settings
from metrics.cli import main
from metrics.read import fetch as fetch_mod
from metrics.read.fetch import UNREACHABLE, Fetcher, FetchError, articles, public_address


@pytest.fixture(autouse=True)
def defaults_after():
    yield
    settings.configure()


@pytest.fixture
def listener():
    srv = Listener()
    yield srv
    srv.close()


# ----------------------------------------------------------------------------- SSRF


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("2606:4700::1111", True),
    ("127.0.0.1", False), ("127.8.9.10", False), ("0.0.0.0", False), ("10.1.2.3", False), ("172.16.0.1", False),
    ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False), ("224.0.0.1", False),
    ("240.0.0.1", False), ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1", False),
    ("fc00::1", False), ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False),
    ("64:ff9b::7f00:1", False), ("2002:7f00:1::", False), ("::ffff:93.184.216.34", True),
])
def test_which_addresses_are_public(address, public):
    assert public_address(ipaddress.ip_address(address)) is public


def test_a_local_server_is_refused_without_a_connection_in_every_spelling(listener, tmp_path, capsys):
    p = listener.port
    urls = [f"http://127.0.0.1:{p}/", f"http://localhost:{p}/", f"http://2130706433:{p}/", f"http://0x7f.1:{p}/",
            f"http://0177.0.0.1:{p}/", f"http://127.1:{p}/", f"http://[::ffff:127.0.0.1]:{p}/", f"http://[::1]:{p}/",
            f"https://127.0.0.1:{p}/", "http://169.254.169.254/latest/meta-data/", "http://10.255.255.1:8080/",
            "http://0.0.0.0:9/", "http://[fe80::1]/", "http://no-such-host.invalid/"]
    code = main(["fetch", *urls, "--db", str(tmp_path / "t.db"), "--delay", "0", "--quiet"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 1 and len(err) == len(urls)
    assert listener.connections == 0
    # One reason for all: refused before connecting, no such host, nothing answering.
    assert all(ln.startswith(f"error: {url}: ") and ln.endswith(UNREACHABLE) for ln, url in zip(err, urls)), err


def test_a_closed_port_and_a_refused_address_say_the_same(listener):
    settings.configure({"fetch_allow_private": 1})
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(FetchError) as opened:
        Fetcher(delay=0, robots=False).get(f"http://127.0.0.1:{port}/")
    settings.configure()
    with pytest.raises(FetchError) as refused:
        Fetcher(delay=0, robots=False).get(f"http://127.0.0.1:{listener.port}/")
    assert str(opened.value).split("/: ", 1)[1] == str(refused.value).split("/: ", 1)[1] == UNREACHABLE


def test_the_setting_opens_private_addresses_for_an_intranet(listener, tmp_path, capsys):
    db = str(tmp_path / "t.db")
    assert main(["--setting", "fetch_allow_private", "1", "fetch", f"http://127.0.0.1:{listener.port}/page",
                 "--db", db, "--delay", "0", "--quiet"]) == 0
    assert listener.connections == 2  # robots.txt, the page
    assert capsys.readouterr().out.startswith("added 1,")


def _as_public(monkeypatch, *addresses: str) -> None:
    """Take these loopback addresses for public ones (the tests cannot reach the internet)."""
    real = fetch_mod.public_address
    monkeypatch.setattr(fetch_mod, "public_address", lambda ip: str(ip) in addresses or real(ip))


def test_a_redirect_to_a_local_address_is_refused_before_connecting(monkeypatch):
    inner = Listener(host="127.0.0.2")
    outer = Listener(lambda c: c.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:%d/admin\r\n"
                                         b"Content-Length: 0\r\n\r\n" % inner.port))
    try:
        _as_public(monkeypatch, "127.0.0.1")
        with pytest.raises(FetchError, match=f"127.0.0.2:{inner.port}/admin: cannot connect"):
            Fetcher(delay=0, robots=False).get(f"http://127.0.0.1:{outer.port}/go")
        assert outer.connections == 1 and inner.connections == 0
    finally:
        inner.close()
        outer.close()


def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(monkeypatch, listener):
    """DNS rebinding against the fetcher: the first answer public, every later one local. One
    lookup per request; the connection goes to the first answer; the Host header keeps the name."""
    _as_public(monkeypatch, "127.0.0.1")
    answers = iter(["127.0.0.1"] + ["127.0.0.3"] * 10)
    lookups: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    r = Fetcher(delay=0, robots=False).get(f"http://rebind.test:{listener.port}/page")
    assert r.status == 200 and b"internal secret" in r.body
    assert lookups == ["rebind.test"] and listener.connections == 1
    assert f"Host: rebind.test:{listener.port}\r\n".encode() in listener.requests[0]
    with pytest.raises(FetchError, match="cannot connect"):  # the next request's lookup is local: refused
        Fetcher(delay=0, robots=False).get(f"http://rebind.test:{listener.port}/page")
    assert listener.connections == 1


# ----------------------------------------------------------------------------- deadlines


def _drip_headers(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
    for _ in range(60):
        time.sleep(1)
        conn.sendall(b"x")


def _drip_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><p>")
    for _ in range(60):
        time.sleep(1)
        conn.sendall(b"x")


@pytest.mark.slow
@pytest.mark.parametrize("respond", [_drip_headers, _drip_body], ids=["headers", "body"])
def test_a_server_dripping_a_byte_a_second_ends_at_the_deadline(respond, tmp_path, capsys):
    srv = Listener(respond)
    try:
        t0 = time.monotonic()
        code = main(["--setting", "fetch_allow_private", "1", "fetch", f"http://127.0.0.1:{srv.port}/page",
                     "--timeout", "4", "--db", str(tmp_path / "t.db"), "--delay", "0", "--quiet"])
        took = time.monotonic() - t0
    finally:
        srv.close()
    err = capsys.readouterr().err
    assert code == 1 and f"127.0.0.1:{srv.port}/page: timed out after 4 s" in err, err
    # robots.txt drips too: its own deadline (4 s) and then the page's (4 s).
    assert 8 - 2 <= took <= 8 + 2, took


class FakeClock(fetch_mod.Clock):
    """Time that moves only when told: ``sleep`` moves it on at once, ``advance`` from a test."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.t += seconds


@pytest.mark.slow
def test_the_per_host_delay_waits_on_the_fetchers_clock():
    base, server = webserver.serve()
    try:
        settings.configure({"fetch_allow_private": 1})
        clock = FakeClock()
        f = Fetcher(delay=30, clock=clock)
        t0 = time.monotonic()
        for i in range(3):
            f.get(f"{base}/story/{60 + i}")
        # robots.txt and three pages, one host: three waits of 30 s, none of them real.
        assert clock.slept == [30.0, 30.0, 30.0] and time.monotonic() - t0 < 25
    finally:
        server.shutdown()


@pytest.mark.slow
def test_the_deadline_is_on_the_fetchers_clock(listener):
    settings.configure({"fetch_allow_private": 1})
    stalled = Listener(lambda c: time.sleep(30))
    clock = FakeClock()
    got: list[object] = []

    def run() -> None:
        try:
            got.append(Fetcher(timeout=60, delay=0, robots=False, clock=clock).get(f"http://127.0.0.1:{stalled.port}/"))
        except FetchError as err:
            got.append(err)

    t = threading.Thread(target=run)
    t.start()
    try:
        time.sleep(1.0)
        assert not got and stalled.connections == 1  # waiting for headers that never come
        clock.t += 61
        t.join(5)
        assert "timed out after 60 s" in str(got[0])
    finally:
        stalled.close()


@pytest.mark.slow
def test_one_slow_feed_cannot_hold_up_the_round(tmp_path, capsys):
    base, server = webserver.serve()
    try:
        t0 = time.monotonic()
        code = main(["--setting", "fetch_allow_private", "1", "--setting", "fetch_feed_seconds", "3", "fetch",
                     f"{base}/slow-feed.xml", f"{base}/feed.xml?n=2", "--timeout", "2",
                     "--db", str(tmp_path / "t.db"), "--delay", "0", "--quiet"])
        took = time.monotonic() - t0
    finally:
        server.shutdown()
    out, err = capsys.readouterr()
    assert code == 1 and out.startswith("added 2, already present 0, failed 3")  # 2 slow items, the rest left
    assert "slow-feed.xml: stopped after 3 s (fetch_feed_seconds) with 3 of 5 items not read" in err
    assert took < 5 * 2, took  # not the five slow items' 10 s


@pytest.mark.slow
def test_a_feed_of_100000_items_is_capped_by_default():
    settings.configure({"fetch_allow_private": 1, "fetch_max_mb": 20})
    big = webserver.rss([(f"http://x.invalid/story/{i}", f"Title {i}", webserver.DAY0) for i in range(100_000)])
    srv = Listener(lambda c: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: %d"
                                       b"\r\n\r\n%s" % (len(big), big)))
    fetched: list[str] = []
    try:
        got = list(articles(f"http://127.0.0.1:{srv.port}/feed.xml", Fetcher(delay=0, robots=False),
                            known=lambda link: fetched.append(link) or True))
    finally:
        srv.close()
    assert got == [] and len(fetched) == settings.DEFAULTS["fetch_max_items"] == 200
    assert fetched[:2] == ["http://x.invalid/story/0", "http://x.invalid/story/1"]


@pytest.mark.slow
def test_a_fetched_page_goes_through_the_parse_budget(listener):
    """The page a dashboard fetches is parsed in the sandbox: over budget it is refused in one
    line, the fetching process untouched."""
    settings.configure({"fetch_allow_private": 1, "parse_cpu_seconds": 0.5})
    page = (b"<!doctype html><html><body><article>"
            + b"".join(b"<p>Paragraph %d of a page that goes on and on.</p>" % i for i in range(120_000))
            + b"</article></body></html>")
    srv = Listener(lambda c: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
                                       % (len(page), page)))
    try:
        (got,) = list(articles(f"http://127.0.0.1:{srv.port}/big", Fetcher(delay=0, robots=False)))
    finally:
        srv.close()
    assert isinstance(got, FetchError) and "took longer than 0.5 s to read" in str(got)


# ----------------------------------------------------------------------------- sign-in


def test_failed_sign_ins_wait_longer_each_time_then_lock_out_per_user_and_per_client():
    from ui.auth import SignInThrottle

    now = [0.0]
    t = SignInThrottle(max_failures=5, window=600, delay=1, clock=lambda: now[0])
    ana, kim = ["user:ana", "client:10.0.0.9"], ["user:kim", "client:10.0.0.9"]
    assert t.refusal(ana) is None
    t.failed(ana)
    assert "wait 1 s" in t.refusal(ana)
    now[0] += 1.01
    assert t.refusal(ana) is None
    t.failed(ana)
    assert "wait 2 s" in t.refusal(ana) and "wait 2 s" in t.refusal(["user:ben", "client:10.0.0.9"])  # the client waits too
    assert t.refusal(["user:ben", "client:10.0.0.7"]) is None  # another user from elsewhere does not
    for _ in range(3):
        now[0] += 61
        assert t.refusal(kim) is None
        locks = t.failed(kim)
    assert locks  # the client's fifth failure in the window
    assert "locked out" in t.refusal(["user:zoe", "client:10.0.0.9"])
    now[0] += 600
    assert t.refusal(["user:zoe", "client:10.0.0.9"]) is None  # the window has passed


@pytest.mark.slow
def test_25_wrong_passwords_lock_the_user_out_and_are_in_the_log(tmp_path, monkeypatch, capsys):
    import bcrypt
    from helpers import fill
    from helpers.apptest import APP, FEW, TIMEOUT, run
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "tension.db"
    monkeypatch.setenv("TENSION_DB", str(db))
    fill(db, FEW)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    # Its own user name: the throttle is the server process's, shared by every test in it.
    at.secrets["signin"] = {"editors": ["lee"],
                            "users": {"lee": {"password_hash": bcrypt.hashpw(b"lee-pass", bcrypt.gensalt(4)).decode()}}}
    run(at)
    said = []
    for i in range(26):
        at.text_input(key="signin_name").input("lee")
        at.text_input(key="signin_password").input("lee-pass" if i == 25 else f"guess-{i}")
        at.button[0].click()
        run(at)
        said.append(" ".join(e.value for e in at.error))
    assert said[0] == "Wrong user name or password."
    assert "locked out" in said[24] and "locked out" in said[25]  # the right password, too late
    assert "signed_in" not in at.session_state and not at.metric
    assert main(["log", "--db", str(db), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    rows = [r for r in json.loads(out) if r["action"] == "signin"]
    assert rows, (out[:500], err[-500:])
    assert all(r["who"] == "lee" for r in rows)
    assert any("locked out" in r["title"] for r in rows)


# ----------------------------------------------------------------------------- DNS rebinding


@pytest.mark.parametrize("headers, local", [
    ({"Host": "localhost:8501"}, True),
    ({"Host": "127.0.0.1:8501", "Origin": "http://127.0.0.1:8501"}, True),
    ({"Host": "[::1]:8501", "Origin": "http://[::1]:8501"}, True),
    ({"Host": "LOCALHOST.:8501"}, True),
    ({"Host": "rebind.test:8501", "Origin": "http://rebind.test:8501"}, False),  # DNS rebinding
    ({"Host": "rebind.test:8501"}, False),
    ({"Host": "localhost:8501", "Origin": "http://localhost:3000"}, False),  # another local site's page
    ({"Host": "localhost:8501", "Origin": "null"}, False),
    ({"Host": "127.0.0.1.nip.io:8501"}, False),
    ({"Host": "localhost:port"}, False),
    ({}, False),
])
def test_only_this_machines_own_names_are_local(headers, local):
    from ui.auth import names_this_machine

    assert names_this_machine(headers) is local


def test_names_the_operator_allowed_are_this_machines_too():
    from ui.auth import names_this_machine

    assert names_this_machine({"Host": "tension.lab:8501"}, ["tension.lab"])
    assert not names_this_machine({"Host": "tension.lab:8501"}, ["*"])  # "any name" is not a name


# ----------------------------------------------------------------------------- the smaller holes


@pytest.mark.slow
def test_html_pdf_and_docx_are_read_under_a_hard_memory_limit(tmp_path):
    """As under ``ulimit -v`` or systemd's LimitAS=: the parsing worker lowers its soft limit
    within the hard one and never tries to raise the hard one."""
    import resource
    import subprocess
    import sys

    from helpers.documents import make_docx, make_html, make_pdf

    from metrics.read.budget import _ROOT

    para = "Officials of both countries met in Geneva for talks and agreed to keep channels open."
    (tmp_path / "a.html").write_text(make_html(), encoding="utf-8")
    paths = [tmp_path / "a.html", make_pdf(tmp_path / "a.pdf", [para], title="Talks in Geneva"),
             make_docx(tmp_path / "a.docx", "Talks in Geneva", [para])]
    hard = 6 << 30  # room for the interpreter, its libraries and the 1 GB budget, as a real limit would leave

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

    script = ("import sys\nfrom metrics.read.readers import read_path\n"
              "for p in sys.argv[1:]:\n    for a in read_path(p):\n"
              "        print(type(a).__name__, a if isinstance(a, Exception) else a.title, flush=True)\n")
    proc = subprocess.run([sys.executable, "-c", script, *map(str, paths)], cwd=_ROOT, preexec_fn=limited,
                          capture_output=True, text=True, timeout=300)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and len(lines) == 3 and all(ln.startswith("Article ") for ln in lines), (lines, proc.stderr[-800:])


@pytest.mark.slow
def test_a_docx_with_too_many_zip_entries_is_refused_for_that(tmp_path):
    from helpers.documents import make_docx

    from metrics.read.readers import MAX_ZIP_ENTRIES, read_path

    path = make_docx(tmp_path / "many.docx", "Talks", ["Officials met for talks and agreed to keep channels open."])
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(MAX_ZIP_ENTRIES + 1):
            zf.writestr(f"extra/part{i}.xml", b"")
    (got,) = list(read_path(path))
    n = len(zipfile.ZipFile(path).infolist())
    assert str(got) == f"{path}: {n:,} zip entries, over the limit of {MAX_ZIP_ENTRIES:,} for a .docx (a zip bomb?)"


def _as_plotly_shows(text: str) -> str:
    """What plotly.js shows for ``text`` without tags: its convertEntities decodes &amp;, &lt;,
    &gt;, &nbsp;, a few symbols and numeric entities, and nothing else (plotly.min.js)."""
    import re

    named = {"amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0", "mu": "\u03bc", "times": "\xd7", "plusmn": "\xb1", "deg": "\xb0"}

    def one(m) -> str:  # noqa: ANN001
        r = m.group(1)
        if r.startswith("#"):
            return chr(int(r[2:], 16) if r[1] == "x" else int(r[1:]))
        return named.get(r, m.group(0))

    return re.sub(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);", one, text)


def test_plotly_legends_show_a_title_as_written_escaped_once():
    import pandas as pd

    from metrics.views import figures

    title = 'Talks "resume" at O\'Hare & <b>end</b>'
    fig = figures.drivers_figure(pd.Series({"sanctions": 1.0}), pd.Series({"sanctions": 2.0}), article_name=title)
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert "<b>" not in legend[1] and "&lt;b&gt;" in legend[1]  # no tag reaches plotly
    assert _as_plotly_shows(legend[1]) == title  # and what it shows is the title itself
