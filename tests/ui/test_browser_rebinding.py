"""DNS rebinding against the dashboard (issue 27): ``streamlit run app.py`` on 127.0.0.1 opened
in Chromium under another name that resolves to 127.0.0.1, as a rebinding DNS server makes it,
gets viewer rights; a WebSocket from a foreign origin is refused by the server itself."""

from __future__ import annotations

import base64
import os
import socket

import pytest
from helpers.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from helpers.dashboard import launch, open_page

pytestmark = pytest.mark.browser

DROPZONE = "[data-testid='stFileUploaderDropzone']"
REBIND = "rebind.test"


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("rebind")) as srv:
        yield srv


@pytest.fixture(scope="module")
def rebinding_browser():
    """Chromium whose resolver answers 127.0.0.1 for rebind.test: what the attacker's DNS
    answers once the victim's browser has loaded the attacker's page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBIND} 127.0.0.1", "--no-proxy-server"])
        yield b
        b.close()


def test_a_rebinding_host_name_gets_viewer_rights(rebinding_browser, local_server):
    ctx = rebinding_browser.new_context(viewport=VIEWPORT)
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        port = local_server["port"]
        open_page(pg, f"http://{REBIND}:{port}/upload", "[data-testid='stAlert']")
        alert = pg.locator("[data-testid='stAlert']").first.inner_text()
        assert "Uploading articles is turned off for this page" in alert and REBIND in alert, alert
        assert pg.locator(DROPZONE).count() == 0
        pg.goto(f"http://{REBIND}:{port}/articles")
        pg.wait_for_selector("[data-testid='stDataFrame']")
        assert pg.get_by_text("Deleting is turned off").count() == 1
        # The same server by its own name: the analyst edits.
        open_page(pg, f"http://localhost:{port}/upload", DROPZONE)
        assert pg.get_by_text("turned off").count() == 0
    finally:
        ctx.close()


def _websocket(port: int, host: str, origin: str | None) -> int:
    """The status of a WebSocket handshake on the dashboard's stream with these headers."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /_stcore/stream HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: streamlit"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = s.recv(4096).split(b"\r\n", 1)[0]
    return int(status.split()[1])


def test_a_websocket_from_a_foreign_origin_is_refused(local_server):
    port = local_server["port"]
    assert _websocket(port, f"127.0.0.1:{port}", "http://evil.example") == 403
    assert _websocket(port, f"127.0.0.1:{port}", "http://evil.example:8080") == 403
    assert _websocket(port, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}") == 101
    # A rebinding page is same-origin to its own name: the server lets it in, the app makes it a viewer.
    assert _websocket(port, f"{REBIND}:{port}", f"http://{REBIND}:{port}") == 101
