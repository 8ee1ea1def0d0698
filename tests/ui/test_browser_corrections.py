"""Corrections in Chromium on a shared server with sign-in: an editor corrects a cue in the
drill-down, the chart and the scores CSV change, the log names her, a viewer sees the correction
but cannot make one, and Undo restores the original reading."""

from __future__ import annotations

import bcrypt
import pandas as pd
import pytest
from helpers.browser import POINTS
from helpers.dashboard import idle, launch, open_page
from test_browser_team import SECRETS  # the same editor (ana) and viewer (ben)

from metrics.store import corrections as SC
from metrics.store.core import Store

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corrections")
    secrets = tmp / "secrets.toml"
    hashes = {u: bcrypt.hashpw(f"{u}-pass".encode(), bcrypt.gensalt(rounds=4)).decode() for u in ("ana", "ben")}
    secrets.write_text(SECRETS.format(**hashes), encoding="utf-8")
    with launch(tmp, "--secrets.files", str(secrets)) as srv:
        with Store(srv["db"]) as s:
            arts = s.articles()
            srv["article"] = arts.loc[arts["source"].str.contains("2019-05-10"), "id"].iat[0]
        yield srv


def _open_article(pg, srv, name: str) -> None:
    open_page(pg, f"{srv['url']}/?article={srv['article']}", "[data-testid='stForm']")
    pg.get_by_label("User name").fill(name)
    pg.get_by_label("Password", exact=True).fill(f"{name}-pass")
    pg.get_by_role("button", name="Sign in").click()
    pg.get_by_text("Correct a reading").first.wait_for()
    pg.wait_for_selector(POINTS)
    idle(pg)


def _point_y(pg, article_id: str) -> float:
    """The timeline's y value of the article's point, from the plotly figure itself."""
    return pg.evaluate(
        """(id) => {
            for (const gd of document.querySelectorAll('.js-plotly-plot')) {
                for (const tr of gd._fullData || []) {  // decoded arrays (the figure ships y as binary)
                    if (tr.name !== 'Article') continue;
                    const cd = tr.customdata || [];
                    for (let i = 0; i < cd.length; i++) {
                        if (cd[i] && cd[i][0] === id) return Number(tr.y[i]);
                    }
                }
            }
            return null;
        }""",
        article_id,
    )


def _csv_tension(pg, article_id: str, tmp_path) -> float:
    with pg.expect_download() as dl:
        pg.get_by_role("button", name="Article scores as CSV").click()
    path = tmp_path / "scores.csv"
    dl.value.save_as(path)
    table = pd.read_csv(path)
    return float(table.set_index("id").loc[article_id, "tension"])


def _learn_from(db, aid: str, tmp_path) -> None:
    """validate and calibrate --corrections on the database the dashboard wrote: the correction
    made in the browser is a labelled row (tariffs read backwards: material cooperation, 2)."""
    from metrics.cli import main
    from metrics.score import corrections as C

    exported = tmp_path / "corrections.tsv"
    assert main(["corrections", "export", "-o", str(exported), "--db", str(db)]) == 0
    ((sentence, label),) = [line.split("\t") for line in exported.read_text(encoding="utf-8").splitlines()]
    assert label == "2" and "tariff" in sentence.lower()
    # Three missed acts in other passages, so that each class has two rows to cross-validate.
    with Store(db) as s:
        f = s.article_features(aid)
        for p, cue in ((1, "threat_force"), (2, "threat_force"), (3, "agreement")):
            SC.add(s, C.for_passage(f, s.lexicon, p, cue, source="US", target="CN"), who="ana")
        ids = SC.table(s)["id"].tolist()
    try:
        assert main(["validate", "--corrections", "--db", str(db)]) == 0
        assert main(["calibrate", "--corrections", "--db", str(db), "-o", str(tmp_path / "w.json"), "--folds", "2", "--l2", "1"]) == 0
        assert "sanctions" in (tmp_path / "w.json").read_text()
    finally:
        with Store(db) as s:
            SC.discard(s, ids[1:])  # the browser's correction stays for the rest of the test


def _expand(pg) -> None:
    head = pg.locator("[data-testid='stExpander'] summary", has_text="Correct a reading").first
    if pg.locator("[data-testid='stExpander']", has_text="Correct a reading").first.locator("[data-testid='stExpanderDetails']").is_hidden():
        head.click()
        idle(pg)


def test_an_editor_corrects_a_cue_the_chart_and_csv_change_a_viewer_cannot_and_undo_restores(page, server, tmp_path):
    aid = server["article"]
    _open_article(page, server, "ana")
    y0, csv0 = _point_y(page, aid), _csv_tension(page, aid, tmp_path)
    assert y0 is not None and y0 == pytest.approx(csv0, abs=0.06)
    _expand(page)
    row = page.locator("[class*='st-key-corr_sanctions_']").first
    row.get_by_role("button", name="Correct").click()
    pop = page.locator("[data-testid='stPopoverBody']")
    pop.get_by_text("wrong direction").click()
    idle(page)
    pop.get_by_label("Reason (optional)").fill("tariffs lifted, not raised")
    pop.get_by_role("button", name="Save correction").click()
    page.get_by_text("saved: wrong direction").wait_for()
    idle(page)
    y1, csv1 = _point_y(page, aid), _csv_tension(page, aid, tmp_path)
    assert y1 < y0 - 1 and csv1 == pytest.approx(y1, abs=0.06)  # the chart and the CSV moved together
    # The original reading stays on the page, struck through beside the correction.
    fix = page.locator(".tp-fix").first
    assert "corrected #1" in fix.inner_text() and "by ana" in fix.inner_text()
    assert fix.locator("s").count() == 1 and "escalation" in fix.locator("s").inner_text()
    with Store(server["db"]) as s:
        last = s.activity(1).iloc[0]
        assert (last["who"], last["action"], last["id"]) == ("ana", "correct", aid)
        (rec,) = SC.table(s).itertuples()
        assert (rec.kind, rec.cue, rec.who, rec.reason) == ("wrong_direction", "sanctions", "ana", "tariffs lifted, not raised")
    _learn_from(server["db"], aid, tmp_path)

    # A viewer sees the corrected reading and who made it, and no control to correct.
    viewer = page.context.browser.new_context(viewport={"width": 1440, "height": 1800})
    vp = viewer.new_page()
    vp.set_default_timeout(60_000)
    try:
        _open_article(vp, server, "ben")
        assert _point_y(vp, aid) == pytest.approx(y1, abs=0.01)
        _expand(vp)
        assert vp.get_by_text("a viewer: correcting a reading is for editors").count() == 1
        assert vp.get_by_role("button", name="Correct").count() == 0
        assert vp.get_by_role("button", name="Undo").count() == 0
        assert vp.locator(".tp-fix").count() == 1
    finally:
        viewer.close()

    # Undo brings the original reading back everywhere.
    _expand(page)
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("the original reading is back").wait_for()
    idle(page)
    assert _point_y(page, aid) == pytest.approx(y0, abs=0.01)
    assert _csv_tension(page, aid, tmp_path) == pytest.approx(csv0, abs=0.01)
    assert page.locator(".tp-fix").count() == 0
