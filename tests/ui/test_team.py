"""A shared server: sign-in configuration, roles, the localhost default and the limits, in
plain functions and through Streamlit's AppTest (Chromium tests are in test_browser_team.py)."""

from __future__ import annotations

import bcrypt
import pytest
from helpers import fill
from helpers.apptest import APP, FEW, TIMEOUT, run
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrics import settings
from metrics.errors import MetricsError
from ui import auth


def hashed(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


SIGNIN = {
    "editors": ["ana"],
    "users": {"ana": {"password_hash": hashed("ana-pass")}, "ben": {"password_hash": hashed("ben-pass")}},
}


# ----------------------------------------------------------------------------- plain checks


def test_signin_configuration_is_read_and_checked():
    assert auth.parse_signin({}) is None
    s = auth.parse_signin({"signin": SIGNIN})
    assert set(s.users) == {"ana", "ben"} and s.editors == {"ana"}
    for bad, says in [
        ({"users": {}}, "no users"),
        ({"users": {"ana": {"password_hash": "plain-text"}}}, "user 'ana' needs a bcrypt password_hash"),
        ({"users": {"ana": {"password": "x"}}}, "needs a bcrypt password_hash"),
        ({**SIGNIN, "editors": ["zoe"]}, "editors names unknown users: zoe"),
        ({**SIGNIN, "editors": "ana"}, "editors must be a list"),
    ]:
        with pytest.raises(MetricsError, match=says):
            auth.parse_signin({"signin": bad})


def test_passwords_are_checked_against_their_hashes():
    s = auth.parse_signin({"signin": SIGNIN})
    assert auth.check_password(s, "ana", "ana-pass")
    assert not auth.check_password(s, "ana", "ben-pass")
    assert not auth.check_password(s, "zoe", "ana-pass")
    assert not auth.check_password(s, "ana", "")


@pytest.mark.parametrize("address, local", [
    ("localhost", True), ("127.0.0.1", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("", False), (None, False), ("192.168.1.5", False), ("tension.example", False),
])
def test_which_addresses_are_this_machine_only(address, local):
    assert auth.is_loopback(address) is local


def test_a_proxied_request_is_never_taken_for_a_local_one():
    assert auth.proxied({"X-Forwarded-For": "10.0.0.3"}) and auth.proxied({"forwarded": "for=10.0.0.3"})
    assert not auth.proxied({"Host": "localhost:8501", "User-Agent": "x"})


def test_limits_have_defaults_and_refuse_bad_overrides():
    assert settings.resolve() == {s.name: s.default for s in settings.SETTINGS}
    assert all(s.help and s.check(s.default, "default") == s.default for s in settings.SETTINGS)
    assert settings.resolve({"fetch_per_hour": 5})["fetch_per_hour"] == 5
    for bad, says in [({"fetch_per_day": 5}, "unknown setting 'fetch_per_day'; did you mean fetch_per_hour"), ({"upload_max_files": 0}, "positive"),
                      ({"upload_max_mb": "10"}, "positive"), ({"upload_max_files": True}, "positive")]:
        with pytest.raises(MetricsError, match=says):
            settings.resolve(bad)


def test_upload_cut_keeps_files_in_order_within_count_and_size():
    lim = settings.resolve({"upload_max_files": 3, "upload_max_mb": 2})
    assert settings.upload_cut([10, 20], lim) == (2, None)
    keep, why = settings.upload_cut([10] * 5, lim)
    assert keep == 3 and why.startswith("2 of 5 files not read") and "upload_max_files" in why
    keep, why = settings.upload_cut([1_500_000, 400_000, 300_000], lim)
    assert keep == 2 and "at most 2 MB (upload_max_mb)" in why


def test_fetch_rate_limit_per_user_slides_with_time():
    now = [0.0]
    limiter = settings.RateLimiter(3, window=60.0, clock=lambda: now[0])
    assert [limiter.allow("ana") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("ben")  # another user has their own allowance
    assert limiter.retry_after("ana") == pytest.approx(60.0)
    now[0] = 30.0
    assert not limiter.allow("ana") and limiter.retry_after("ana") == pytest.approx(30.0)
    now[0] = 60.5
    assert limiter.allow("ana") and limiter.retry_after("ben") == 0.0


# ----------------------------------------------------------------------------- the dashboard


@pytest.fixture
def few(tmp_path, monkeypatch):
    path = tmp_path / "tension.db"
    monkeypatch.setenv("TENSION_DB", str(path))
    return fill(path, FEW)


@pytest.fixture
def bound(request):
    """Run the app as if served on ``request.param`` (server.address)."""
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", request.param)
    yield request.param
    st_config.set_option("server.address", before)


def _signed(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    at.button[0].click()
    return run(at)


def _text(at: AppTest) -> str:
    sb = at.sidebar
    shown = " ".join(str(e.value) for e in [*at.warning, *at.error, *at.caption, *at.markdown, *at.info, *sb.caption])
    return shown.replace("\\", "")  # as the user reads it, without Markdown's escapes


@pytest.mark.slow
def test_with_signin_nothing_shows_before_signing_in_and_roles_apply(few):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["signin"] = SIGNIN
    at.secrets["settings"] = {"signin_delay_seconds": 0}  # the right password at once after a wrong one
    run(at)
    assert not at.metric and not at.dataframe and at.text_input(key="signin_password")
    _signed(at, "ben", "wrong")
    assert [e.value for e in at.error] == ["Wrong user name or password."] and not at.metric
    _signed(at, "ben", "ben-pass")
    assert at.metric and "Signed in as ben (viewer)" in _text(at)
    at.switch_page("ui/upload.py")
    run(at)
    assert not at.get("file_uploader") and "signed in as ben, a viewer: uploading articles is for editors" in _text(at)
    at.switch_page("ui/articles.py")
    run(at)
    assert len(at.dataframe[0].value) == len(FEW) and "deleting is for editors" in _text(at)

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["signin"] = SIGNIN
    _signed(run(at), "ana", "ana-pass")
    at.switch_page("ui/upload.py")
    run(at)
    assert at.get("file_uploader") and "Signed in as ana (editor)" in _text(at)


@pytest.mark.slow
def test_the_dashboard_takes_any_setting_from_the_secrets_and_refuses_a_bad_one_in_one_line(few):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["settings"] = {"drilldown_page_size": 40}
    at.secrets["limits"] = {"parse_cpu_seconds": 5, "fetch_per_hour": 7}
    try:
        run(at)
        assert not at.error and at.metric
        assert (settings.get("drilldown_page_size"), settings.get("parse_cpu_seconds"), settings.get("fetch_per_hour")) == (40, 5.0, 7)
        bad = AppTest.from_file(APP, default_timeout=TIMEOUT)
        bad.secrets["settings"] = {"drilldown_page_size": 2.5}
        run(bad)
        assert len(bad.error) == 1 and not bad.metric
        assert "Settings are not usable" in _text(bad) and "[settings]: drilldown_page_size must be a positive whole number" in _text(bad)
    finally:
        settings.configure()


def test_a_broken_signin_configuration_is_one_line(few):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["signin"] = {"users": {"ana": {"password_hash": "secret"}}}
    run(at)
    assert len(at.error) == 1 and not at.metric
    assert "Sign-in is not usable" in _text(at) and "password_hash" in _text(at)


@pytest.mark.slow
@pytest.mark.parametrize("bound", ["0.0.0.0"], indirect=True)
def test_without_signin_a_server_open_to_the_network_refuses_its_editing_pages(few, bound):
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert at.metric  # viewing works
    at.switch_page("ui/upload.py")
    run(at)
    assert len(at.warning) == 1 and not at.get("file_uploader")
    warn = _text(at)
    assert "Uploading articles is turned off" in warn and "server.address: 0.0.0.0" in warn
    assert "secrets.toml" in warn and "python -m ui.auth" in warn


@pytest.mark.slow
@pytest.mark.parametrize("bound", ["localhost"], indirect=True)
def test_on_localhost_without_signin_the_analyst_edits(few, bound):
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    at.switch_page("ui/upload.py")
    run(at)
    assert at.get("file_uploader") and not at.warning


@pytest.mark.slow
def test_the_dashboard_reads_either_backend(db_location, monkeypatch):
    monkeypatch.setenv("TENSION_DB", str(db_location))
    store = fill(db_location, FEW)
    removed = store.articles()["id"][0]
    store.remove([removed])
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert at.metric
    at.switch_page("ui/articles.py")
    run(at)
    table = at.dataframe[0].value
    assert len(table) == len(FEW) - 1 and removed not in set(table["id"])  # tombstones stay hidden
    store.close()


def _three_fetches():
    import streamlit as st

    from ui import auth

    for _ in range(3):
        st.text(auth.allow_fetch() or "fetched")


def test_fetches_beyond_the_hourly_limit_are_refused_with_the_wait():
    at = AppTest.from_function(_three_fetches, default_timeout=TIMEOUT)
    at.secrets["limits"] = {"fetch_per_hour": 2}
    run(at)
    shown = [t.value for t in at.text]
    assert shown[:2] == ["fetched", "fetched"]
    assert shown[2] == "At most 2 fetches per hour (fetch_per_hour): try again in 60 min."
