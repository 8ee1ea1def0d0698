"""Every input format and every kind of bad input, on files the tests build themselves."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pandas as pd
import pytest
from helpers.documents import BODY, SECOND, error_of, make_docx, make_html, make_pdf, one

from metrics.cli import main
from metrics.errors import InputError
from metrics.read.readers import MB, READERS, ReadOptions, read_bytes, read_path

# --- plain text and encodings ---------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8-sig", b""), ("utf-16", b""), ("utf-16-be", "\ufeff".encode("utf-16-be")), ("utf-16-le", b"")],
)
def test_unicode_encodings_decode_to_the_same_text(tmp_path, encoding, prefix):
    text = f"March 14, 2023\nSanctions \u201cwiden\u201d \u2013 caf\u00e9 talks stall\n\n{BODY}\n"
    f = tmp_path / "a.txt"
    f.write_bytes(prefix + text.encode(encoding))
    art = one(f)
    assert art.text == text  # no BOM left, no mojibake
    assert art.title == "Sanctions \u201cwiden\u201d \u2013 caf\u00e9 talks stall"
    assert art.date == date(2023, 3, 14)


def test_cp1252_and_latin1_are_not_mojibake(tmp_path):
    text = "Ministers held \u201cfrank\u201d talks \u2013 the caf\u00e9 summit\u2026 in M\u00fcnchen.\n" + BODY
    f = tmp_path / "legacy.txt"
    f.write_bytes(text.encode("cp1252"))
    art = one(f)
    assert art.text == text
    assert "\u00e2\u20ac" not in art.text  # the classic UTF-8-read-as-cp1252 garbage
    g = tmp_path / "latin.md"
    g.write_bytes("# R\u00e9sum\u00e9 of the Geneva talks\n\n\u00abSanctions\u00bb were discussed.".encode("latin-1"))
    assert one(g).title == "R\u00e9sum\u00e9 of the Geneva talks"
    assert "\u00abSanctions\u00bb" in one(g).text


def test_markdown_title_is_first_heading_after_a_dateline(tmp_path):
    f = tmp_path / "note.md"
    f.write_text("June 2, 2022\n\n## Envoys meet in Vienna\n\n" + BODY, encoding="utf-8")
    art = one(f)
    assert art.title == "Envoys meet in Vienna" and art.date == date(2022, 6, 2)


def test_date_from_file_name_only_when_the_text_has_none(tmp_path):
    named = tmp_path / "2021-11-16-virtual-summit.txt"
    named.write_text("Leaders hold virtual summit\n\n" + BODY, encoding="utf-8")
    assert one(named).date == date(2021, 11, 16)
    dated = tmp_path / "2021-11-16-other.txt"
    dated.write_text("January 5, 2020\nA headline\n\n" + BODY, encoding="utf-8")
    assert one(dated).date == date(2020, 1, 5)  # the article's own dateline wins
    undated = tmp_path / "summit-notes.txt"
    undated.write_text("Leaders hold virtual summit\n\n" + BODY, encoding="utf-8")
    assert one(undated).date is None  # none found means none, never today


# --- web pages -----------------------------------------------------------------------------------


def test_html_main_text_without_navigation_or_scripts(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(make_html(), encoding="utf-8")
    art = one(f)
    assert "lowest point" in art.text and "further talks in Geneva" in art.text
    for junk in ("Subscribe", "trackVisit", "Trade agreement of the week", "Cookie settings", "color: red"):
        assert junk not in art.text
    assert art.title == "Sanctions widen as talks stall"
    assert art.date == date(2023, 3, 14)


def test_html_date_from_page_metadata_and_legacy_charset(tmp_path):
    html = make_html(title="Caf\u00e9 diplomacy \u2013 envoys meet", published="2019-07-01")
    html = html.replace('<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">')
    f = tmp_path / "legacy.htm"
    f.write_bytes(html.encode("cp1252"))
    art = one(f)
    assert art.title == "Caf\u00e9 diplomacy \u2013 envoys meet"
    assert art.date == date(2019, 7, 1)


def test_page_without_article_text_is_refused(tmp_path):
    f = tmp_path / "menu.html"
    f.write_text(
        "<html><head><title>Menu</title><script>var sanctions = 1;</script></head>"
        "<body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav></body></html>",
        encoding="utf-8",
    )
    assert "no article text" in error_of(f)


# --- PDF -----------------------------------------------------------------------------------------


def test_pdf_text_title_and_wrapped_lines_joined(tmp_path):
    f = make_pdf(tmp_path / "report.pdf", ["May 10, 2019", "Tariffs raised", BODY, SECOND], title="Tariffs raised to 25 percent")
    art = one(f)
    assert art.title == "Tariffs raised to 25 percent"
    assert art.date == date(2019, 5, 10)
    # The sentence is wrapped over several lines in the PDF; it must come back as one line so
    # the segmenter sees one passage, not line fragments.
    assert any("military communication channels remained cut" in line for line in art.text.splitlines())
    assert "further talks in Geneva" in art.text


def test_pdf_without_metadata_title_uses_first_line(tmp_path):
    art = one(make_pdf(tmp_path / "x.pdf", ["Envoys meet in Vienna", BODY]))
    assert art.title == "Envoys meet in Vienna"


def test_pdf_page_limit(tmp_path):
    f = make_pdf(tmp_path / "long.pdf", [BODY], pages=3)
    assert one(f, ReadOptions(max_pdf_pages=3)).text
    msg = error_of(f, ReadOptions(max_pdf_pages=2))
    assert "3 pages" in msg and "limit of 2" in msg


def test_corrupt_and_fake_pdfs(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", [BODY]).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good[: len(good) // 3])
    assert "corrupt or unreadable PDF" in error_of(truncated)
    fake = tmp_path / "fake.pdf"
    fake.write_text("this is not a pdf at all", encoding="utf-8")
    assert "not a PDF" in error_of(fake)


def test_pdf_without_text_layer(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a "scan": graphics, no text
    f = tmp_path / "scan.pdf"
    pdf.output(str(f))
    assert "no text layer" in error_of(f)


# --- Word ----------------------------------------------------------------------------------------


def test_docx_paragraphs_tables_and_title(tmp_path):
    f = make_docx(tmp_path / "memo.docx", "Envoys meet in Vienna", ["June 2, 2022", BODY, SECOND])
    art = one(f)
    assert art.title == "Envoys meet in Vienna"  # first heading (no document title set)
    assert art.date == date(2022, 6, 2)
    assert "lowest point" in art.text and "Tariff rate 25 percent" in art.text
    g = make_docx(tmp_path / "titled.docx", "A heading", [BODY], core_title="Sanctions widen")
    assert one(g).title == "Sanctions widen"


@pytest.mark.slow
def test_docx_zip_bomb_refused_from_the_zip_directory(tmp_path):
    src = make_docx(tmp_path / "ok.docx", "Title", [BODY]).read_bytes()
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("word/media/padding.bin", bytes(110 * MB))  # 110 MB of zeros, ~100 KB packed
    assert bomb.stat().st_size < 1 * MB
    msg = error_of(bomb)
    assert "zip bomb" in msg and "100 MB" in msg


def test_corrupt_docx(tmp_path):
    notzip = tmp_path / "a.docx"
    notzip.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "not a zip archive" in error_of(notzip)
    wrongzip = tmp_path / "b.docx"
    with zipfile.ZipFile(wrongzip, "w") as z:
        z.writestr("hello.txt", "a zip, but no Word document inside")
    assert "corrupt or unreadable Word file" in error_of(wrongzip)


# --- tables --------------------------------------------------------------------------------------


def test_tables_with_column_options_and_legacy_encoding(tmp_path):
    df = pd.DataFrame({"body": [BODY, "Caf\u00e9 talks \u2013 \u201cfrank\u201d exchanges in Paris."], "when": ["14/03/2023", "2/1/2023"]})
    csv = tmp_path / "t.csv"
    csv.write_bytes(df.to_csv(index=False).encode("cp1252"))
    arts = list(read_path(csv, ReadOptions(text_column="body", date_column="when", day_first=True)))
    assert [a.date for a in arts] == [date(2023, 3, 14), date(2023, 1, 2)]
    assert arts[1].text == "Caf\u00e9 talks \u2013 \u201cfrank\u201d exchanges in Paris."
    assert [a.source for a in arts] == ["t.csv#1", "t.csv#2"]
    tsv = tmp_path / "t.tsv"
    df.to_csv(tsv, sep="\t", index=False)
    assert len(list(read_path(tsv, ReadOptions(text_column="body")))) == 2
    jl = tmp_path / "t.jsonl"
    jl.write_text("\n".join(json.dumps({"text": t, "id": f"k{i}"}) for i, t in enumerate(df["body"])), encoding="utf-8")
    assert [a.id for a in read_path(jl)] == ["k0", "k1"]


# --- bad input -----------------------------------------------------------------------------------


def test_binary_and_nul_filled_text_is_refused(tmp_path):
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"\x00" * 4096)
    assert "binary data" in error_of(nul)
    png = tmp_path / "image.md"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    assert "binary data" in error_of(png)


def test_empty_files(tmp_path):
    zero = tmp_path / "zero.txt"
    zero.write_bytes(b"")
    assert error_of(zero) == f"{zero}: empty file"
    blank = tmp_path / "blank.html"
    blank.write_bytes(b"")
    assert error_of(blank) == f"{blank}: empty file"
    spaces = tmp_path / "spaces.txt"
    spaces.write_text("  \n\n ", encoding="utf-8")
    assert error_of(spaces) == f"{spaces}: empty text"


def test_size_limit_is_checked_before_reading(tmp_path):
    # A 40 GB sparse file: reading it would take minutes and all the memory; stat() refuses it.
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as fh:
        fh.truncate(40 * 1024 * MB)
    assert "over the 25 MB size limit (--max-size)" in error_of(huge)
    small = tmp_path / "two_mb.txt"
    small.write_text((BODY + "\n") * (2 * MB // len(BODY)), encoding="utf-8")
    assert "over the 1 MB size limit" in error_of(small, ReadOptions(max_mb=1))
    assert one(small, ReadOptions(max_mb=3)).text.startswith("Washington")


def test_unsupported_types(tmp_path):
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0 legacy word")
    msg = error_of(doc)
    assert "unsupported file type '.doc'" in msg and ".docx" in msg


def test_uploads_in_memory_read_like_files(tmp_path):
    html = make_html().encode("utf-8")
    [art] = list(read_bytes("2023-03-14-page.html", html))
    assert art.title == "Sanctions widen as talks stall" and "lowest point" in art.text
    [err] = list(read_bytes("big.txt", b"x" * (2 * MB), ReadOptions(max_mb=1)))
    assert isinstance(err, InputError) and str(err).startswith("big.txt: 2.0 MB, over the 1 MB size limit")
    [err] = list(read_bytes("photo.jpg", b"\xff\xd8\xff"))
    assert "unsupported file type '.jpg'" in str(err)


def test_every_format_has_a_reader():
    assert set(READERS) == {".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".csv", ".tsv", ".jsonl"}


def test_score_reads_every_format_and_goes_past_bad_files(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.html").write_text(make_html(), encoding="utf-8")
    make_pdf(folder / "b.pdf", ["Envoys meet in Vienna", SECOND + " " + BODY])
    make_docx(folder / "c.docx", "Talks resume in Geneva", [SECOND])
    (folder / "d.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "e.pdf").write_bytes(b"%PDF-1.4 broken")
    out = tmp_path / "s.csv"
    code = main(["score", str(folder), "-o", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    lines = sorted(err.strip().splitlines())
    assert len(lines) == 2
    assert lines[0] == f"error: {folder / 'd.txt'}: binary data, not text"
    assert lines[1].startswith(f"error: {folder / 'e.pdf'}: corrupt or unreadable PDF")
    df = pd.read_csv(out)
    assert sorted(df["title"]) == ["Envoys meet in Vienna", "Sanctions widen as talks stall", "Talks resume in Geneva"]
    assert df.set_index("title").loc["Sanctions widen as talks stall", "tension"] > 0
    code = main(["explain", str(folder / "c.docx"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["title"] == "Talks resume in Geneva"
