from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.read.dates import dateline, parse_date
from metrics.read.readers import title_from_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("06/19/2023 05:16 (act. 06/19/2023 05:16)\nBody", date(2023, 6, 19)),
        ("2023-06-19T08:00 Beijing", date(2023, 6, 19)),
        ("June 19, 2023\nHeadline", date(2023, 6, 19)),
        ("Sept. 3, 2019 - Washington", date(2019, 9, 3)),
        ("19 June 2023, Beijing", date(2023, 6, 19)),
        ("03/04/2023 report", date(2023, 3, 4)),  # US order by default
        ("13/02/2023 report", date(2023, 2, 13)),  # only day-first is possible
        ("No date here, only the year 2023.", None),
        ("02/30/2023 is not a day", None),
    ],
)
def test_dateline(text, expected):
    assert dateline(text) == expected


def test_day_first_when_configured():
    assert parse_date("03/04/2023", day_first=True) == date(2023, 4, 3)


def test_a_date_deep_in_the_body_is_an_event_not_the_publication_date():
    assert dateline("Headline\n" + "x " * 300 + "On August 2, 2022 Pelosi landed.") is None


def test_title_skips_the_dateline():
    assert title_from_text("06/19/2023 05:16 (act. 06/19/2023 05:16)\nBlinken meets Wang\nBody") == "Blinken meets Wang"
    assert title_from_text("June 19, 2023\n# Blinken meets Wang\n\nBody") == "Blinken meets Wang"


def test_a_date_cut_by_the_head_limit_is_read_whole():
    for pad in range(385, 400):
        assert dateline("x" * pad + " 2023-06-19 Beijing") in (date(2023, 6, 19), None)
    assert dateline("x" * 390 + " 2023-06-19 Beijing") == date(2023, 6, 19)


# Text made of the pieces dates are written with, glued in any order (words before digits,
# digits inside words, non-ASCII digits): each fast pattern finds what it was written from.
_DATE_PIECES = st.sampled_from(
    ["2023", "19", "6", "06", "-", "/", ".", " ", "\n", "June", "jun.", "SEPT", "th", ",", "x", "_", "ab1",
     "\u0663", "\u00e9", "Report", "19th", "2023-06-19", "06/19/2023", "19.06.2023"]
)


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(st.lists(_DATE_PIECES, max_size=14).map("".join))
def test_the_fast_date_patterns_find_what_the_reference_ones_find(text):
    from metrics.read.dates import _PATTERNS, REFERENCE_PATTERNS

    for fast, ref in zip(_PATTERNS, REFERENCE_PATTERNS):
        assert [(m.span(), m.groupdict()) for m in fast.finditer(text)] == [
            (m.span(), m.groupdict()) for m in ref.finditer(text)
        ]


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(st.lists(_DATE_PIECES | st.sampled_from(["Jan", "DECEMBER", "may", "Ma", "au", "\u017fep"]), max_size=14).map("".join))
def test_starting_the_month_search_at_the_first_month_changes_no_date(text):
    import metrics.read.dates as D

    fast = [D.parse_date(text), D.parse_date(text, day_first=True)]
    real = D._search_from
    try:
        D._search_from = lambda rx, t: 0
        assert [D.parse_date(text), D.parse_date(text, day_first=True)] == fast
    finally:
        D._search_from = real
