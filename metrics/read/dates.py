"""Publication dates from the article itself: its dateline, never an invented one."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        1,
    )
    for m in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
# A date that begins with a digit is written "\d(?<!\w\d)": a digit with no word character
# before it, which is "\b\d". A pattern that begins with "\b" is tried at every position of
# the text; one that begins with a digit class lets the engine skip to the digits.
_D = r"\d(?<!\w\d)"
_PATTERNS = [
    re.compile(rf"(?P<y>{_D}\d{{3}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"),
    re.compile(rf"(?P<a>{_D}\d?)(?P<sep>[/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}})\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"(?P<d>{_D}\d?)(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<y>\d{{4}})\b", re.I),
]
# The same patterns as first written: the tests hold the fast ones to them.
REFERENCE_PATTERNS = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})\b"),
    _PATTERNS[2],
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<y>\d{{4}})\b", re.I),
]
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")  # every name begins with one
_YEAR = re.compile(r"\d{4}")  # every pattern needs a four-digit year; most lines have none
HEAD_CHARS = 400  # the dateline sits in the first lines; later dates are events, not publication


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d) if 1900 <= y <= 2100 else None
    except ValueError:
        return None


def _search_from(rx: re.Pattern[str], text: str) -> int | None:
    """Where ``rx``'s first match in ``text`` can begin at the earliest; None if nowhere."""
    if rx is not _PATTERNS[2] or not text.isascii():
        return 0
    # "June 19, 2023" begins with a month's name: the search starts at the first one. In ASCII
    # text IGNORECASE is lower(); a case-insensitive pattern that begins with \b is otherwise
    # tried at every position.
    low = text.lower()
    start = min((i for i in map(low.find, _MONTH_STEMS) if i >= 0), default=-1)
    return None if start < 0 else start


def parse_date(text: str, day_first: bool = False) -> date | None:
    """The first complete date in ``text``: ISO, slashed (US month/day unless ``day_first``),
    dotted (always day.month.year), "June 19, 2023" or "19 June 2023". None when there is none."""
    if _YEAR.search(text) is None:
        return None
    best: tuple[int, date] | None = None
    for rx in _PATTERNS:
        start = _search_from(rx, text)
        if start is None:
            continue
        for m in rx.finditer(text, start):
            g = m.groupdict()
            if "mon" in g and g["mon"]:
                found = _make(int(g["y"]), MONTHS[g["mon"].lower()], int(g["d"]))
            elif "a" in g:
                a, b = int(g["a"]), int(g["b"])
                # Dotted dates ("06.05.2018") are day-first wherever they are written; slashed
                # ones follow ``day_first`` (US month/day by default).
                mo, d = (b, a) if day_first or g["sep"] == "." else (a, b)
                # 13/02/2023 can only be day-first, whatever the configured order.
                found = _make(int(g["y"]), mo, d) or _make(int(g["y"]), d, mo)
            else:
                found = _make(int(g["y"]), int(g["m"]), int(g["d"]))
            if found is not None:
                if best is None or m.start() < best[0]:
                    best = (m.start(), found)
                break
    return best[1] if best else None


def dateline(text: str, day_first: bool = False) -> date | None:
    """The publication date from the head of an article, or None."""
    # Extend the head to the end of the word it cuts, so that a date at the limit stays whole.
    head = text[:HEAD_CHARS] + re.match(r"\S*", text[HEAD_CHARS:]).group()
    return parse_date(head, day_first)
