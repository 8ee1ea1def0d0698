"""The start-up cache: a cue finder restored from disk finds exactly what a freshly built one
finds, a damaged or unusable cache changes nothing but the time, and the cache can be turned off."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT

from metrics.events import diskcache, prefilter
from metrics.events.extract import Extractor
from metrics.events.lexicon import load_lexicon
from metrics.model import Article, normalise
from metrics.ops.bench import iter_articles


def _texts() -> list[str]:
    sample = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "data" / "articles").glob("*.txt"))]
    return sample + list(iter_articles(40, seed=9))


def _finder(lexicon_path=None) -> prefilter.MultiFinder:
    # A new finder (not multi_finder's in-process one), as a new process would build it.
    ex = Extractor(load_lexicon(lexicon_path) if lexicon_path else None)
    return prefilter.MultiFinder(ex._finder.patterns, ex._finder._markers)


def _found(finder: prefilter.MultiFinder, texts: list[str]) -> list:
    out = []
    for t in texts:
        scan = finder.scan(normalise(t))
        out.append((scan.matches, [scan.may_occur(m, 0, len(t), 40) for m in range(len(finder._markers))]))
    return out


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(diskcache.ENV_CACHE, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _entry(cache_dir):
    files = sorted(cache_dir.glob("finder-*.json"))
    assert len(files) == 1, files
    return files[0]


def _read(path) -> dict:
    return json.loads(json.loads(path.read_text(encoding="utf-8"))["payload"])


def _rewrite(path, payload: str, digest: bool = True) -> None:
    """Write ``payload`` as the entry, with its right checksum (a damaged entry that passes
    the file check) or the old one (a file edited by hand)."""
    envelope = json.loads(path.read_text(encoding="utf-8"))
    envelope["payload"] = payload
    if digest:
        envelope["sha256"] = diskcache._digest(payload)
    path.write_text(json.dumps(envelope), encoding="utf-8")


@pytest.mark.slow
def test_a_finder_restored_from_the_cache_finds_what_a_fresh_one_finds(cache):
    texts = _texts()
    fresh = _finder()
    assert not fresh._restored
    expected = _found(fresh, texts)
    fresh.flush()
    entry = _read(_entry(cache))
    assert entry["codes"], "the pieces compiled while scanning are kept"

    restored = _finder()
    assert restored._restored and all(t is None for t in restored._trees)  # nothing parsed
    assert _found(restored, texts) == expected
    # ...and both are finditer's own answer (prefilter's reference).
    for t, (matches, _) in zip(texts[:5], expected):
        norm = normalise(t)
        assert matches == [[(m.start(), m.end(), m.lastgroup) for m in rx.finditer(norm)] for rx in fresh.patterns]


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage, digest",
    [
        (lambda e: "not json {", True),
        (lambda e: json.dumps({**e, "words": e["words"][: len(e["words"]) // 2]}), False),  # edited: checksum differs
        (lambda e: json.dumps({**e, "words": [["war", "oops"]] * 3}), True),  # the wrong shape
        (lambda e: json.dumps({**e, "words": [["war", [3, "oops"]]] + e["words"]}), True),
        (lambda e: json.dumps({**e, "codes": {k: [v[0], [9999] * len(v[1]), *v[2:]] for k, v in e["codes"].items()}}), True),
        (lambda e: json.dumps({**e, "codes": {k: "x" for k in e["codes"]}}), True),
        (lambda e: json.dumps({**e, "alternatives": e["alternatives"][:-1]}), True),
        (lambda e: json.dumps([1, 2, 3]), True),
    ],
    ids=["not-json", "edited", "bad-words", "bad-word-codes", "bad-code", "code-not-a-list", "short", "not-an-object"],
)
def test_a_damaged_cache_entry_changes_nothing_but_the_time(cache, damage, digest):
    texts = _texts()[:12]
    fresh = _finder()
    expected = _found(fresh, texts)
    fresh.flush()
    path = _entry(cache)
    _rewrite(path, damage(_read(path)), digest)
    assert _found(_finder(), texts) == expected
    path.write_text("{ truncated", encoding="utf-8")
    assert _found(_finder(), texts) == expected


@pytest.mark.slow
def test_with_the_cache_off_or_unwritable_nothing_is_written_and_all_works(tmp_path, monkeypatch):
    texts = _texts()[:6]
    monkeypatch.setenv(diskcache.ENV_CACHE, "off")
    expected = _found(_finder(), texts)
    assert diskcache.cache_dir() is None
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(diskcache.ENV_CACHE, str(blocker / "cache"))
    finder = _finder()
    assert _found(finder, texts) == expected
    finder.flush()  # cannot write: no error
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.slow
def test_another_lexicon_gets_its_own_entry(cache, tmp_path):
    import yaml

    path = ROOT / "data" / "lexicon.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["families"][0]["patterns"] = [*raw["families"][0]["patterns"], "pulled the plug on"]
    custom = tmp_path / "lexicon.yaml"
    custom.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    _finder().flush()
    custom_finder = _finder(custom)
    assert not custom_finder._restored
    custom_finder.flush()
    assert len(list(cache.glob("finder-*.json"))) == 2
    text = "Beijing pulled the plug on the talks with Washington."
    scan = custom_finder.scan(normalise(text))
    assert any(s == text.index("pulled") for s, _, _ in scan.matches[0])


@pytest.mark.slow
def test_a_second_process_starts_from_the_cache_with_the_same_scores(cache, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for i, text in enumerate(iter_articles(30, seed=4)):
        (folder / f"{i:03}.txt").write_text(text, encoding="utf-8")
    runs = []
    for _ in range(2):
        out = tmp_path / f"out{len(runs)}.csv"
        subprocess.run([sys.executable, "-m", "metrics", "score", str(folder), "-o", str(out), "--quiet"],
                       cwd=ROOT, check=True, capture_output=True, timeout=300)
        runs.append(out.read_text(encoding="utf-8"))
    assert runs[0] == runs[1] and len(runs[0].splitlines()) == 31
    assert len(list(cache.glob("finder-*.json"))) == 1 and list(cache.glob("checked-*.json"))


def test_a_bad_pattern_is_still_an_error_with_the_cache_on(cache, tmp_path):
    import yaml

    from metrics.errors import LexiconError

    raw = yaml.safe_load((ROOT / "data" / "lexicon.yaml").read_text(encoding="utf-8"))
    raw["families"][0]["patterns"] = ["(?<=a+)b"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    for _ in range(2):  # a failed check is never remembered as a pass
        with pytest.raises(LexiconError, match="look-behind"):
            load_lexicon(bad)
    Extractor().extract(Article(text="Talks were cut off."))
    prefilter._save_checked()
    with pytest.raises(LexiconError, match="look-behind"):
        load_lexicon(bad)


def test_without_a_home_folder_there_is_no_cache_and_no_error(monkeypatch):
    from pathlib import Path

    monkeypatch.delenv(diskcache.ENV_CACHE, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home(cls=None):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", classmethod(no_home))
    # os.path.expanduser (platformdirs' way to the home folder) leaves "~" as it is without one
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda p: p)
    assert diskcache.cache_dir() is None
    finder = _finder()
    assert finder._cache_name is None
    text = normalise(_texts()[0])
    assert finder.scan(text).matches == [
        [(m.start(), m.end(), m.lastgroup) for m in rx.finditer(text)] for rx in finder.patterns
    ]


@pytest.mark.slow
def test_without_the_engine_code_cache_the_features_are_the_same(tmp_path):
    """metrics.events.srecode leans on CPython's private re internals; turned off (as a future
    CPython would turn it off by itself) the finder compiles from parse trees and every feature
    of the sample corpus is the same."""
    probe = (
        "import sys, json\n"
        "from metrics.events import srecode\n"
        "from metrics.events.extract import Extractor\n"
        "from metrics.model import Article\n"
        "from pathlib import Path\n"
        "texts = [p.read_text(encoding='utf-8') for p in sorted(Path('data/articles').glob('*.txt'))]\n"
        "f = Extractor().extract_many([Article(t) for t in texts])\n"
        "print(json.dumps({'enabled': srecode.ENABLED, 'matches': f.matches.drop(columns=['article']).astype(str).values.tolist(),"
        " 'mentions': f.passages['mentions'].astype(str).tolist()}))\n"
    )
    runs = {}
    for mode in ("on", "off"):
        env = {**os.environ, "TENSION_CACHE_DIR": str(tmp_path / mode), "TENSION_SRE_CODE": mode}
        got = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert got.returncode == 0, got.stderr[-2000:]
        runs[mode] = json.loads(got.stdout)
    assert runs["on"]["enabled"] is True and runs["off"]["enabled"] is False
    assert runs["on"]["matches"] and runs["off"]["matches"] == runs["on"]["matches"]
    assert runs["off"]["mentions"] == runs["on"]["mentions"]
