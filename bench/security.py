"""Time and memory of each attack of issue 27, as a user's command or the dashboard sees it.

    python bench/security.py [--root PROJECT] [--timeout 90] [--only NAME,...]

Runs each case against the checkout ``--root`` (default: this one; give an export of another
commit to compare) in a fresh interpreter, under a timeout, and prints one line per case: wall
seconds, peak resident memory, and what happened. Every server is started here on 127.0.0.1.

- ssrf: a server on 127.0.0.1 that counts connections; ``fetch`` of it as 127.0.0.1, localhost,
  2130706433 (decimal), 0x7f.1 (hex) and [::ffff:127.0.0.1] (mapped), ``fetch_allow_private`` off.
- drip-headers / drip-body: a server that sends one byte a second; ``fetch --timeout 5``.
- big-page: a 10 MB page of 120,000 paragraphs read the dashboard's way (``ui.webin``), in process.
- rebinding: ``streamlit run app.py`` on 127.0.0.1 opened in Chromium as http://rebind.test:PORT
  (the name mapped to 127.0.0.1, as a rebinding DNS server would): the Upload page's rights.
- signin-flood: 25 wrong passwords for one user through Streamlit's AppTest, then the right one.
- log-csv: an article titled like a formula, removed, then ``log --format csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ALLOW = "fetch_allow_private"
sys.path.insert(0, str(HERE))

from tests.helpers.webserver import Listener  # noqa: E402 - the tests' raw TCP server


def _has_setting(root: Path, name: str) -> bool:
    return f'"{name}"' in (root / "metrics" / "settings.py").read_text()


def _setting_args(root: Path) -> list[str]:
    return ["--setting", ALLOW, "1"] if _has_setting(root, ALLOW) else []


SECRET = (b"<html><head><title>Internal admin</title></head><body><article><h1>Internal admin</h1>"
          + b"<p>The internal secret of this machine is shown here to anyone who asks for it politely.</p>" * 8
          + b"</article></body></html>")


def _secret(conn) -> None:  # noqa: ANN001
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(SECRET), SECRET))


def _drip_headers(conn) -> None:  # noqa: ANN001
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(600):  # until the client hangs up (sendall then fails) or 10 minutes
        time.sleep(1.0)
        conn.sendall(b"X" if _ % 50 else b"\r\nX-Drip: ")


def _drip_body(conn) -> None:  # noqa: ANN001
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body><p>")
    for _ in range(600):
        time.sleep(1.0)
        conn.sendall(b"x")


def _timed(cmd: list[str], root: Path, timeout: float, env: dict | None = None) -> tuple[float, float, int | None, str]:
    """Wall seconds, peak RSS (MB, the command or its largest child), exit code, stderr+stdout tail."""
    timing = Path(tempfile.mktemp(suffix=".time"))
    t0 = time.monotonic()
    try:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(timing), *cmd], cwd=root, capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(root), **(env or {})})
    except subprocess.TimeoutExpired as err:
        said = (err.stderr or b"").decode(errors="replace").strip().splitlines()
        return time.monotonic() - t0, float("nan"), None, f"killed at the {timeout:g} s timeout; {said[-1] if said else ''}"
    wall = time.monotonic() - t0
    rss = int(timing.read_text().split()[-1]) / 1024 if timing.exists() else float("nan")
    return wall, rss, proc.returncode, (proc.stdout + proc.stderr).strip()


def case_ssrf(root: Path, timeout: float, tmp: Path) -> str:
    srv = Listener(_secret)
    try:
        urls = [f"http://127.0.0.1:{srv.port}/", f"http://localhost:{srv.port}/", f"http://2130706433:{srv.port}/",
                f"http://0x7f.1:{srv.port}/", f"http://[::ffff:127.0.0.1]:{srv.port}/"]
        wall, rss, code, out = _timed([sys.executable, "-m", "metrics", "fetch", *urls, "--db", str(tmp / "s.db"),
                                       "--delay", "0", "--quiet"], root, timeout)
        stored = out.splitlines()[-1] if out else ""
        errors = sorted({ln.split(": ", 2)[-1] for ln in out.splitlines() if ln.startswith("error:")})
        return (f"ssrf          {wall:6.1f} s {rss:6.0f} MB  exit {code}  connections {srv.connections}  "
                f"{stored[:40]} | reasons: {errors}")
    finally:
        srv.close()


def _case_drip(root: Path, timeout: float, tmp: Path, respond, name: str) -> str:  # noqa: ANN001
    srv = Listener(respond)
    try:
        wall, rss, code, out = _timed([sys.executable, "-m", "metrics", *_setting_args(root), "fetch",
                                       f"http://127.0.0.1:{srv.port}/page", "--timeout", "5", "--db", str(tmp / "d.db"),
                                       "--delay", "0", "--quiet"], root, timeout)
        last = next((ln for ln in out.splitlines() if ln.startswith("error:")), out.splitlines()[-1] if out else "")
        return f"{name:<13} {wall:6.1f} s {rss:6.0f} MB  exit {code}  (--timeout 5) | {last[:100]}"
    finally:
        srv.close()


def case_drip_headers(root: Path, timeout: float, tmp: Path) -> str:
    return _case_drip(root, timeout, tmp, _drip_headers, "drip-headers")


def case_drip_body(root: Path, timeout: float, tmp: Path) -> str:
    return _case_drip(root, timeout, tmp, _drip_body, "drip-body")


BIG_PAGE = """
import resource, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from metrics import settings
if {allow}:
    settings.configure({{"fetch_allow_private": 1}})
body = b"<!doctype html><html><head><title>Big</title></head><body><article>" + b"".join(
    b"<p>Paragraph %d of a long page about nothing in particular.</p>" % i for i in range(120_000)) + b"</article></body></html>"
body = body + b"<!-- " + b"x" * max(0, 10 * 1024 * 1024 - 1024 - len(body)) + b" -->"
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        data = body if self.path == "/big" else b""
        self.send_response(200 if data else 404); self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
srv = ThreadingHTTPServer(("127.0.0.1", 0), H); threading.Thread(target=srv.serve_forever, daemon=True).start()
from metrics.read.fetch import Fetcher, articles
def progress():  # the peak so far, for a run killed at the timeout
    while True:
        time.sleep(5)
        print(f"after {{time.monotonic() - t0:.0f}} s: peak {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} MB",
              file=sys.stderr, flush=True)
threading.Thread(target=progress, daemon=True).start()
t0 = time.monotonic()
got = list(articles(f"http://127.0.0.1:{{srv.server_address[1]}}/big", Fetcher(delay=0, max_mb=11)))
wall = time.monotonic() - t0
print(f"{{wall:.1f}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} "
      f"{{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}} {{len(body) / 1048576:.1f}} | "
      + "; ".join(str(g)[:120] if isinstance(g, Exception) else f"read {{len(g.text)}} characters" for g in got))
"""


def case_big_page(root: Path, timeout: float, tmp: Path) -> str:
    script = BIG_PAGE.format(allow=_has_setting(root, ALLOW))
    wall, rss, code, out = _timed([sys.executable, "-c", script], root, timeout)
    line = next((ln for ln in reversed(out.splitlines()) if ln[:1].isdigit()), out[-150:])
    try:
        secs, own, child, mb, what = line.split(" ", 4)
        return (f"big-page      {wall:6.1f} s {rss:6.0f} MB  exit {code}  read in {secs} s; the reading process "
                f"{own} MB, its workers {child} MB ({mb} MB page) {what[:110]}")
    except ValueError:
        return f"big-page      {wall:6.1f} s {rss:6.0f} MB  exit {code} | {out[-150:]}"


REBIND = """
import sys
from playwright.sync_api import sync_playwright
port = int(sys.argv[1])
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP rebind.test 127.0.0.1", "--no-proxy-server"])
    pg = b.new_page()
    pg.goto(f"http://rebind.test:{port}/upload", timeout=90000)
    pg.wait_for_selector("[data-testid='stFileUploaderDropzone'], [data-testid='stAlert']", timeout=90000)
    print("editor: the upload box is shown" if pg.locator("[data-testid='stFileUploaderDropzone']").count()
          else "viewer: " + pg.locator("[data-testid='stAlert']").first.inner_text()[:80].replace("\\n", " "))
    b.close()
"""


def case_rebinding(root: Path, timeout: float, tmp: Path) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp / "st.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            cwd=root, env={**os.environ, "TENSION_DB": str(tmp / "r.db")}, stdout=log, stderr=subprocess.STDOUT)
    try:
        import urllib.request

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        wall, rss, code, out = _timed([sys.executable, "-c", REBIND, str(port)], root, timeout)
        return f"rebinding     {wall:6.1f} s {rss:6.0f} MB  exit {code}  | {out.splitlines()[-1][:120] if out else ''}"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


FLOOD = """
import json, time, bcrypt
from streamlit.testing.v1 import AppTest
h = bcrypt.hashpw(b"right-pass", bcrypt.gensalt(rounds=12)).decode()
at = AppTest.from_file("app.py", default_timeout=120)
at.secrets["signin"] = {"editors": ["ana"], "users": {"ana": {"password_hash": h}}}
at.run()
times, said = [], []
for i in range(26):
    at.text_input(key="signin_name").input("ana")
    at.text_input(key="signin_password").input("right-pass" if i == 25 else f"guess{i}")
    t0 = time.monotonic()
    at.button[0].click().run()
    times.append(time.monotonic() - t0)
    said.append(" ".join(str(e.value) for e in at.error)[:70])
ok = at.session_state["signed_in"] == "ana" if "signed_in" in at.session_state else False
print(json.dumps({"signed_in_after_25": ok, "max_s": max(times[:25]), "sum_s": sum(times[:25]), "last": said[24], "right": said[25]}))
"""


def case_signin_flood(root: Path, timeout: float, tmp: Path) -> str:
    wall, rss, code, out = _timed([sys.executable, "-c", FLOOD], root, timeout, env={"TENSION_DB": str(tmp / "f.db")})
    try:
        r = json.loads(next(ln for ln in reversed(out.splitlines()) if ln.startswith("{")))
    except (ValueError, StopIteration):
        return f"signin-flood  {wall:6.1f} s {rss:6.0f} MB  exit {code} | {out[-200:]}"
    state = "LOCKED OUT" if not r["signed_in_after_25"] else "signed in (not locked)"
    return (f"signin-flood  {wall:6.1f} s {rss:6.0f} MB  exit {code}  right password after 25 wrong: {state}; "
            f"slowest wrong attempt {r['max_s']:.2f} s, 25 in {r['sum_s']:.1f} s | 25th: {r['last']!r} | then: {r['right']!r}")


def case_log_csv(root: Path, timeout: float, tmp: Path) -> str:
    table = tmp / "f.jsonl"
    table.write_text(json.dumps({"id": "f1", "title": "=HYPERLINK(\"http://x.invalid\",\"y\")",
                                 "text": "Officials of both countries met for talks and agreed to keep channels open."}) + "\n")
    db = str(tmp / "l.db")
    py = [sys.executable, "-m", "metrics"]
    subprocess.run([*py, "ingest", str(table), "--db", db, "--quiet"], cwd=root, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(root)}, check=True)
    wall, rss, code, out = _timed([*py, "log", "--db", db, "--format", "csv"], root, timeout)
    import csv

    formula = [row for row in csv.reader(out.splitlines()) if any(c.startswith(("=", "+", "-", "@")) for c in row)]
    return f"log-csv       {wall:6.1f} s {rss:6.0f} MB  exit {code}  formula rows: {len(formula)} | {out.splitlines()[-1][:90]}"


CASES = {"ssrf": case_ssrf, "drip-headers": case_drip_headers, "drip-body": case_drip_body, "big-page": case_big_page,
         "rebinding": case_rebinding, "signin-flood": case_signin_flood, "log-csv": case_log_csv}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=HERE)
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    names = [n for n in CASES if not args.only or n in args.only.split(",")]
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            print(CASES[name](args.root.resolve(), args.timeout, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
