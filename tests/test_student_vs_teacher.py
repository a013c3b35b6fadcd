"""Students against their teacher on the same test sentences (data.teacher_on_test), and trainer options per
group (the student-side techniques compared in one run)."""

import json
from pathlib import Path

import pytest

import nerdistill
from nerdistill.core.errors import NerdistillError
from tests.oracle_configs import SAMPLES, oracle_run_config
from tests.tiny_bert import build_tiny_bert



@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def write_config(tmp_path, tiny_bert, *, data="teacher_on_test = 20", group_training="{distilled_o_weight = 0.5}",
                 source="conll") -> Path:
    groups = f"""[[groups]]
name = "plain"
schedule = "pure_distilled"

[[groups]]
name = "weighted"
schedule = "pure_distilled"
training = {group_training}"""
    return oracle_run_config(tmp_path / "run.toml", tiny_bert, name="against", test=SAMPLES / "test.conll",
                             data=data, groups=groups, source=source, training="max_length = 64")


def test_students_are_scored_on_the_test_sentences_their_teacher_annotated(tmp_path, tiny_bert):
    config = write_config(tmp_path, tiny_bert)
    results = nerdistill.run(config, progress=False)
    run = tmp_path / "run"
    quality = json.loads((run / "distilled" / "teacher-on-test.quality.json").read_text())
    assert quality["sentences"] == 20 and len((run / "data" / "teacher-on-test.jsonl").read_text().splitlines()) == 20
    for row in results.models:
        assert row["teacher_on_test"]["sentences"] == 20 and 0 <= row["teacher_on_test"]["f1"] <= 1
        assert row["original_sentences"] == 0
    against = json.loads((run / "report.json").read_text())["against_teacher"]
    assert against["teacher_f1"] == quality["micro"]["f1"] and against["teacher"] == "oracle-noise/simulated, standard"
    rows = {r["name"]: r for r in against["rows"]}
    assert set(rows) == {"plain", "weighted"} and rows["plain"]["llm_calls"] == 6  # the test sample is not learnt
    plain = [m["teacher_on_test"]["f1"] for m in results.models if m["group"] == "plain"]
    assert rows["plain"]["margin_min"] == pytest.approx(min(plain) - quality["micro"]["f1"])
    assert rows["plain"]["higher"] == sum(f1 > quality["micro"]["f1"] for f1 in plain)
    assert "## Students against their teacher" in (run / "report.md").read_text()
    cards = {m["group"]: json.loads((run / "models" / m["group"] / "no-decay" / f"seed-{m['seed']}" / "model" /
                                     "nerdistill.json").read_text()) for m in results.models}
    assert cards["weighted"]["options"]["distilled_o_weight"] == 0.5 and cards["plain"]["options"][
        "distilled_o_weight"] == 1.0
    trained = sorted(run.glob("models/*/*/seed-*/model/model.safetensors"))
    assert len(trained) == 4  # the sample is never trained on: no group, no model of its own


def test_a_bad_trainer_option_of_a_group_names_the_group(tmp_path, tiny_bert):
    config = write_config(tmp_path, tiny_bert, group_training="{distilled_o_weight = 2}")
    with pytest.raises(NerdistillError, match="group 'weighted' training: distilled_o_weight"):
        nerdistill.run(config, progress=False)


@pytest.mark.parametrize("change, message", [
    ({"source": "teacher-on-test"}, "distill source name 'teacher-on-test' is the test sample's"),
    ({"data": "teacher_on_test = 0"}, "teacher_on_test"),
])
def test_a_teacher_sample_misconfigured_is_one_error(tmp_path, tiny_bert, change, message):
    with pytest.raises(NerdistillError, match=message):
        nerdistill.load_run_config(write_config(tmp_path, tiny_bert, **change))
