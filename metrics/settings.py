"""Limits for a shared server, declared in one place: each with its default and what it bounds.

The dashboard reads overrides from ``.streamlit/secrets.toml``::

    [limits]
    upload_max_files = 20
    fetch_per_hour = 30

An unknown name or a value that is not a positive whole number is refused in one line naming
it. The size of one uploaded file is Streamlit's own ``server.maxUploadSize`` (25 MB in
``.streamlit/config.toml``, the command line's ``--max-size`` default).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .errors import MetricsError


@dataclass(frozen=True)
class Setting:
    name: str
    default: int
    help: str


UPLOAD_MAX_FILES = Setting("upload_max_files", 50, "files one upload (one press of Save) may hold")
UPLOAD_MAX_MB = Setting("upload_max_mb", 100, "megabytes all files of one upload may hold together")
UPLOAD_MAX_ARTICLES = Setting(
    "upload_max_articles", 2000, "articles one upload may store (a table holds one per row; the rest are refused)"
)
FETCH_PER_HOUR = Setting("fetch_per_hour", 60, "pages or feeds one user may fetch per hour (per server process)")

SETTINGS: tuple[Setting, ...] = (UPLOAD_MAX_FILES, UPLOAD_MAX_MB, UPLOAD_MAX_ARTICLES, FETCH_PER_HOUR)


def resolve(overrides: Mapping[str, object] | None = None, where: str = "[limits]") -> dict[str, int]:
    """Every setting's value: the default unless ``overrides`` (the ``[limits]`` table) sets it."""
    values = {s.name: s.default for s in SETTINGS}
    for key, value in (overrides or {}).items():
        if key not in values:
            raise MetricsError(f"{where}: unknown limit '{key}' (known: {', '.join(values)})")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise MetricsError(f"{where}: {key} must be a positive whole number, not {value!r}")
        values[key] = value
    return values


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


def upload_cut(sizes: list[int], limits: Mapping[str, int]) -> tuple[int, str | None]:
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
