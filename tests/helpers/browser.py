"""How the tests and bench/dashboard_perf.py drive the dashboard: Debian's Chromium under
Playwright, and ``streamlit run`` on a free port of 127.0.0.1 until its health check answers.

One place for these settings, so the figures a benchmark reports come from the browser the tests
check. No pytest here: the benchmark runs without it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's; nothing here downloads a browser
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 1800}  # tests: tall, so a full-page screenshot shows a whole page
WINDOW = {"width": 1440, "height": 1000}  # the benchmark: a laptop's window, as a visitor sees the page
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"  # a run has finished
POINTS = ".js-plotly-plot .scatterlayer .trace .point"  # the timeline's points
FIRST_PAINT = ".st-key-first_paint"  # ui.firstpaint's watcher: gone once a new visitor's page is whole
HEALTH_TIMEOUT = 120  # seconds for a first start (imports, features read) on a busy 2-core machine


class ServerFailed(RuntimeError):
    """``streamlit run`` exited or did not answer its health check in time (the log's tail says why)."""


def launch_chromium(playwright):
    """A Chromium browser with the shared settings, from a ``sync_playwright()`` object."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(db: Path, log: Path, script: str = "app.py", *options: str,
                    timeout: float = HEALTH_TIMEOUT) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` from the project folder with ``TENSION_DB=db`` and extra
    command-line ``options``, its output in ``log``; returns the process and its url once
    ``/_stcore/health`` answers. Raises ``ServerFailed`` (the process killed) otherwise."""
    port = free_port()
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false", *options],
            cwd=ROOT, env=dict(os.environ, TENSION_DB=str(db)), stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(10)
            raise ServerFailed(f"streamlit did not become healthy: {Path(log).read_text()[-2000:]}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextmanager
def streamlit(db: Path, log: Path, script: str = "app.py", *options: str) -> Iterator[str]:
    """``start_streamlit`` as a context: yields the url, stops the server on the way out."""
    proc, url = start_streamlit(db, log, script, *options)
    try:
        yield url
    finally:
        stop(proc)
