"""Groups set against a baseline seed by seed, in the report and on ``nerdistill report --baseline``."""

import json

import pytest

from nerdistill.core.errors import NerdistillError
from nerdistill.core.reporting.paired import paired_cells, paired_differences
from nerdistill.core.reporting.report import collect, markdown
from nerdistill.core.training.run_layout import model_folder, write_run_config


def result(group, seed, f1, decay=None):
    return {"group": group, "schedule": "simple_mix", "distilled": None, "decay": decay, "seed": seed, "f1": f1,
            "types": {"PER": f1}, "train_seconds": 1.0, "weights": [[1, 0], [0, 1]]}


def test_differences_are_taken_seed_by_seed_over_the_seeds_both_groups_have():
    rows = [result("A", 0, 0.78), result("A", 1, 0.80), result("A", 2, 0.79),
            result("E", 0, 0.80), result("E", 2, 0.78),  # seed 1 not trained yet
            result("E", 0, 0.70, decay=0.95),  # no baseline with this decay: left out
            result("B", 5, 0.40)]  # no seed in common: left out
    (e,) = paired_differences(rows, "A")
    assert (e["group"], e["decay"], e["baseline"], e["seeds"], e["higher"]) == ("E", None, "A", 2, 1)
    assert e["per_seed"] == pytest.approx({"0": 0.02, "2": -0.01})
    assert e["difference"] == pytest.approx(0.005) and e["difference_sd"] == pytest.approx(0.0212, abs=1e-4)
    assert paired_cells(e) == ("+0.005 ± 0.021", "1 of 2", "0: +0.020, 2: -0.010")


def test_one_shared_seed_gives_the_difference_without_a_spread():
    (d,) = paired_differences([result("A", 0, 0.78), result("D", 0, 0.75)], "A")
    assert d["difference_sd"] is None and paired_cells(d)[:2] == ("-0.030", "0 of 1")


def run_folder(tmp_path, groups, rows):
    for row in rows:
        folder = model_folder(tmp_path, row["group"], "no-decay" if row["decay"] is None else f"decay-{row['decay']}",
                              row["seed"])
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(row))
    write_run_config(tmp_path, {}, groups)
    return tmp_path


def test_the_report_sets_each_group_against_the_configs_first_unless_told_otherwise(tmp_path):
    rows = [result("all", 0, 0.77), result("simple_mix", 0, 0.81),
            result("all", 0, 0.79, 0.95), result("simple_mix", 0, 0.8, 0.95)]
    run = run_folder(tmp_path, ["simple_mix", "all"], rows)
    text = markdown(collect(run), "run")
    assert "### Against simple_mix, paired by seed (word level)" in text
    assert ("| all | no decay | simple_mix | -0.040 | 0 of 1 | 0: -0.040 |\n"
            "| all | decay 0.95 | simple_mix | -0.010 | 0 of 1 | 0: -0.010 |") in text
    assert "| simple_mix | no decay | all | +0.040 | 1 of 1 | 0: +0.040 |" in markdown(collect(run, "all"), "run")


def test_an_unknown_baseline_names_the_option_and_the_groups(tmp_path, run_cli):
    run = run_folder(tmp_path, ["A", "E"], [result("A", 0, 0.78), result("E", 0, 0.80)])
    with pytest.raises(NerdistillError, match=r"--baseline: no group 'Z' .* \(groups: A, E\)"):
        collect(run, "Z")
    outcome = run_cli("report", run, "--baseline", "E")
    assert outcome.exit_code == 0 and "| A | no decay | E | -0.020 | 0 of 1 |" in outcome.output
