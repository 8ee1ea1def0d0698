"""A small JSON cache on disk for work that every process would otherwise redo at start.

Today one user: the cue finder (``metrics.events.prefilter.MultiFinder``), whose analysis of the lexicon
and gazetteer patterns and the compiled pieces of them cost most of the start-up of every
command and dashboard process (docs/speed.md), for a result that only changes with the patterns.

The folder is ``$TENSION_CACHE_DIR``, else the user's cache folder for the project
(platformdirs: ``$XDG_CACHE_HOME/relations-tension-index`` or ``~/.cache/...`` on Linux, the
platform's own elsewhere); ``TENSION_CACHE_DIR=off`` turns the cache off. Entries are
JSON with a checksum, never pickle: a file that was cut short or changed is not used, and
none can run code. A cache that cannot be read or written is no cache: never an error, never a
message.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import platformdirs

from metrics.resources import PROJECT

ENV_CACHE = "TENSION_CACHE_DIR"
OFF = "off"


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    value = os.environ.get(ENV_CACHE)
    if value is not None and value.strip().lower() == OFF:
        return None
    try:
        if value:
            return Path(value).expanduser()
        folder = Path(platformdirs.user_cache_dir(PROJECT, appauthor=False))
    except (RuntimeError, KeyError, OSError):
        return None  # no home folder (a service account without one): no cache
    return folder if folder.is_absolute() else None  # "~" unexpanded: no home folder either


_FORMAT = 1


def load(name: str) -> dict | None:
    """The entry ``name`` (a file name), or None when there is none, it cannot be read, or it
    is not what ``save`` wrote (its checksum differs: a truncated or edited file)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / name, encoding="utf-8") as fh:
            envelope = json.load(fh)
        payload = envelope["payload"]
        if envelope.get("format") != _FORMAT or envelope.get("sha256") != _digest(payload):
            return None
        value = json.loads(payload)
    except (OSError, ValueError, RecursionError, KeyError, TypeError, AttributeError):
        return None
    return value if isinstance(value, dict) else None


def _digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def save(name: str, value: dict) -> bool:
    """Write the entry whole or not at all (a temporary file renamed over it): a process that
    reads it meanwhile sees the old entry or the new one, never half of one."""
    folder = cache_dir()
    if folder is None:
        return False
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
        payload = json.dumps(value, separators=(",", ":"))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"format": _FORMAT, "sha256": _digest(payload), "payload": payload}, fh)
        os.replace(tmp, folder / name)
        return True
    except (OSError, TypeError, ValueError):
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
