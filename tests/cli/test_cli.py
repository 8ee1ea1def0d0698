"""The command line end to end, in-process: outputs, formats and one-line errors."""

import io
import json

import pandas as pd
import pytest
from helpers import SEED

from metrics.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_score_a_file_to_stdout(capsys):
    code, out, err = run(capsys, "score", str(SEED))
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns[:5]) == ["id", "date", "title", "source", "tension"]
    assert df.loc[0, "date"] == "2023-06-19"
    assert "channels_cut" in df.loc[0, "top_cues"] or "relations_bad" in df.loc[0, "top_cues"]


def test_score_a_table_with_columns_and_a_bad_row(tmp_path, capsys):
    table = tmp_path / "news.csv"
    pd.DataFrame(
        {
            "body": ["Washington imposed sanctions on Beijing.", "", "The US and China signed a trade agreement."],
            "key": ["a1", "a2", "a3"],
            "when": ["2020-01-15", "2020-01-16", "2020-01-17"],
        }
    ).to_csv(table, index=False)
    out = tmp_path / "scores.jsonl"
    code, _, err = run(
        capsys, "score", str(table), "--text-column", "body", "--id-column", "key", "--date-column", "when", "-o", str(out)
    )
    assert code == 1  # one bad row
    assert err.strip().splitlines() == [f"error: {table}: row 2: empty text in column 'body'"]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a3"]
    assert rows[0]["tension"] > 0 > rows[1]["tension"]
    assert rows[1]["date"] == "2020-01-17"


def test_missing_column_names_file_and_column(tmp_path, capsys):
    table = tmp_path / "news.tsv"
    table.write_text("content\nWashington imposed sanctions on Beijing.\n")
    code, out, err = run(capsys, "score", str(table))
    assert code == 1
    assert f"{table}: no column 'text' (--text-column); columns are: content" in err
    assert "Traceback" not in err


def test_parquet_and_folder(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("May 10, 2019\nTariffs raised\n\nWashington raised tariffs on China.")
    (tmp_path / "a" / "two.md").write_text("# Deal signed\n\nJanuary 15, 2020. The US and China signed a deal.")
    out = tmp_path / "s.parquet"
    code, _, err = run(capsys, "score", str(tmp_path / "a"), "-o", str(out), "--quiet")
    assert code == 0, err
    df = pd.read_parquet(out)
    assert sorted(df["title"]) == ["Deal signed", "Tariffs raised"]


def test_weights_change_the_score_and_bad_weights_exit_2(tmp_path, capsys):
    base = pd.read_csv(io.StringIO(run(capsys, "score", str(SEED))[1]))["tension"][0]
    w = tmp_path / "w.json"
    w.write_text('{"channels_cut": 20, "relations_bad": 20}')
    heavier = pd.read_csv(io.StringIO(run(capsys, "score", str(SEED), "--weights", str(w))[1]))["tension"][0]
    assert heavier > base
    w.write_text('{"chanels_cut": 20}')
    code, out, err = run(capsys, "score", str(SEED), "--weights", str(w))
    assert code == 2 and out == ""
    assert err.strip() == f"error: {w}: unknown cue id 'chanels_cut'"


def test_explain_json_contract(capsys):
    code, out, err = run(capsys, "explain", str(SEED), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert {"id", "title", "date", "tension", "passages"} <= set(doc)
    text = SEED.read_text(encoding="utf-8")
    matched = {}
    for p in doc["passages"]:
        assert text[p["start"]:p["end"]] == p["text"]
        for c in p["cues"]:
            assert {"id", "family", "matched", "weight", "contribution"} <= set(c)
            assert text[c["start"]:c["end"]] == c["matched"]
            matched[c["matched"]] = c["contribution"]
    assert matched["lowest point"] > 0 and matched["constructive"] < 0


def test_explain_text_shows_cues(capsys):
    code, out, _ = run(capsys, "explain", str(SEED))
    assert code == 0
    assert '"declined to meet"' in out and "tension +" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["score", "nope.txt"], "nope.txt: no such file or folder"),
        (["score", "README.md", "--dyad", "US-XX"], "--dyad 'US-XX': expected two different country codes"),
        (["score", "pyproject.toml"], "pyproject.toml: unsupported file type '.toml'"),
    ],
)
def test_bad_input_is_one_line(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_empty_file(tmp_path, capsys):
    f = tmp_path / "empty.txt"
    f.write_text("  \n")
    code, _, err = run(capsys, "score", str(f))
    assert code == 1 and err.strip() == f"error: {f}: empty text"


def test_a_table_without_rows_is_reported(tmp_path, capsys):
    table = tmp_path / "headers-only.csv"
    table.write_text("text,date\n")
    code, _, err = run(capsys, "score", str(table))
    assert code == 1
    assert err.strip() == f"error: {table}: table has no rows"


def test_table_dates_are_never_invented_and_follow_day_first(tmp_path, capsys):
    table = tmp_path / "dated.jsonl"
    rows = [
        {"id": 1, "date": "now", "text": "Washington imposed sanctions on Beijing."},
        {"id": 2, "date": "05-06-2023", "text": "Washington and Beijing signed an agreement."},
        {"text": "The US and China held talks.", "date": "NaT"},
    ]
    table.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out, err = run(capsys, "score", str(table), "--day-first", "--format", "jsonl")
    assert code == 0, err
    got = [json.loads(line) for line in out.splitlines()]
    assert [g["id"] for g in got][:2] == ["1", "2"]  # not "1.0": a missing key made the column float
    assert [g["date"] for g in got] == [None, "2023-06-05", None]


def test_size_limit_applies_to_score_too(tmp_path, capsys):
    f = tmp_path / "big.txt"
    f.write_text("Washington imposed sanctions on Beijing. " * 400)  # about 16 KB: cheap to score
    code, _, err = run(capsys, "score", str(f), "--max-size", "0.01")
    assert code == 1 and "over the 0.01 MB size limit" in err
    code, _, err = run(capsys, "score", str(f), "--max-size", "0.05", "--quiet")
    assert code == 0, err


def test_unwritable_parquet_output_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "score", str(SEED), "-o", str(tmp_path / "no" / "such" / "x.parquet"))
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err


# What a one-item ``score`` must not import: the store (sqlite3, its schema, the export), the
# dashboard's figures, the fetcher and the page reader, the sketches of the duplicate finder,
# the progress bar under --quiet. pandas imports pyarrow itself, so pyarrow is not on the list.
_NOT_ON_THE_SCORE_PATH = (
    "sqlite3", "metrics.store.core", "metrics.store.export", "metrics.store.intake", "importlib.metadata",
    "plotly", "datasketch", "tqdm", "trafilatura", "metrics.views.figures", "metrics.read.fetch",
)


@pytest.mark.slow
def test_a_one_item_score_imports_no_store_plot_fetcher_or_sketch(tmp_path):
    import subprocess
    import sys

    table = tmp_path / "one.csv"
    table.write_text("id,title,text\n1,Talks,Beijing warned Washington on Monday against further provocations.\n")
    probe = (
        "import json, runpy, sys\n"
        f"sys.argv = ['metrics', 'score', {str(table)!r}, '-o', {str(tmp_path / 'out.csv')!r}, '--quiet']\n"
        "try:\n    runpy.run_module('metrics', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    got = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    r = json.loads(got.stdout.strip().splitlines()[-1])
    assert r["code"] == 0, got.stderr
    assert pd.read_csv(tmp_path / "out.csv")["tension"].notna().all()  # it did score the row
    loaded = set(r["modules"])
    assert "metrics.events.extract" in loaded  # the probe sees the command's own imports
    assert not loaded & set(_NOT_ON_THE_SCORE_PATH), sorted(loaded & set(_NOT_ON_THE_SCORE_PATH))


def test_explain_text_has_a_legend_for_its_arrows(capsys):
    code, out, _ = run(capsys, "explain", str(SEED))
    assert code == 0
    (legend,) = [line for line in out.splitlines() if line.strip().startswith("legend:")]
    assert "tone T -> C" in legend and "SOURCE -> TARGET" in legend
    assert "? where none is named" in legend and "PAIR = the two sides together" in legend
    assert "PAIR -> ?" in out and " tone +" in out  # what the legend explains is there


def test_the_help_lists_every_setting_without_pointing_elsewhere(capsys):
    from metrics import settings

    code, out, _ = run(capsys, "--help")
    assert code == 0 and "README" not in out
    for s in settings.SETTINGS:
        assert f"  {s.name} " in out, s.name


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bars_keep_messages_on_their_own_lines_and_count_in_words(monkeypatch):
    import sys

    from metrics import settings
    from metrics.cli.options import progress, say

    monkeypatch.setitem(settings._values, "progress_delay_seconds", 0)
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    for _ in progress((x for x in ["a.pdf"]), quiet=False, unit=" pages"):  # no total: a count, as fetch shows
        say("error: a.pdf: broken")
    text = term.getvalue()
    assert "\nerror: a.pdf: broken\n" in text.replace("\r", "\n")  # never glued to the bar's end
    assert "1 page [" in text
    assert "1 pages" not in text


@pytest.mark.slow
def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    (tmp_path / "good.txt").write_text("June 1, 2023\nWashington imposed sanctions on Beijing.\n", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    code, out, err = run(capsys, "--setting", "progress_delay_seconds", "0", "ingest", str(tmp_path),
                         "--db", str(tmp_path / "t.db"))
    assert code == 1
    assert "\r" not in err and "it/s" not in err and "files/s" not in err
    lines = err.strip().splitlines()
    assert any(line.startswith("error: ") and "broken.pdf" in line for line in lines), err
