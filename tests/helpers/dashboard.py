"""The dashboard in Chromium for the browser tests: a server on a few sample articles, and the
waits every test needs. Without /usr/bin/chromium the tests skip, unless
TENSION_REQUIRE_BROWSER=1 (CI), where they fail."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from . import SAMPLE_FEW, fill
from .browser import CHROMIUM, FIRST_PAINT, IDLE, ServerFailed, start_streamlit, stop

FEW = SAMPLE_FEW
NEW_ARTICLE = (
    "March 12, 2024\n"
    "Kestrel harbour agreement eases shipping dispute\n"
    "The United States and China signed an agreement on port inspections on Tuesday, officials of both "
    "sides said, calling the talks constructive and productive. Washington said it would ease tariffs on "
    "some Chinese goods, and Beijing welcomed the step.\n"
)


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("TENSION_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and TENSION_REQUIRE_BROWSER=1: install Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser tests skipped")


@contextmanager
def launch(tmp: Path, *options: str):
    """``streamlit run app.py`` on a free port with ``tmp``/tension.db holding the FEW sample
    articles and extra command-line ``options``; yields the server's url, db, log and port."""
    require_chromium()
    db = tmp / "tension.db"
    fill(db, FEW).close()
    log = tmp / "server.log"
    try:
        proc, url = start_streamlit(db, log, "app.py", *options)
    except ServerFailed as err:
        pytest.fail(str(err))
    try:
        yield {"url": url, "db": db, "log": log, "port": int(url.rsplit(":", 1)[1])}
    finally:
        stop(proc)


def idle(pg) -> None:
    pg.wait_for_timeout(150)  # let a rerun triggered by the last action start
    pg.wait_for_selector(IDLE)


def open_page(pg, url: str, ready: str) -> None:
    pg.goto(url)
    pg.wait_for_selector(ready)
    # A new visitor's overview comes in two runs (ui.firstpaint): wait for the second one.
    pg.wait_for_selector(FIRST_PAINT, state="detached")
    idle(pg)
    assert pg.locator("[data-testid='stException']").count() == 0, pg.locator("[data-testid='stException']").first.inner_text()


def metric(pg, label: str) -> str:
    box = pg.locator("[data-testid='stMetric']", has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text()
