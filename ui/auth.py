"""Sign-in and roles for a dashboard shared by a team, configured in ``.streamlit/secrets.toml``::

    [signin]
    editors = ["ana"]                        # may upload, fetch and delete; everyone else views

    [signin.users.ana]
    password_hash = "$2b$12$..."             # from: python -m ui.auth

    [signin.users.ben]
    password_hash = "$2b$12$..."

Passwords are checked with bcrypt against those hashes; no password is stored. With sign-in on,
nothing is shown before signing in; viewers see every page and move sliders, editors may also
upload, fetch and delete. Without sign-in the dashboard is one analyst's: everyone may edit, but
only on a server bound to localhost (``.streamlit/config.toml``), not reached through a
proxy, and opened by a name of this machine (the Host and Origin headers: not a rebinding
page's name); otherwise its editing pages refuse with a message saying why and how to turn
sign-in on. The pure checks (``parse_signin``, ``check_password``, ``is_loopback``) take plain
values, so they are tested without a browser.
"""

from __future__ import annotations

import ipaddress
import math
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import bcrypt

from metrics import settings
from metrics.errors import MetricsError

SECRETS = ".streamlit/secrets.toml"
SECTION = "signin"
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
# Any bcrypt hash: checked when the user name is unknown, so a wrong name costs as long as a
# wrong password and the time of an answer does not tell which names exist.
_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=12))


@dataclass(frozen=True)
class SignIn:
    users: dict[str, bytes] = field(default_factory=dict)  # name -> bcrypt hash
    editors: frozenset[str] = frozenset()


def parse_signin(secrets: Mapping) -> SignIn | None:
    """The ``[signin]`` table of the secrets, or None when sign-in is not configured."""
    section = secrets.get(SECTION)
    if section is None:
        return None
    where = f"{SECRETS} [{SECTION}]"
    if not isinstance(section, Mapping):
        raise MetricsError(f"{where}: must be a table")
    raw_users = section.get("users") or {}
    if not isinstance(raw_users, Mapping) or not raw_users:
        raise MetricsError(f"{where}: no users (add [{SECTION}.users.NAME] with password_hash = \"...\")")
    users: dict[str, bytes] = {}
    for name, entry in raw_users.items():
        h = entry.get("password_hash") if isinstance(entry, Mapping) else None
        if not isinstance(h, str) or not h.startswith("$2"):
            raise MetricsError(f"{where}: user '{name}' needs a bcrypt password_hash (make one with: python -m ui.auth)")
        users[str(name)] = h.encode()
    editors = section.get("editors", [])
    if not isinstance(editors, list | tuple) or not all(isinstance(e, str) for e in editors):
        raise MetricsError(f"{where}: editors must be a list of user names")
    unknown = [e for e in editors if e not in users]
    if unknown:
        raise MetricsError(f"{where}: editors names unknown users: {', '.join(unknown)}")
    return SignIn(users, frozenset(editors))


def check_password(signin: SignIn, name: str, password: str) -> bool:
    stored = signin.users.get(name)
    try:
        ok = bcrypt.checkpw(password.encode("utf-8"), stored or _DUMMY_HASH)
    except ValueError:  # a malformed hash in the secrets: no one signs in with it
        return False
    return ok and stored is not None


class SignInThrottle:
    """Failed sign-ins counted per key (a user name tried, a client address) in a sliding
    window: after each, that key waits ``delay`` seconds, doubled per failure (at most 60 s);
    at ``max_failures`` in the window it is locked out until the oldest leaves the window.
    An attempt made while a key waits or is locked is refused without checking the password
    (no bcrypt work for a flood, no sleep in the server's script thread) and counts as a
    failure. The same words for a user name and an address, known or not."""

    MAX_DELAY = 60.0

    def __init__(self, max_failures: int, window: float, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window, self.delay = max_failures, window, delay
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def refusal(self, keys: list[str]) -> str | None:
        """Why an attempt for ``keys`` is refused now (plain text), or None when it may be checked."""
        with self._lock:
            now = self._clock()
            wait, locked = 0.0, False
            for key in keys:
                q = self._recent(key, now)
                if len(q) >= self.max_failures:
                    locked = True
                    wait = max(wait, q[-self.max_failures] + self.window - now)
                elif q:
                    wait = max(wait, q[-1] + min(self.MAX_DELAY, self.delay * 2 ** (len(q) - 1)) - now)
        if locked:
            return (f"Too many failed sign-ins for this user name or from this address: locked out, "
                    f"try again in {max(1, math.ceil(wait / 60))} min.")
        if wait > 0:
            return f"Too many failed sign-ins: wait {math.ceil(wait)} s before trying again."
        return None

    def failed(self, keys: list[str]) -> bool:
        """Count one failure for each key; True when it locks one of them out."""
        with self._lock:
            now = self._clock()
            locks = False
            for key in keys:
                q = self._recent(key, now)
                q.append(now)
                locks = locks or len(q) == self.max_failures
            return locks

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` listens on this machine only (unset: every interface)."""
    if not address:
        return False
    if address.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(value: str | None) -> str | None:
    """The host name of a Host header or an origin's netloc, lower case, without port or
    brackets; None when it is not one."""
    if not value:
        return None
    import urllib.parse

    try:
        parts = urllib.parse.urlsplit(value if "//" in value else f"//{value}")
        _ = parts.port  # a port that is not a number: not a host
    except ValueError:
        return None
    return (parts.hostname or "").rstrip(".") or None


def names_this_machine(headers: Mapping[str, str], allowed: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether a request came for this machine by one of its own names: its Host header is
    localhost, a loopback address or a name in ``allowed`` (``server.allowedHosts``), and its
    Origin, when the browser sends one, is that same host and port. A page under another name
    that its DNS points at 127.0.0.1 (DNS rebinding) or a page of another local site fails."""
    h = {k.lower(): v for k, v in headers.items()}
    host = h.get("host")
    name = _host_name(host)
    if name is None:
        return False
    names = {a.strip().lower().rstrip(".") for a in allowed if a.strip() and a.strip() != "*"}
    if not (name in LOCAL_NAMES or name in names or is_loopback(name)):
        return False
    origin = h.get("origin")
    if origin is None:
        return True
    import urllib.parse

    parts = urllib.parse.urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def proxied(headers: Mapping[str, str]) -> bool:
    """Whether a request came through a reverse proxy: then "bound to localhost" says nothing
    about who is asking."""
    names = {k.lower() for k in headers}
    return bool(names & {"x-forwarded-for", "forwarded", "x-real-ip"})


# ----------------------------------------------------------------------------- in the dashboard
# Streamlit is imported here and below only: the checks above are plain functions.


def _secrets() -> dict:
    import streamlit as st

    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        return st.secrets.to_dict()
    except Exception as err:  # noqa: BLE001 - a broken secrets file is one line, not a traceback
        raise MetricsError(f"{SECRETS}: cannot read: {err}") from None


def config() -> SignIn | None:
    return parse_signin(_secrets())


def apply_settings() -> dict[str, int | float]:
    """Make the secrets' ``[limits]`` and ``[settings]`` tables (either may set any setting of
    ``metrics.settings``; ``[settings]`` wins) this server process's settings; every value."""
    secrets, overrides = _secrets(), {}
    for table in ("limits", "settings"):
        if secrets.get(table) is not None:
            settings.resolve(secrets[table], where=f"{SECRETS} [{table}]")  # an error names its table
            overrides.update(secrets[table])
    return settings.configure(overrides, where=SECRETS)


def limits() -> dict[str, int | float]:
    return apply_settings()


def _local_request() -> bool:
    import streamlit as st

    if not is_loopback(st.get_option("server.address")):
        return False
    headers = _headers()
    if headers is None:  # no request (AppTest): the process runs here
        return True
    return not proxied(headers) and names_this_machine(headers, st.get_option("server.allowedHosts") or ())


def _headers() -> dict[str, str] | None:
    """The session's request headers; None without a request (AppTest: none, or empty; an
    HTTP/1.1 server refuses a real request without a Host header)."""
    import streamlit as st

    try:
        headers = dict(st.context.headers)
    except Exception:  # noqa: BLE001
        return None
    return headers or None


def user() -> str | None:
    """The signed-in user's name, or None."""
    import streamlit as st

    return st.session_state.get("signed_in")


def can_edit() -> bool:
    """May this session upload, fetch and delete?"""
    signin = config()
    if signin is not None:
        return user() in signin.editors
    return _local_request()


def role() -> str:
    return "editor" if can_edit() else "viewer"


def refusal(what: str) -> str:
    """Why ``what`` is not allowed for this session, in one paragraph (plain text)."""
    import streamlit as st

    if config() is not None:
        return (
            f"You are signed in as {user()}, a viewer: {what} is for editors. "
            f"The operator lists editors in {SECRETS} under [{SECTION}] editors."
        )
    if is_loopback(st.get_option("server.address")):
        headers = _headers()
        if headers is not None and not proxied(headers) and not names_this_machine(headers, st.get_option("server.allowedHosts") or ()):
            host = {k.lower(): v for k, v in headers.items()}.get("host", "")
            return (
                f"{what[0].upper()}{what[1:]} is turned off for this page: it was opened as {host[:80]!r}, "
                f"not by a name of this machine (localhost), or from another site's page. A web page whose "
                f"name points at this machine (DNS rebinding) looks like this. Open the dashboard as "
                f"http://localhost:{st.get_option('server.port')} (docs/security.md)."
            )
    address = st.get_option("server.address") or "every network interface"
    return (
        f"{what[0].upper()}{what[1:]} is turned off: this dashboard is reachable from other machines "
        f"(server.address: {address}, or a reverse proxy) and sign-in is not configured. "
        f"To turn sign-in on, add users with bcrypt password hashes (python -m ui.auth) and list the editors "
        f"in {SECRETS} under [{SECTION}] (docs/team-server.md); or serve on localhost only."
    )


def require_editor(what: str) -> None:
    """Stop the page with the reason when this session may not edit."""
    import streamlit as st

    if not can_edit():
        from metrics.views.mdtext import md_escape

        st.warning(md_escape(refusal(what)), icon=":material/lock:")
        st.stop()


def _fetch_limiter(limit: int) -> settings.RateLimiter:
    import streamlit as st

    @st.cache_resource(show_spinner=False)
    def shared(limit: int) -> settings.RateLimiter:  # one per server process, for every session
        return settings.RateLimiter(limit)

    return shared(limit)


def allow_fetch() -> str | None:
    """Count one fetch (a page or feed) for this user; None if allowed, else why not (plain text).
    Users are told apart by sign-in name, else by address."""
    import streamlit as st

    limit = limits()[settings.FETCH_PER_HOUR.name]
    try:
        who = user() or st.context.ip_address or "local"
    except Exception:  # noqa: BLE001 - no request context (AppTest)
        who = user() or "local"
    limiter = _fetch_limiter(limit)
    if limiter.allow(who):
        return None
    wait = limiter.retry_after(who)
    return (f"At most {limit} fetches per hour ({settings.FETCH_PER_HOUR.name}): "
            f"try again in {max(1, round(wait / 60))} min.")


def _throttle() -> SignInThrottle:
    import streamlit as st

    values = limits()

    @st.cache_resource(show_spinner=False)
    def shared(max_failures: int, window: float, delay: float) -> SignInThrottle:  # one per server process
        return SignInThrottle(max_failures, window, delay)

    return shared(values["signin_max_failures"], values["signin_window_seconds"], values["signin_delay_seconds"])


def _client() -> str:
    import streamlit as st

    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context
        ip = None
    return ip if isinstance(ip, str) and ip else "unknown"  # AppTest has no address


def _log_failure(name: str, client: str, what: str) -> None:
    """A failed sign-in in the activity log (``log``): who was tried, from where, what happened."""
    try:
        from ui import cache

        cache.store().note("signin", client, what, who=name[:100])
    except Exception as err:  # noqa: BLE001 - the log is best effort; signing in must not fail on it
        print(f"sign-in failure not logged: {type(err).__name__}: {err}", file=sys.stderr)


def attempt(signin: SignIn, throttle: SignInThrottle, name: str, password: str, client: str) -> str | None:
    """One sign-in attempt: None when it succeeds, else what to tell the user (plain text)."""
    keys = [f"user:{name}"] + ([f"client:{client}"] if client != "unknown" else [])
    why = throttle.refusal(keys)
    if why is None and check_password(signin, name, password):
        throttle.succeeded(keys[:1])  # the address keeps its count: one good account must not clear a flood
        return None
    locks = throttle.failed(keys)
    if why is None:
        _log_failure(name, client, "wrong user name or password" + (", locked out" if locks else ""))
        return "Wrong user name or password."
    if locks:
        _log_failure(name, client, "refused while waiting, locked out")
    return why


def gate() -> None:
    """Before any page: with sign-in configured, a sign-in form until the user has signed in;
    then who is signed in, and a sign-out button, in the sidebar."""
    import streamlit as st

    from metrics.views.mdtext import md_escape

    signin = config()
    if signin is None:
        return
    ss = st.session_state
    if ss.get("signed_in") not in signin.users:
        ss.pop("signed_in", None)
        if "signin_next" not in ss:
            ss.signin_next = _deep_link()
        st.title("Relations-tension index")
        with st.form("signin"):
            st.subheader("Sign in")
            name = st.text_input("User name", key="signin_name")
            password = st.text_input("Password", type="password", key="signin_password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            why = attempt(signin, _throttle(), name, password, _client())
            if why is None:
                ss.signed_in = name
                st.rerun()
            st.error(why)  # our own words only: no user text in it
        st.stop()
    name = ss.signed_in
    st.sidebar.caption(md_escape(f"Signed in as {name} ({'editor' if name in signin.editors else 'viewer'})"))
    if st.sidebar.button("Sign out", key="signout"):
        ss.pop("signed_in", None)
        st.rerun()


def _deep_link() -> tuple[str, dict[str, str]]:
    """The page (its URL path) and query parameters a visitor came with, before signing in."""
    import urllib.parse

    import streamlit as st

    try:
        path = urllib.parse.urlsplit(st.context.url or "").path
    except Exception:  # noqa: BLE001 - no request context (AppTest)
        path = ""
    return path.rstrip("/").rsplit("/", 1)[-1], st.query_params.to_dict()


def resume_deep_link(current, pages: list) -> None:  # noqa: ANN001 - Streamlit pages
    """Just after signing in: on to the page and view of the link the visitor came with (the
    sign-in form was shown on it, and Streamlit's navigation fell back to the default page)."""
    import streamlit as st

    ss = st.session_state
    if not ss.get("signed_in") or "signin_next" not in ss:
        return
    path, params = ss.pop("signin_next")
    target = next((p for p in pages if p.url_path == path), None)
    if target is not None and target.url_path != current.url_path:
        st.switch_page(target, query_params=params)
    for k, v in params.items():
        st.query_params.setdefault(k, v)


def main() -> None:
    """``python -m ui.auth``: read a password (twice, not echoed) and print its bcrypt hash."""
    import getpass
    import sys

    first = getpass.getpass("Password: ")
    if not first or getpass.getpass("Again: ") != first:
        print("error: empty, or the two passwords differ", file=sys.stderr)
        sys.exit(1)
    print(bcrypt.hashpw(first.encode("utf-8"), bcrypt.gensalt()).decode())


if __name__ == "__main__":
    main()
