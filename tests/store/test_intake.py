"""One way in (metrics.store.intake): staging statuses, the features version, and syndicated copies
kept once as a story (duplicate_of) with the documented threshold."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from metrics import settings
from metrics.cli import main
from metrics.errors import InputError, MetricsError
from metrics.events.extract import Extractor
from metrics.events.lexicon import default_lexicon
from metrics.model import Article
from metrics.store.core import Store
from metrics.store.intake import FAILED, NEW, PRESENT, REPEATED, Intake, preview, shingle_hashes

# One wire story as four outlets ran it: other headlines, other boilerplate, a sentence more or
# less. Sentences written for this test.
WIRE = [
    "The United States and China agreed on Thursday to reopen military hotlines that Beijing cut last year, "
    "officials from both governments said after two days of talks in Vienna.",
    "The agreement followed a meeting between the US national security adviser and China's top diplomat, "
    "which both sides described as candid and constructive.",
    "Under the deal, theatre commanders will hold regular video calls and defence ministers will meet "
    "before the end of the year, a senior US official told reporters.",
    "Beijing had suspended the channels after the speaker of the US House visited Taipei, a trip China "
    "called a grave provocation.",
    "Analysts said the move lowered the risk of an accident at sea but warned that disputes over "
    "technology export controls and Taiwan remained unresolved.",
    "China's foreign ministry said Washington must now match its words with deeds and stop arming the island.",
]
EXTRA = "A spokesman for the Pentagon said the first call could take place within weeks."


def wire_copy(headline: str, boilerplate: list[str], drop: int | None = None, extra: bool = False) -> str:
    body = [s for i, s in enumerate(WIRE) if i != drop]
    if extra:
        body.insert(3, EXTRA)
    return "\n\n".join([headline, "October 12, 2023", *body, *boilerplate]) + "\n"


COPIES = {
    "outlet-a.txt": wire_copy("US and China restore military hotlines", []),
    "outlet-b.txt": wire_copy("Hotlines back: Washington and Beijing end freeze on military contacts",
                              ["Read more: How the hotline works", "(c) Example Wire Service. All rights reserved."]),
    "outlet-c.txt": wire_copy("China, US to reopen defence channels after Vienna talks", ["Sign up for our daily briefing."],
                              drop=5),
    "outlet-d.txt": wire_copy("Military talks resume between rivals", ["Share this article"], extra=True, drop=4),
}
# The same event written apart: the same facts, other words. Not a copy.
OWN_REPORT = (
    "Military hotlines between Washington and Beijing will work again\n\nOctober 12, 2023\n\n"
    "After a freeze of more than a year, the two militaries will talk again. Chinese and American negotiators "
    "settled the matter in the Austrian capital, where the White House's security chief sat down with Wang Yi. "
    "Commanders in the Pacific are to speak by video on a fixed schedule, and the two defence chiefs are "
    "expected to meet in the coming months. Beijing froze the links in protest at a visit to Taiwan by a senior "
    "American lawmaker. Experts in Singapore welcomed the step but said the quarrel over chips is far from over.\n"
)


def jaccard(a: str, b: str) -> float:
    sa, sb = shingle_hashes(a), shingle_hashes(b)
    return len(np.intersect1d(sa, sb)) / len(np.union1d(sa, sb))


def test_wire_copies_are_over_the_threshold_and_an_own_report_is_far_under():
    first = COPIES["outlet-a.txt"]
    for name, text in COPIES.items():
        if name != "outlet-a.txt":
            assert jaccard(first, text) >= settings.get("near_duplicate_similarity") + 0.1, name
    assert jaccard(first, OWN_REPORT) < settings.get("near_duplicate_similarity") / 3


@pytest.fixture
def wire_db(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in COPIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "own-report.txt").write_text(OWN_REPORT, encoding="utf-8")
    db = tmp_path / "t.db"
    assert main(["ingest", str(folder), "--db", str(db), "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("added 5, already present 0, failed 0")
    return db


def _listed(db, capsys) -> dict[str, dict]:
    assert main(["list", "--db", str(db), "--format", "json"]) == 0
    return {r["source"].rsplit("/", 1)[-1]: r for r in json.loads(capsys.readouterr().out)}


def test_later_copies_point_to_the_first_and_the_story_counts_once(wire_db, capsys):
    rows = _listed(wire_db, capsys)
    first = rows["outlet-a.txt"]["id"]
    assert rows["outlet-a.txt"]["duplicate_of"] is None
    assert [rows[n]["duplicate_of"] for n in ("outlet-b.txt", "outlet-c.txt", "outlet-d.txt")] == [first] * 3
    assert rows["own-report.txt"]["duplicate_of"] is None
    # Timelines and means read Store.features(): one story, one own report.
    store = Store(wire_db)
    assert sorted(store.features().articles["id"]) == sorted([first, rows["own-report.txt"]["id"]])
    assert len(store.features(duplicates=True)) == 5


def test_export_carries_duplicate_of(wire_db, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["export", "--db", str(wire_db), "-o", str(out)]) == 0
    capsys.readouterr()
    table = pd.read_csv(out)
    assert "duplicate_of" in table.columns
    assert table["duplicate_of"].notna().sum() == 3


def test_removing_the_first_copy_makes_the_next_one_the_story(wire_db, capsys):
    rows = _listed(wire_db, capsys)
    assert main(["remove", rows["outlet-a.txt"]["id"], "--db", str(wire_db)]) == 0
    capsys.readouterr()
    after = _listed(wire_db, capsys)
    assert after["outlet-b.txt"]["duplicate_of"] is None
    assert [after[n]["duplicate_of"] for n in ("outlet-c.txt", "outlet-d.txt")] == [after["outlet-b.txt"]["id"]] * 2


def test_a_copy_added_by_another_process_later_is_still_found(wire_db, tmp_path, capsys):
    """The index catches up with what other writers stored (here: a second command run)."""
    more = tmp_path / "more.txt"
    more.write_text(wire_copy("Rivals reopen hotlines", ["Our Standards: The Trust Principles."], drop=0), encoding="utf-8")
    assert main(["ingest", str(more), "--db", str(wire_db), "--quiet"]) == 0
    capsys.readouterr()
    rows = _listed(wire_db, capsys)
    assert rows["more.txt"]["duplicate_of"] == rows["outlet-a.txt"]["id"]


def test_staging_says_new_present_repeated_and_failed(tmp_path):
    store = Store(tmp_path / "t.db")
    good = Article(text="June 1, 2023\nThe United States and China signed an agreement on trade.", source="a.txt")
    stored = Article(text="Beijing and Washington held talks on Friday.", source="s.txt")
    store.add(stored)
    it = Intake(store)
    staged = [
        it.stage(good),
        it.stage(Article(text=good.text, source="b.txt")),
        it.stage(Article(text=stored.text, source="again.txt")),
        it.stage(InputError("e.txt: empty file")),
    ]
    assert [s.status for s in staged] == [NEW, REPEATED, PRESENT, FAILED]
    assert staged[1].reason == "same text as a.txt" and staged[3].reason == "e.txt: empty file"
    pre = preview(staged, "US-CN", None, default_lexicon())
    assert list(pre["status"]) == [NEW, REPEATED, PRESENT, FAILED]
    assert pre.loc[0, "tension"] < 0 and "agreement" in pre.loc[0, "top_cues"]
    assert store.count() == 1  # staging writes nothing
    done = it.commit(staged[0])
    assert done.status == "added" and store.count() == 2
    assert it.commit(staged[1]).status == REPEATED and store.count() == 2


def test_another_features_version_is_refused_on_every_path(tmp_path):
    store = Store(tmp_path / "t.db")
    feats = Extractor().extract(Article(text="Beijing and Washington held constructive talks.", source="w.txt"))
    s = Intake(store).stage(feats, version="0-other+deadbeef")
    assert s.status == FAILED and "another lexicon or gazetteer" in s.reason
    assert store.count() == 0

    class OtherLexicon:
        version = "0-another"

    class OtherExtractor:
        lexicon = OtherLexicon()

    with pytest.raises(MetricsError, match="features version"):
        Intake(store, OtherExtractor())  # type: ignore[arg-type]


def test_articles_stored_without_a_signature_are_still_compared(tmp_path):
    """A database from before signatures: the first copy has none; it is computed once and kept."""
    store = Store(tmp_path / "t.db")
    assert store.add(Article(text=COPIES["outlet-a.txt"], source="old.txt")).status == "added"
    assert store.signatures()[0].sig is None
    done = Intake(store).run([Article(text=COPIES["outlet-b.txt"], source="new.txt")])
    assert done.added == 1
    arts = store.articles().set_index("source")
    assert arts.loc["new.txt", "duplicate_of"] == arts.loc["old.txt", "id"]
    assert all(row.sig is not None for row in store.signatures())
