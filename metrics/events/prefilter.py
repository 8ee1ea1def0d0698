"""Exact ``finditer`` for many regexes at once, at the cost of one Aho-Corasick scan.

Python's ``re`` tries every regex at every position of the text; with 30-odd cue families and
a gazetteer of 25 countries that was nine tenths of extraction time, while most positions
cannot start a match: a match of ``(?<![\\w'])(?:cut|sever\\w*) channels`` begins at a word
start with ``cut`` or ``sever``.

``MultiFinder`` reads each compiled pattern's parse tree once and lists literal prefixes one
of which begins every match. Text and prefixes are both written in a *key* form: lower-cased
the way ``re.IGNORECASE`` compares, every non-word character turned into a space, and a space
put in front, so that a prefix that must start a word carries a leading space and cannot hit
inside a word. One Aho-Corasick pass over the keyed text gives the positions where a match
may start; the original regex then runs ``match(text, pos)`` there only, skipping positions
inside its previous match exactly as ``finditer`` does. ``match(text, pos)`` sees the text
before ``pos``, so look-behinds and ``\\b`` behave as in a full scan. A pattern without a
usable prefix is scanned in full, unless a literal that every match contains is absent.

The result is always ``list(rx.finditer(text))``: the prefixes are a necessary condition
computed from the pattern, never a guess, and tests compare both on varied text.
"""

from __future__ import annotations

import atexit
import bisect
import hashlib
import re
import sys
import threading
import weakref
from array import array
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]


import ahocorasick
import numpy as np

from metrics.events import diskcache, srecode

MAX_PREFIX = 12  # longer prefixes filter little more and only grow the automaton
MAX_PREFIXES = 4096  # per pattern; beyond that the pattern is scanned in full
MAX_CLASS = 8  # a character class of more characters ends the prefix

# Characters that re.IGNORECASE matches against an ASCII letter although str.lower() does not
# turn them into it (found by trying every code point; a test checks it). U+0130 is also the
# only code point whose lower() is two characters long.
_FOLD_SPECIAL = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"))

try:  # lower-case characters that re.IGNORECASE equates with others beyond str.lower()
    from re._casefix import _EXTRA_CASES as _extra

    _CASE_EXTRAS: frozenset[str] | None = frozenset(chr(c) for c in _extra)
except ImportError:  # pragma: no cover - Python 3.10
    try:
        from sre_compile import _ignorecase_fixes as _extra  # type: ignore[attr-defined]

        _CASE_EXTRAS = frozenset(chr(c) for c in _extra)
    except ImportError:
        _CASE_EXTRAS = None

_ASCII_KEY = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c == 95) else 32 for c in range(256)
)
_NON_WORD = re.compile(r"\W")
_STOP = object()


def fold(text: str) -> str:
    """Lower-case ``text`` keeping its length, so that any character ``re.IGNORECASE`` matches
    against an ASCII letter becomes that letter in lower case."""
    if not text.isascii():
        for ch, rep in _FOLD_SPECIAL:
            if ch in text:
                text = text.replace(ch, rep)
    return text.lower()


def key_text(text: str) -> tuple[str, array]:
    """The keyed text and, for each of its characters, the index in ``text`` it stands for.

    Keyed: a space, ``text`` folded with every non-word character as a space, a space; then
    every run of spaces squeezed to its first, so that ``the[\\s"]+deal`` has one key,
    "the deal". The outer spaces stand for "no character" before and after the text.
    """
    if text.isascii():
        raw = b" " + text.encode("ascii").translate(_ASCII_KEY) + b" "
        arr = np.frombuffer(raw, dtype=np.uint8)
        codec = "ascii"
    else:
        raw = (" " + _NON_WORD.sub(" ", fold(text)) + " ").encode("utf-32-le")
        arr = np.frombuffer(raw, dtype=np.uint32)
        codec = "utf-32-le"
    space = arr == 32
    keep = np.empty(len(arr), dtype=bool)
    keep[0] = True
    np.logical_not(space[1:] & space[:-1], out=keep[1:])
    index = np.flatnonzero(keep)
    index -= 1
    # An array of machine ints: indexing it is as fast as a list's, making it is a copy.
    return arr[keep].tobytes().decode(codec), array("q", index.astype(np.int64).tobytes())


def _key_char(ch: str) -> str | None:
    """The key of every character a pattern's ``ch`` may match (with or without IGNORECASE),
    or None when no single key stands for them all."""
    if ch.isascii():
        return chr(_ASCII_KEY[ord(ch)])
    low = fold(ch)
    if len(low) != 1 or _CASE_EXTRAS is None or low in _CASE_EXTRAS:
        return None
    return low if (low.isalnum() or low == "_") else " "


def _is_word_key(k: str) -> bool:
    return k != " "


class _TooMany(Exception):
    pass


def _class_keys(items) -> set[str] | None:
    """The keys of the characters a character class can match, or None if too many."""
    out: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            k = _key_char(chr(av))
            if k is None:
                return None
            out.add(k)
        elif op is _c.RANGE:
            lo, hi = av
            if hi - lo > MAX_CLASS:
                return None
            for i in range(lo, hi + 1):
                k = _key_char(chr(i))
                if k is None:
                    return None
                out.add(k)
        elif op is _c.CATEGORY and av in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD):
            out.add(" ")  # every such character is a non-word character: key " "
        else:  # NEGATE, \w, \d, ...: too many
            return None
        if len(out) > MAX_CLASS:
            return None
    return out


def _excludes_word(av, direction: int) -> bool:
    """True for a negative look-behind (direction -1) or look-ahead (1) of one character that
    may not be a word character: ``(?<![\\w'])``, ``(?![\\w])`` and the like."""
    if av[0] != direction or len(av[1].data) != 1:
        return False
    sub = av[1]
    op, items = sub.data[0]
    if op is _c.IN:
        return any(o is _c.CATEGORY and a is _c.CATEGORY_WORD for o, a in items)
    return False


def literal_prefixes(pattern: re.Pattern[str] | str) -> set[tuple[int, str]] | None:
    """Keys (see ``key_text``) one of which begins every match of ``pattern``, each with its
    kind: PLAIN (the match begins with the key), MARKED (a space, standing for the non-word
    character before the match, then the key) or RUN (the match begins inside the run of
    non-word characters that the key's leading space stands for). ``None`` when some match may
    begin with nothing known, so the pattern must be scanned in full.
    """
    tree = _parse(pattern)
    return _prefixes(list(tree.data)) if _unicode_words(tree) else None


def _parse(pattern: re.Pattern[str] | LazyPattern | str):
    if isinstance(pattern, str):
        return _parse_source(pattern, 0)
    return _parse_source(pattern.pattern, pattern.flags & ~re.UNICODE)


@lru_cache(maxsize=1024)
def _parse_source(source: str, flags: int):
    # Parsing is the slow, pure-Python half of re.compile; the trees are never modified.
    return _sre_parse.parse(source, flags)


def _check_lookbehinds(items) -> None:
    """The checks re.compile makes after parsing: a look-behind must have a fixed width."""
    for op, av in items:
        subs = []
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            if av[0] < 0:
                lo, hi = av[1].getwidth()
                if lo > _c.MAXREPEAT - 1:
                    raise re.error("looks too much behind")
                if lo != hi:
                    raise re.error("look-behind requires fixed-width pattern")
            subs = [av[1]]
        elif op is _c.SUBPATTERN:
            subs = [av[-1]]
        elif op is _c.BRANCH:
            subs = list(av[1])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            subs = [av[2]]
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            subs = [av]
        elif op is _c.GROUPREF_EXISTS:
            subs = [p for p in av[1:] if p is not None]
        for sub in subs:
            _check_lookbehinds(sub.data)


def _pattern_digest(source: str, flags: int) -> str:
    return hashlib.sha256(f"{int(flags)}\x00{source}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _cache_hash():
    """A hash of this module and interpreter, which every cache entry's name starts from, or
    None when there is no cache (off, or this module's file cannot be read)."""
    if diskcache.cache_dir() is None:
        return None
    try:
        h = hashlib.sha256(_module_digest())
    except OSError:
        return None
    h.update(f"{sys.version_info[:2]} {srecode.MAGIC}".encode())
    return h


def _checked_name() -> str | None:
    h = _cache_hash()
    return None if h is None else f"checked-{h.hexdigest()[:32]}.json"


_CHECKED: list[set[str]] = []
_CHECKED_NEW = [False]


def _checked() -> set[str]:
    """Digests of patterns known to pass LazyPattern's check (from the cache, and this process)."""
    if not _CHECKED:
        name = _checked_name()
        entry = diskcache.load(name) if name else None
        digests = entry.get("digests") if entry else None
        _CHECKED.append({d for d in digests if isinstance(d, str)} if isinstance(digests, list) else set())
    return _CHECKED[0]


def _save_checked() -> None:
    if not _CHECKED_NEW[0]:
        return
    name = _checked_name()
    if name:
        old = diskcache.load(name)
        digests = set(_checked())
        if old and isinstance(old.get("digests"), list):
            digests.update(d for d in old["digests"] if isinstance(d, str))
        diskcache.save(name, {"digests": sorted(digests)})
    _CHECKED_NEW[0] = False


class LazyPattern:
    """A regex checked now (re.error as from re.compile) and compiled on first use.

    Compiling the cue lexicon's large case-insensitive patterns cost a tenth of a second at
    every start, while ``MultiFinder`` mostly runs small pieces of them; code that uses the
    pattern itself (``finditer``, ``search``, ...) gets the compiled regex transparently.
    """

    def __init__(self, source: str, flags: int = 0):
        self.pattern = source
        self.flags = (flags | re.UNICODE) if not flags & (re.ASCII | re.LOCALE) else flags
        self._compiled: re.Pattern[str] | None = None
        # Parsing is most of the check, and most of a start-up's: a pattern that passed it
        # before, with this module and interpreter, passes it again (metrics.events.diskcache).
        digest = _pattern_digest(source, self.flags)
        checked = _checked()
        if digest not in checked:
            _check_lookbehinds(_parse(self).data)
            checked.add(digest)
            _CHECKED_NEW[0] = True

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def __getattr__(self, name: str):
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"


def _unicode_words(tree) -> bool:
    """Keys stand for Unicode \\w; a pattern with ASCII or LOCALE word characters is scanned in full."""
    return not (tree.state.flags & (re.ASCII | re.LOCALE))


def _prefixes(items: list) -> set[tuple[int, str]] | None:
    """``literal_prefixes`` of a parsed pattern (its list of items)."""
    out: set[tuple[int, str]] = set()
    calls = [0]

    def walk(items: list, i: int, prefix: str, start: str) -> None:
        # start: "" (nothing known of the character before), "nonword" (it is a non-word
        # character or the text start) or "boundary" (a \b: the same if the match begins with
        # a word character).
        calls[0] += 1
        if calls[0] > 50 * MAX_PREFIXES or len(out) > MAX_PREFIXES:
            raise _TooMany
        while True:
            if len(prefix) >= MAX_PREFIX or i == len(items) or items[i] is _STOP:
                out.add(_finish(prefix, start))
                return
            op, av = items[i]
            if op is _c.LITERAL:
                k = _key_char(chr(av))
                if k is None:
                    out.add(_finish(prefix, start))
                    return
                if not prefix and start == "boundary":
                    start = "nonword" if _is_word_key(k) else ""
                prefix += k
                i += 1
            elif op is _c.IN:
                keys = _class_keys(av)
                if keys is None:
                    out.add(_finish(prefix, start))
                    return
                for k in sorted(keys):
                    walk(items[:i] + [(_c.LITERAL, ord(k))] + items[i + 1:], i, prefix, start)
                return
            elif op is _c.ASSERT_NOT and not prefix and _excludes_word(av, -1):
                if start != "wordrun":
                    start = "nonword"
                i += 1
            elif op is _c.AT and not prefix and av is _c.AT_BOUNDARY and start == "":
                start = "boundary"
                i += 1
            elif prefix and prefix[-1] != " " and (
                (op is _c.ASSERT_NOT and _excludes_word(av, 1)) or (op is _c.AT and av is _c.AT_BOUNDARY)
            ):
                prefix += " "  # after a word character, the next one is not a word character
                i += 1
            elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
                i += 1  # zero width: skipping it only widens the candidates
            elif op is _c.SUBPATTERN:
                items, i = list(av[-1].data) + items[i + 1:], 0
            elif op is getattr(_c, "ATOMIC_GROUP", None):
                items, i = list(av.data) + items[i + 1:], 0
            elif op is _c.BRANCH:
                rest = items[i + 1:]
                for alt in av[1]:
                    walk(list(alt.data) + rest, 0, prefix, start)
                return
            elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
                lo, _hi, sub = av
                if _only_spaces(sub):
                    # Any number of non-word characters is one space in the squeezed keys.
                    if lo == 0:
                        walk(items, i + 1, prefix, start)
                    if not prefix and start == "boundary":
                        start = ""
                    prefix += " "
                    i += 1
                    continue
                if not prefix and start == "nonword" and lo >= 1 and _only_word(sub):
                    # (?<!\w)\w+...: the match begins where the word before the key begins.
                    start = "wordrun"
                    i += 1
                    continue
                if lo == 0:
                    walk(items, i + 1, prefix, start)  # zero repetitions
                if _hi == 1:
                    items, i = list(sub.data) + items[i + 1:], 0  # exactly one repetition
                    continue
                # One repetition, then stop: the prefix need not be the longest possible.
                walk(list(sub.data) + [_STOP], 0, prefix, start)
                return
            else:  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, ...: no literal to require
                out.add(_finish(prefix, start))
                return

    try:
        walk(items, 0, "", "")
    except (_TooMany, RecursionError):
        return None
    if any(not p for _, p in out):
        return None
    # A prefix that extends another of its kind adds nothing: "cut" already finds "cuts".
    return {(kind, p) for kind, p in out if not any((kind, p[:j]) in out for j in range(1, len(p)))}


_SQUEEZE = re.compile(" {2,}")
PLAIN, MARKED, RUN, WORDRUN = 0, 1, 2, 3  # how a keyword's hit gives the match start


def _finish(prefix: str, start: str) -> tuple[int, str]:
    prefix = _SQUEEZE.sub(" ", prefix)
    if not prefix.strip():
        return PLAIN, ""
    if start == "wordrun":
        return WORDRUN, prefix  # the match begins where the word before the key begins
    if prefix[0] == " ":
        return RUN, prefix  # the match begins somewhere in a run of non-word characters
    if start == "nonword":
        return MARKED, " " + prefix  # the space stands for the character before the match
    return PLAIN, prefix


def _only_word(sub) -> bool:
    """True when a repeated item matches word characters only (\\w, \\d)."""
    if len(sub.data) != 1:
        return False
    op, av = sub.data[0]
    return op is _c.IN and all(
        o is _c.CATEGORY and a in (_c.CATEGORY_WORD, _c.CATEGORY_DIGIT) for o, a in av
    )


def _only_spaces(sub) -> bool:
    """True when a repeated item matches non-word characters only (its keys are spaces)."""
    if len(sub.data) != 1:
        return False
    op, av = sub.data[0]
    if op is _c.IN:
        return _class_keys(av) == {" "}
    if op is _c.LITERAL:
        return _key_char(chr(av)) == " "
    return False


def required_literals(pattern: re.Pattern[str] | str) -> set[str] | None:
    """Keys one of which every match of ``pattern`` contains, or None if none is known."""
    compiled = isinstance(pattern, (re.Pattern, LazyPattern))  # a cue family is a LazyPattern
    source = pattern.pattern if compiled else pattern
    flags = pattern.flags if compiled else 0
    tree = _sre_parse.parse(source, flags & ~re.UNICODE)

    def better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
        if a is None:
            return b
        if b is None:
            return a
        return a if min(map(len, a)) >= min(map(len, b)) else b

    def seq(items) -> set[str] | None:
        best: set[str] | None = None
        run = ""
        for op, av in items:
            if op is _c.LITERAL:
                k = _key_char(chr(av))
                if k is not None:
                    run += k
                    continue
            if run.strip():
                best = better(best, {_SQUEEZE.sub(" ", run)})
            run = ""
            cand: set[str] | None = None
            if op is _c.SUBPATTERN:
                cand = seq(av[-1].data)
            elif op is getattr(_c, "ATOMIC_GROUP", None):
                cand = seq(av.data)
            elif op is _c.BRANCH:
                alts = [seq(alt.data) for alt in av[1]]
                cand = None if any(a is None for a in alts) else set().union(*alts)
            elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
                cand = seq(av[2].data)
            best = better(best, cand)
        if run.strip():
            best = better(best, {_SQUEEZE.sub(" ", run)})
        return best

    try:
        return seq(tree.data)
    except RecursionError:
        return None


_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
MAX_ALTERNATIVES = 4000  # per pattern (< 4096, the low 12 bits of a candidate); beyond that it is matched whole
_K_SHIFT = 52  # pattern index above 40 bits of text position
_POS_MASK = (1 << 40) - 1


def _alternatives(items: list, state, budget: list[int]) -> list[list]:
    """The alternatives of a pattern in the order the regex engine tries them.

    ``L (?:A|B) rest``, where L is zero-width, matches at a position exactly when ``L A rest``
    or else ``L B rest`` does, with the same span: the engine tries A (and all of its ways to
    go on) before B. Nested alternations and groups that begin a pattern are opened the same
    way, so that a hit of a prefix says which small alternative to run.
    """
    i = 0
    while i < len(items) and items[i][0] in _ZERO_WIDTH:
        i += 1
    if i == len(items):
        return [items]
    op, av = items[i]
    if op is _c.BRANCH:
        if budget[0] < len(av[1]):
            return [items]
        budget[0] -= len(av[1])
        out = []
        for alt in av[1]:
            out.extend(_alternatives(items[:i] + list(alt.data) + items[i + 1:], state, budget))
        return out
    if op is _c.SUBPATTERN and not av[1] and not av[2]:
        group, sub = av[0], av[3]
        inner = _alternatives(list(sub.data), state, budget)
        if len(inner) == 1:
            return [items]
        if group is None:
            return [items[:i] + alt + items[i + 1:] for alt in inner]
        return [
            items[:i] + [(_c.SUBPATTERN, (group, 0, 0, _sre_parse.SubPattern(state, alt)))] + items[i + 1:]
            for alt in inner
        ]
    return [items]


Span = tuple[int, int, "str | None"]  # start, end, name of the last group matched (Match.lastgroup)


class _Alternative:
    """One alternative of a pattern, compiled on its first use (MultiFinder then keeps the
    compiled ``match``): most alternatives of a large lexicon never meet their prefix."""

    __slots__ = ("items", "state", "flags")

    def __init__(self, items: list, state, flags: int):
        # A plain int, as re.compile makes it: the compiler tests flags a thousand times per
        # alternative, and on a RegexFlag each test is an enum operation (half the compile time).
        self.items, self.state, self.flags = items, state, int(flags)

    def compile(self) -> tuple[Callable[[str, int], re.Match[str] | None], list | None]:
        """The alternative's ``match``, and its compiled form for the disk cache (or None)."""
        tree = _sre_parse.SubPattern(self.state, self.items)
        if not srecode.ENABLED:
            return srecode.compile_tree(tree, self.flags).match, None
        entry = srecode.entry(tree, self.flags)
        return srecode.match_of(entry), entry


_MATCH = type(re.compile("").match)
_CACHE_FORMAT = 2
_LIVE: weakref.WeakSet[MultiFinder] = weakref.WeakSet()


@lru_cache(maxsize=1)
def _module_digest() -> bytes:
    # The analysis the cache holds is this module's: another version of it, another entry.
    return hashlib.sha256(Path(__file__).read_bytes() + Path(srecode.__file__).read_bytes()).digest()


def _cache_name(patterns: list, markers: list[list]) -> str | None:
    """The cache entry of a finder: one per set of patterns, module version and interpreter."""
    h = _cache_hash()
    if h is None:
        return None
    h.update(f"{_CACHE_FORMAT} {srecode.ENABLED} {MAX_PREFIX} {MAX_PREFIXES} {MAX_CLASS} {MAX_ALTERNATIVES}".encode())
    for group in [patterns, *markers]:
        h.update(b"\x01")
        for rx in group:
            h.update(f"\x00{rx.flags}\x00{rx.pattern}".encode("utf-8", "surrogatepass"))
    return f"finder-{h.hexdigest()[:32]}.json"


@atexit.register
def _flush_all() -> None:
    for finder in list(_LIVE):
        finder.flush()
    _save_checked()


@lru_cache(maxsize=8)
def multi_finder(patterns: tuple[re.Pattern[str], ...], markers: tuple[tuple[re.Pattern[str], ...], ...] = ()) -> MultiFinder:
    """One ``MultiFinder`` per tuple of patterns: building one parses every pattern."""
    return MultiFinder(patterns, markers)


MARK = 4  # a key of a marker (MultiFinder): its hits are only recorded


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _spans(rx: re.Pattern[str], text: str) -> list[Span]:
    return [(m.start(), m.end(), m.lastgroup) for m in rx.finditer(text)]


class Scan:
    """What ``MultiFinder.scan`` found in one text: ``matches[k]``, the spans of pattern k."""

    __slots__ = ("matches", "_marks", "_text")

    def __init__(self, matches: list[list[Span]], marks: list[tuple[list[int], list[int]] | None], text: str):
        self.matches, self._marks, self._text = matches, marks, text

    def may_occur(self, marker: int, lo: int, hi: int, words: int) -> bool:
        """False only when no pattern of ``marker`` can match any string made of (a suffix of)
        the last ``words`` words of ``text[lo:hi]`` joined by single spaces, as ``tail_may_match``
        says; here from the hits of the whole text, which is cheaper than keying each tail."""
        marks = self._marks[marker] if ENABLED else None
        if marks is None:
            return True
        text = self._text
        if 0 < hi <= len(text) and is_word_char(text[hi - 1]):
            return True  # a tail's closing space would stand for nothing in the text
        starts, lasts = marks
        # A hit counts if it ends inside the window and begins within its last words. The
        # later a hit begins, the fewer words it has before hi: only the last hit that ends
        # inside the window needs counting.
        i = bisect.bisect_left(starts, hi) - 1
        while i >= 0 and starts[i] >= lo:
            if lasts[i] < hi:
                return len(text[starts[i]:hi].split()) <= words
            i -= 1
        return False


    def occurs_within(self, marker: int, lo: int, hi: int) -> bool:
        """False only when no pattern of ``marker`` can match inside ``text[lo:hi]``, searched
        on its own (the slice's ends count as word boundaries)."""
        marks = self._marks[marker] if ENABLED else None
        if marks is None:
            return True
        starts, lasts = marks
        # A hit counts if it begins and ends inside the window.
        i = bisect.bisect_left(starts, lo)
        while i < len(starts) and starts[i] < hi:
            if lasts[i] < hi:
                return True
            i += 1
        return False


class MultiFinder:
    """``finditer`` of several compiled regexes over the same text, with one shared scan.

    ``markers`` are groups of patterns whose prefixes are only located (``Scan.may_occur``),
    to tell cheaply where none of them can match.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]], markers: Sequence[Sequence[re.Pattern[str]]] = ()):
        self.patterns = list(patterns)
        self._markers = [list(group) for group in markers]
        self._lock = threading.Lock()
        # "k:a" -> the compiled form of alternative a of pattern k (metrics.events.srecode.entry)
        # "k:a" -> the compiled form of alternative a of pattern k (metrics.events.srecode.entry): those read
        # from the cache and not used yet, and those compiled here and not written yet. Neither
        # stays once used or written, so memory does not grow with the pieces a long run needs.
        self._codes: dict[str, list] = {}
        self._new: dict[str, list] = {}
        self._unsaved = False
        self._restored = False  # the analysis came from the cache: scan rebuilds it if it fails
        self._cache_name = _cache_name(self.patterns, self._markers)
        state = diskcache.load(self._cache_name) if self._cache_name else None
        if state is None or not self._restore(state):
            self._build()
            self._unsaved = self._cache_name is not None
        _LIVE.add(self)

    def _build(self) -> None:
        self.full_scan: list[tuple[int, set[str] | None]] = []
        self._alts: list[list] = []
        # Each pattern's alternatives as parse trees, or None until needed (restored from the cache).
        self._trees: list[list[_Alternative] | None] = []
        keys: dict[str, list[tuple[int, int]]] = {}
        self._named: list[bool] = []
        for k, rx in enumerate(self.patterns):
            tree = _parse(rx)
            self._named.append(bool(tree.state.groupdict))
            alts = _alternatives(list(tree.data), tree.state, [MAX_ALTERNATIVES])
            found = [_prefixes(a) for a in alts] if _unicode_words(tree) else [None]
            if any(f is None for f in found):
                self.full_scan.append((k, required_literals(rx)))
                self._alts.append([])
                self._trees.append([])
                continue
            self._trees.append([_Alternative(a, tree.state, rx.flags) for a in alts])
            self._alts.append([None] * len(alts))
            for a, prefixes in enumerate(found):
                for kind, p in prefixes:
                    keys.setdefault(p, []).append((kind, (k << _K_SHIFT) | a))
        self._marker_always: list[bool] = []
        for m, group in enumerate(self._markers):
            found = [literal_prefixes(rx) for rx in group]
            always = any(f is None for f in found)
            self._marker_always.append(always)
            if not always:
                # Without its leading space: the tail a marker speaks for may begin mid-word.
                for p in {p[1:] if p[0] == " " else p for f in found for _, p in f}:
                    keys.setdefault(p, []).append((MARK, m))
        self._words: list[tuple[str, tuple]] = []
        for p, entries in keys.items():
            value = []
            for kind in sorted({kd for kd, _ in entries}):
                # The hit's first keyed character is end - len(p) + 1; a MARKED key's match
                # begins one further.
                back = len(p) - 2 if kind == MARKED else len(p) - 1
                value.append((back, tuple(c for kd, c in entries if kd == kind), kind))
            if len(value) == 1 and value[0][2] in (PLAIN, MARKED):
                self._words.append((p, value[0][:2]))  # the common case: (back, codes)
            else:
                self._words.append((p, (-1, tuple(value))))
        self._make_automaton()

    def _make_automaton(self) -> None:
        self._auto = ahocorasick.Automaton()
        for p, value in self._words:
            self._auto.add_word(p, value)
        self._empty = not self._words
        if not self._empty:
            self._auto.make_automaton()

    # ------------------------------------------------------------------ the disk cache
    def _restore(self, state: dict) -> bool:
        """Take the analysis from a cache entry; False (nothing changed) if it is not one."""
        try:
            if state.get("format") != _CACHE_FORMAT or state.get("key") != self._cache_name:
                return False
            n_alts = [int(n) for n in state["alternatives"]]
            named = [bool(x) for x in state["named"]]
            full_scan = [(int(k), None if req is None else {str(r) for r in req}) for k, req in state["full_scan"]]
            always = [bool(a) for a in state["marker_always"]]
            # Taken as they are (lists where a build has tuples, which scan reads alike): the
            # check is that scanning works (``scan``); converting every entry cost start-up time.
            words = state["words"]
            if not all(type(v) is list and len(v) == 2 and type(v[0]) is int and type(p) is str for p, v in words):
                return False
            codes = {str(name): entry for name, entry in state["codes"].items()}
            if len(n_alts) != len(self.patterns) or len(named) != len(self.patterns) or len(always) != len(self._markers):
                return False
            if any(not 0 <= k < len(self.patterns) or n_alts[k] for k, _ in full_scan):
                return False
        except (KeyError, TypeError, ValueError, AttributeError):
            return False
        self.full_scan, self._marker_always, self._words, self._codes = full_scan, always, words, codes
        self._named = named
        self._alts = [[None] * n for n in n_alts]
        self._trees = [None] * len(self.patterns)
        try:
            self._make_automaton()
        except (TypeError, ValueError, AttributeError):
            self._rebuild()
            return True
        self._restored = True
        return True

    def _rebuild(self) -> None:
        """Drop what came from a damaged cache entry: built afresh, and the entry rewritten."""
        self._codes, self._new = {}, {}
        self._build()
        self._restored = False
        self._unsaved = self._cache_name is not None

    def _state(self) -> dict:
        return {
            "format": _CACHE_FORMAT,
            "key": self._cache_name,
            "alternatives": [len(a) for a in self._alts],
            "named": self._named,
            "full_scan": [[k, None if req is None else sorted(req)] for k, req in self.full_scan],
            "marker_always": self._marker_always,
            "words": self._words,
            "codes": {**self._codes, **self._new},
        }

    def flush(self) -> None:
        """Write what this process added to the cache entry (the analysis, compiled pieces)."""
        if not self._unsaved:
            _save_checked()
            return
        with self._lock:
            if not self._unsaved:
                return
            state = self._state()
            codes = dict(state["codes"])
            # Another process may have compiled other pieces since: keep them too.
            old = diskcache.load(self._cache_name) if self._cache_name else None
            if old and old.get("key") == self._cache_name and isinstance(old.get("codes"), dict):
                for name, entry in old["codes"].items():
                    codes.setdefault(name, entry)
            state["codes"] = codes
            if self._cache_name and diskcache.save(self._cache_name, state):
                self._new.clear()
            self._unsaved = False
        _save_checked()

    def _compile(self, k: int, a: int) -> Callable[[str, int], re.Match[str] | None]:
        name = f"{k}:{a}"
        entry = self._codes.pop(name, None)
        if entry is not None:
            try:
                return srecode.match_of(entry)
            except Exception:  # noqa: BLE001 - a damaged entry (the engine checks its code): compiled afresh
                pass
        match, entry = self._tree(k)[a].compile()
        if entry is not None and self._cache_name:
            self._new[name] = entry
            self._unsaved = True
        return match

    def _tree(self, k: int) -> list[_Alternative]:
        trees = self._trees[k]
        if trees is None:
            rx = self.patterns[k]
            tree = _parse(rx)
            alts = _alternatives(list(tree.data), tree.state, [MAX_ALTERNATIVES])
            trees = self._trees[k] = [_Alternative(a, tree.state, rx.flags) for a in alts]
            if len(trees) != len(self._alts[k]):
                raise RuntimeError("cue finder cache out of step with its patterns")  # the key covers both
        return trees

    def spans_all(self, text: str) -> list[list[Span]]:
        """For each pattern, ``[(m.start(), m.end(), m.lastgroup) for m in pattern.finditer(text)]``."""
        return self.scan(text).matches

    def scan(self, text: str) -> Scan:
        if not self._restored:
            return self._scan(text)
        try:
            return self._scan(text)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, RuntimeError, OverflowError):
            self._rebuild()  # a cache entry of the wrong shape
            return self._scan(text)

    def _scan(self, text: str) -> Scan:
        if not ENABLED:
            return Scan([_spans(rx, text) for rx in self.patterns], [], text)
        out: list[list[Span]] = [[] for _ in self.patterns]
        keyed, index = key_text(text)
        for k, required in self.full_scan:
            if required is None or any(r in keyed for r in required):
                out[k] = _spans(self.patterns[k], text)
        marks: list = [None if always else [] for always in self._marker_always]
        if self._empty:
            return Scan(out, [None if m is None else ([], []) for m in marks], text)
        # Candidates as one int each, pattern << _K_SHIFT | position << 12 | alternative:
        # sorted, they come pattern by pattern, by position, and at one position in the order
        # the engine tries the alternatives.
        cands: list[int] = []
        add = cands.append
        for end, (back, codes) in self._auto.iter(keyed):
            if back >= 0:
                pos = index[end - back] << 12
                for code in codes:
                    add(code | pos)
                continue
            for back, group, kind in codes:
                j = end - back
                if kind == MARK:
                    for m in group:
                        marks[m].append((index[j], index[end]))
                    continue
                if kind == RUN:
                    # A squeezed run of non-word characters: the match may begin at any of them.
                    first = max(index[j], 0)
                    stop = index[j + 1] if j + 1 < len(index) else len(text)
                    cands.extend(code | (pos << 12) for code in group for pos in range(first, stop))
                    continue
                if kind == WORDRUN:
                    j = keyed.rfind(" ", 0, j) + 1
                pos = index[j] << 12
                for code in group:
                    add(code | pos)
        n = len(text)
        k = -1
        last = n
        alts: list = []
        found: list[Span] = []
        named = False
        for c in sorted(set(cands)):
            if c >> _K_SHIFT != k:
                k = c >> _K_SHIFT
                alts, found, last = self._alts[k], out[k], -1
                named = self._named[k]  # else lastgroup is None, and asking costs a lookup
            pos = (c >> 12) & _POS_MASK
            if pos < last or pos >= n:
                continue
            match = alts[c & 4095]
            if match.__class__ is not _MATCH:
                match = alts[c & 4095] = self._compile(k, c & 4095)
            m = match(text, pos)
            if m is not None:
                # Every match begins with a non-empty prefix, so it is never empty and
                # finditer would resume right at its end.
                last = m.end()
                found.append((pos, last, m.lastgroup if named else None))
        packed: list[tuple[list[int], list[int]] | None] = []
        for spans in marks:
            if spans is None:
                packed.append(None)
            else:
                spans.sort()
                packed.append(([s for s, _ in spans], [e for _, e in spans]))
        return Scan(out, packed, text)


# ------------------------------------------------------------------------------ short texts
# For a scope of a few words, an automaton costs more than it saves; a gate regex over the
# keyed text (the prefixes of one pattern, as literals) answers "no match possible" in well
# under a microsecond, and the pattern itself runs only when the gate lets it.

ENABLED = True  # False runs every pattern in full: the reference the tests compare against
_GATES: dict[re.Pattern[str], re.Pattern[str] | None] = {}


def short_key(text: str) -> str:
    """``key_text`` for a short string, without the index (the keyed text only)."""
    if text.isascii():
        keyed = " " + text.encode("ascii").translate(_ASCII_KEY).decode("ascii") + " "
    else:
        keyed = " " + _NON_WORD.sub(" ", fold(text)) + " "
    return _SQUEEZE.sub(" ", keyed) if "  " in keyed else keyed


def _gate(rx: re.Pattern[str]) -> re.Pattern[str] | None:
    try:
        return _GATES[rx]
    except KeyError:
        pass
    prefixes = literal_prefixes(rx)
    if prefixes is None:
        gate = None
    else:
        keys = sorted({p for _, p in prefixes}, key=lambda p: (-len(p), p))
        gate = re.compile("|".join(re.escape(p) for p in keys))
    _GATES[rx] = gate
    return gate


def may_match(rx: re.Pattern[str], keyed: str) -> bool:
    """False only when ``rx`` cannot match the text whose ``short_key`` is ``keyed``."""
    if not ENABLED:
        return True
    gate = _gate(rx)
    return gate is None or gate.search(keyed) is not None


def resolve_overlaps(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Keep the longest of overlapping finds ``(start, end, cue)``; ties go to the earlier one.

    The same as checking each find, longest first, against every kept one: a find can only
    meet finds of its own cluster of overlapping spans, so the rule runs cluster by cluster
    and a find that overlaps nothing is kept at once.
    """
    if not ENABLED or any(s >= e for s, e, _ in found):
        # Empty finds: the plain rule, one by one.
        return _longest_first(found)
    # By start only: a stable sort keeps finds with the same span in input order, on which
    # the rule's own (stable) ordering breaks ties.
    by_start = sorted(found, key=_start)
    kept: list[tuple[int, int, int]] = []
    cluster: list[tuple[int, int, int]] = []
    reach = -1
    for span in by_start:
        if span[0] >= reach and cluster:
            kept.extend(cluster if len(cluster) == 1 else _longest_first(cluster))
            cluster = []
        cluster.append(span)
        reach = max(reach, span[1])
    if cluster:
        kept.extend(cluster if len(cluster) == 1 else _longest_first(cluster))
    return kept


def _start(span: tuple[int, int, int]) -> int:
    return span[0]


def _longest_first(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    kept: list[tuple[int, int, int]] = []
    for s, e, c in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, c))
    kept.sort()
    return kept


_TAIL_GATES: dict[re.Pattern[str], re.Pattern[str] | None] = {}


def tail_key(text: str, words: int) -> str:
    """``short_key`` of the last ``words`` words of ``text`` joined by single spaces."""
    return short_key(" ".join(text.split()[-words:]))


def tail_may_match(keyed: str, *patterns: re.Pattern[str]) -> bool:
    """False only when no pattern can match a string made of the end of the tail that
    ``keyed = tail_key(text, words)`` stands for: any suffix of the last ``words`` words of
    ``text`` (a word may be cut), joined by single spaces.

    Such a string's key is the end of ``keyed`` behind a space that may be new, so each
    prefix is looked for without its leading space.
    """
    if not ENABLED:
        return True
    for rx in patterns:
        try:
            gate = _TAIL_GATES[rx]
        except KeyError:
            prefixes = literal_prefixes(rx)
            if prefixes is None:
                gate = None
            else:
                keys = sorted({p[1:] if p[0] == " " else p for _, p in prefixes}, key=lambda p: (-len(p), p))
                gate = re.compile("|".join(re.escape(p) for p in keys))
            _TAIL_GATES[rx] = gate
        if gate is None or gate.search(keyed) is not None:
            return True
    return False
