"""docs/reproduction.md's tables 1 to 3 say what the committed reports say.

Those tables are written by hand (they add the paper's figures and F1 per type beside ours), so this checks
each of their rows against ``reproduction/results/<run>/report.json``, the report ``nerdistill report`` wrote
from the run folder: a figure copied wrong, or left behind when more seeds come in, fails here.
"""

import json
import re
import statistics
from pathlib import Path

import pytest

from nerdistill.core.reporting.paired import paired_cells
from nerdistill.core.reporting.curve import worth_cell
from nerdistill.core.reporting.report import TYPES, f1_cell, paper_quality_row, quality_row

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "reproduction" / "results"


def section(title: str) -> str:
    text = (ROOT / "docs" / "reproduction.md").read_text()
    return re.search(rf"^## {title}\b.*?(?=^## )", text, re.M | re.S).group(0)


def tables(text: str, header_start: str) -> list[list[list[str]]]:
    """The rows (cells stripped) of each Markdown table in ``text`` whose header begins with ``header_start``."""
    found = re.findall(rf"^{re.escape(header_start)}.*\n\|[-|]+\|\n((?:\|.*\n)+)", text, re.M)
    return [[[c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines()]
            for block in found]


def test_table_1_columns_are_the_reports_and_the_papers():
    (rows,) = tables(section("Table 1"), "| | GPT-4 standard (paper) |")
    columns = list(zip(*rows))
    phase1 = json.loads((RESULTS / "reproduction-phase1" / "report.json").read_text())["annotation"]
    oracle = json.loads((RESULTS / "reproduction-phase2-oracle" / "report.json").read_text())["annotation"]
    expected = [paper_quality_row("standard"), paper_quality_row("cot"),
                quality_row("", phase1["conll-standard"]["quality"]), quality_row("", phase1["conll-cot"]["quality"]),
                quality_row("", oracle["conll"]["quality"])]
    assert columns[0][:7] == ("micro", "macro F1", "weighted F1", *TYPES)
    for column, quality in zip(columns[1:], expected):
        assert column[:7] == quality[1:], column
    failed = [phase1["conll-standard"]["summary"]["failed"], phase1["conll-cot"]["summary"]["failed"],
              oracle["conll"]["summary"]["failed"]]
    assert columns[0][7] == "failed answers" and [int(columns[i][7]) for i in (3, 4, 5)] == failed


def key(label: str) -> str:
    """``simple mix (phase 2's E)`` and ``simple_mix``, ``sigmoid k=2`` and ``sigmoid:k=2``: the same key."""
    return re.sub(r"[^a-z0-9.=]", "", label.split(" (")[0].lower())


def aggregates(run: str) -> dict[str, dict]:
    report = json.loads((RESULTS / run / "report.json").read_text())
    return {key(r["group"]): r for r in report["aggregates"] if r["decay"] is None}


def assert_row_matches(row: list[str], record: dict) -> None:
    """A row ending in F1, subword F1, the paper's F1, then F1 per type."""
    assert_cells_match(row[-7], row[-6], row[-4:], record)


def assert_cells_match(f1: str, subword: str, types: list[str], record: dict) -> None:
    row = [f1, subword, *types]
    assert f1.startswith(f1_cell(record, "f1")) and f"n={record['seeds']}" in f1, (row, record["f1"])
    assert subword == f1_cell(record, "subword_f1"), row
    assert types == [f"{record['types'][t]:.3f}" for t in TYPES], row


@pytest.mark.parametrize("position, run", [(0, "reproduction-phase2-oracle"), (1, "reproduction-phase2-local")])
def test_table_2_rows_are_the_reports(position, run):
    rows = tables(section("Table 2"), "| group | schedule | F1 word level |")[position]
    records = aggregates(run)
    assert [key(r[0]) for r in rows] == list(records)
    for row in rows:
        assert_row_matches(row, records[key(row[0])])


@pytest.mark.parametrize("position, run", [(0, "reproduction-phase3-oracle"), (1, "reproduction-phase3-local")])
def test_table_3_rows_are_the_reports(position, run):
    rows = tables(section("Table 3"), "| schedule | F1 word level |")[position]
    records = aggregates(run)
    assert sorted(key(r[0]) for r in rows) == sorted(records)
    for row in rows:
        assert_row_matches(row, records[key(row[0])])


def test_the_control_table_is_the_reports():
    (rows,) = tables(section("Table 2"), "| model | F1 word level |")
    sources = [("reproduction-phase2-local", "a"), ("reproduction-control-epochs", "a"),
               ("reproduction-phase2-local", "d"), ("reproduction-phase2-local", "e")]
    assert len(rows) == len(sources)
    for row, (run, group) in zip(rows, sources):
        record = aggregates(run)[group]
        assert_cells_match(row[1], row[2], row[3:7], record)
        assert row[7] == ", ".join(f"{f1:.3f}" for f1 in record["per_seed"].values())


def test_the_differences_from_a_are_the_reports():
    (rows,) = tables(section("Table 2"), "| group | simulated GPT-4 teacher | higher than A on |")
    paired = {run: {r["group"]: r for r in json.loads((RESULTS / run / "report.json").read_text())["paired"]}
              for run in ("reproduction-phase2-oracle", "reproduction-phase2-local")}
    assert [row[0] for row in rows] == list(paired["reproduction-phase2-local"])
    for row in rows:
        for (difference, higher), run in zip([row[1:3], row[3:5]], paired):
            cells = paired_cells(paired[run][row[0]])
            assert difference == cells[0] and higher.split(" seeds")[0] == cells[1], row


def mean_sd(mean, sd) -> str:
    return "-" if mean is None else f"{mean:.3f} ± {sd:.3f}"


def test_the_gold_budget_curve_is_the_results_file():
    curve = json.loads((RESULTS / "gold-curve.json").read_text())
    text = section("The gold-budget curve")
    (rows,) = tables(text, "| gold sentences | gold only |")
    assert [int(row[0]) for row in rows] == curve["sizes"]
    assert [c["name"] for c in curve["curves"]] == ["gold", "gold-curve-local: distilled-then-gold",
                                                    "gold-curve-oracle: distilled-then-gold"]
    for index, row in enumerate(rows):
        assert row[1:] == [mean_sd(c["f1_mean"][index], c["f1_sd"][index]) for c in curve["curves"]], row
        assert all(len(c["seeds"][index]) >= 3 for c in curve["curves"] if c["f1_mean"][index] is not None), row
    (worth,) = tables(text, "| gold sentences | + local teacher: F1 |")
    by_size = {(w["name"], w["at_size"]): w for w in curve["worth"]}
    paired = {(p["name"], p["at_size"]): p for p in curve["paired"]}
    for row in worth:
        for offset, name in ((1, curve["curves"][1]["name"]), (5, curve["curves"][2]["name"])):
            entry = by_size[(name, int(row[0]))]
            assert row[offset] == f"{entry['f1']:.3f}" and row[offset + 1] == worth_cell(entry["gold_equivalent"])
            pair = paired.get((name, int(row[0])))
            expected = ("-", "-") if pair is None else (f"{pair['difference']:+.3f} ± {pair['difference_sd']:.3f}",
                                                      f"{pair['higher']} of {len(pair['seeds'])}")
            assert (row[offset + 2], row[offset + 3]) == expected, row


def test_the_students_against_their_teacher_are_the_results_file():
    rows = {r["name"]: r for r in json.loads((RESULTS / "student-vs-teacher.json").read_text())}
    (table,) = tables(section("Students against their teacher"), "| student | teacher F1 |")
    assert table
    for row in table:
        record = rows[row[0].strip("`")]
        assert row[1:] == [f"{record['teacher_f1']:.3f}", str(record["gold_sentences"]),
                           mean_sd(record["student_f1_mean"], record["student_f1_sd"]),
                           f"{record['student_f1_mean'] - record['teacher_f1']:+.3f}",
                           f"{record['margin_min']:+.3f}", f"{record['higher']} of {record['seeds']}",
                           str(record["llm_calls"]), f"{record['cpu_minutes']:.0f}"], row


def test_the_demonstrations_table_is_the_results_file():
    rows = {r["name"]: r for r in json.loads((RESULTS / "teacher-demos.json").read_text())}
    (table,) = tables(section("Better labels from the same teacher"), "| demonstrations |")
    assert {row[0].strip("`") for row in table} == set(rows)
    for row in table:
        record = rows[row[0].strip("`")]
        seconds = record["wall_seconds_per_answer"]
        assert row[1:] == [str(record["pool"]), *(f"{record[key]:.3f}" for key in ("precision", "recall", "f1")),
                           *(f"{record['types'][t]:.3f}" for t in ("LOC", "MISC", "ORG", "PER")),
                           f"{seconds:.1f}" if seconds is not None else "-"], row


def test_the_students_of_the_demonstrations_are_the_report():
    report = json.loads((RESULTS / "teacher-demos" / "report.json").read_text())
    groups = {a["group"]: a for a in report["aggregates"]}
    (paired,) = report["paired"]
    text = " ".join(section("Better labels from the same teacher").split())
    fixed, nearest = groups["fixed-4"], groups["embedding-1000"]
    assert (f"score {fixed['f1']:.3f} ± {fixed['f1_sd']:.3f} on the fixed examples' labels and "
            f"{nearest['f1']:.3f} ± {nearest['f1_sd']:.3f} on the nearest-of-1000 ones: "
            f"+{paired['difference']:.3f} ± {paired['difference_sd']:.3f} paired by seed ("
            + ", ".join(f"{paired['per_seed'][s]:+.3f}" for s in ("0", "1", "2")) + ")") in text
    assert f"higher on {paired['higher']} of {paired['seeds']}" in text


def test_the_votes_table_is_the_results_file():
    rows = {r["name"]: r for r in json.loads((RESULTS / "teacher-votes.json").read_text())}
    (table,) = tables(section("Self-consistency: votes of the teacher's three annotations"), "| annotation |")
    assert {row[0].strip("`") for row in table} == set(rows)
    for row in table:
        record = rows[row[0].strip("`")]
        votes = f"{record['min_votes']} of {len(record['sources'])}" if len(record["sources"]) > 1 else "-"
        assert row[1:] == [votes, str(record["llm_calls"]),
                           *(f"{record[key]:.3f}" for key in ("precision", "recall", "f1"))], row


def _models(run: str) -> dict[tuple[str, int], dict]:
    report = json.loads((RESULTS / run / "report.json").read_text())
    return {(m["group"] + (f"@{m['original_sentences']}" if m.get("original_sentences") else ""), m["seed"]): m
            for m in report["models"]}


def test_the_best_demonstrations_on_all_1000_are_the_report():
    report = json.loads((RESULTS / "teacher-demos-all" / "report.json").read_text())
    quality = report["annotation"]["embedding-1000"]["quality"]["micro"]
    text = " ".join(section("The best demonstrations on all 1000 sentences").split())
    assert (f"micro precision {quality['precision']:.3f}, recall {quality['recall']:.3f}, F1 {quality['f1']:.3f}"
            in text)
    ours, curve = _models("teacher-demos-all"), _models("gold-curve-local")
    seeds = (0, 1, 2)

    def described(group: str, against: dict, against_group: str) -> str:
        mine = [ours[(group, s)]["f1"] for s in seeds]
        differences = [ours[(group, s)]["f1"] - against[(against_group, s)]["f1"] for s in seeds]
        return (f"{statistics.fmean(mine):.3f} ± {statistics.stdev(mine):.3f}", f"{statistics.fmean(differences):+.3f}",
                ", ".join(f"{d:+.3f}" for d in differences))

    mean, difference, per_seed = described("distilled", curve, "distilled")
    assert f"score {mean} on the test split" in text and f"{difference} paired by seed ({per_seed})" in text
    mean, difference, per_seed = described("distilled-then-gold@1000", ours, "gold@1000")
    assert f"distilled-then-gold {mean}" in text and f"{difference} over gold alone ({per_seed})" in text
    gold, fixed_then_gold, fixed = ([models[(group, s)]["f1"] for s in seeds] for models, group in (
        (ours, "gold@1000"), (curve, "distilled-then-gold@1000"), (curve, "distilled")))
    assert f"against {statistics.fmean(gold):.3f} ± {statistics.stdev(gold):.3f} for gold alone" in text
    assert (f"fixed examples' labels scored {statistics.fmean(fixed_then_gold):.3f} ± "
            f"{statistics.stdev(fixed_then_gold):.3f}") in text and f"against {statistics.fmean(fixed):.3f} for" in text
    sample = ", ".join(f"{ours[('distilled', s)]['teacher_on_test']['f1']:.3f}" for s in seeds[:-1])
    assert f"the students score {sample} and" in text


def test_the_cost_per_point_table_is_the_results_file():
    results = json.loads((RESULTS / "cost-per-point.json").read_text())
    curves = {json.loads((RESULTS / run / "report.json").read_text())["gold_curve"]["paired"][-1]["difference"]
              for run in results}
    text = section("What a point of F1 costs")
    (table,) = tables(text, "| teacher |")
    expected = []
    for run, entry in results.items():
        for row in entry["rows"]:
            dollars, per_point = f"{row['dollars']:.2f}", f"{row['dollars_per_point']:.3f}"
            if "batch_dollars" in row:
                dollars += f" / {row['batch_dollars']:.2f}"
                per_point += f" / {row['batch_dollars_per_point']:.3f}"
            hours = "-" if row["cpu_hours"] is None else f"{row['cpu_hours']:.2f}"
            hours_per_point = "-" if row["cpu_hours_per_point"] is None else f"{row['cpu_hours_per_point']:.3f}"
            expected.append([str(row["at_size"]), f"{row['points']:+.2f}", f"{row['higher']} of {row['seeds']}",
                             str(row["answers"]), dollars, per_point, hours, hours_per_point])
    assert [cells[1:] for cells in table] == expected
    assert {round(100 * d, 2) for d in curves} == {entry["rows"][-1]["points"] for entry in results.values()}
    tokens = results["gold-curve-local"]["completion_tokens_per_answer"]
    assert f"measured mean of {tokens} an answer" in " ".join(text.split())


def test_the_review_selection_table_is_the_results_file():
    results = json.loads((RESULTS / "review-selection.json").read_text())
    ways = results["gold-100"]["ways"]
    text = section("Which sentences to review")
    (table,) = tables(text, "| way of choosing the 100 |")
    assert [row[0].strip("`") for row in table] == ["uncorrected", "random", "disagreement", "uncertainty"]
    for row in table:
        record = ways[row[0].strip("`")]
        assert len(record["f1"]) == 3 and row[2] == f"{record['f1_mean']:.3f} ± {record['f1_sd']:.3f}"
        changed = ", ".join(f"{c['sentences']}/{c['tags']}" for c in record["changed"].values() if c)
        assert row[1] == (changed or "-")
        against = record.get("against_random")
        if against:
            per_seed = ", ".join(f"{d:+.3f}" for d in against["per_seed"].values())
            assert row[3] == f"{against['mean']:+.3f} ({per_seed})"
            assert row[4] == f"{against['higher']} of {against['seeds']}"
    best = ways["uncertainty"]["against_random"]
    assert (f"+{best['mean']:.3f} F1 over correcting 100 random ones, higher on {best['higher']} of 3 seeds"
            in " ".join(text.split()))
    pilot = results["gold-1000"]["ways"]
    in_order = [row[0].strip("`") for row in table]
    assert ", ".join(f"{way} {pilot[way]['f1']['0']:.3f}" for way in in_order) in " ".join(text.split())
