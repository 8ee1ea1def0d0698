import json

import pytest

from metrics.errors import WeightsError
from metrics.lexicon import default_lexicon, dump_weights, load_weights


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
    f.write_text(dump_weights(lex.default_weights() | {"threat_force": 9.5}))
    assert load_weights(f, lex)["threat_force"] == 9.5


def test_every_family_is_documented_and_grounded(lex):
    assert len(lex.families) >= 20
    for f in lex.families:
        assert f.label and f.help and f.grounding, f.id
        assert f.weight >= 0


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"sanctions": 1' + "0" * 400 + "}", "weight for 'sanctions' is not a number"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_hostile_weights_files_are_one_line_errors(tmp_path, lex, content, message):
    f = tmp_path / "hostile.json"
    f.write_text(content)
    with pytest.raises(WeightsError) as err:
        load_weights(f, lex)
    assert message in str(err.value) and len(str(err.value)) < 200
