"""Refresh ``reproduction/results/`` from the run folders, after more models have finished:

    python reproduction/refresh_results.py        # from anywhere; with the nerdistill it should use

Each run's report is written again from its folder (``nerdistill run CONFIG --stage report`` does the same)
and copied here (``report.md``, ``report.json``, plots), since ``runs/`` is not committed; then the tables
that set the two teachers side by side (``nerdistill compare``, the commands of docs/reproduction.md). Nothing
is trained and no LLM is asked. A run whose folder does not exist yet is passed over, and said so.

The figures written into docs/reproduction.md by hand are checked against the copied ``report.json`` files by
``tests/test_reproduction_figures.py``: run it after this script to see which of them moved.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from nerdistill.core.reporting.comparison import compare
from nerdistill.core.reporting.report import write_report
from nerdistill import load_run_config

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CONFIGS = ["phase1_local", "phase2_oracle", "phase2_local", "phase3_oracle", "phase3_local", "agreement_local",
           "control_epochs", "gold_curve_local", "gold_curve_oracle", "student_vs_teacher", "teacher_demos",
           "teacher_votes", "teacher_demos_all"]
REPORT_FILES = ["report.md", "report.json", "f1_by_group.png", "schedules.png", "gold_curve.png"]
GOLD_CURVE_RUNS = ["gold-curve-local", "gold-curve-oracle"]
#: the runs whose students are scored on the test sentences their teacher annotated
AGAINST_TEACHER_RUNS = ["gold-curve-local", "gold-curve-oracle", "student-vs-teacher", "teacher-demos-all"]
STUDENT_VS_TEACHER_KEYS = ["name", "teacher", "gold_sentences", "teacher_f1", "student_f1_mean", "student_f1_sd",
                           "seeds", "llm_calls", "cpu_minutes"]
#: (run folders, what to compare, title, output, plot): each a ``nerdistill compare`` of docs/reproduction.md
COMPARISONS = [
    (["reproduction-phase1", "reproduction-phase2-oracle"], ["--paper", "--only", "annotation"], "Table 1",
     "table1.md", None),
    (["reproduction-phase2-oracle", "reproduction-phase2-local"], ["--paper", "--only", "models"], "Table 2",
     "table2.md", "table2.png"),
    (["reproduction-phase3-oracle", "reproduction-phase3-local"], ["--paper", "--only", "models"], "Table 3",
     "table3.md", "table3.png"),
    (["reproduction-phase2-local", "reproduction-control-epochs"], ["--only", "models"],
     "Control: group A with 20 and with 10 epochs", "control.md", None),
    (["reproduction-phase2-local", "reproduction-agreement-local"],
     ["--only", "models", "--same-group", "B-agreed=B", "--same-group", "D-agreed=D"],
     "Agreed labels against the chain-of-thought ones", "agreement.md", None),
    (GOLD_CURVE_RUNS, ["--only", "curve", "--curve", "reproduction/results/gold-curve.png"],
     "Gold-budget curve: MiniLM students by gold sentences, alone and after each teacher's labels", "gold-curve.md",
     None),
]


def refresh_reports() -> list[Path]:
    """Every run's report written again and copied into ``results/<run>/``; the run folders found."""
    found = []
    for name in CONFIGS:
        config = load_run_config(HERE / f"{name}.toml")
        if not config.output.is_dir():
            print(f"{name}: no run folder at {config.output}: passed over")
            continue
        write_report(config.output, title=config.name, paper=config.compare_with_paper)
        target = RESULTS / config.output.name
        target.mkdir(parents=True, exist_ok=True)
        for file in REPORT_FILES:
            if (config.output / file).exists():
                shutil.copy2(config.output / file, target / file)
        print(f"{name}: {target.relative_to(HERE.parent)}")
        found.append(config.output)
    return found


def refresh_comparisons(runs: Path) -> None:
    for folders, options, title, output, plot in COMPARISONS:
        if not all((runs / folder).is_dir() for folder in folders):
            print(f"{output}: a run folder is missing: passed over")
            continue
        options = [str(HERE.parent / o) if o.startswith("reproduction/") else o for o in options]
        command = [sys.executable, "-m", "nerdistill", "compare", *(str(runs / f) for f in folders), *options,
                   "--title", title, "-o", str(RESULTS / output)]
        if plot:
            command += ["--plot", str(RESULTS / plot)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        print(f"{output}: {' and '.join(folders)}")


def refresh_gold_curve(runs: Path) -> None:
    """``results/gold-curve.json``: the curves of both teachers' sweeps, the gold-only one once, and what each
    distilled curve is worth in gold sentences (the figures docs/reproduction.md quotes, checked by a test)."""
    if not all((runs / folder).is_dir() for folder in GOLD_CURVE_RUNS):
        print("gold-curve.json: a run folder is missing: passed over")
        return
    curve = compare([runs / folder for folder in GOLD_CURVE_RUNS])["gold_curve"]
    (RESULTS / "gold-curve.json").write_text(json.dumps(curve, indent=2) + "\n")
    print(f"gold-curve.json: {' and '.join(GOLD_CURVE_RUNS)}")


def refresh_student_vs_teacher(runs: Path) -> None:
    """``results/student-vs-teacher.json``: every student scored on its teacher's test sentences, a row per group
    (and gold size) of each run, named ``run: group``, with the teacher's F1 on the same sentences and the cost."""
    rows = []
    for folder in AGAINST_TEACHER_RUNS:
        report = RESULTS / folder / "report.json"
        against = json.loads(report.read_text()).get("against_teacher") if report.exists() else None
        if against is None:
            print(f"student-vs-teacher.json: {folder} has no students against a teacher yet: passed over")
            continue
        for row in against["rows"]:
            if row["decay"] is None:
                rows.append({**{key: row[key] for key in STUDENT_VS_TEACHER_KEYS}, "name": f"{folder}: {row['name']}",
                             "margin_min": row["margin_min"], "higher": row["higher"]})
    (RESULTS / "student-vs-teacher.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"student-vs-teacher.json: {len(rows)} rows")


def refresh_teacher_votes() -> None:
    """``results/teacher-votes.json``: the quality of the three demonstrations' annotations of the same 300
    sentences and of their votes (issue 22, part 2), with the answers each needed."""
    config = load_run_config(HERE / "teacher_votes.toml")
    rows = []
    for source in config.distill:
        quality = config.output / "distilled" / f"{source.name}.quality.json"
        if not quality.exists():
            print(f"teacher-votes.json: {source.name} is not made yet: passed over")
            continue
        micro = json.loads(quality.read_text())["micro"]
        voters = source.agree or [source.name]
        asked = sum(json.loads((config.output / "distilled" / f"{name}.summary.json").read_text())["sentences"]
                    for name in voters)  # the answers each annotation needed, whether the store had them or not
        rows.append({"name": source.name, "sources": voters, "min_votes": source.min_votes or len(voters),
                     "llm_calls": asked, **{key: micro[key] for key in ("precision", "recall", "f1")}})
    (RESULTS / "teacher-votes.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"teacher-votes.json: {len(rows)} rows")


def refresh_teacher_demos() -> None:
    """``results/teacher-demos.json``: the local teacher's annotation quality on the same 300 sentences with each
    way of choosing its demonstrations, and the wall time an answer took (issue 22, part 1)."""
    config = load_run_config(HERE / "teacher_demos.toml")
    rows = []
    for source in config.distill:
        quality, summary = (config.output / "distilled" / f"{source.name}{suffix}" for suffix in
                            (".quality.json", ".summary.json"))
        if not quality.exists():
            print(f"teacher-demos.json: {source.name} is not annotated yet: passed over")
            continue
        options = {**config.annotation.strategy_options, **source.strategy_options}
        scores, record = json.loads(quality.read_text()), json.loads(summary.read_text())
        micro = scores["micro"]
        rows.append({"name": source.name, "selection": options.get("selection", "fixed"),
                     "pool": options.get("pool_size", config.data.original) if options.get("examples") else "builtin",
                     "k": options.get("k", 4), "sentences": record["sentences"], "answered": record["ok"],
                     **{key: micro[key] for key in ("precision", "recall", "f1")},
                     "types": {name: scores["types"][name]["f1"] for name in sorted(scores["types"])},
                     "wall_seconds_per_answer": record.get("wall_seconds_per_answer")})
    (RESULTS / "teacher-demos.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"teacher-demos.json: {len(rows)} rows")


def main() -> None:
    found = refresh_reports()
    if found:
        refresh_comparisons(found[0].parent)
        refresh_gold_curve(found[0].parent)
        refresh_student_vs_teacher(found[0].parent)
        refresh_teacher_demos()
        refresh_teacher_votes()


if __name__ == "__main__":
    main()
