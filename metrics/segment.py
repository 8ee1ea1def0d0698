"""Split article text into sentence passages with character offsets into the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Same-length substitutions only, so every offset found in the normalised text is valid in the
# original: typographic quotes and dashes become their ASCII twins before matching.
_NORMALISE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


def normalise(text: str) -> str:
    """Return ``text`` with quotes and dashes folded to ASCII; same length as the input."""
    return text.translate(_NORMALISE)


# Tokens that end in a period without ending a sentence. Single capitals ("U.", "S.", "J.")
# are handled separately, which keeps "U.S." and initials intact.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt adm sen rep gov pres st jr sr rev hon amb
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    no nos vs etc e.g i.e inc ltd co corp dept est approx fig al op cf ft mt univ ave
    u.s u.k u.n e.u u.s.a p.m a.m act""".split()
)

# A candidate boundary: terminal punctuation, any closing quotes or brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'(\[]*([A-Z0-9])")
_PARAGRAPH = re.compile(r"\n\s*")


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

    Paragraph breaks always end a passage; within a paragraph a sentence ends at ``.``, ``!`` or
    ``?`` (with any closing quotes) followed by a capital or a digit, unless the period closes an
    abbreviation or an initial. Offsets index the original text: ``text[p.start:p.end] == p.text``.
    ``norm`` is ``normalise(text)`` when the caller has it already.
    """
    if norm is None:
        norm = normalise(text)
    out: list[Passage] = []
    pos = 0
    for para in _PARAGRAPH.finditer(norm):
        out.extend(_paragraph(text, norm, pos, para.start()))
        pos = para.end()
    out.extend(_paragraph(text, norm, pos, len(norm)))
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
