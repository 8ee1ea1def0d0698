"""Every knob a user or operator may set, declared in one table: name, default, unit, help.

``SETTINGS`` is the table (Datasette's is the model); ``get(name)`` is a setting's value now:
its default, unless overridden. Overrides come from the command line's repeatable global option
``--setting NAME VALUE`` (declared in ``metrics.cli``, applied by ``apply_pairs``) and, in the dashboard, from
``.streamlit/secrets.toml``::

    [limits]                  # the server limits, as before; any setting is accepted here too
    upload_max_files = 20

    [settings]                # any setting of the table
    drilldown_page_size = 50

Code reads a setting when it uses it, never a copy taken at import, so an override counts.
An unknown name, a value of the wrong type or out of its range is refused in one line naming
the setting. Settings marked ``features`` change what extraction produces: their values that
differ from the defaults are part of the features version (``features_key``), so stored
features made with other values are recomputed, never mixed. docs/settings.md documents
each (``tests/test_settings.py`` checks it).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from metrics.errors import MetricsError


@dataclass(frozen=True)
class Setting:
    name: str
    default: int | float  # its type is the setting's type: a whole number or a number
    unit: str
    help: str
    low: float = 0.0  # the smallest value allowed ...
    low_open: bool = True  # ... itself excluded (the default: positive)
    high: float = math.inf
    features: bool = False  # changes extracted features: part of the features version

    def check(self, value: object, where: str, given: str | None = None) -> int | float:
        """``value`` if it is of this setting's type and in its range, else one-line MetricsError."""
        whole = isinstance(self.default, int)
        ok = not isinstance(value, bool) and (isinstance(value, int) or (not whole and isinstance(value, float)))
        ok = ok and math.isfinite(value) and self.low <= value <= self.high and not (self.low_open and value == self.low)
        if not ok:
            raise MetricsError(f"{where}: {self.name} must be {self.kind()}, not {_shown(value if given is None else given)}")
        return value if whole else float(value)

    def kind(self) -> str:
        """What a value must be, in words: "a positive whole number", "a number from 0 to 1"."""
        noun = "whole number" if isinstance(self.default, int) else "number"
        if self.high == math.inf:
            if self.low == 0:
                return f"a positive {noun}" if self.low_open else f"a {noun} of 0 or more"
            return f"a {noun} of at least {self.low:g}"
        return f"a {noun} from {self.low:g} to {self.high:g}" + (f", not {self.low:g}" if self.low_open else "")

    def parse(self, text: str, where: str) -> int | float:
        """A command-line string as this setting's type, checked."""
        try:
            value: object = int(text) if isinstance(self.default, int) else float(text)
        except ValueError:
            value = text
        return self.check(value, where, given=text)


def _shown(value: object) -> str:
    s = repr(value)
    return s if len(s) <= 40 else s[:37] + "..."


# name, default, unit, help; then the range (positive unless said) and whether features change.
SETTINGS: tuple[Setting, ...] = (
    # a shared dashboard server (docs/team-server.md)
    Setting("upload_max_files", 50, "files", "files one upload (one press of Save) may hold"),
    Setting("upload_max_mb", 100, "MB", "megabytes all files of one upload may hold together"),
    Setting("upload_max_articles", 2000, "articles", "articles one upload may store (a table holds one per row; the rest are refused)"),
    Setting("fetch_per_hour", 60, "fetches", "pages or feeds one user may fetch per hour (per server process)"),
    Setting("signin_max_failures", 10, "failures", "wrong passwords for one user name, or from one client address, within "
            "signin_window_seconds before it is locked out until the window has passed"),
    Setting("signin_window_seconds", 900.0, "s", "the window in which sign-in failures are counted"),
    Setting("signin_delay_seconds", 1.0, "s", "after a failed sign-in the next attempt of that user or client is refused for this long, "
            "doubled after each further failure (at most 60 s)", low=0, low_open=False),
    # reading untrusted files (docs/reading.md)
    Setting("max_file_mb", 25.0, "MB", "a file to read, judged from its size on disk before it is read (the default of --max-size)"),
    Setting("max_pdf_pages", 500, "pages", "pages in one PDF (the default of --max-pdf-pages)"),
    Setting("parse_cpu_seconds", 20.0, "s", "CPU time to parse one HTML, PDF or .docx file"),
    Setting("parse_memory_mb", 1024.0, "MB", "memory the parsing worker may add for one file"),
    Setting("parse_wall_seconds", 120.0, "s", "wall-clock time to parse one file on a loaded machine"),
    Setting("max_html_tags", 200_000, "tags", "opening tags in one HTML page (counted before parsing)"),
    Setting("max_docx_blocks", 100_000, "blocks", "paragraphs and tables in one .docx (counted before python-docx reads it)"),
    Setting("max_docx_mb", 100.0, "MB", "what the parts of one .docx unpack to"),
    Setting("max_pdf_content_mb", 32.0, "MB", "decoded page content of one PDF, summed over its pages before any is read"),
    Setting("max_passage_chars", 1000, "characters", "longest passage; longer ones are cut at a clause break or a space",
            low=20, low_open=False, features=True),
    # fetching pages and feeds (docs/web.md); the dashboard's fetches too
    Setting("fetch_timeout_seconds", 20.0, "s", "one request, the whole body included (the default of fetch and watch --timeout)"),
    Setting("fetch_max_mb", 10.0, "MB", "one response, declared or read (the default of fetch and watch --max-size)"),
    Setting("fetch_delay_seconds", 1.0, "s", "between two requests to the same host (the default of fetch and watch --delay)",
            low=0, low_open=False),
    Setting("fetch_max_redirects", 5, "redirects", "redirects followed for one link, each checked again", low=0, low_open=False),
    Setting("fetch_allow_private", 0, "0 or 1", "1: fetch from loopback, private and link-local addresses too (your own "
            "intranet); 0, the default: such links are refused before connecting (docs/security.md)", low=0, low_open=False, high=1),
    Setting("fetch_max_items", 200, "items", "items read from one feed, the newest first as the feed lists them (the default of fetch --max-items)"),
    Setting("fetch_feed_seconds", 300.0, "s", "one feed's items are fetched for at most this long; the rest wait for the next fetch or watch round"),
    # weights files and presets
    Setting("max_weights_bytes", 1_000_000, "bytes", "size of a weights file or preset"),
    Setting("max_weights_nodes", 10_000, "values", "YAML/JSON values in a weights file"),
    Setting("max_weights_depth", 2, "levels", "nesting of a weights file (a mapping of numbers is 2)", low=2, low_open=False),
    Setting("max_weight", 100.0, "weight", "the largest cue or tone weight"),
    # extraction: how scope words change a cue's strength (docs/method/score.md)
    Setting("hedge_factor", 0.5, "x strength", "a hedge before a cue (\"might\", \"could\", \"plans to\") multiplies its strength by this",
            low=0, low_open=False, high=1, features=True),
    Setting("negated_cooperation", -0.6, "strength", "a cooperative act after a bare negation (\"did not agree\")",
            low=-1, low_open=False, high=0, features=True),
    Setting("refused_cooperation", -1.0, "strength", "a cooperative act refused, failed at, suspended (\"refused to meet\")",
            low=-1, low_open=False, high=0, features=True),
    Setting("negated_conflict", 0.0, "strength", "a hostile act after a negation (\"did not cut channels\")",
            low=-1, low_open=False, high=1, features=True),
    Setting("background_factor", 0.35, "x strength", "a cue in a background clause (\"five years after ...\", \"amid ...\") keeps this share",
            low=0, low_open=False, high=1, features=True),
    Setting("background_words", 8, "words", "how far back a background word (\"after\", \"amid\") may stand", features=True),
    Setting("scope_words", 5, "words", "how far back in its clause a negator or hedge may stand", features=True),
    Setting("appeal_strength", 1.0, "strength", "the appeal a cooperative act urged or asked for is re-coded as",
            low=0, low_open=False, high=1, features=True),
    Setting("conditional_strength", 0.5, "strength", "the demand a cooperative act made a condition is re-coded as",
            low=0, low_open=False, high=1, features=True),
    # scoring over time, the store, the command line, the dashboard
    Setting("level_half_life_days", 30.0, "days", "the level index: an article's weight halves after this many days"),
    Setting("level_prior", 1.0, "articles", "the level index: imaginary neutral articles it is shrunk toward"),
    Setting("near_duplicate_similarity", 0.5, "Jaccard", "a stored text at least this similar (MinHash) is a syndicated copy",
            high=1),
    Setting("sqlite_busy_timeout_seconds", 10.0, "s", "SQLite's own wait for a lock before backing off and retrying"),
    Setting("db_lock_patience_seconds", 300.0, "s", "retries on a database locked by another writer before giving up"),
    Setting("pg_connect_timeout_seconds", 10, "s", "time to reach a PostgreSQL server"),
    Setting("score_batch", 256, "articles", "articles `score` reads, scores and writes at a time (bounds memory)"),
    Setting("progress_delay_seconds", 1.0, "s", "a command's progress bar appears after this long", low=0, low_open=False),
    Setting("drilldown_page_size", 25, "passages", "passages on one page of an article's drill-down"),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# The names the server code has used since the limits lived here alone.
UPLOAD_MAX_FILES, UPLOAD_MAX_MB, UPLOAD_MAX_ARTICLES, FETCH_PER_HOUR = (
    BY_NAME[n] for n in ("upload_max_files", "upload_max_mb", "upload_max_articles", "fetch_per_hour")
)

DEFAULTS: dict[str, int | float] = {s.name: s.default for s in SETTINGS}
_values: dict[str, int | float] = dict(DEFAULTS)
_listeners: list[Callable[[Mapping[str, int | float]], None]] = []
_lock = threading.Lock()


def get(name: str) -> int | float:
    """A setting's value now (KeyError for a name not in the table: a programming error)."""
    return _values[name]


def values() -> dict[str, int | float]:
    """Every setting's value now."""
    return dict(_values)


def resolve(overrides: Mapping[str, object] | None = None, where: str = "[settings]") -> dict[str, int | float]:
    """Every setting's value: its default unless ``overrides`` sets it (checked). Pure: nothing
    is changed; ``configure`` makes the result the process's."""
    out = dict(DEFAULTS)
    if overrides is not None and not isinstance(overrides, Mapping):
        raise MetricsError(f"{where}: must be a table of settings")
    for key, value in (overrides or {}).items():
        setting = BY_NAME.get(key)
        if setting is None:
            raise MetricsError(f"{where}: unknown setting {_shown(key)}{_suggest(str(key))} (docs/settings.md lists them)")
        out[key] = setting.check(value, where)
    return out


def _suggest(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, BY_NAME, n=1)
    return f"; did you mean {close[0]}?" if close else ""


def configure(overrides: Mapping[str, object] | None = None, where: str = "[settings]") -> dict[str, int | float]:
    """Make defaults plus ``overrides`` this process's settings (replacing earlier overrides)."""
    global _values
    new = resolve(overrides, where)
    with _lock:
        changed = new != _values
        _values = new  # one rebinding: a reader in another thread sees the old table or the new
        listeners = list(_listeners)
    if changed:
        for fn in listeners:
            fn(new)
    return dict(new)


def subscribe(fn: Callable[[Mapping[str, int | float]], None]) -> None:
    """Call ``fn(values)`` now and whenever the settings change: for code that keeps a setting in
    a module name read by a hot loop (``metrics.events.extract``'s strength factors)."""
    with _lock:
        _listeners.append(fn)
    fn(values())


def features_key(current: Mapping[str, int | float] | None = None) -> str:
    """The settings that change features and differ from their defaults, as ``name=value``
    joined by ``+`` ("" with the defaults): part of the features version."""
    cur = _values if current is None else current
    return "+".join(f"{s.name}={cur[s.name]!r}" for s in SETTINGS if s.features and cur[s.name] != s.default)


# --- the command line -------------------------------------------------------------------------


def apply_pairs(pairs: list[tuple[str, str]] | list[list[str]], where: str = "--setting") -> dict[str, int | float]:
    """Configure this process from ``(NAME, VALUE)`` text pairs (none: every default); MetricsError
    in one line naming the setting for an unknown name or a bad value (a command exits 2)."""
    overrides: dict[str, int | float] = {}
    for name, text in pairs:
        setting = BY_NAME.get(name)
        if setting is None:
            raise MetricsError(f"{where}: unknown setting {_shown(name)}{_suggest(name)} (docs/settings.md lists them)")
        overrides[name] = setting.parse(text, where)
    return configure(overrides, where=where)


# --- the server's limits ----------------------------------------------------------------------


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key (a user), sliding window."""

    def __init__(self, limit: int, window: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._events.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def allow(self, key: str) -> bool:
        """Count one event for ``key`` if it is within the limit; False (nothing counted) if not."""
        with self._lock:
            now = self._clock()
            q = self._recent(key, now)
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may have one more event (0 if it may now)."""
        with self._lock:
            now = self._clock()
            q = self._recent(key, now)
            return 0.0 if len(q) < self.limit else max(0.0, q[0] + self.window - now)


def upload_cut(sizes: list[int], limits: Mapping[str, int | float]) -> tuple[int, str | None]:
    """How many of an upload's files (their sizes in bytes, in order) fit the upload limits,
    and why the rest do not (None when all fit)."""
    max_files, max_bytes = limits[UPLOAD_MAX_FILES.name], limits[UPLOAD_MAX_MB.name] * 1_000_000
    keep, total = 0, 0
    for size in sizes[:max_files]:
        if total + size > max_bytes:
            break
        total += size
        keep += 1
    if keep == len(sizes):
        return keep, None
    if keep == max_files:
        why = f"one upload holds at most {max_files} files ({UPLOAD_MAX_FILES.name})"
    else:
        why = f"one upload holds at most {limits[UPLOAD_MAX_MB.name]} MB ({UPLOAD_MAX_MB.name})"
    return keep, f"{len(sizes) - keep} of {len(sizes)} files not read: {why}; upload them next."
