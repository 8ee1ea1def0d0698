from metrics.events.segment import split_passages
from metrics.model import normalise


def texts(s):
    return [p.text for p in split_passages(s)]


def test_offsets_index_the_original_text():
    s = "“We tried,” he said – twice. Mr. Blinken left.\n\nNext paragraph here."
    for p in split_passages(s):
        assert s[p.start:p.end] == p.text


def test_abbreviations_and_initials_do_not_split():
    assert texts("Mr. Blinken met the U.S. envoy in Washington. He left.") == [
        "Mr. Blinken met the U.S. envoy in Washington.",
        "He left.",
    ]
    assert texts("Gen. Mark A. Milley spoke. Talks ended.") == ["Gen. Mark A. Milley spoke.", "Talks ended."]


def test_timestamps_and_dashes_stay_whole():
    assert texts("06/19/2023 05:16 (act. 06/19/2023 05:16)\nTalks ran long – much longer than planned.") == [
        "06/19/2023 05:16 (act. 06/19/2023 05:16)",
        "Talks ran long – much longer than planned.",
    ]


def test_quotes_close_the_sentence_they_end():
    assert texts("“No one answered,” said the diplomat. “We tried.” Then silence.") == [
        "“No one answered,” said the diplomat.",
        "“We tried.”",
        "Then silence.",
    ]


def test_paragraph_breaks_always_split():
    assert texts("Headline without a period\nBody starts here.") == ["Headline without a period", "Body starts here."]


def test_normalise_keeps_length():
    s = "“lowest point” – it’s"
    assert len(normalise(s)) == len(s)
    assert normalise(s) == '"lowest point" - it\'s'


def test_normalise_changes_only_non_ascii_characters():
    # normalise returns ASCII text as it is, without translating: that holds only while every
    # character it folds is outside ASCII.
    from metrics.model import _NORMALISE, normalise

    assert all(code > 127 for code in _NORMALISE)
    text = "Talks \u201cwent well\u201d \u2013 officials said\u00a0so."
    assert normalise(text) == 'Talks "went well" - officials said so.' and len(normalise(text)) == len(text)
    ascii_text = "Talks 'went well' - officials said so."
    assert normalise(ascii_text) is ascii_text
