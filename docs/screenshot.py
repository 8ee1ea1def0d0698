"""Take the dashboard's picture for the README and the docs: ``python docs/screenshot.py``.

Starts ``streamlit run app.py`` on a free port with an empty temporary database (so the app
loads the sample corpus), opens it in Debian's Chromium at 1440x900 once the timeline is drawn,
and writes ``docs/img/dashboard.png``. Retake it after a change to the Overview page.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the checkout's metrics and the tests' browser helpers

from helpers.browser import IDLE, POINTS, launch_chromium, start_streamlit, stop  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def main() -> int:
    out = ROOT / "docs" / "img" / "dashboard.png"
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_streamlit(Path(tmp) / "sample.db", Path(tmp) / "streamlit.log")
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(url, timeout=180_000)
                page.wait_for_selector(POINTS, timeout=180_000)
                page.wait_for_selector(IDLE, timeout=180_000)
                page.wait_for_timeout(3000)  # the rest of the page, drawn after the timeline
                page.screenshot(path=str(out))
                browser.close()
        finally:
            stop(proc)
    print(f"{out}: {out.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
