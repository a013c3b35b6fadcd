"""Runs side by side: models matched by group, schedule and decay across run folders, read from the folders."""

import json

import pytest

from nerdistill.core.errors import NerdistillError
from nerdistill.core.training.run_layout import model_folder


def write_model(run_dir, group, schedule, seed, f1, decay=None, test_set="conll-test"):
    folder = model_folder(run_dir, group, "no-decay" if decay is None else f"decay-{decay}", seed)
    folder.mkdir(parents=True)
    row = {"group": group, "schedule": schedule, "decay": decay, "seed": seed, "f1": f1, "subword_f1": f1 - 0.01,
           "types": {"PER": f1}, "train_seconds": 1.0, "weights": [[1, 0]],
           "scored_on": {"test": test_set, "subword": True}}
    (folder / "result.json").write_text(json.dumps(row))


def write_quality(run_dir, source, micro_f1, strategy="cot"):
    scores = {"precision": 0.5, "recall": 0.5, "f1": micro_f1}
    (run_dir / "distilled").mkdir(parents=True, exist_ok=True)
    (run_dir / "distilled" / f"{source}.summary.json").write_text(json.dumps({"agreement": ["x", "y"]}))
    (run_dir / "distilled" / f"{source}.quality.json").write_text(json.dumps(
        {"micro": scores, "macro": scores, "weighted": scores, "types": {"PER": scores}, "strategy": strategy}))


@pytest.fixture
def two_teachers(tmp_path):
    strong, weak = tmp_path / "strong", tmp_path / "weak"
    for seed, (a, b) in enumerate([(0.80, 0.70), (0.82, 0.74)]):
        write_model(strong, "E", "simple_mix", seed, a)
        write_model(weak, "E", "simple_mix", seed, b)
    write_model(strong, "A", "pure_original", 0, 0.78)
    write_model(weak, "E", "simple_mix", 0, 0.60, decay=0.95)
    write_quality(strong, "conll", 0.75)
    write_quality(weak, "conll", 0.44)
    return strong, weak


def table_row(text, section, first_cell):
    part = text.split(f"### {section}")[1]
    return next(line for line in part.splitlines() if line.startswith(f"| {first_cell} |"))


def test_groups_line_up_one_column_a_run_with_the_difference_seed_by_seed(two_teachers, run_cli):
    strong, weak = two_teachers
    text = run_cli("compare", strong, weak, "--paper").output
    assert "| group | schedule | decay | strong | weak | difference (2nd - 1st) | paper F1 |" in text
    assert table_row(text, "Word level", "E").endswith(
        "| no decay | 0.810 ± 0.014 (n=2) | 0.720 ± 0.028 (n=2) | -0.090 ± 0.014 (higher on 0 of 2) | 0.869 |")
    assert table_row(text, "Subword level", "E").split(" | ")[5] == "-0.090"
    a_row = table_row(text, "Word level", "A")
    assert a_row.endswith("| 0.780 (n=1) | - | - | 0.850 |")
    decayed = [line for line in text.split("### Subword")[0].splitlines() if "decay 0.95" in line]
    assert decayed == ["| E | simple_mix | decay 0.95 | - | 0.600 (n=1) | - | 0.869 |"]


def test_annotation_quality_per_run_and_the_paper_once_per_strategy(two_teachers, run_cli):
    text = run_cli("compare", *two_teachers, "--paper").output
    assert "| strong: conll | 0.50 / 0.50 / 0.75 |" in text and "| weak: conll | 0.50 / 0.50 / 0.44 |" in text
    assert text.count("| paper: GPT-4 cot |") == 1 and "paper: GPT-4 standard" not in text
    plain = run_cli("compare", *two_teachers).output
    assert "paper: GPT-4" not in plain and "paper F1" not in plain
    annotation_only = run_cli("compare", *two_teachers, "--only", "annotation").output
    assert "| strong: conll |" in annotation_only and "Trained models" not in annotation_only
    models_only = run_cli("compare", *two_teachers, "--only", "models").output
    assert "Annotation quality" not in models_only and "### Word level" in models_only


def test_a_run_without_models_gets_no_column_and_the_markdown_can_be_written(two_teachers, tmp_path, run_cli):
    annotated_only = tmp_path / "annotated-only"
    write_quality(annotated_only, "conll", 0.5, strategy="standard")
    output, plot = tmp_path / "compared.md", tmp_path / "compared.png"
    text = run_cli("compare", *two_teachers, annotated_only, "--title", "Teachers", "-o", output, "--plot", plot).output
    assert output.read_text() in text and text.startswith("# Teachers")
    assert plot.read_bytes().startswith(b"\x89PNG")
    result = run_cli("compare", annotated_only, "--plot", tmp_path / "none.png")
    assert "no plot" in result.output and not (tmp_path / "none.png").exists()
    assert "| group | schedule | decay | strong | weak | difference (2nd - 1st) |" in text
    assert "annotated-only: conll" in text


def test_run_folders_sharing_a_name_are_refused(tmp_path):
    from nerdistill.core.reporting.comparison import compare

    (tmp_path / "a" / "run").mkdir(parents=True)
    (tmp_path / "b" / "run").mkdir(parents=True)
    with pytest.raises(NerdistillError, match="share a name"):
        compare([tmp_path / "a" / "run", tmp_path / "b" / "run"])


def test_three_runs_get_no_difference_column(two_teachers, tmp_path, run_cli):
    third = tmp_path / "third"
    write_model(third, "E", "simple_mix", 0, 0.5)
    text = run_cli("compare", *two_teachers, third).output
    assert "| group | schedule | decay | strong | weak | third |" in text and "difference" not in text


def test_a_folder_with_nothing_to_compare_is_named(two_teachers, tmp_path, run_cli):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("compare", two_teachers[0], empty)
    assert result.exit_code == 1 and "empty" in result.output and "nothing to compare" in result.output


def test_models_scored_on_different_test_sets_are_flagged(two_teachers, tmp_path, run_cli):
    assert "Not comparable" not in run_cli("compare", *two_teachers).output
    other = tmp_path / "other-test"
    write_model(other, "E", "simple_mix", 0, 0.9, test_set="another-test")
    assert "scored on 2 different test sets" in run_cli("compare", two_teachers[0], other).output


def test_runs_sharing_no_seed_differ_by_their_means(two_teachers, tmp_path, run_cli):
    strong, _ = two_teachers
    other = tmp_path / "other"
    write_model(other, "E", "simple_mix", 7, 0.85)
    text = run_cli("compare", strong, other).output
    assert table_row(text, "Word level", "E").endswith("| 0.810 ± 0.014 (n=2) | 0.850 (n=1) | +0.040 |")


def test_a_group_named_differently_in_another_run_is_matched_by_name(two_teachers, run_cli):
    strong, weak = two_teachers
    for seed, f1 in enumerate([0.66, 0.70]):
        write_model(strong, "B", "pure_distilled", seed, f1)
        write_model(weak, "B-agreed", "pure_distilled", seed, f1 - 0.05)
    text = run_cli("compare", strong, weak, "--same-group", "B-agreed=B").output
    assert table_row(text, "Word level", "B = B-agreed").endswith(
        "| 0.680 ± 0.028 (n=2) | 0.630 ± 0.028 (n=2) | -0.050 ± 0.000 (higher on 0 of 2) |")
    apart = run_cli("compare", strong, weak).output
    assert "| B | pure_distilled" in apart and "| B-agreed | pure_distilled" in apart


@pytest.mark.parametrize("value, message", [
    ("B-agreed", "give two group names"), ("B=B", "give two group names"),
    ("C-x=C", "no run has a trained group 'C-x'"),
])
def test_same_group_errors_name_the_option(two_teachers, run_cli, value, message):
    write_model(two_teachers[1], "B-agreed", "pure_distilled", 0, 0.6)
    result = run_cli("compare", *two_teachers, "--same-group", value)
    assert result.exit_code != 0 and message in result.output and "--same-group" in result.output


def test_a_run_with_both_groups_matched_as_one_is_refused(two_teachers, run_cli):
    strong, weak = two_teachers
    write_model(weak, "A-again", "pure_original", 0, 0.7)
    write_model(weak, "A", "pure_original", 0, 0.7)
    result = run_cli("compare", strong, weak, "--same-group", "A-again=A")
    assert result.exit_code == 1 and "both groups matched as A" in result.output and str(weak) in result.output
