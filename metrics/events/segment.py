"""Split article text into sentence passages with character offsets into the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from metrics import settings
from metrics.model import normalise

# Tokens that end in a period without ending a sentence. Single capitals ("U.", "S.", "J.")
# are handled separately, which keeps "U.S." and initials intact.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt adm sen rep gov pres st jr sr rev hon amb
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    no nos vs etc e.g i.e inc ltd co corp dept est approx fig al op cf ft mt univ ave
    u.s u.k u.n e.u u.s.a p.m a.m act""".split()
)

# A candidate boundary: terminal punctuation, any closing quotes or brackets, then whitespace.
# It starts only at the first mark of a run ("!?!?..."): tried at every mark of a long run, the
# match would rescan the rest of the run each time (quadratic); possessive runs never backtrack.
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"')\]]*+(?=\s)")
_NEXT_START = re.compile(r"\s++[\"'(\[]*+([A-Z0-9])")

# Lines that always stand alone or start a new passage (issue 10): Markdown headings and their
# underlines, list items, table rows; a line ending a sentence ends its passage too.
_HEADING = re.compile(r"[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|(?:=+|-+)[ \t]*$)")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+\u2022\u2023\u25e6\u25aa]|\(?(?:\d{1,3}|[a-zA-Z])[.)])[ \t]|[ \t]*\|")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
_DATE_ONLY = re.compile(r"[\d\s/.:,()\-+a-zA-Z]{0,12}\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}[\d\s/.:,()\-+a-zA-Z]*$")
# A line shorter than this share of the text's usual (75th-percentile) line length, or than
# SHORT_LINE characters, is a title or a byline when the next line starts with a capital:
# hard-wrapped lines fill most of the width.
FULL_SHARE = 0.6
SHORT_LINE = 40
DATELINE_CHARS = 40


@dataclass(frozen=True, slots=True)
class Passage:
    start: int
    end: int
    text: str


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation rather than a sentence."""
    i = dot
    while i > 0 and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot].lower()
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Biden", the "S." of "U.S."
    return word in ABBREVIATIONS


def _spans(text: str, start: int, end: int):
    """Sentence spans inside one paragraph ``text[start:end]``."""
    sent_start = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end()
        nxt = _NEXT_START.match(text, cut, end)
        if nxt is None:
            continue  # next word lower-case: "U.S. officials", "p.m. on Monday"
        if text[m.start()] == "." and m.end() - m.start() == 1 and _is_abbreviation(text, m.start()):
            # "Mr. Blinken" never ends a sentence; "the U.S. The minister" is ambiguous and
            # kept whole, which costs a merged passage rather than a broken name.
            continue
        yield sent_start, cut
        sent_start = nxt.start(1)
        while sent_start > cut and text[sent_start - 1] in "\"'([":
            sent_start -= 1
    yield sent_start, end


def split_passages(text: str, norm: str | None = None) -> list[Passage]:
    """Split ``text`` into sentence passages.

    A single line break inside a paragraph is a space (hard-wrapped text); a blank line, a
    heading, a dateline, a list item, a short line before a capital (a title) or a line that
    ends a sentence ends the passage. Within a block of lines a sentence ends at ``.``, ``!`` or
    ``?`` (with any closing quotes) followed by a capital or a digit, unless the period closes an
    abbreviation or an initial. A passage longer than the setting ``max_passage_chars`` is cut at a clause
    break or a space. Offsets index the original text: ``text[p.start:p.end] == p.text``.
    ``norm`` is ``normalise(text)`` when the caller has it already. Linear in the text.
    """
    if norm is None:
        norm = normalise(text)
    out: list[Passage] = []
    limit = settings.get("max_passage_chars")
    for start, end in _blocks(norm):
        for p in _paragraph(text, norm, start, end):
            if p.end - p.start > limit:
                out.extend(_cut(text, norm, p.start, p.end, limit))
            else:
                out.append(p)
    return out


def _lines(norm: str) -> list[tuple[int, int]]:
    """(start, end) of every line's content, without its line break and surrounding spaces."""
    out = []
    pos = 0
    for line in norm.split("\n"):
        body = line.strip()
        s = pos + (line.find(body[0]) if body else 0)
        out.append((s, s + len(body)))
        pos += len(line) + 1
    return out


_DIGIT = re.compile(r"\d")


def _alone(norm: str, s: int, e: int) -> bool:
    """A line that is a passage of its own: a heading, an underline or a dateline."""
    if norm[s] in "#=-" and _HEADING.match(norm, s, e):
        return True
    if e - s <= DATELINE_CHARS and _DIGIT.search(norm, s, e):
        from metrics.read.dates import parse_date

        return parse_date(norm[s:e]) is not None or _DATE_ONLY.match(norm, s, e) is not None
    return False


def _ends_sentence(norm: str, s: int, e: int) -> bool:
    if norm[e - 1] not in ".!?\"')]":
        return False
    m = _SENTENCE_END.search(norm, max(s, e - 8), e)
    if m is None:
        return False
    dot = m.start()
    return not (norm[dot] == "." and (dot == 0 or norm[dot - 1] != ".") and _is_abbreviation(norm, dot))


_LIST_START = frozenset("-*+\u2022\u2023\u25e6\u25aa|(0123456789" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _blocks(norm: str) -> list[tuple[int, int]]:
    """Runs of lines that belong together (a paragraph, or part of one), as (start, end)."""
    lines = _lines(norm)
    widths = sorted(e - s for s, e in lines if e > s)
    if not widths:
        return []
    short = max(widths[int(len(widths) * 0.75)] * FULL_SHARE, SHORT_LINE)
    blocks: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None  # the block being built
    prev = (0, 0)  # its last line
    prev_alone = False
    for s, e in lines:
        if e == s:  # a blank line
            if cur:
                blocks.append(cur)
            cur, prev_alone = None, False
            continue
        alone = _alone(norm, s, e)
        if cur is not None:
            ps, pe = prev
            ends = (
                alone
                or prev_alone
                or (pe - ps < short and not norm[s].islower())
                or _ends_sentence(norm, ps, pe)
                or (norm[s] in _LIST_START and _LIST_ITEM.match(norm, s, e) is not None)
            )
            if not ends:
                cur, prev = (cur[0], e), (s, e)
                continue
            blocks.append(cur)
        cur, prev, prev_alone = (s, e), (s, e), alone
    if cur:
        blocks.append(cur)
    return blocks


def _cut(text: str, norm: str, start: int, end: int, limit: int) -> list[Passage]:
    """Pieces of at most ``limit`` characters: cut after the last clause break (, ; : or a dash) in
    the second half of each window, else at its last space, else at the limit."""
    out = []
    while end - start > limit:
        lo, hi = start + limit // 2, start + limit
        cut = max(norm.rfind(", ", lo, hi), norm.rfind("; ", lo, hi), norm.rfind(": ", lo, hi))
        if cut >= 0:
            cut += 1
        else:
            dash = norm.rfind(" - ", lo, hi)
            space = norm.rfind(" ", lo, hi) if dash < 0 else dash
            if space < 0:
                for ws in ("\n", "\t"):
                    space = max(space, norm.rfind(ws, lo, hi))
            cut = space if space > start else hi
        e = cut
        while e > start and norm[e - 1].isspace():
            e -= 1
        if e > start:
            out.append(Passage(start, e, text[start:e]))
        start = cut
        while start < end and norm[start].isspace():
            start += 1
    if end > start:
        out.append(Passage(start, end, text[start:end]))
    return out


def _paragraph(text: str, norm: str, start: int, end: int) -> list[Passage]:
    passages = []
    for s, e in _spans(norm, start, end):
        while s < e and norm[s].isspace():
            s += 1
        while e > s and norm[e - 1].isspace():
            e -= 1
        if e > s:
            passages.append(Passage(s, e, text[s:e]))
    return passages
