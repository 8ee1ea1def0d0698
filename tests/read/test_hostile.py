"""Hostile and huge input (issue 15): every hostile file is refused in one line or read within
its budget while the other files of the same run are stored; safe CSV, databases and display;
and wrapped lines read as sentences in every format (issue 10, item 1)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from helpers import hostile_files as H

from metrics import settings
from metrics.cli import main
from metrics.errors import InputError
from metrics.events.extract import Extractor
from metrics.events.segment import split_passages
from metrics.model import Article
from metrics.output import FORMULA_STARTS, display_text, neutralise_formulas, terminal_safe
from metrics.read import budget
from metrics.read.readers import read_path
from metrics.store.core import Store
from metrics.store.intake import read_upload
from metrics.views.downloads import to_csv
from metrics.views.filters import article_frame

TESTS = Path(__file__).resolve().parents[1]
GOOD = "Officials of Washington and Beijing met for talks and agreed to keep channels of communication open.\n"


@pytest.fixture(autouse=True)
def own_db(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSION_DB", str(tmp_path / "env.db"))


def _ingest(tmp_path: Path, name: str, data: bytes, capsys) -> tuple[int, list[str], Store]:
    hostile = tmp_path / name
    hostile.write_bytes(data)
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    db = tmp_path / "t.db"
    code = main(["ingest", str(hostile), str(good), "--db", str(db), "--quiet"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    return code, err, Store(db, create=False)


def _stored_sources(store: Store) -> list[str]:
    return [Path(s).name for s in store.articles()["source"]]


# --- each hostile file of the issue, in the same run as a good file ------------------------------

REFUSED = [
    ("a.pdf", lambda: H.pdf_shared_stream(500, 5.0), "page content decodes to more than 32 MB"),
    ("a.docx", lambda: H.docx_paragraphs(2_000_000), "2,000,001 paragraphs and tables, over the limit of 100,000"),
    ("a.docx", lambda: H.docx_understated(100), "corrupt Word .docx file: Bad CRC-32"),
    ("a.html", lambda: H.html_spans(250_000), "250,006 tags, over the limit of 200,000"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, build, reason", REFUSED, ids=["pdf-shared-stream", "docx-2m-paragraphs", "docx-understated-zip", "html-million-spans"])
def test_hostile_file_is_refused_in_one_line_and_the_good_file_is_stored(tmp_path, capsys, name, build, reason):
    data = build()
    assert len(data) < 4 * 1024 * 1024  # small on disk
    code, err, store = _ingest(tmp_path, name, data, capsys)
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"error: {tmp_path / name}: ") and reason in err[0], err
    assert _stored_sources(store) == ["good.txt"]


READ = [
    ("a.pdf", lambda: H.pdf_shared_stream(4, 1.0)),
    ("a.pdf", lambda: H.pdf_many_lines(10_000)),  # 20,000 in bench/hostile.py
    ("a.docx", lambda: H.docx_paragraphs(20_000, styled=True)),
    ("a.md", lambda: H.markdown_heading(5000)),
    ("a.txt", lambda: H.text_bangs(60)),
    ("a.txt", lambda: H.text_one_passage(400)),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, build", READ, ids=["pdf-4-pages-shared", "pdf-10k-lines", "docx-20k-styled", "md-heading-spaces", "txt-bangs", "txt-one-sentence"])
def test_huge_but_valid_file_is_read_with_the_good_file(tmp_path, capsys, name, build):
    code, err, store = _ingest(tmp_path, name, build(), capsys)
    assert code == 0 and err == []
    assert sorted(_stored_sources(store)) == sorted([name, "good.txt"])
    feats = store.features(include_text=True)
    lengths = (feats.passages["end"] - feats.passages["start"]).to_numpy()
    assert lengths.max() <= settings.get("max_passage_chars")  # VADER never sees a huge passage


def test_markdown_heading_of_spaces_gives_the_title(tmp_path):
    (tmp_path / "a.md").write_bytes(H.markdown_heading(2000))
    (art,) = read_path(tmp_path / "a.md")
    assert art.title.split()[0] == "a" and len(art.title) < 300  # read in linear time, the run of spaces folded


def test_long_passages_are_cut_at_clause_breaks_then_spaces():
    text = "the two sides talked, " * 200 + "x" * 2500
    ps = split_passages(text)
    assert all(p.end - p.start <= settings.get("max_passage_chars") for p in ps)
    assert all(text[p.start:p.end] == p.text for p in ps)
    assert ps[0].text.endswith("talked,")  # a clause break, not the middle of a word
    assert "".join(text.split()) == "".join("".join(p.text for p in ps).split())  # nothing lost


def test_pdf_pages_sharing_a_stream_read_it_once(tmp_path):
    (tmp_path / "a.pdf").write_bytes(H.pdf_shared_stream(4, 0.01))
    (art,) = read_path(tmp_path / "a.pdf")
    paras = art.text.split("\n\n")
    assert len(paras) == 4 and len(set(paras)) == 1  # the same page text, four times


# --- the budget itself --------------------------------------------------------------------------


@pytest.fixture
def worker_sees_tests(monkeypatch):
    budget.shutdown()  # workers started before this test cannot import the test helpers
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    yield
    budget.shutdown()


@pytest.mark.slow
def test_a_parser_over_its_cpu_budget_is_stopped_and_named(worker_sees_tests):
    got = budget.run(H.spin, (), "slow.pdf", budget.Budget(cpu_seconds=1, wall_seconds=60))
    assert len(got) == 1 and isinstance(got[0], InputError)
    assert str(got[0]) == "slow.pdf: took longer than 1 s to read (a hostile or broken file?)"
    # The next file gets a fresh worker and is read.
    assert budget.run(H.echo, ("fine",), "ok.pdf") == ["fine"]


@pytest.mark.slow
def test_a_parser_over_its_memory_budget_is_stopped_and_named(worker_sees_tests):
    got = budget.run(H.hog, (2000,), "big.docx", budget.Budget(memory_mb=200))
    assert len(got) == 1 and str(got[0]) == "big.docx: needs more than 200 MB of memory to read"
    assert budget.run(H.echo, ("fine",), "ok.pdf") == ["fine"]


@pytest.mark.slow
def test_a_parser_that_raises_is_one_line(worker_sees_tests):
    (got,) = budget.run(H.boom, (), "bad.html")
    assert isinstance(got, InputError) and str(got) == "bad.html: cannot read: RuntimeError: broken parser"


@pytest.mark.slow
def test_dashboard_upload_of_a_hostile_page_is_one_line():
    items = read_upload("spans.html", H.html_spans(300_000))
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert str(items[0]).startswith("spans.html: 300,006 tags, over the limit")


# --- wrapped lines are sentences (issue 10, item 1) -------------------------------------------------

WRAPPED = (
    "Washington and Beijing agreed to keep channels of\n"
    "communication open after two days of talks in Geneva, officials\n"
    "said on Monday. A second round is planned for May.\n"
)


def _wrapped_passage(art: Article) -> None:
    f = Extractor().extract(art)
    texts = [" ".join(p[2].split()) for p in f.passages]
    joined = [t for t in texts if "channels of communication open" in t]
    assert len(joined) == 1, texts
    assert joined[0].startswith("Washington and Beijing agreed") and joined[0].endswith("said on Monday.")
    for start, end, text, _, _ in f.passages:
        assert art.text[start:end] == text  # offsets index the original text
    lex = Extractor().lexicon
    found = [(lex.families[m[1]].id, " ".join(m[4].split())) for m in f.matches]
    assert any(cue == "channels_restored" and "channels of communication open" in m for cue, m in found), found


def test_wrapped_text_reads_as_one_sentence_in_txt_and_md(tmp_path):
    (tmp_path / "a.txt").write_text(WRAPPED)
    (tmp_path / "b.md").write_text("# Talks in Geneva\n\n" + WRAPPED)
    for name in ("a.txt", "b.md"):
        (art,) = read_path(tmp_path / name)
        assert "\n" in art.text.strip()
        _wrapped_passage(art)


def test_wrapped_text_reads_as_one_sentence_in_html(tmp_path):
    body = WRAPPED.replace("\n", "<br>\n", 1)  # a hard break inside the paragraph too
    page = (
        "<html><head><title>Talks in Geneva</title></head><body><article><h1>Talks in Geneva</h1>"
        f"<p>{body}</p><p>Both delegations described the meeting as frank and constructive.</p></article></body></html>"
    )
    (tmp_path / "a.html").write_text(page)
    (art,) = read_path(tmp_path / "a.html")
    _wrapped_passage(art)


def test_wrapped_text_reads_as_one_sentence_in_pdf(tmp_path):
    (tmp_path / "a.pdf").write_bytes(H.pdf_text("Talks in Geneva\n\n" + WRAPPED))
    (art,) = read_path(tmp_path / "a.pdf")
    _wrapped_passage(art)


def test_what_ends_a_passage():
    text = (
        "June 19, 2023\n"
        "# Trade talks resume\n"
        "Negotiators from both sides met\n"
        "again on Monday.\n"
        "Tariffs stayed in place\n"
        "- on steel and aluminium imports that had\n"
        "  been taxed since 2018\n"
        "- on solar panels\n"
        "\n"
        "A new paragraph starts\n"
        "after a blank line.\n"
        "Short title\n"
        "Body text of a story that starts with a capital after a short line.\n"
    )
    got = [" ".join(p.text.split()) for p in split_passages(text)]
    assert got == [
        "June 19, 2023",
        "# Trade talks resume",
        "Negotiators from both sides met again on Monday.",
        "Tariffs stayed in place",
        "- on steel and aluminium imports that had been taxed since 2018",
        "- on solar panels",
        "A new paragraph starts after a blank line.",
        "Short title",
        "Body text of a story that starts with a capital after a short line.",
    ]


# --- weights ------------------------------------------------------------------------------------


def test_huge_integer_weight_is_one_line_in_the_cli_and_the_dashboard(tmp_path, capsys):
    from metrics.errors import WeightsError
    from metrics.events.lexicon import default_lexicon
    from metrics.views.presets import parse_preset

    data = ('{"tone": ' + "1" * 5000 + "}").encode()
    with pytest.raises(WeightsError, match="too many digits"):
        parse_preset(data, "preset.json", default_lexicon())
    (tmp_path / "w.json").write_bytes(data)
    (tmp_path / "a.txt").write_text(GOOD)
    assert main(["score", str(tmp_path / "a.txt"), "--weights", str(tmp_path / "w.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "w.json" in err[0] and "too many digits" in err[0]


# --- CSV ----------------------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _assert_no_formula(path_or_text) -> int:
    text = Path(path_or_text).read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text
    rows = list(csv.reader(io.StringIO(text)))
    checked = 0
    for row in rows:
        for cell in row:
            if cell[:1] in FORMULA_STARTS:
                float(cell)  # only a number may start with - or +
            if cell.startswith("'") and cell[1:2] in FORMULA_STARTS:
                checked += 1
    return checked


def _formula_table(tmp_path: Path) -> Path:
    rows = [
        {"id": f, "title": f, "text": f"{f} Washington imposed sanctions on Beijing, officials said."}
        for f in FORMULAS
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_every_csv_writer_neutralises_formulas(tmp_path, capsys):
    table = _formula_table(tmp_path)
    n = 2 * 4  # ids and titles of the first four rows (the readers strip a leading tab or CR)
    assert main(["score", str(table), "-o", str(tmp_path / "s.csv"), "--quiet"]) == 0
    assert _assert_no_formula(tmp_path / "s.csv") >= n
    db = str(tmp_path / "t.db")
    assert main(["ingest", str(table), "--db", db, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["list", "--db", db, "--format", "csv"]) == 0
    assert _assert_no_formula(capsys.readouterr().out) >= n
    assert main(["log", "--db", db, "--format", "csv"]) == 0  # the activity log names each title
    assert _assert_no_formula(capsys.readouterr().out) >= 4
    assert main(["export", "--db", db, "-o", str(tmp_path / "e.csv")]) == 0
    assert _assert_no_formula(tmp_path / "e.csv") >= n
    assert _assert_no_formula(tmp_path / "e.passages.csv") >= n  # ids, passage text
    # The dashboard's downloads go through metrics.views.downloads.to_csv.
    frame = pd.DataFrame({"title": FORMULAS, "tension": [-5.0] * len(FORMULAS)})
    assert _assert_no_formula(to_csv(frame).decode()) == len(FORMULAS)
    # Parquet keeps the exact text.
    assert main(["export", "--db", db, "-o", str(tmp_path / "e.parquet")]) == 0
    assert sorted(pd.read_parquet(tmp_path / "e.parquet")["id"]) == sorted({f.strip() for f in FORMULAS})


def test_neutralise_leaves_numbers_and_plain_text():
    df = pd.DataFrame({"t": ["ok", "-x", None], "n": [-1.5, 2.0, 3.0]})
    out = neutralise_formulas(df)
    assert out["t"].tolist()[:2] == ["ok", "'-x"] and out["n"].tolist() == [-1.5, 2.0, 3.0]
    assert df["t"].tolist()[1] == "-x"  # the input is not changed


# --- databases ----------------------------------------------------------------------------------


def _foreign_db(path: Path, user_version: int, table: str) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE {table} (x)")
    conn.execute(f"PRAGMA user_version = {user_version}")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("version, table, reason", [(99, "articles", "newer than this program's"), (0, "invoices", "another program")])
def test_refused_database_stays_byte_for_byte_unchanged(tmp_path, capsys, version, table, reason):
    db = tmp_path / "other.db"
    before = _foreign_db(db, version, table)
    (tmp_path / "a.txt").write_text(GOOD)
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(db), "--quiet"]) == 2
    assert reason in capsys.readouterr().err
    assert main(["list", "--db", str(db)]) == 2
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("other")) == ["other.db"]


def test_read_only_database_is_readable(tmp_path, capsys, monkeypatch):
    db = tmp_path / "ro.db"
    (tmp_path / "a.txt").write_text(GOOD)
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(db), "--quiet"]) == 0
    before = db.read_bytes()
    # Tests run as root, for whom chmod changes nothing: the store asks os.access.
    real = os.access
    monkeypatch.setattr("metrics.store.core.os.access", lambda p, mode: False if mode == os.W_OK else real(p, mode))
    capsys.readouterr()
    assert main(["list", "--db", str(db), "--format", "json"]) == 0
    assert [r["source"].endswith("a.txt") for r in json.loads(capsys.readouterr().out)] == [True]
    assert main(["export", "--db", str(db), "-o", str(tmp_path / "e.csv")]) == 0
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(db), "--quiet"]) == 2
    assert "read-only" in capsys.readouterr().err
    # Stale features (another extractor version) are recomputed in memory, not written.
    store = Store(db, create=False)
    store.features_version = "older"
    assert store.stale() == 1 and len(store.features()) == 1
    assert db.read_bytes() == before


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1"])
def test_max_size_takes_only_finite_positive_numbers(tmp_path, capsys, value):
    (tmp_path / "a.txt").write_text(GOOD)
    assert main(["score", str(tmp_path / "a.txt"), f"--max-size={value}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --max-size and --max-pdf-pages must be finite positive numbers"]


# --- display ------------------------------------------------------------------------------------


def test_control_and_bidi_characters_are_escaped_in_terminal_lines(tmp_path, capsys):
    name = "evil\x1b[2J\u202etxt.gpj.txt"
    (tmp_path / name).write_text("")
    assert main(["score", str(tmp_path / name)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err
    assert "evil\\x1b[2J\\u202etxt.gpj.txt: empty file" in err


def test_titles_with_bidi_overrides_are_escaped_in_list_and_stripped_in_tables(tmp_path, capsys):
    title = "Talks \u202eoidar\u202c resume\x07"
    (tmp_path / "a.jsonl").write_text(json.dumps({"title": title, "text": GOOD}) + "\n")
    db = str(tmp_path / "t.db")
    assert main(["ingest", str(tmp_path / "a.jsonl"), "--db", db, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\x07" not in out and "Talks \\u202eoidar\\u202c resume\\x07" in out
    frame = article_frame(Store(db, create=False).features())
    assert frame["title"].tolist() == ["Talks oidar resume"]
    assert terminal_safe("a\nb") == "a\\x0ab" and display_text("a\tb\u2066c") == "a bc"


def test_upload_preview_strips_control_and_bidi_characters():
    from metrics.events.lexicon import default_lexicon
    from metrics.store.intake import FAILED, Staged, preview

    items = [Staged("a\u202etxt.exe", status=FAILED, reason="a\u202etxt.exe: empty file\x1b[0m")]
    row = preview(items, "US-CN", None, default_lexicon()).iloc[0]
    assert row["file"] == "atxt.exe" and row["reason"] == "atxt.exe: empty file[0m"
