"""Which passages concern the chosen pair of countries.

Extraction records, for every passage, which countries of the gazetteer it names (a bit mask),
so the pair can change without re-reading text. Relevance is then computed at scoring time:

- 1 when a passage names one of the two countries, or says "the two sides", "bilateral", ...,
  in an article that names both countries somewhere;
- 0.5 when it names no country at all but directly follows such a passage in such an article
  (reported speech and pronouns: "he said", "the minister added");
- 0 otherwise, and for every passage of an article that does not name both countries.

``--dyad none`` gives every passage relevance 1. Cue contributions and tone are multiplied by it.

Each cue match also carries its actors (``source`` and ``target`` masks, the same bits as the
mentions), and ``event_gate`` decides whether it is an act between the pair and whose act it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import yaml

from metrics.errors import MetricsError, reason
from metrics.events.lexicon import DATA_DIR, YAML_LOADER

GAZETTEER = DATA_DIR / "countries.yaml"
CARRY_OVER = 0.5
DEFAULT_DYAD = "US-CN"
PAIR_BIT = 62  # the bit for "the two sides" and the like
THIRD_BIT = 61  # the bit for generic third parties ("allies", "the G7", "the United Nations")
MAX_COUNTRIES = THIRD_BIT  # countries use bits 0..60


@dataclass(frozen=True)
class Gazetteer:
    codes: tuple[str, ...]
    names: dict[str, str]
    regex: re.Pattern[str]
    fingerprint: str = ""  # hash of the files it was built from: part of the features version

    def bit(self, code: str) -> int:
        return 1 << self.codes.index(code)

    @staticmethod
    def group_bit(group: str | None) -> int:
        """The mask bit of one regex group: ``c<i>``, ``pair`` or ``third``."""
        if group == "pair":
            return 1 << PAIR_BIT
        if group == "third":
            return 1 << THIRD_BIT
        return 1 << int(group[1:])  # type: ignore[index]

    @cached_property
    def group_bits(self) -> dict[str, int]:
        """``group_bit`` of every group of the regex, as a dict: attribution asks it many times per
        cue, and a dict lookup is cheaper than the string tests."""
        return {name: self.group_bit(name) for name in self.regex.groupindex}

    def mentions(
        self, text: str, starts: list[int], spans: Iterable[tuple[int, int, str | None]] | None = None
    ) -> np.ndarray:
        """Bit mask of the countries (and pair phrases) named in each passage of ``text``;
        ``spans``, when given, are ``(m.start(), m.end(), m.lastgroup)`` of ``self.regex.finditer(text)``
        found already (metrics.events.prefilter)."""
        import bisect

        if spans is None:
            spans = [(m.start(), m.end(), m.lastgroup) for m in self.regex.finditer(text)]
        out = [0] * len(starts)  # Python ints: numpy element updates cost more than the rest
        bits = self.group_bits
        for start, _, group in spans:
            pi = bisect.bisect_right(starts, start) - 1
            if pi >= 0:
                out[pi] |= bits[group]
        return np.array(out, dtype=np.int64)

    def codes_of(self, mask: int) -> str | None:
        """An actor mask as codes joined by '+' (``US``, ``US+THIRD``, ``PAIR``), None when empty."""
        if not mask:
            return None
        parts = [c for i, c in enumerate(self.codes) if mask & (1 << i)]
        if mask & (1 << THIRD_BIT):
            parts.append("THIRD")
        if mask & (1 << PAIR_BIT):
            parts.append("PAIR")
        return "+".join(parts)


# An actors file (``--actors FILE``, the gazetteer's format) adds countries or replaces the
# patterns of known ones, and may add pair phrases and third parties; None means the shipped one.
_ACTORS_FILE: Path | None = None
ENV_ACTORS = "TENSION_ACTORS"  # the dashboard (and every command without --actors) reads this


def set_actors(path: str | Path | None) -> None:
    """Use the shipped gazetteer plus ``path`` from now on (None: the shipped one alone)."""
    global _ACTORS_FILE
    resolved = None if path is None else Path(path)
    if resolved is not None:
        _read_actors(resolved)  # refuse a bad file before anything switches to it
    _ACTORS_FILE = resolved
    _gazetteer.cache_clear()


def _from_env() -> None:
    import os

    global _ACTORS_FILE
    env = os.environ.get(ENV_ACTORS)
    _ACTORS_FILE = Path(env) if env else None


_from_env()


def actors_file() -> Path | None:
    return _ACTORS_FILE


def _read_actors(path: Path) -> dict:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except OSError as err:
        raise MetricsError(f"{path}: cannot read actors file ({reason(err)})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise MetricsError(f"{path}: not a YAML actors file ({first})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("countries", {}), dict):
        raise MetricsError(f"{path}: an actors file maps 'countries' to CODE: {{name, patterns}} (see data/countries.yaml)")
    for code, entry in (raw.get("countries") or {}).items():
        ok = isinstance(code, str) and re.fullmatch(r"[A-Z][A-Z0-9]{1,7}", code) and isinstance(entry, dict)
        pats = entry.get("patterns") if isinstance(entry, dict) else None
        if not ok or not isinstance(pats, list) or not pats or not all(isinstance(p, str) for p in pats):
            raise MetricsError(
                f"{path}: country {str(code)[:20]!r}: needs an upper-case code and a list of 'patterns' (strings)"
            )
        for pat in pats:
            try:
                re.compile(pat)
            except re.error as err:
                raise MetricsError(f"{path}: country {code}: bad pattern ({err})") from None
    for key in ("pair_phrases", "third_parties"):
        val = raw.get(key, [])
        if not isinstance(val, list) or not all(isinstance(p, str) for p in val):
            raise MetricsError(f"{path}: '{key}' must be a list of patterns")
    return raw


def gazetteer() -> Gazetteer:
    return _gazetteer(_ACTORS_FILE)


@lru_cache(maxsize=4)
def _gazetteer(extra: Path | None) -> Gazetteer:
    import hashlib

    base_bytes = GAZETTEER.read_bytes()
    raw = yaml.load(base_bytes.decode("utf-8"), Loader=YAML_LOADER)
    countries_ = dict(raw["countries"])
    pair_phrases = list(raw["pair_phrases"])
    third = list(raw.get("third_parties", []))
    h = hashlib.sha256(base_bytes)
    if extra is not None:
        more = _read_actors(extra)
        h.update(extra.read_bytes())
        for code, entry in (more.get("countries") or {}).items():
            countries_[code] = {"name": entry.get("name", code), "patterns": entry["patterns"]}
        pair_phrases += more.get("pair_phrases", [])
        third += more.get("third_parties", [])
    codes = tuple(countries_)
    if len(codes) > MAX_COUNTRIES:
        raise MetricsError(f"{extra or GAZETTEER}: at most {MAX_COUNTRIES} countries fit the mention mask")
    parts = []
    for i, code in enumerate(codes):
        pats = "|".join(f"(?:{p})" for p in countries_[code]["patterns"])
        parts.append(rf"(?P<c{i}>(?<![\w.])(?:{pats})(?![\w]))")
    parts.append(r"(?P<pair>\b(?:" + "|".join(pair_phrases) + r")\b)")
    if third:
        parts.append(r"(?P<third>(?<![\w.])(?:" + "|".join(f"(?:{p})" for p in third) + r")(?![\w]))")
    names = {code: countries_[code].get("name", code) for code in codes}
    return Gazetteer(codes, names, re.compile("|".join(parts)), h.hexdigest()[:12])


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


# Who acted, per match, for the directed scores: the first side, the second, or both/unattributed.
SIDE_A, SIDE_B, SIDE_BOTH = 0, 1, 2


def event_gate(
    dyad: Dyad, source: np.ndarray, target: np.ndarray, sign: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each cue match is an act between the pair (1.0) or not (0.0), and whose act it is
    (SIDE_A, SIDE_B, SIDE_BOTH), from its source and target actor masks (docs/method/events.md).

    Counted: one side acting on the other, coalitions included ("the US and its allies agreed
    to counter China"); both sides acting together ("the two sides agreed"); one side acting on
    nobody named (the other is implied by the article); an unnamed actor acting on one side
    ("sanctions on China": the other side's act); and matches with no actor at all (judged by
    the passage's relevance alone). Not counted: any act between one side and a third party, or
    between third parties ("the US coordinates with allies", "Beijing and Canberra signed a deal"),
    and cooperation inside a coalition of one side with third parties (with ``sign``, the cues'
    directions: in "the US and its allies agreed to counter China" the agreement is among allies).
    """
    n = len(source)
    if dyad.a is None:
        return np.ones(n), np.full(n, SIDE_BOTH, dtype=np.int8)
    g = gazetteer()
    bit_a, bit_b, pair = g.bit(dyad.a), g.bit(dyad.b), 1 << PAIR_BIT
    ours = bit_a | bit_b | pair
    sa, sb, sp = (source & bit_a) != 0, (source & bit_b) != 0, (source & pair) != 0
    ta, tb, tp = (target & bit_a) != 0, (target & bit_b) != 0, (target & pair) != 0
    s_other, t_other = (source & ~ours) != 0, (target & ~ours) != 0
    s_none, t_none = source == 0, target == 0
    cross = (sa & ~sb & (tb | tp)) | (sb & ~sa & (ta | tp))
    joint = (sa & sb) | (sp & ~sa & ~sb & ~s_other)
    alone = (sa ^ sb) & ~sp & ~s_other & t_none
    acted_on = s_none & (ta ^ tb) & ~tp & ~t_other
    between = s_none & ((ta & tb) | tp) & ~t_other
    counts = cross | joint | alone | acted_on | between | (s_none & t_none)
    if sign is not None:
        counts &= ~(s_other & ~(sa & sb) & (sign < 0))
    side = np.full(n, SIDE_BOTH, dtype=np.int8)
    by_a = ((cross | alone) & sa) | (acted_on & tb)
    by_b = ((cross | alone) & sb) | (acted_on & ta)
    side[by_a] = SIDE_A
    side[by_b] = SIDE_B
    return counts.astype(np.float64), side


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
