import json

import pytest

from metrics.errors import WeightsError
from metrics.events.lexicon import default_lexicon, dump_weights, load_weights


@pytest.fixture
def lex():
    return default_lexicon()


def test_missing_ids_keep_defaults_json_and_yaml(tmp_path, lex):
    (tmp_path / "w.json").write_text(json.dumps({"sanctions": 10, "tone": 0}))
    (tmp_path / "w.yaml").write_text("sanctions: 10\ntone: 0\n")
    for name in ("w.json", "w.yaml"):
        w = load_weights(tmp_path / name, lex)
        vec, tone = lex.weight_vector(w)
        assert vec[lex.ids.index("sanctions")] == 10
        assert vec[lex.ids.index("agreement")] == lex.family("agreement").weight
        assert tone == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"sanctoins": 3}', "unknown cue id 'sanctoins'"),
        ('{"sanctions": "high"}', "weight for 'sanctions' is not a number"),
        ('{"sanctions": true}', "weight for 'sanctions' is not a number"),
        ('{"sanctions": -1}', "weight for 'sanctions' is negative"),
        ('["sanctions"]', "expected a mapping"),
        ('{"sanctions": 3', "not valid JSON"),
    ],
)
def test_bad_weights_files_name_the_file_and_key(tmp_path, lex, content, message):
    f = tmp_path / "bad.json"
    f.write_text(content)
    with pytest.raises(WeightsError) as err:
        load_weights(f, lex)
    assert message in str(err.value)
    assert str(f) in str(err.value)


def test_dump_round_trips(tmp_path, lex):
    f = tmp_path / "preset.json"
    weights = lex.default_weights() | {"threat_force": 9.5, "tone": 0.25}
    f.write_text(dump_weights(weights))
    assert load_weights(f, lex) == weights  # every weight back, not only the changed one


def test_every_family_is_documented_and_grounded(lex):
    assert len(lex.families) >= 20
    for f in lex.families:
        assert f.label and f.help and f.grounding, f.id
        assert f.weight >= 0


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"sanctions": 1' + "0" * 400 + "}", "weight for 'sanctions' is an integer of 401 digits, over the maximum of 100"),
        ('{"sanctions": 1' + "0" * 5000 + "}", "a number with too many digits"),
        ('{"sanctions": 1e308}', "weight for 'sanctions' is 1e+308, over the maximum of 100"),
        ('{"sanctions": 100.5}', "over the maximum of 100"),
        ('{"sanctions": "' + "x" * 10_000 + '"}', "is not a number: 'xxxx"),
        ('{"' + "k" * 10_000 + '": 1}', "unknown cue id 'kkk"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_hostile_weights_files_are_one_line_errors(tmp_path, lex, content, message):
    f = tmp_path / "hostile.json"
    f.write_text(content)
    with pytest.raises(WeightsError) as err:
        load_weights(f, lex)
    assert message in str(err.value) and len(str(err.value)) < 200


@pytest.mark.parametrize(
    "content, message",
    [
        ("sanctions: &x 1\ntone: *x\n", "YAML aliases (*name) are not allowed"),
        ("tone: {a: {b: 1}}\n", "nested too deeply"),
        ("tone: " + "1" * 5000 + "\n", "a number with too many digits"),
        ("tone: [" + ", ".join(["1"] * 20_000) + "]\n", "more than 10,000 values"),
    ],
)
def test_hostile_yaml_weights_are_refused_before_expanding(tmp_path, lex, content, message):
    f = tmp_path / "hostile.yaml"
    f.write_text(content)
    with pytest.raises(WeightsError) as err:
        load_weights(f, lex)
    assert message in str(err.value) and "\n" not in str(err.value) and len(str(err.value)) < 250


def test_alias_bomb_is_refused_in_one_line_by_the_cli_and_the_preset_parser(tmp_path, lex, capsys):
    from helpers import hostile_files as H

    from metrics.cli import main
    from metrics.views.presets import parse_preset

    bomb = H.yaml_alias_bomb()
    assert len(bomb) < 500
    with pytest.raises(WeightsError, match="aliases|nested too deeply"):
        parse_preset(bomb, "preset.yaml", lex)
    (tmp_path / "w.yaml").write_bytes(bomb)
    (tmp_path / "a.txt").write_text("Washington and Beijing agreed to resume talks.\n")
    assert main(["score", str(tmp_path / "a.txt"), "--weights", str(tmp_path / "w.yaml"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "w.yaml" in err[0] and ("aliases" in err[0] or "nested too deeply" in err[0])


def test_weights_up_to_the_maximum_are_accepted(tmp_path, lex):
    f = tmp_path / "w.yaml"
    f.write_text("tone: 100\nsanctions: 0\n")
    assert load_weights(f, lex) == {"tone": 100.0, "sanctions": 0.0}


def test_a_weights_file_names_its_lexicon_version_and_another_version_warns_once(tmp_path, lex, capsys):
    from metrics.cli import main

    saved = tmp_path / "preset.json"
    saved.write_text(dump_weights({"sanctions": 12.0}, lex))
    assert json.loads(saved.read_text())["lexicon_version"] == lex.declared_version
    (tmp_path / "a.txt").write_text("Washington imposed sanctions on Chinese firms, and Beijing condemned the move.\n")
    out = tmp_path / "s.csv"
    assert main(["score", str(tmp_path / "a.txt"), "--weights", str(saved), "-o", str(out), "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().err  # made for this lexicon: silent
    old = tmp_path / "old.yaml"
    old.write_text("lexicon_version: 2\nsanctions: 12\n")  # a preset from an older lexicon still loads
    assert main(["score", str(tmp_path / "a.txt"), "--weights", str(old), "-o", str(out), "--quiet"]) == 0
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"warning: {old}: made for lexicon version 2") and lex.declared_version in line
    # Weights files without the key (every file before it existed) load as before, silently.
    plain = tmp_path / "plain.json"
    plain.write_text('{"sanctions": 12}')
    assert load_weights(plain, lex) == load_weights(old, lex) == {"sanctions": 12.0}


def test_weights_are_one_checked_value(lex):
    w = lex.weights({"sanctions": 12})
    assert w["sanctions"] == 12 and w["agreement"] == lex.family("agreement").weight
    assert w.non_default() == {"sanctions": 12.0} and w.as_dict() == dict(lex.default_weights(), sanctions=12.0)
    assert lex.checked(w) is w and lex.weights() is lex.weights(None)  # built once, not per call
    with pytest.raises(ValueError):
        w.cues[0] = 99.0  # immutable: a chart cannot change the weights another chart reads
    for bad, needle in (({"bogus": 1}, "unknown cue id"), ({"tone": "x"}, "not a number"), ({"tone": 101}, "maximum")):
        with pytest.raises(WeightsError, match=needle):
            lex.weights(bad)
