"""validate, calibrate, validate-events and validate-series on small tables written for these tests."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from metrics.cli import main
from metrics.events.lexicon import default_lexicon, load_weights
from metrics.score.validation import fit_weights, goldstein_of, roc_auc

# Conflict reported in warm words and cooperation in grim ones: VADER reads each backwards,
# the cues do not.
CONFLICT = [
    "Freedonia imposed new sanctions on Sylvania, a great win for its workers.",
    "Rebels killed twelve soldiers in an ambush, the army said, proud of its brave response.",
    "Troops shelled the border town overnight, and officials welcomed the quick victory.",
    "The government expelled three diplomats, saying it was happy to protect the nation.",
    "Police arrested dozens of protesters, a success celebrated by the ministry.",
]
COOPERATION = [
    "The two countries signed an agreement to fight terrorism, crime and poverty.",
    "Latveria sent emergency aid to the flood victims after the deadly disaster.",
    "Freedonia and Sylvania signed a trade agreement despite the bitter dispute.",
    "Ruritania sent aid to the victims of the terrible earthquake.",
    "The rivals signed a peace agreement to end the bloody conflict.",
]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_headerless(path, rows):
    path.write_text("".join(f"{t}\t{lab}\r\n" for t, lab in rows), encoding="utf-8")
    return path


@pytest.fixture
def labelled(tmp_path):
    rows = [(t, 4 if i % 2 else 3) for i, t in enumerate(CONFLICT)]
    rows += [(t, 2 if i % 2 else 1) for i, t in enumerate(COOPERATION)]
    rows.append(('The minister said "we will see" about the plan.', 0))  # neither class: dropped
    return write_headerless(tmp_path / "labelled.tsv", rows)


def test_roc_auc_counts_ties_half():
    y = np.array([1, 1, 0, 0], dtype=bool)
    assert roc_auc(y, np.array([3, 1, 2, 0])) == 0.75
    assert roc_auc(y, np.array([1, 1, 1, 1])) == 0.5
    assert roc_auc(y, np.array([0, 0, 1, 1])) == 0.0


def test_validate_headerless_tsv_index_beside_vader(labelled, capsys):
    code, out, err = run(capsys, "validate", labelled, "--format", "json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["n"] == {"positive": 5, "negative": 5, "dropped": 1, "errors": 0, "not_about_pair": 0}
    assert rep["dyad"] == "none"  # validate's default: labelled sentences concern many countries
    assert rep["index"]["auc"] >= 0.9 and rep["index"]["accuracy"] >= 0.9
    assert rep["vader"]["auc"] <= 0.5 and rep["vader"]["accuracy"] <= 0.5
    # The text report shows the same figures side by side.
    code, out, err = run(capsys, "validate", labelled)
    assert code == 0, err
    auc_line = next(line for line in out.splitlines() if line.startswith("ROC AUC"))
    assert auc_line.split()[2:4] == [f"{rep['index']['auc']:.3f}", f"{rep['vader']['auc']:.3f}"]
    assert "5 positive: labels 3,4" in out and "1 dropped" in out


def test_validate_json_keys_are_stable(labelled, capsys):
    rep = json.loads(run(capsys, "validate", labelled, "--format", "json")[1])
    assert list(rep) == ["file", "labels", "weights", "dyad", "n", "index", "vader", "cues_only", "families"]
    assert list(rep["index"]) == ["auc", "accuracy", "no_signal"]
    assert list(rep["families"][0]) == [
        "id", "direction", "weight", "fires_positive", "fires_negative", "flipped", "precision"
    ]
    assert {f["id"] for f in rep["families"]} == set(default_lexicon().ids) | {"tone"}


def test_family_precision_counts_firings_on_each_side(tmp_path, capsys):
    table = tmp_path / "l.csv"
    pd.DataFrame({
        "sentence": [
            "Freedonia imposed sanctions on Sylvania.",
            "Sylvania imposed sanctions on Latveria.",
            "Latveria imposed sanctions on Ruritania after the summit.",
            "Freedonia and Sylvania signed an agreement.",
        ],
        "kind": ["conflict", "conflict", "peace", "peace"],
    }).to_csv(table, index=False)
    code, out, err = run(capsys, "validate", table, "--text-column", "sentence", "--label-column", "kind",
                         "--positive", "conflict", "--negative", "peace", "--format", "json")
    assert code == 0, err
    fam = {f["id"]: f for f in json.loads(out)["families"]}
    assert (fam["sanctions"]["fires_positive"], fam["sanctions"]["fires_negative"]) == (2, 1)
    assert fam["sanctions"]["precision"] == pytest.approx(2 / 3)
    assert fam["agreement"]["fires_negative"] == 1 and fam["agreement"]["precision"] == 1.0
    assert fam["expulsion"]["precision"] is None  # never fired: no precision, not a fake 0


def test_validate_jsonl_with_numeric_labels_and_weights_file(tmp_path, capsys):
    table = tmp_path / "l.jsonl"
    rows = [{"text": t, "label": 4} for t in CONFLICT] + [{"text": t, "label": 1} for t in COOPERATION]
    table.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    base = json.loads(run(capsys, "validate", table, "--format", "json")[1])
    w = tmp_path / "w.json"
    w.write_text(json.dumps({"sanctions": 0, "violence": 0, "expulsion": 0, "coercion": 0, "protest": 0}))
    code, out, err = run(capsys, "validate", table, "--format", "json", "--weights", w)
    assert code == 0, err
    muted = json.loads(out)
    assert muted["weights"] == str(w)
    assert muted["index"]["accuracy"] < base["index"]["accuracy"]
    assert muted["vader"] == base["vader"]  # VADER alone does not depend on the weights


@pytest.mark.parametrize(
    "content, args, message",
    [
        ("text,kind\nFreedonia imposed sanctions.,3\n", [], "no column 'label' (--label-column); columns are: text, kind"),
        ("text,label\nFreedonia imposed sanctions.,3\nSylvania imposed sanctions.,4\n", [],
         "need rows of both classes (positive 3,4; negative 1,2); found 2 and 0; labels in the file: 3, 4"),
    ],
)
def test_validate_bad_table_is_one_line(tmp_path, capsys, content, args, message):
    table = tmp_path / "l.csv"
    table.write_text(content)
    code, out, err = run(capsys, "validate", table, *args)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [f"error: {table}: {message}"]
    assert "Traceback" not in err


def test_validate_empty_row_is_named_and_the_rest_is_scored(tmp_path, capsys):
    rows = [(t, 3) for t in CONFLICT] + [("  ", 3)] + [(t, 1) for t in COOPERATION]
    table = write_headerless(tmp_path / "l.tsv", rows)
    code, out, err = run(capsys, "validate", table, "--format", "json")
    assert code == 1
    assert err.strip() == f"error: {table}: row 6: empty text"
    assert json.loads(out)["n"]["positive"] == 5


def test_validate_help_explains_headerless_and_dyad(capsys):
    assert main(["validate", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "headerless `sentence<TAB>label`" in out
    assert "Default here: none" in out


# ---------------------------------------------------------------------------- calibrate


def test_fit_lowers_a_misleading_cue_and_keeps_every_sign():
    rng = np.random.default_rng(1)
    n = 200
    y = rng.random(n) < 0.5
    good = np.where(y, 1.0, -1.0) * (rng.random(n) < 0.6)  # points the right way
    # A de-escalation cue (negative contribution) that fires mostly on conflict rows.
    bad = -1.0 * (rng.random(n) < np.where(y, 0.5, 0.1))
    X = np.column_stack([good, bad])
    w0 = np.array([3.0, 5.0])
    w = fit_weights(X, y, w0, l2=0.01)
    assert np.all(w >= 0) and np.all(w <= 10)
    assert w[1] < 1.0 < w0[1]  # the misleading cue is turned down, never flipped
    assert w[0] > w0[0]
    assert roc_auc(y, X @ w) > roc_auc(y, X @ w0)
    # A strong penalty keeps the starting weights.
    assert fit_weights(X, y, w0, l2=1e6) == pytest.approx(w0, abs=0.05)


def calibration_table(tmp_path):
    names = ["Freedonia", "Sylvania", "Latveria", "Ruritania", "Genovia", "Elbonia"]
    rows = []
    for a, b in zip(names, names[1:] + names[:1]):
        rows += [
            (f"{a} imposed sanctions on {b}.", 3),
            (f"{a} troops killed soldiers of {b}.", 4),
            # In this labelled set, meetings are reported as part of conflicts.
            (f"The leaders of {a} and {b} met on Monday.", 3),
            (f"{a} and {b} signed an agreement.", 1),
            (f"{a} sent aid to {b}.", 2),
            (f"{a} and {b} discussed trade quotas.", 1),
        ]
    return write_headerless(tmp_path / "train.tsv", rows)


@pytest.mark.slow
def test_calibrate_writes_a_loadable_preset_and_reports_before_after(tmp_path, capsys):
    table = calibration_table(tmp_path)
    out_file = tmp_path / "weights.json"
    code, out, err = run(capsys, "calibrate", table, "-o", out_file)
    assert code == 0, err
    lex = default_lexicon()
    weights = load_weights(out_file, lex)  # the --weights format, every id present
    assert json.loads(out_file.read_text())["lexicon_version"] == lex.declared_version
    assert set(weights) == set(lex.ids) | {"tone"}
    assert all(0 <= v <= 10 for v in weights.values())
    assert weights["meeting_held"] < lex.family("meeting_held").weight
    before = float(out.split("before (defaults): AUC ")[1].split()[0])
    after = float(out.split("AUC ")[2].split()[0])
    assert after > before
    assert "5-fold stratified cross-validation (seed 0)" in out
    # The preset is what validate and score read.
    code, out, err = run(capsys, "validate", table, "--weights", out_file, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["index"]["auc"] >= before


def test_calibrate_is_reproducible(tmp_path, capsys):
    table = calibration_table(tmp_path)
    run(capsys, "calibrate", table, "-o", tmp_path / "a.json", "--l2", "0.1")
    run(capsys, "calibrate", table, "-o", tmp_path / "b.json", "--l2", "0.1")
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()


@pytest.mark.slow
def test_calibrate_unwritable_output_leaves_nothing(tmp_path, capsys):
    table = calibration_table(tmp_path)
    target = tmp_path / "missing-dir" / "w.json"
    code, out, err = run(capsys, "calibrate", table, "-o", target)
    assert code == 2
    assert err.strip().startswith(f"error: {target}: cannot write")
    assert not target.parent.exists()


def test_calibrate_too_few_rows_is_one_line(tmp_path, capsys):
    table = write_headerless(tmp_path / "t.tsv", [(CONFLICT[0], 3), (COOPERATION[0], 1)])
    code, out, err = run(capsys, "calibrate", table, "-o", tmp_path / "w.json")
    assert code == 1 and "at least 2 rows of each class" in err
    assert not (tmp_path / "w.json").exists()


def test_calibrate_help_says_what_it_does_not_prove(capsys):
    assert main(["calibrate", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "does NOT prove" in out and "learns that set's style" in out
    assert "The test that counts is a separate labelled set" in out
    assert "[0, 10]" in out and "sign" in out.lower()


# ---------------------------------------------------------------------------- CAMEO events

GOLDSTEIN = "CAMEOEVENTCODE\tGOLDSTEINSCALE\n05\t3.5\n057\t8.0\n16\t-4.0\n163\t-8.0\n01\t0.0\n010\t0.0\n"


def test_goldstein_longest_prefix():
    table = {"16": -4.0, "163": -8.0, "057": 8.0}
    assert goldstein_of("163", table) == -8.0
    assert goldstein_of("1631", table) == -8.0
    assert goldstein_of("169", table) == -4.0
    assert goldstein_of("999", table) is None


def test_validate_events_sign_agreement(tmp_path, capsys):
    events = tmp_path / "events.tsv"
    events.write_text(
        "id\tdate\tcategory\ttext\texpected_events(src>tgt:cameo)\r\n"
        "E1\t20000101\tT\tFreedonia imposed sanctions on Sylvania.\tFRE>SYL:163\r\n"
        "E2\t20000101\tT\tFreedonia and Sylvania signed an agreement.\tFRE>SYL:0571;SYL>FRE:057\r\n"
        "E3\t20000101\tT\tLatveria signed a new agreement with Ruritania.\tLAT>RUR:16\r\n"
        "E4\t20000101\tT\tThe minister made a statement.\tFRE>SYL:010\r\n"
        "E5\t20000101\tT\tThe minister spoke.\tFRE>SYL:999\r\n"
        "E6\t20000101\tT\tNothing was coded here.\t\r\n"
    )
    cameo = tmp_path / "cameo.tsv"
    cameo.write_text(GOLDSTEIN)
    code, out, err = run(capsys, "validate-events", events, cameo, "--format", "json")
    assert code == 0, err
    rep = json.loads(out)
    # E4 (Goldstein 0), E5 (unmapped code) and E6 (no code) do not count.
    assert (rep["nonzero"], rep["agree"], rep["share"]) == (3, 2, pytest.approx(2 / 3))
    assert rep["unmapped_codes"] == ["999"]
    assert [d["id"] for d in rep["disagreements"]] == ["E3"]
    code, out, err = run(capsys, "validate-events", events, cameo, "--verbose")
    assert code == 0, err
    assert "2/3 = 66.7%" in out
    assert "E3: Goldstein -4.0" in out and "Latveria signed a new agreement" in out


def test_validate_events_missing_column(tmp_path, capsys):
    events = tmp_path / "events.tsv"
    events.write_text("id\tsentence\tcodes\nE1\tFreedonia imposed sanctions.\tA>B:163\n")
    cameo = tmp_path / "cameo.tsv"
    cameo.write_text(GOLDSTEIN)
    code, out, err = run(capsys, "validate-events", events, cameo, "--text-column", "sentence")
    assert code == 1
    assert err.strip() == f"error: {events}: no column 'expected...' (--events-column); columns are: id, sentence, codes"
    code, out, err = run(capsys, "validate-events", events, cameo, "--text-column", "sentence", "--events-column", "codes")
    assert code == 0 and "1/1 = 100.0%" in out


# ---------------------------------------------------------------------------- reference series


@pytest.fixture
def series(tmp_path):
    dates, tensions = [], []
    monthly = [10, -20, 30, 5, 50, -40]
    for m, t in enumerate(monthly, 1):
        for day, jitter in ((3, -2), (17, 2)):
            dates.append(f"2021-{m:02d}-{day:02d}")
            tensions.append(t + jitter)
    scores = tmp_path / "scores.csv"
    pd.DataFrame({"id": range(len(dates)), "date": dates, "tension": tensions}).to_csv(scores, index=False)
    ref = tmp_path / "gpr.csv"
    # A reference that moves with the index, on another scale, for five of its six months.
    pd.DataFrame({"period": [f"2021-{m:02d}" for m in (1, 2, 3, 4, 5)], "value": [110, 80, 130, 105, 150]}).to_csv(
        ref, index=False
    )
    return scores, ref


def test_validate_series_spearman_and_html_plot(series, tmp_path, capsys):
    scores, ref = series
    plot = tmp_path / "plot.html"
    code, out, err = run(capsys, "validate-series", scores, ref, "-o", plot, "--format", "json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["periods"] == {"scores": 6, "reference": 5, "both": 5}
    assert rep["levels"]["n"] == 5 and rep["levels"]["rho"] == pytest.approx(1.0)
    assert rep["changes"]["n"] == 4 and rep["changes"]["rho"] == pytest.approx(1.0)
    assert 0 <= rep["levels"]["p"] < 0.05
    assert plot.exists() and "plotly" in plot.read_text()[:100000].lower()


def test_validate_series_falls_back_to_html(series, tmp_path, capsys, monkeypatch):
    import plotly.graph_objects as go

    def no_chrome(self, *a, **k):
        # kaleido's real message starts with blank lines; the reason must still reach the user
        raise RuntimeError("\n\nKaleido requires Google Chrome to be installed.\n\nEither download it ...")

    monkeypatch.setattr(go.Figure, "write_image", no_chrome)
    scores, ref = series
    code, out, err = run(capsys, "validate-series", scores, ref, "-o", tmp_path / "plot.png")
    assert code == 0, err
    assert "fell back to HTML" in out and str(tmp_path / "plot.html") in out
    assert "(RuntimeError: Kaleido requires Google Chrome to be installed.)" in out
    assert (tmp_path / "plot.html").exists() and not (tmp_path / "plot.png").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium for kaleido")
def test_validate_series_png(series, tmp_path, capsys):
    scores, ref = series
    code, out, err = run(capsys, "validate-series", scores, ref, "-o", tmp_path / "plot.png")
    assert code == 0, err
    assert "plot written" in out
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validate_series_bad_inputs(series, tmp_path, capsys):
    scores, ref = series
    other = tmp_path / "other.csv"
    other.write_text("period,value\n1999-01,3\n")
    code, out, err = run(capsys, "validate-series", scores, other)
    assert code == 1 and "share no month" in err
    broken = tmp_path / "broken.csv"
    broken.write_text("id,score\n1,2\n")
    code, out, err = run(capsys, "validate-series", broken, ref)
    assert code == 1
    assert err.strip().startswith(f"error: {broken}: no column 'date', 'tension'")
    bad_ref = tmp_path / "bad_ref.csv"
    bad_ref.write_text("period,value\n2021-01,3\nsoon,4\n")
    code, out, err = run(capsys, "validate-series", scores, bad_ref)
    assert code == 1 and err.strip() == f"error: {bad_ref}: row 2: cannot read period 'soon' and value '4'"


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "labels.tsv", "--show-errors", "-1"],
        ["validate", "labels.tsv", "--worst", "-2"],
        ["calibrate", "labels.tsv", "-o", "w.json", "--folds", "1"],
        ["calibrate", "labels.tsv", "-o", "w.json", "--l2", "-5"],
    ],
)
def test_nonsense_counts_are_refused(argv, capsys):
    from metrics.cli import main

    assert main(argv) == 2
    assert "must be at least" in capsys.readouterr().err
