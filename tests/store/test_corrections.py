"""Corrections of cue readings: stored in both backends, logged, undoable, applied to every
score, kept (and reported) across a lexicon change."""

from __future__ import annotations

import json

import numpy as np
import pytest

from metrics.cli import main
from metrics.errors import MetricsError
from metrics.events.lexicon import DEFAULT_LEXICON, load_lexicon
from metrics.model import Article
from metrics.score import corrections as C
from metrics.score.scoring import prepare, score_table
from metrics.store import corrections as SC
from metrics.store.core import Store

# Written for these tests: a memo misread as an agreement, a sanction, an accusation.
TEXT = (
    "May 3, 2022\nTrade memo\n\n"
    "Washington signed a memorandum with its allies on chip supply chains, officials said. "
    "The United States imposed sanctions on Chinese chip makers on Tuesday. "
    "Beijing accused Washington of bullying and said it would respond."
)
OTHER = "June 1, 2022\nTalks\n\nThe United States and China held talks in Geneva on Friday."


@pytest.fixture
def store(db_location):
    s = Store(db_location)
    s.add(Article(text=TEXT, id="memo"))
    s.add(Article(text=OTHER, id="talks"))
    yield s
    s.close()


def _row(feats, cue, text=None):
    mat = feats.matches
    ok = mat["cue"].to_numpy() == feats_cue(cue)
    if text:
        ok &= np.array([text in m for m in mat["matched"].astype(str)])
    return int(np.flatnonzero(ok)[0])


def feats_cue(cue):
    return load_lexicon(DEFAULT_LEXICON).index()[cue]


def _raw(store, article="memo"):
    t = score_table(prepare(store.features(), "US-CN", store.lexicon))
    return float(t.set_index("id").loc[article, "raw"])


def test_each_kind_changes_the_reading_and_undo_restores_it(store):
    f = store.article_features("memo")
    lex = store.lexicon
    before = _raw(store)
    m_before = store.features(corrected=False).matches.copy()
    sanction = _row(f, "sanctions")
    cid = SC.add(store, C.for_match(f, lex, sanction, "wrong_direction", reason="lifted, not imposed"), who="ana")
    after = _raw(store)
    assert after < before  # a sanction read as easing: less tension
    g = store.article_features("memo")
    r = _row(g, "sanctions")
    assert g.matches["strength"].iat[r] == -f.matches["strength"].iat[sanction]
    assert g.matches["corrected"].iat[r] == cid
    # In the log with who and what, undone like a removal, back with redo.
    log = store.activity()
    assert (log["action"].iloc[0], log["who"].iloc[0], log["id"].iloc[0]) == ("correct", "ana", "memo")
    assert SC.undo(store, [cid], who="ana") == [cid]
    assert _raw(store) == pytest.approx(before)
    assert store.activity()["action"].iloc[0] == "undo correction"
    assert SC.table(store).empty and len(SC.table(store, include_undone=True)) == 1
    assert SC.redo(store, [cid]) == [cid]
    assert _raw(store) == pytest.approx(after)
    SC.discard(store, [cid])
    assert SC.table(store, include_undone=True).empty
    assert _raw(store) == pytest.approx(before)
    import pandas as pd

    pd.testing.assert_frame_equal(store.features().matches, m_before)


def test_actor_strength_between_pair_and_missed_act(store):
    f = store.article_features("memo")
    lex = store.lexicon
    acc = _row(f, "accusation")
    SC.add(store, C.for_match(f, lex, acc, "wrong_actor", source="US", target="CN"))
    g = store.article_features("memo")
    from metrics.events.dyad import gazetteer

    r = _row(g, "accusation")
    slots = g.articles["actors"].iat[0]
    assert (gazetteer().codes_of(int(g.matches["source"].iat[r]), slots),
            gazetteer().codes_of(int(g.matches["target"].iat[r]), slots)) == ("US", "CN")
    prep = prepare(g, "US-CN", lex)
    from metrics.score.scoring import explain

    doc = explain(prep, 0)
    cue = next(c for p in doc["passages"] for c in p["cues"] if c["id"] == "accusation")
    assert cue["actor"] == "US"  # now the US's act
    s_row = _row(g, "sanctions")
    SC.add(store, C.for_match(g, lex, s_row, "wrong_strength", strength=0.25))
    assert store.article_features("memo").matches["strength"].iat[s_row] == 0.25
    n_before = len(store.features().matches)
    raw0 = _raw(store)
    SC.add(store, C.for_passage(g, lex, 0 + int(np.flatnonzero(g.passages["text"].str.contains("accused"))[0]),
                                "threat_force", source="CN", target="US", reason="'respond' is a threat here"))
    h = store.features()
    assert len(h.matches) == n_before + 1
    assert _raw(store) > raw0
    # Not between the pair: counts for nothing whatever its weight.
    k = store.article_features("memo")
    SC.add(store, C.for_match(k, lex, _row(k, "sanctions"), "not_between_pair"))
    prep = prepare(store.article_features("memo"), "US-CN", lex)
    i = _row(prep.features, "sanctions")
    assert prep.match_base[i] == 0 and prep.event[i] == 0
    # The other article is untouched.
    assert _raw(store, "talks") == pytest.approx(float(score_table(prepare(store.features(corrected=False), "US-CN", lex)).set_index("id").loc["talks", "raw"]))


def test_bad_corrections_are_refused_in_one_line(store):
    f = store.article_features("memo")
    c = C.for_match(f, store.lexicon, 0, "wrong_actor", source="ZZ")
    with pytest.raises(MetricsError, match="unknown actor 'ZZ'"):
        SC.add(store, c)
    c = C.for_match(f, store.lexicon, 0, "wrong_strength", strength=float("nan"))
    with pytest.raises(MetricsError, match="strength"):
        SC.add(store, c)
    c = C.for_match(f, store.lexicon, 0, "wrong_direction")
    c.article = "nope"
    with pytest.raises(MetricsError, match="no stored article"):
        SC.add(store, c)


def test_purge_deletes_an_articles_corrections(store):
    f = store.article_features("memo")
    SC.add(store, C.for_match(f, store.lexicon, 0, "wrong_direction"))
    store.remove(["memo"])
    assert SC.status(store)["state"].tolist() == ["absent"]
    store.purge(["memo"])
    assert SC.table(store, include_undone=True).empty


def _lexicon_without(tmp_path, family: str, pattern_word: str):
    """The default lexicon with every pattern of ``family`` containing ``pattern_word`` removed."""
    import yaml

    data = yaml.safe_load(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    for fam in data["families"]:
        if fam["id"] == family:
            fam["patterns"] = [p for p in fam["patterns"] if pattern_word not in p] or ["zzzz never matches zzzz"]
    data["version"] = str(data["version"]) + "-test"
    path = tmp_path / "lexicon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_lexicon(path)


@pytest.mark.slow
def test_lexicon_change_reports_unmatched_and_reapply_or_discard(tmp_path, db_location, capsys):
    with Store(db_location) as s:
        s.add(Article(text=TEXT, id="memo"))
        f = s.article_features("memo")
        kept = SC.add(s, C.for_match(f, s.lexicon, _row(f, "sanctions"), "wrong_direction"))
        lost = SC.add(s, C.for_match(f, s.lexicon, _row(f, "accusation"), "wrong_actor", source="CN", target="US"))
    new_lex = _lexicon_without(tmp_path, "accusation", "accus")
    with Store(db_location, lexicon=new_lex) as s2:
        assert s2.stale() == 1
        st = SC.status(s2).set_index("id")["state"]
        assert st[kept] == "applied" and st[lost] == "unmatched"  # reported, not dropped
        feats = s2.features()
        assert feats.correction_status.set_index("id")["state"][lost] == "unmatched"
        g = s2.article_features("memo")
        # Re-applied to the match now found in its passage under another family, or discarded.
        other = g.matches[g.matches["passage"] == g.matches["passage"].iat[_row(g, "sanctions")] + 1]
        if len(other):
            cue = new_lex.ids[int(other["cue"].iat[0])]
            SC.reanchor(s2, lost, cue=cue)
            assert SC.status(s2).set_index("id")["state"][lost] == "applied"
        else:
            with pytest.raises(MetricsError, match="discard it"):
                SC.reanchor(s2, lost)
            SC.discard(s2, [lost])
            assert lost not in set(SC.table(s2)["id"])


def test_cli_add_list_check_undo(tmp_path, capsys):
    db = str(tmp_path / "c.db")
    art = tmp_path / "memo.txt"
    art.write_text(TEXT, encoding="utf-8")
    assert main(["ingest", str(art), "--db", db, "--quiet"]) == 0
    aid = Store(db).articles()["id"].iat[0]
    assert main(["corrections", "add", aid, "--kind", "wrong_direction", "--cue", "sanctions", "--db", db,
                 "--reason", "read backwards"]) == 0
    assert main(["corrections", "add", aid, "--kind", "wrong_actor", "--cue", "sanctions", "--source", "XX", "--db", db]) == 2
    assert "unknown actor 'XX'" in capsys.readouterr().err
    assert main(["corrections", "list", "--format", "json", "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["kind"], r["cue"], r["state"], r["reason"]) for r in rows] == [("wrong_direction", "sanctions", "applied", "read backwards")]
    assert main(["corrections", "check", "--db", db]) == 0
    assert "1 applied, 0 unmatched" in capsys.readouterr().out
    assert main(["log", "--db", db, "--limit", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["action"] == "correct"
    assert main(["corrections", "undo", str(rows[0]["id"]), "--db", db]) == 0
    assert main(["corrections", "undo", "99", "--db", db]) == 1


@pytest.mark.slow
def test_every_view_uses_them_export_explain_and_sides(tmp_path, capsys):
    db = str(tmp_path / "v.db")
    art = tmp_path / "memo.txt"
    art.write_text(TEXT, encoding="utf-8")
    assert main(["ingest", str(art), "--db", db, "--quiet"]) == 0
    with Store(db) as s:
        aid = s.articles()["id"].iat[0]
        before = score_table(prepare(s.features(), "US-CN", s.lexicon)).iloc[0]
        f = s.article_features(aid)
        SC.add(s, C.for_match(f, s.lexicon, _row(f, "accusation"), "wrong_actor", source="US", target="CN"), who="ana")
        after = score_table(prepare(s.features(), "US-CN", s.lexicon)).iloc[0]
    # Who escalates: the accusation moved from China's column to the US's; raw is unchanged.
    assert after["raw_by_US"] > before["raw_by_US"] and after["raw_by_CN"] < before["raw_by_CN"]
    assert after["raw"] == pytest.approx(before["raw"], abs=1e-3)
    out = tmp_path / "scores.csv"
    assert main(["export", "-o", str(out), "--db", db]) == 0
    import pandas as pd

    exported = pd.read_csv(out).iloc[0]
    assert exported["raw_by_US"] == pytest.approx(after["raw_by_US"], abs=1e-3)
    capsys.readouterr()
    assert main(["explain", "--db", db, "--id", aid, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    cue = next(c for p in doc["passages"] for c in p["cues"] if c["id"] == "accusation")
    assert cue["corrected"] and cue["correction"]["who"] == "ana" and cue["source"] == "US"
    assert cue["correction"]["original"]["source"] == "CN"  # the reading it replaced, kept
    # explain PATH --db applies the same correction to the text read again.
    assert main(["explain", str(art), "--db", db]) == 0
    assert "corrected #1 by ana: actors US -> CN (was CN -> " in capsys.readouterr().out


@pytest.mark.slow
def test_unmatched_corrections_are_reported_by_list(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "u.db")
    with Store(db) as s:
        s.add(Article(text=TEXT, id="memo"))
        f = s.article_features("memo")
        SC.add(s, C.for_match(f, s.lexicon, _row(f, "accusation"), "wrong_direction"))
    import metrics.store.core as core

    lex = _lexicon_without(tmp_path, "accusation", "accus")
    monkeypatch.setattr(core, "default_lexicon", lambda: lex)  # as if data/lexicon.yaml had changed
    capsys.readouterr()
    assert main(["list", "--db", db]) == 0
    assert "1 correction no longer match their cue" in capsys.readouterr().err
    assert main(["corrections", "check", "--db", db]) == 1
    assert "no longer matches; re-apply it" in capsys.readouterr().out


# Written for these tests: sentences whose first reading the analyst corrects.
LABELLED = (
    "July 2, 2022\nPorts\n\n"
    "Washington imposed sanctions on Chinese shipping firms on Monday. "
    "Beijing praised the decision of the US port authority as a provocation. "
    "The United States and China signed an agreement on port inspections. "
    "China held talks with the United States on fishing rights."
)


def _labelled_db(tmp_path) -> tuple[str, str]:
    db = str(tmp_path / "l.db")
    with Store(db) as s:
        s.add(Article(text=LABELLED, id="ports"))
        f = s.article_features("ports")
        lex = s.lexicon
        SC.add(s, C.for_match(f, lex, _row(f, "praise"), "wrong_direction", reason="sarcasm"), who="ana")
        SC.add(s, C.for_match(f, lex, _row(f, "sanctions"), "wrong_actor", source="US", target="CN"), who="ana")
        SC.add(s, C.for_match(f, lex, _row(f, "agreement"), "wrong_strength", strength=1.5), who="ana")
        p = int(np.flatnonzero(f.passages["text"].str.contains("fishing"))[0])
        SC.add(s, C.for_passage(f, lex, p, "cooperation", source="CN", target="US"), who="ana")
    return db, DEFAULT_LEXICON.read_text(encoding="utf-8")


def test_corrections_export_is_a_labelled_set(tmp_path, capsys):
    db, _ = _labelled_db(tmp_path)
    tsv, jsonl = tmp_path / "c.tsv", tmp_path / "c.jsonl"
    assert main(["corrections", "export", "-o", str(tsv), "--db", db]) == 0
    assert main(["corrections", "export", "-o", str(jsonl), "--db", db]) == 0
    lines = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()]
    assert all(len(parts) == 2 for parts in lines)
    got = {text.split()[1]: label for text, label in lines}
    # praise flipped: verbal conflict; sanctions: material conflict; agreement: verbal cooperation
    # (CAMEO 057 is root 05); the missed cooperation: material cooperation (CAMEO 06).
    assert got == {"praised": "3", "imposed": "4", "United": "1", "held": "2"}
    recs = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    by_kind = {r["kind"]: r for r in recs}
    assert (by_kind["wrong_actor"]["source"], by_kind["wrong_actor"]["target"]) == ("US", "CN")
    assert by_kind["missed_act"]["family"] == "cooperation" and by_kind["wrong_direction"]["reason"] == "sarcasm"
    assert {r["who"] for r in recs} == {"ana"}
    from metrics.score.validation import read_labelled

    assert len(read_labelled(tsv)) == 4  # validate reads it back as headerless sentence<TAB>label


def test_validate_and_calibrate_learn_from_corrections_never_the_lexicon(tmp_path, capsys):
    db, lexicon_before = _labelled_db(tmp_path)
    assert main(["validate", "--corrections", "--db", db, "--format", "json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["file"] == f"corrections in {db}" and (rep["n"]["positive"], rep["n"]["negative"]) == (2, 2)
    out = tmp_path / "w.json"
    assert main(["calibrate", "--corrections", "--db", db, "-o", str(out), "--folds", "2", "--l2", "1"]) == 0
    fitted = json.loads(out.read_text())
    assert set(fitted) >= {"praise", "sanctions"}
    assert DEFAULT_LEXICON.read_text(encoding="utf-8") == lexicon_before  # weights change, through a file you review
    # A labelled file and the corrections together.
    extra = tmp_path / "more.tsv"
    extra.write_text("Beijing expelled American diplomats.\t4\nThe two sides signed a trade deal.\t1\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(extra), "--corrections", "--db", db, "--format", "json"]) == 0
    n = json.loads(capsys.readouterr().out)["n"]
    assert (n["positive"], n["negative"]) == (3, 3)
    # Without corrections, one line and a non-zero exit.
    empty = str(tmp_path / "e.db")
    Store(empty).close()
    assert main(["validate", "--corrections", "--db", empty]) != 0
    assert "no corrections to learn from" in capsys.readouterr().err
