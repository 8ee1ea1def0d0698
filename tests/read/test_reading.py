"""Real input read right: kinds of pages, PDFs and folders that real files showed us to read
wrongly or refuse. Every fixture is built here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers.documents import BODY, SECOND, error_of, make_pdf, one
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.cli import main
from metrics.events.extract import Extractor
from metrics.read.dates import parse_date
from metrics.read.readers import ReadOptions, clean_title, read_bytes, read_path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SEED = ROOT / "data" / "articles" / "2023-06-19-blinken-wang-yi-talks-seed.txt"


def page(body: str, head: str = '<meta charset="utf-8">', title: str = "Talks resume") -> str:
    return (f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article></body></html>")


def html_article(data: bytes, name: str = "p.html"):
    (got,) = list(read_bytes(name, data))
    assert not isinstance(got, Exception), got
    return got


def test_chinese_and_japanese_pages_are_counted_in_characters():
    zh = "<p>中美两国外交官周二在北京举行会谈，双方同意恢复军事沟通渠道，并就贸易问题继续磋商。</p>"
    ja = "<p>日米両政府は火曜日、東京で外相会談を開き、安全保障と貿易の協力を強化することで合意した。</p>"
    for body in (zh, ja):
        a = html_article(page(body, title="会谈").encode("utf-8"))
        assert body[3:-4] in a.text
    # A page of four characters is still too short to be an article.
    (err,) = list(read_bytes("x.html", page("<p>会谈。</p>").encode("utf-8")))
    assert "no article text" in str(err)


def test_a_utf8_page_with_nul_bytes_in_its_markup_is_read():
    data = page(f"<p>{BODY}</p><p>{SECOND}</p>").encode("utf-8").replace(b"<nav>", b"<nav>\x00\x00")
    a = html_article(data)
    assert "\x00" not in a.text and BODY in a.text
    (err,) = list(read_bytes("x.html", b"\x00" * 2000 + b"<html>"))
    assert "binary data" in str(err)


def test_valid_utf8_wins_over_a_stale_meta_charset():
    body = f"<p>{BODY} Le ministre a déclaré que la réunion à Genève était « constructive ».</p>"
    a = html_article(page(body, head='<meta charset="iso-8859-1">').encode("utf-8"))
    assert "déclaré" in a.text and "Ã" not in a.text
    # A real Latin-1 page keeps its declared charset.
    b = html_article(page(body, head='<meta charset="iso-8859-1">').encode("latin-1"))
    assert "déclaré" in b.text


def test_one_bad_byte_in_a_utf8_page_is_not_mojibake():
    body = f"<p>{BODY} Der Außenminister sagte, die Gespräche in Zürich seien „konstruktiv“ gewesen.</p>"
    data = page(body).encode("utf-8").replace(b"Gespr", b"Ges\xffpr")
    a = html_article(data)
    assert "Außenminister" in a.text and "Zürich" in a.text and "Ã" not in a.text
    assert "\ufffd" in a.text  # the one bad byte, and only it


def test_one_bad_byte_in_a_utf8_text_file(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(("Zürich, 3 März 2024\n" + BODY + " Außenminister „konstruktiv“.").encode("utf-8") + b" \xff end.")
    a = one(p)
    assert "Zürich" in a.text and "Außenminister" in a.text and "Ã" not in a.text
    legacy = tmp_path / "b.txt"
    legacy.write_bytes("Zürich, café déjà.\n".encode("cp1252") + BODY.encode())
    assert one(legacy).text.startswith("Zürich, café déjà.")


def test_dotted_dates_are_day_first_and_slashed_ones_follow_the_option(tmp_path):
    assert parse_date("06.05.2018") == date(2018, 5, 6)
    assert parse_date("06.05.2018", day_first=True) == date(2018, 5, 6)
    assert parse_date("06/05/2018") == date(2018, 6, 5)
    assert parse_date("06/05/2018", day_first=True) == date(2018, 5, 6)
    table = tmp_path / "t.csv"
    table.write_text(f"date,text\n06.05.2018 08:00,\"{BODY}\"\n06/05/2018,\"{SECOND}\"\n", encoding="utf-8")
    rows = list(read_path(table))
    assert [r.date for r in rows] == [date(2018, 5, 6), date(2018, 6, 5)]
    rows = list(read_path(table, ReadOptions(day_first=True)))
    assert [r.date for r in rows] == [date(2018, 5, 6), date(2018, 5, 6)]


def _encrypt(src: Path, dst: Path, user_password: str) -> Path:
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=str(src))
    w.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    w.write(str(dst))
    return dst


def test_aes_pdfs_with_an_empty_password_are_read_and_others_say_they_need_one(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", ["Envoys meet in Vienna", BODY])
    a = one(_encrypt(plain, tmp_path / "open.pdf", ""))
    assert a.text.startswith("Envoys meet in Vienna") and "sanctions" in a.text
    msg = error_of(_encrypt(plain, tmp_path / "locked.pdf", "s3cret"))
    assert msg.endswith("password-protected PDF: it needs a password to open")


@pytest.mark.parametrize("line", [
    "Read more: How the hotline between the two militaries works",
    "Our Standards: The Example Wire Trust Principles.",
    "Submit your letter to the editor via this form.",
    "Blinken shakes hands with Wang Yi in Beijing (c)APA/AFP",
    "The two ministers before their talks ©Example Photo/AFP",
    "Sign up for our China briefing newsletter",
])
def test_boilerplate_lines_are_not_scored(tmp_path, line):
    clean = tmp_path / "clean.txt"
    clean.write_text(f"Talks in Beijing\n\n{BODY}\n", encoding="utf-8")
    dirty = tmp_path / "dirty.txt"
    # A caption full of cue words: were it scored, the tension would move.
    noisy = line.replace("hotline", "hotline restored after sanctions and threats")
    dirty.write_text(f"Talks in Beijing\n\n{BODY}\n{noisy}\n", encoding="utf-8")
    ex = Extractor()
    a, b = ex.extract(one(clean)), ex.extract(one(dirty))
    assert [m[1:2] + m[4:6] for m in a.matches] == [m[1:2] + m[4:6] for m in b.matches]
    assert [round(p[3], 6) for p in a.passages if p[2].strip()] == [round(p[3], 6) for p in b.passages if p[2].strip()]


# Lines built from the pieces captions and credits are made of, in any order: the substring
# test in front of the credit regex may only skip lines the regex cannot match.
_CREDIT_PIECES = st.sampled_from(
    ["Photo", "photograph", "Credit", " : ", ":", "/", " / ", "©", "(c)", "(C)", "2023 ", "AFP", "Reuters",
     "Getty Images", "Example Wire", "talks", " ", "in Beijing", "-", "."]
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.lists(_CREDIT_PIECES, max_size=8).map("".join))
def test_the_credit_shortcut_never_skips_a_credit(line):
    from metrics.read.readers import _CREDIT, _may_credit

    assert _may_credit(line) or _CREDIT.search(line) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=60) | st.text(max_size=30))
def test_control_characters_are_counted_as_the_regex_counts_them(text):
    from metrics.read.readers import _CONTROL, _control_count

    assert _control_count(text) == len(_CONTROL.findall(text))


def test_a_file_that_grows_while_read_is_still_held_to_the_size_limit(tmp_path, monkeypatch):
    import os

    big = tmp_path / "growing.txt"
    big.write_text(BODY + "\n" + "Officials met again. " * 60_000, encoding="utf-8")
    real = os.fstat

    def stale(fd):  # the size a stat() taken just before the file grew would give
        st_ = real(fd)
        return os.stat_result((st_.st_mode, st_.st_ino, st_.st_dev, st_.st_nlink, st_.st_uid, st_.st_gid, 10,
                               st_.st_atime, st_.st_mtime, st_.st_ctime))

    monkeypatch.setattr(os, "fstat", stale)
    msg = error_of(big, ReadOptions(max_mb=1))
    assert "over the 1 MB size limit" in msg and str(big) in msg


def test_a_sentence_with_a_section_number_is_not_taken_for_a_credit(tmp_path):
    p = tmp_path / "a.txt"
    text = "Tariffs under section 301(c) were raised, and Beijing condemned the sanctions as bullying."
    p.write_text(f"Tariffs raised\n\n{text}\n", encoding="utf-8")
    assert text in one(p).text


def test_tables_in_articles_are_kept():
    table = ("<table><tr><th>Tariff round</th><th>Goods</th></tr>"
             "<tr><td>July 2018</td><td>34 billion dollars of machinery</td></tr>"
             "<tr><td>September 2018</td><td>200 billion dollars of consumer goods</td></tr></table>")
    a = html_article(page(f"<p>{BODY}</p>{table}<p>{SECOND}</p>").encode("utf-8"))
    assert "200 billion dollars of consumer goods" in a.text and "Tariff round" in a.text


@pytest.mark.parametrize("raw, site, want", [
    ("Merkel meets Xi in Beijing | DW | 19.01.2020", "DW", "Merkel meets Xi in Beijing"),
    ("China warns US over Taiwan drills - Example News", "Example News", "China warns US over Taiwan drills"),
    ("China warns US over Taiwan drills - example.com", None, "China warns US over Taiwan drills"),
    ("U.S.-China talks - what comes next", None, "U.S.-China talks - what comes next"),
    ("Talks\x00 resume\x1b[31m in\tGeneva\u200b", None, "Talks resume [31m in Geneva"),
])
def test_titles_lose_site_names_and_control_characters(raw, site, want):
    assert clean_title(raw, site) == want


def test_a_page_title_keeps_the_headline_without_the_site_suffix():
    head = '<meta charset="utf-8"><meta property="og:site_name" content="DW">'
    a = html_article(page(f"<p>{BODY}</p><p>{SECOND}</p>", head=head, title="Merkel meets Xi in Beijing | DW | 19.01.2020").encode("utf-8"))
    assert a.title == "Merkel meets Xi in Beijing"


def test_the_seed_title_is_not_its_photo_caption():
    a = one(SAMPLE_SEED)
    assert "©" not in a.title and not a.title.startswith("Blinken met top Chinese foreign policy leader")
    assert a.title.startswith("In tensions between the US and China")
    assert "©APA/AFP" not in a.text


def test_unsupported_files_in_a_folder_are_reported_as_skipped(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(f"Talks\n\n{BODY}\n", encoding="utf-8")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    (folder / "notes.odt").write_bytes(b"PK")
    out = tmp_path / "o.csv"
    assert main(["score", str(folder), "-o", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["skipped 2 files of unsupported type (.odt, .png); --verbose names them"]
    assert main(["ingest", str(folder), "--db", str(tmp_path / "t.db"), "--quiet", "--verbose"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("skipped 2 files of unsupported type")
    assert err[1:] == [f"skipped: {folder / 'notes.odt'}", f"skipped: {folder / 'photo.png'}"]


def test_unsupported_type_named_on_its_own_is_still_an_error(tmp_path):
    p = tmp_path / "photo.png"
    p.write_bytes(b"\x89PNG")
    assert "unsupported file type" in error_of(p)


def test_an_error_s_reason_is_one_line_of_its_own_words():
    from metrics.errors import reason

    assert reason(FileNotFoundError(2, "No such file or directory")) == "No such file or directory"
    assert reason(ValueError("bad xref table\nat offset 1234\n...")) == "bad xref table"
    assert reason(KeyError()) == "KeyError"
    assert len(reason(ValueError("x" * 5000))) == 200
