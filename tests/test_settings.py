"""Settings declared as data: docs/settings.md documents the table, overrides count where the value is
used (extraction, reading, paging), bad overrides are one line, and changed extraction settings
or scope words never mix with stored features. Also the versioned names outputs carry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from metrics import settings
from metrics.cli import main
from metrics.errors import MetricsError
from metrics.events import scope
from metrics.events.extract import EXTRACTOR_VERSION, Extractor
from metrics.events.lexicon import default_lexicon
from metrics.model import Article
from metrics.read.readers import ReadOptions, read_paths
from metrics.score.scoring import AGGREGATE, SCALE_FUNCTION
from metrics.store import core as store_mod
from metrics.store.core import Store

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MD = ROOT / "docs" / "settings.md"
HEDGED = "Washington might impose sanctions on Beijing over the dispute."


@pytest.fixture(autouse=True)
def defaults_after():
    yield
    settings.configure()  # no test leaves an override behind for the next


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _documented_table() -> dict[str, str]:
    """The settings table of docs/settings.md: name -> default, as written."""
    text = SETTINGS_MD.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", text, re.M)
    assert rows, "docs/settings.md has no settings table"
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_documented_in_the_docs_and_nothing_else():
    documented = _documented_table()
    assert sorted(documented) == sorted(s.name for s in settings.SETTINGS)
    for s in settings.SETTINGS:
        assert float(documented[s.name].replace(",", "")) == s.default, s.name
        assert s.help and s.unit, s.name


def test_each_default_is_within_its_own_range():
    for s in settings.SETTINGS:
        assert s.check(s.default, "default") == s.default


def test_an_override_is_read_where_the_value_is_used(tmp_path):
    ex = Extractor()
    hedged = [m for m in ex.extract(Article(HEDGED)).matches if m.hedged]
    assert hedged and hedged[0].strength == 0.5
    settings.configure({"hedge_factor": 0.2})
    assert [m.strength for m in ex.extract(Article(HEDGED)).matches if m.hedged] == [0.2]
    long = tmp_path / "long.txt"
    long.write_text("Beijing and Washington " + "talked, " * 60 + "and agreed.\n", encoding="utf-8")
    settings.configure({"max_passage_chars": 100})
    art = next(iter(read_paths([str(long)], ReadOptions())))
    assert max(len(p.text) for p in ex.extract(art).passages) <= 100
    settings.configure()
    assert [m.strength for m in ex.extract(Article(HEDGED)).matches if m.hedged] == [0.5]


def test_a_reading_limit_applies_inside_the_parsing_worker(tmp_path):
    page = tmp_path / "page.html"
    body = "".join(f"<p>Washington and Beijing held talks number {i} in the capital today.</p>" for i in range(60))
    page.write_text(f"<html><head><title>Talks</title></head><body>{body}</body></html>", encoding="utf-8")
    settings.configure({"max_html_tags": 50})
    (item,) = list(read_paths([str(page)], ReadOptions()))
    assert isinstance(item, MetricsError) and "over the limit of 50" in str(item) and "max_html_tags" in str(item)
    settings.configure()
    (item,) = list(read_paths([str(page)], ReadOptions()))
    assert isinstance(item, Article)


@pytest.mark.parametrize("argv, says", [
    (["--setting", "hedgefactor", "0.2"], "unknown setting 'hedgefactor'; did you mean hedge_factor?"),
    (["--setting", "score_batch", "2.5"], "score_batch must be a positive whole number, not '2.5'"),
    (["--setting", "hedge_factor", "1.5"], "hedge_factor must be a number from 0 to 1, not '1.5'"),
    (["--setting", "max_passage_chars", "nan"], "max_passage_chars must be a whole number of at least 20"),
    (["--setting", "parse_cpu_seconds", "inf"], "parse_cpu_seconds must be a positive number, not 'inf'"),
])
def test_a_bad_setting_is_one_line_and_exit_2(capsys, tmp_path, argv, says):
    out = tmp_path / "s.csv"
    code, _, err = run(capsys, *argv, "score", Path(__file__).parent.parent / "data" / "articles", "-o", out, "--quiet")
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists() or out.stat().st_size == 0  # nothing scored


def test_cli_settings_hold_for_one_run_only(capsys, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text(HEDGED + "\n", encoding="utf-8")

    def strengths(*pre):
        code, out, err = run(capsys, *pre, "explain", text, "--format", "json")
        assert code == 0, err
        doc = json.loads(out)
        return [c["strength"] for p in doc["passages"] for c in p["cues"] if c["hedged"]], doc["features_version"]

    assert strengths("--setting", "hedge_factor", "0.25", "--setting", "scope_words", "6") == (
        [0.25], f"tension.extractor.v{EXTRACTOR_VERSION}+{scope.scope_words().name}+hedge_factor=0.25+scope_words=6")
    assert strengths() == ([0.5], f"tension.extractor.v{EXTRACTOR_VERSION}+{scope.scope_words().name}")


def test_stored_features_are_reextracted_under_a_changed_extraction_setting(tmp_path):
    path = tmp_path / "t.db"
    s = Store(path)
    s.add(Article(HEDGED, id="h"))
    s.close()

    def stored_strength():
        st = Store(path)
        try:
            m = st.features().matches
            return float(m.loc[m["hedged"], "strength"].iloc[0]), st.features_version
        finally:
            st.close()

    default, v_default = stored_strength()
    settings.configure({"hedge_factor": 0.1})
    changed, v_changed = stored_strength()
    assert (default, changed) == (0.5, 0.1) and v_default != v_changed
    settings.configure()
    assert stored_strength() == (0.5, v_default)  # back: recomputed again, not a mix


def test_other_scope_words_make_another_features_version(tmp_path, monkeypatch):
    lex = default_lexicon()
    before = store_mod.features_version(lex)
    edited = tmp_path / "scope.yaml"
    edited.write_text(scope.DEFAULT_SCOPE.read_text(encoding="utf-8").replace("'perhaps', ", ""), encoding="utf-8")
    other = scope.load_scope(edited)
    assert other.number == scope.scope_words().number and other.version != scope.scope_words().version
    monkeypatch.setattr(scope, "scope_words", lambda: other)
    assert store_mod.features_version(lex) != before


_OTHERS = "".join(f"{n}: {{words: [x]}}\n" for n in scope.LISTS if n != "negation")  # valid lists


@pytest.mark.parametrize("text, says", [
    ("version: 1\nnegation: [", "not valid YAML"),
    ("- a list\n", "expected a mapping"),
    ("negation: {words: [not]}\n" + _OTHERS, "version must be a whole number"),
    ("version: 1\nnegation: {words: [not]}\n", "missing list 'refusal'"),
    ("version: 1\nnegation: {words: ['(unclosed']}\n" + _OTHERS, "negation: bad pattern"),
    ("version: 1\nnegation: {words: []}\n" + _OTHERS, "negation.words must be a non-empty list"),
    ("version: 1\nnegation: {word: [not]}\n" + _OTHERS, "negation: unknown key 'word'"),
    ("version: 1\nnegations: {words: [not]}\nnegation: {words: [not]}\n" + _OTHERS, "unknown list 'negations'"),
])
def test_a_malformed_scope_file_is_one_line_naming_it(tmp_path, text, says):
    path = tmp_path / "scope.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MetricsError) as err:
        scope.load_scope(path)
    assert says in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_the_shipped_scope_words_find_what_the_rules_need():
    w = scope.scope_words()
    assert w.negation.search("they did not agree") and w.negation.search("Beijing won't") and not w.negation.search("nothing")
    assert w.refusal.search("Beijing refused to") and w.hedge.search("Washington might") and w.demand.search("insisted")
    assert w.appeal.search("called on Beijing") and w.background.search("in the wake of") and not w.hedge.search("mighty")


def _versions(lexicon_version: str) -> dict[str, str]:
    return {
        "aggregate": AGGREGATE, "scale": SCALE_FUNCTION, "lexicon_version": lexicon_version,
        "features_version": f"tension.extractor.v{EXTRACTOR_VERSION}+{scope.scope_words().name}",
    }


def _metadata(path: Path) -> dict[str, str]:
    meta = pq.read_schema(path).metadata or {}
    return {k.decode(): v.decode() for k, v in meta.items() if k != b"pandas"}


@pytest.mark.slow
def test_score_and_export_parquet_carry_the_versions(capsys, tmp_path):
    want = _versions(default_lexicon().version)
    articles = Path(__file__).parent.parent / "data" / "articles"
    code, _, err = run(capsys, "score", articles, "-o", tmp_path / "s.parquet", "--quiet")
    assert code == 0, err
    assert _metadata(tmp_path / "s.parquet") == want
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("", encoding="utf-8")
    run(capsys, "score", empty, "-o", tmp_path / "none.parquet", "--quiet")
    assert _metadata(tmp_path / "none.parquet") == want  # no rows, still versioned
    db = tmp_path / "t.db"
    assert run(capsys, "ingest", articles, "--db", db, "--quiet")[0] == 0
    code, _, err = run(capsys, "export", "--db", db, "-o", tmp_path / "e.parquet")
    assert code == 0, err
    assert _metadata(tmp_path / "e.parquet") == want == _metadata(tmp_path / "e.passages.parquet")


def test_explain_json_carries_the_versions(capsys, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text(HEDGED + "\n", encoding="utf-8")
    code, out, err = run(capsys, "explain", text, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert {k: doc[k] for k in _versions("")} == _versions(default_lexicon().version)
    shipped = yaml.safe_load((ROOT / "data" / "lexicon.yaml").read_text(encoding="utf-8"))["version"]
    assert doc["lexicon_version"].startswith(f"{shipped}-")  # data/lexicon.yaml's version: and a digest


def test_an_options_default_is_its_setting_and_the_option_still_wins(capsys, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text(HEDGED + "\n" + "Both sides said the talks were constructive.\n" * 40, encoding="utf-8")
    code, _, err = run(capsys, "--setting", "max_file_mb", "0.001", "score", text, "--quiet")
    assert code == 1 and "over the 0.001 MB size limit" in err
    code, out, err = run(capsys, "--setting", "max_file_mb", "0.001", "score", text, "--quiet", "--max-size", "1")
    assert code == 0 and "constructive" not in err and len(out.splitlines()) == 2, err
    from metrics.read.fetch import Fetcher

    settings.configure({"fetch_timeout_seconds": 3, "fetch_max_mb": 2, "fetch_delay_seconds": 0})
    f = Fetcher()  # the dashboard's fetcher: the settings' values
    assert (f.timeout, f.max_bytes, f.delay) == (3.0, 2 * 1024 * 1024, 0.0)
    assert Fetcher(timeout=7).timeout == 7


@pytest.mark.slow
def test_a_malformed_shipped_scope_file_stops_the_command_in_one_line(tmp_path):
    import shutil
    import subprocess
    import sys

    root = ROOT
    shutil.copytree(root / "metrics", tmp_path / "metrics", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "data").mkdir()
    for name in ("lexicon.yaml", "countries.yaml"):
        shutil.copy(root / "data" / name, tmp_path / "data" / name)
    (tmp_path / "data" / "scope.yaml").write_text("version: 1\nnegation: {words: ['(']}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "metrics", "score", str(root / "data" / "articles")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"error: {tmp_path / 'data' / 'scope.yaml'}: missing list 'refusal'"]
