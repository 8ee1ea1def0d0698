"""A shared server in Chromium: the localhost default, an open server without sign-in, and sign-in
with a viewer and an editor (passwords checked against bcrypt hashes in a secrets file)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import bcrypt
import pytest
from helpers.browser import POINTS
from helpers.dashboard import NEW_ARTICLE, idle, launch, metric, open_page

from metrics.store.core import Store

pytestmark = pytest.mark.browser

SECRETS = """
[signin]
editors = ["ana"]

[signin.users.ana]
password_hash = "{ana}"

[signin.users.ben]
password_hash = "{ben}"
"""
DROPZONE = "[data-testid='stFileUploaderDropzone']"


def listening(port: int) -> set[str]:
    """The addresses a TCP socket listens on at ``port``, as the kernel reports them."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            ip_hex, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(ip_hex)
            # The kernel prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(socket.inet_ntop(family, raw))
    return found


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("local")) as srv:
        yield srv


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("open"), "--server.address", "0.0.0.0") as srv:
        yield srv


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("signin")
    secrets = tmp / "secrets.toml"
    hashes = {u: bcrypt.hashpw(f"{u}-pass".encode(), bcrypt.gensalt(rounds=4)).decode() for u in ("ana", "ben")}
    secrets.write_text(SECRETS.format(**hashes), encoding="utf-8")
    with launch(tmp, "--secrets.files", str(secrets)) as srv:
        yield srv


def _nav(pg, title: str, ready: str) -> None:
    """Go to another page through the sidebar: the same session, still signed in."""
    pg.locator("[data-testid='stSidebarNav'] a", has_text=title).click()
    pg.wait_for_selector(ready)
    idle(pg)


def _sign_in(pg, url: str, name: str, password: str) -> None:
    open_page(pg, url, "[data-testid='stForm']")
    pg.get_by_label("User name").fill(name)
    pg.get_by_label("Password", exact=True).fill(password)
    pg.get_by_role("button", name="Sign in").click()
    idle(pg)


def test_out_of_the_box_the_server_listens_on_this_machine_only(page, local_server):
    addresses = listening(local_server["port"])
    assert addresses and all(a in ("127.0.0.1", "::1") for a in addresses), addresses
    open_page(page, f"{local_server['url']}/upload", DROPZONE)  # the analyst on the laptop may upload
    assert page.get_by_text("turned off").count() == 0


def test_an_open_server_without_signin_shows_everything_but_refuses_to_edit(page, open_server):
    assert listening(open_server["port"]) & {"0.0.0.0", "::"}
    open_page(page, open_server["url"], POINTS)
    assert page.locator(POINTS).count() > 0
    _nav(page, "Upload", "[data-testid='stAlert']")
    alert = page.locator("[data-testid='stAlert']").first.inner_text()
    assert "Uploading articles is turned off" in alert and "sign-in is not configured" in alert
    assert "secrets.toml" in alert and page.locator(DROPZONE).count() == 0
    _nav(page, "Articles", "[data-testid='stDataFrame']")
    assert page.get_by_text("Deleting is turned off").count() == 1


def test_a_viewer_signs_in_moves_sliders_and_cannot_upload(page, signin_server):
    open_page(page, signin_server["url"], "[data-testid='stForm']")
    assert page.locator(POINTS).count() == 0  # nothing before signing in
    _sign_in(page, signin_server["url"], "ben", "wrong")
    page.get_by_text("Wrong user name or password.").wait_for()
    assert page.locator(POINTS).count() == 0
    page.wait_for_timeout(1100)  # after a failure the next attempt waits signin_delay_seconds (1 s)
    page.get_by_label("Password", exact=True).fill("ben-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(POINTS)
    idle(page)
    assert page.get_by_text("Signed in as ben (viewer)").count() == 1
    latest = metric(page, "Latest tension")
    page.locator(".st-key-group_Cooperation summary").click()
    thumb = page.locator(".st-key-w_agreement input[type='range']")
    thumb.wait_for(state="attached")
    thumb.focus()
    page.keyboard.press("Home")
    page.wait_for_function("() => new URL(location.href).searchParams.get('w') === 'agreement:0'", timeout=30_000)
    idle(page)
    assert metric(page, "Latest tension") != latest
    _nav(page, "Upload", "[data-testid='stAlert']")
    assert "a viewer: uploading articles is for editors" in page.locator("[data-testid='stAlert']").first.inner_text()
    assert page.locator(DROPZONE).count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("[data-testid='stForm']")


def test_an_editor_signs_in_uploads_and_the_log_names_her(page, signin_server, tmp_path):
    _sign_in(page, signin_server["url"], "ana", "ana-pass")
    page.wait_for_selector(POINTS)
    assert page.get_by_text("Signed in as ana (editor)").count() == 1
    _nav(page, "Upload", DROPZONE)
    f = tmp_path / "osprey-harbour.txt"
    f.write_text(NEW_ARTICLE.replace("Kestrel", "Osprey"), encoding="utf-8")
    with page.expect_file_chooser() as fc:
        page.locator(DROPZONE).first.click()
    fc.value.set_files([str(f)])
    save = page.get_by_role("button", name=re.compile(r"^Save 1 new article"))
    save.wait_for()
    idle(page)
    save.click()
    page.get_by_text("Last save:").wait_for()
    store = Store(signin_server["db"])
    last = store.activity(1).iloc[0]
    assert (last["who"], last["action"], last["title"]) == ("ana", "add", "Osprey harbour agreement eases shipping dispute")
    store.close()


def test_signing_in_keeps_the_deep_links_page_and_view(page, signin_server):
    source = "wire-desk-xyz"  # no stored article's source: the filter shows it was applied
    _sign_in(page, f"{signin_server['url']}/articles?source={source}", "ben", "ben-pass")
    page.wait_for_selector("[data-testid='stDataFrame']")
    idle(page)
    assert page.url.split("?")[0].endswith("/articles") and f"source={source}" in page.url, page.url
    assert page.locator("h1", has_text="Articles").count() == 1
    assert page.get_by_text("source filter hide").count() == 1
