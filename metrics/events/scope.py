"""The scope words (``data/scope.yaml``): negators, refusals, hedges, appeals, demands,
conditions, accusations and background words before a cue, rejections and past markers after
it: the lists ``metrics.events.extract`` reads around each cue. Loaded, checked and compiled once; a malformed file is one ``MetricsError`` line naming the file and the reason.

Each list compiles to ``\\b(?:a|b|...)\\b`` (case-insensitive) and ``endings`` add ``|e\\b``,
the same patterns the lists had as code. ``version`` (the file's ``version:`` and a digest of
its text, as the lexicon's) is part of the features version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from metrics.errors import MetricsError
from metrics.events.lexicon import DATA_DIR, read_yaml

DEFAULT_SCOPE = DATA_DIR / "scope.yaml"
LISTS = (
    "negation", "refusal", "hedge", "appeal", "demand", "condition", "accusation", "rejected_after", "background",
    "background_after",
)


@dataclass(frozen=True)
class ScopeWords:
    number: int  # the file's ``version:``
    version: str  # number plus a digest of the text: stored features made with another are stale
    path: Path
    negation: re.Pattern[str]
    refusal: re.Pattern[str]
    hedge: re.Pattern[str]
    appeal: re.Pattern[str]
    demand: re.Pattern[str]
    condition: re.Pattern[str]
    accusation: re.Pattern[str]
    rejected_after: re.Pattern[str]  # after the cue
    background: re.Pattern[str]
    background_after: re.Pattern[str]  # after the cue

    @property
    def name(self) -> str:
        """The spaCy-style versioned name, as outputs carry it: ``tension.scope.v1``."""
        return f"tension.scope.v{self.number}"


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise MetricsError(f"{where} must be a non-empty list of patterns (strings)")
    return value


def _compile(name: str, entry: object, path: Path) -> re.Pattern[str]:
    where = f"{path}: {name}"
    if not isinstance(entry, dict):
        raise MetricsError(f"{where} must be a mapping with 'words' (and optionally 'endings')")
    unknown = sorted(set(map(str, entry)) - {"words", "endings"})
    if unknown:
        raise MetricsError(f"{where}: unknown key '{unknown[0]}' (expected words, endings)")
    source = r"\b(?:" + "|".join(_strings(entry.get("words"), f"{where}.words")) + r")\b"
    if "endings" in entry:
        source += "".join("|" + e + r"\b" for e in _strings(entry["endings"], f"{where}.endings"))
    try:
        return re.compile(source, re.I)
    except re.error as err:
        raise MetricsError(f"{where}: bad pattern: {err}") from None


def load_scope(path: str | Path = DEFAULT_SCOPE) -> ScopeWords:
    path = Path(path)
    text, raw = read_yaml(path, "scope words", MetricsError)
    if not isinstance(raw, dict):
        raise MetricsError(f"{path}: expected a mapping with version and the lists {', '.join(LISTS)}")
    number = raw.get("version")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise MetricsError(f"{path}: version must be a whole number of at least 1")
    missing = [n for n in LISTS if n not in raw]
    if missing:
        raise MetricsError(f"{path}: missing list '{missing[0]}'")
    unknown = sorted(set(map(str, raw)) - {"version", *LISTS})
    if unknown:
        raise MetricsError(f"{path}: unknown list '{unknown[0]}' (expected {', '.join(LISTS)})")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    patterns = {n: _compile(n, raw[n], path) for n in LISTS}
    return ScopeWords(number=number, version=f"{number}-{digest}", path=path, **patterns)


@lru_cache(maxsize=1)
def scope_words() -> ScopeWords:
    """The shipped scope words, loaded once per process."""
    return load_scope(DEFAULT_SCOPE)
