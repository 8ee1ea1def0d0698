"""Which passages concern the chosen pair of countries.

Extraction records, for every passage, which countries of the gazetteer it names (a bit mask),
so the pair can change without re-reading text. Relevance is then computed at scoring time:

- 1 when a passage names one of the two countries, or says "the two sides", "bilateral", ...,
  in an article that names both countries somewhere;
- 0.5 when it names no country at all but directly follows such a passage in such an article
  (reported speech and pronouns: "he said", "the minister added");
- 0 otherwise, and for every passage of an article that does not name both countries.

``--dyad none`` gives every passage relevance 1. Cue contributions and tone are multiplied by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import yaml

from .errors import MetricsError
from .lexicon import DATA_DIR, YAML_LOADER

GAZETTEER = DATA_DIR / "countries.yaml"
CARRY_OVER = 0.5
DEFAULT_DYAD = "US-CN"
PAIR_BIT = 62  # the bit for "the two sides" and the like; countries use bits 0..61


@dataclass(frozen=True)
class Gazetteer:
    codes: tuple[str, ...]
    names: dict[str, str]
    regex: re.Pattern[str]

    def bit(self, code: str) -> int:
        return 1 << self.codes.index(code)

    def mentions(
        self, text: str, starts: list[int], spans: Iterable[tuple[int, int, str | None]] | None = None
    ) -> np.ndarray:
        """Bit mask of the countries (and pair phrases) named in each passage of ``text``;
        ``spans``, when given, are ``(m.start(), m.end(), m.lastgroup)`` of ``self.regex.finditer(text)``
        found already (metrics.prefilter)."""
        import bisect

        if spans is None:
            spans = [(m.start(), m.end(), m.lastgroup) for m in self.regex.finditer(text)]
        out = [0] * len(starts)  # Python ints: numpy element updates cost more than the rest
        for start, _, group in spans:
            pi = bisect.bisect_right(starts, start) - 1
            if pi >= 0:
                out[pi] |= (1 << PAIR_BIT) if group == "pair" else (1 << int(group[1:]))
        return np.array(out, dtype=np.int64)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    raw = yaml.load(GAZETTEER.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    codes = tuple(raw["countries"])
    if len(codes) > PAIR_BIT:
        raise MetricsError(f"{GAZETTEER}: at most {PAIR_BIT} countries fit the mention mask")
    parts = []
    for i, code in enumerate(codes):
        pats = "|".join(f"(?:{p})" for p in raw["countries"][code]["patterns"])
        parts.append(rf"(?P<c{i}>(?<![\w.])(?:{pats})(?![\w]))")
    parts.append(r"(?P<pair>\b(?:" + "|".join(raw["pair_phrases"]) + r")\b)")
    names = {code: raw["countries"][code]["name"] for code in codes}
    return Gazetteer(codes, names, re.compile("|".join(parts)))


def countries() -> dict[str, str]:
    """Country code -> name, for every country the gazetteer knows."""
    return dict(gazetteer().names)


@dataclass(frozen=True)
class Dyad:
    """A pair of countries, or ``None`` sides for "count every passage"."""

    a: str | None
    b: str | None

    @property
    def name(self) -> str:
        return "none" if self.a is None else f"{self.a}-{self.b}"

    def relevance(self, mentions: np.ndarray, article: np.ndarray, n_articles: int) -> np.ndarray:
        """Relevance of each passage; ``article`` gives each passage's article row, in order."""
        n = len(mentions)
        if self.a is None:
            return np.ones(n)
        g = gazetteer()
        ha = (mentions & g.bit(self.a)) != 0
        hb = (mentions & g.bit(self.b)) != 0
        pair = (mentions & (1 << PAIR_BIT)) != 0
        concerns = (np.bincount(article, weights=ha, minlength=n_articles) > 0) & (
            np.bincount(article, weights=hb, minlength=n_articles) > 0
        )
        about = concerns[article] if n else np.zeros(0, dtype=bool)
        direct = (ha | hb | pair) & about
        carried = np.zeros(n, dtype=bool)
        if n > 1:
            # Only a passage that names no country at all inherits its predecessor's subject.
            silent = (mentions & ((1 << PAIR_BIT) - 1)) == 0
            carried[1:] = direct[:-1] & ~direct[1:] & silent[1:] & about[1:] & (article[1:] == article[:-1])
        return np.where(direct, 1.0, np.where(carried, CARRY_OVER, 0.0))


def parse_dyad(spec: str | Dyad | None) -> Dyad:
    """``US-CN`` (any two gazetteer codes, either order), ``none``; errors list the codes."""
    if isinstance(spec, Dyad):
        return spec
    if spec is None:
        spec = DEFAULT_DYAD
    if spec.strip().lower() == "none":
        return Dyad(None, None)
    known = countries()
    parts = [p.strip().upper() for p in spec.split("-")]
    if len(parts) != 2 or parts[0] == parts[1] or not all(p in known for p in parts):
        raise MetricsError(
            f"--dyad {spec!r}: expected two different country codes like US-CN, or 'none'; "
            f"known codes: {', '.join(sorted(known))}"
        )
    return Dyad(parts[0], parts[1])
