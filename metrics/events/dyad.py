"""Which passages concern the chosen pair of countries, and which acts are between them.

Extraction records, for every passage, which actors of the gazetteer it names (a bit mask over
the article's own actors, ``ArticleFeatures.actors``), so the pair can change without
re-reading text. Relevance is then computed at scoring time:

- 1 when a passage names one of the two countries, or says "the two sides", "bilateral", ...
  where the phrase binds to the pair, in an article that names both countries somewhere;
- 0.5 when it names no actor at all but directly follows such a passage in such an article
  (reported speech and pronouns: "he said", "the minister added");
- 0 otherwise, and for every passage of an article that does not name both countries.

``--dyad none`` gives every passage relevance 1. Cue contributions and tone are multiplied by it.

Each cue match also carries its actors (``source`` and ``target`` masks, the same bits as the
mentions), and ``event_gate`` decides whether it is an act between the pair, whose act it is,
and whether it is unattributed because no other side is named (docs/method/actors.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from metrics.errors import MetricsError, reason
from metrics.events.lexicon import DATA_DIR, YAML_LOADER

GAZETTEER = DATA_DIR / "countries.yaml"
CARRY_OVER = 0.5
DEFAULT_DYAD = "US-CN"
# Masks are per article: each actor an article names gets a slot (bit) in the order it first
# appears, and the article keeps the list of slot codes (``ArticleFeatures.actors``, the
# articles' ``actors`` column). Any number of actors fits the gazetteer; at most MAX_SLOTS of
# them fit one article, and a further one counts as a third party there.
PAIR_BIT = 62  # the bit for "the two sides" and the like
THIRD_BIT = 61  # the bit for generic third parties ("allies", "the international community")
MAX_SLOTS = THIRD_BIT  # actors use bits 0..60 of an article's masks
SLOTS = (1 << MAX_SLOTS) - 1


@dataclass(frozen=True)
class Gazetteer:
    """Every actor's compiled pattern, one per code, then the pair phrases' and the third
    parties'. A mention is ``(start, end, group)``, group the index of its pattern; where
    mentions of several patterns overlap, the longest wins ("Democratic People's Republic of
    Korea" is North Korea, not "People's Republic" China nor "Republic of Korea")."""

    codes: tuple[str, ...]
    names: dict[str, str]
    patterns: tuple[re.Pattern[str], ...]
    fingerprint: str = ""  # hash of the files it was built from: part of the features version
    kinds: dict[str, str] | None = None  # member, observer, territory, bloc (None: not said)
    alpha3: dict[str, str] | None = None  # ISO 3166 alpha-3 of each country that has one

    def alpha3_codes(self) -> dict[str, str]:
        """Alpha-3 -> gazetteer code, for event coders' actor codes (``USAGOV``)."""
        return {v: k for k, v in (self.alpha3 or {}).items()}

    @property
    def pair_group(self) -> int:
        return len(self.codes)

    @property
    def third_group(self) -> int:
        return len(self.codes) + 1

    def find(self, text: str, found: Sequence[Sequence[tuple]] | None = None) -> list[tuple[int, int, int]]:
        """The mentions in ``text``, in order; ``found``, when given, are the spans of each of
        ``self.patterns`` found already (metrics.events.prefilter)."""
        from metrics.events.prefilter import resolve_overlaps

        if found is None:
            found = [[(m.start(), m.end(), None) for m in rx.finditer(text)] for rx in self.patterns]
        spans = resolve_overlaps([(s, e, g) for g, spans in enumerate(found) for s, e, _ in spans])
        # "the European Union (EU)": the abbreviation in brackets is the same mention, not a
        # second actor standing between the name and what follows.
        out: list[tuple[int, int, int]] = []
        for sp in spans:
            if out and sp[2] == out[-1][2] and text[out[-1][1]:sp[0]] in (" (", "("):
                continue
            out.append(sp)
        return out

    def slots(self, spans: Iterable[tuple[int, int, int]]) -> tuple[tuple[str, ...], dict[int, int]]:
        """An article's actors in order of first mention, and the mask bit of every group."""
        bits = {self.pair_group: 1 << PAIR_BIT, self.third_group: 1 << THIRD_BIT}
        actors: list[str] = []
        for _, _, g in spans:
            if g not in bits:
                if len(actors) < MAX_SLOTS:
                    bits[g] = 1 << len(actors)
                    actors.append(self.codes[g])
                else:
                    bits[g] = 1 << THIRD_BIT
        return tuple(actors), bits

    def mentions(self, starts: list[int], spans: Iterable[tuple[int, int, int]], bits: dict[int, int]) -> list[int]:
        """Mask of the actors (and pair phrases) named in each passage starting at ``starts``."""
        import bisect

        out = [0] * len(starts)
        for start, _, group in spans:
            pi = bisect.bisect_right(starts, start) - 1
            if pi >= 0:
                out[pi] |= bits[group]
        return out

    @staticmethod
    def codes_of(mask: int, actors: Sequence[str]) -> str | None:
        """An actor mask of an article whose slots are ``actors``, as codes joined by '+'
        (``US``, ``US+THIRD``, ``PAIR``); None when empty."""
        if not mask:
            return None
        parts = [c for i, c in enumerate(actors) if mask & (1 << i)]
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
            countries_[code] = {"name": entry.get("name", code), "patterns": entry["patterns"],
                                "kind": entry.get("kind", "member")}
        pair_phrases += more.get("pair_phrases", [])
        third += more.get("third_parties", [])
    # An actors file's new codes come first: where its names and the shipped ones match the same
    # words, the file's actor wins the tie.
    added = [c for c in countries_ if c not in raw["countries"]]
    codes = tuple(added + [c for c in countries_ if c not in added])
    patterns = []
    for code in codes:
        pats = "|".join(f"(?:{p})" for p in countries_[code]["patterns"])
        patterns.append(re.compile(rf"(?<![\w.])(?:{pats})(?![\w])"))
    patterns.append(re.compile(r"\b(?:" + "|".join(pair_phrases) + r")\b"))
    # No third party: a pattern that never matches keeps the group numbering.
    third_rx = "|".join(f"(?:{p})" for p in third) if third else r"(?!)"
    patterns.append(re.compile(rf"(?<![\w.])(?:{third_rx})(?![\w])"))
    names = {code: countries_[code].get("name", code) for code in codes}
    kinds = {code: countries_[code].get("kind", "member") for code in codes}
    alpha3 = {code: countries_[code]["alpha3"] for code in codes if countries_[code].get("alpha3")}
    return Gazetteer(codes, names, tuple(patterns), h.hexdigest()[:12], kinds, alpha3)


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

    def side_bits(self, actors: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Per article, the mask bit of each side (0 where the article does not name it), from
        each article's slot codes (``ArticleFeatures.actors``)."""

        def bit(code: str | None) -> np.ndarray:
            return np.fromiter(
                ((1 << t.index(code)) if code in t else 0 for t in actors), dtype=np.int64, count=len(actors)
            )

        return bit(self.a), bit(self.b)

    def bind(
        self, actors: Sequence[Sequence[str]], mentions: np.ndarray, p_art: np.ndarray, m_art: np.ndarray,
        m_pas: np.ndarray, source: np.ndarray, target: np.ndarray, sign: np.ndarray | None = None,
    ) -> Binding:
        """Relevance of each passage and, for each cue match, whether it is an act between the
        pair, whose act it is and whether it was left unattributed (docs/method/actors.md)."""
        n, k = len(mentions), len(source)
        if self.a is None:
            return Binding(np.ones(n), np.ones(k), np.full(k, SIDE_BOTH, dtype=np.int8), np.zeros(k, dtype=bool))
        bit_a, bit_b = self.side_bits(actors)
        ctx = _passage_context(mentions, p_art, bit_a[p_art], bit_b[p_art])
        n_art = len(actors)
        concerns = (np.bincount(p_art, weights=ctx.ha, minlength=n_art) > 0) & (
            np.bincount(p_art, weights=ctx.hb, minlength=n_art) > 0
        )
        about = concerns[p_art] if n else np.zeros(0, dtype=bool)
        direct = (ctx.ha | ctx.hb | ctx.pair_bound) & about
        carried = np.zeros(n, dtype=bool)
        if n > 1:
            # Only a passage that names no actor at all inherits its predecessor's subject.
            silent = (mentions & ((1 << PAIR_BIT) - 1)) == 0
            carried[1:] = direct[:-1] & ~direct[1:] & silent[1:] & about[1:] & (p_art[1:] == p_art[:-1])
        relevance = np.where(direct, 1.0, np.where(carried, CARRY_OVER, 0.0))
        event, side, unbound = event_gate(
            bit_a[m_art], bit_b[m_art], source, target, ctx.ctx_a[m_pas], ctx.ctx_b[m_pas], ctx.pair_bound[m_pas], sign
        )
        return Binding(relevance, event, side, unbound)


# Who acted, per match, for the directed scores: the first side, the second, or both/unattributed.
SIDE_A, SIDE_B, SIDE_BOTH = 0, 1, 2


@dataclass(frozen=True)
class Binding:
    relevance: np.ndarray  # per passage
    event: np.ndarray  # per match: 1.0 when an act between the pair, else 0.0
    side: np.ndarray  # per match: SIDE_A, SIDE_B or SIDE_BOTH
    unbound: np.ndarray  # per match: one side's act (or no one's) whose passage names no other side


@dataclass(frozen=True)
class _Context:
    ha: np.ndarray  # the passage names side a
    hb: np.ndarray
    ctx_a: np.ndarray  # the passage or the one before it (same article) names side a
    ctx_b: np.ndarray
    pair_bound: np.ndarray  # its "the two sides", "bilateral", ... mean this pair


def _passage_context(mentions: np.ndarray, p_art: np.ndarray, ba: np.ndarray, bb: np.ndarray) -> _Context:
    """Who each passage names, and whether its pair phrases bind to the pair: when it names both
    sides itself, or when it and the passage before name both and no other actor (a readout of a
    meeting with an ally, "The two leaders discussed China", does not bind). ``ctx_a``: the
    passage or the one before it names side a, by name or by a bound pair phrase."""
    n = len(mentions)
    ha = (mentions & ba) != 0
    hb = (mentions & bb) != 0
    other = (mentions & SLOTS & ~(ba | bb)) != 0
    same = np.zeros(n, dtype=bool)
    if n > 1:
        same[1:] = p_art[1:] == p_art[:-1]

    def before(x: np.ndarray) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[1:] = x[:-1] & same[1:]
        return out

    pair = (mentions & (1 << PAIR_BIT)) != 0
    pair_bound = pair & ((ha & hb) | ((ha | before(ha)) & (hb | before(hb)) & ~other & ~before(other)))
    # A bound pair phrase names both sides, for its own passage and the next one.
    na, nb = ha | pair_bound, hb | pair_bound
    return _Context(ha, hb, na | before(na), nb | before(nb), pair_bound)


def event_gate(
    bit_a: np.ndarray | int, bit_b: np.ndarray | int, source: np.ndarray, target: np.ndarray,
    ctx_a: np.ndarray | bool = True, ctx_b: np.ndarray | bool = True, pair_bound: np.ndarray | bool = True,
    sign: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each cue match is an act between the pair (1.0) or not (0.0), whose act it is
    (SIDE_A, SIDE_B, SIDE_BOTH) and whether it is unattributed, from its source and target
    masks, each side's bit in its article and what its passage names (docs/method/actors.md).

    Counted: one side acting on the other, coalitions included ("the US and its allies agreed
    to counter China"); both sides acting together ("the two sides agreed", where the phrase
    binds); one side acting on nobody named, or an unnamed actor acting on one side ("sanctions
    on China"), or a cue with no actor, only when the passage or the one before names the other
    side (both sides for a cue with no actor): otherwise the target is not named and the act is
    unattributed. Not counted: any act between one side and a third party, or between third
    parties ("the US coordinates with allies"), and cooperation inside a coalition of one side
    with third parties (with ``sign``, the cues' directions). An unbound pair phrase is a third
    party.
    """
    pair_m = np.where(pair_bound, 1 << PAIR_BIT, 0).astype(np.int64)
    ours = bit_a | bit_b | pair_m
    sa, sb, sp = (source & bit_a) != 0, (source & bit_b) != 0, (source & pair_m) != 0
    ta, tb, tp = (target & bit_a) != 0, (target & bit_b) != 0, (target & pair_m) != 0
    s_other, t_other = (source & ~ours) != 0, (target & ~ours) != 0
    s_none, t_none = source == 0, target == 0
    cross = (sa & ~sb & (tb | tp)) | (sb & ~sa & (ta | tp))
    joint = (sa & sb) | (sp & ~sa & ~sb & ~s_other)
    alone = (sa ^ sb) & ~sp & ~s_other & t_none
    acted_on = s_none & (ta ^ tb) & ~tp & ~t_other
    between = s_none & ((ta & tb) | tp) & ~t_other
    nobody = s_none & t_none
    # A one-sided act counts only where the other side is named (its target must be named).
    alone_named = alone & ((sa & ctx_b) | (sb & ctx_a))
    acted_named = acted_on & ((ta & ctx_b) | (tb & ctx_a))
    nobody_named = nobody & ctx_a & ctx_b
    counts = cross | joint | alone_named | acted_named | between | nobody_named
    if sign is not None:
        counts &= ~(s_other & ~(sa & sb) & (sign < 0))
    unbound = (alone & ~alone_named) | (acted_on & ~acted_named) | (nobody & ~nobody_named)
    side = np.full(len(source), SIDE_BOTH, dtype=np.int8)
    by_a = ((cross | alone_named) & sa) | (acted_named & tb)
    by_b = ((cross | alone_named) & sb) | (acted_named & ta)
    side[by_a] = SIDE_A
    side[by_b] = SIDE_B
    return counts.astype(np.float64), side, unbound


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
