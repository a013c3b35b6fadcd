"""Runs side by side: the same groups under different teachers, encoders or settings, one column a run.

A reproduction asks questions across runs (does the schedule that wins under a GPT-4-quality teacher
win under a 1.5B one too?). Each run's own report answers within the run; this table reads several run
folders and sets their figures next to each other, so a comparison is regenerated from the runs rather
than copied from reports by hand. Models are matched by group, schedule and decay (a group another run
names differently, say for another distilled set, can be matched by name); annotation quality is listed per
run and source. With two runs, a column gives the difference (second - first): at the word level
seed by seed over the seeds both runs trained (mean ± sd, and on how many seeds the second is higher), at
the subword level the difference of the means.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nerdistill.core.errors import NerdistillError
from nerdistill.core.reporting.curve import markdown_section, merged_curves, plot_curves
from nerdistill.core.reporting.paired import paired_cells, seed_differences
from nerdistill.core.reporting.paper import published_f1
from nerdistill.core.reporting.report import (TYPES, collect, decay_label, f1_cell, md_table, paper_quality_row,
                                              quality_headers, quality_row, save_figure, teachers)
from nerdistill.core.training.run_layout import group_order


def compare(run_dirs: list[Path], same_groups: dict[str, str] | None = None) -> dict[str, Any]:
    """Each run's aggregates and annotation quality, under the run folder's name. ``same_groups`` maps a group
    name to another run's name for the same experiment (``{"B-agreed": "B"}``): its models are matched with
    that group's, and the row names both."""
    same_groups = same_groups or {}
    names = [Path(d).name for d in run_dirs]
    if len(set(names)) != len(names):
        raise NerdistillError(f"two run folders share a name ({', '.join(names)}); the columns would be ambiguous")
    runs, sweeps = {}, {}
    for name, run_dir in zip(names, run_dirs):
        collected = collect(Path(run_dir))
        if collected["gold_curve"]:
            sweeps[name] = (collected["models"], teachers(collected["models"], collected["annotation"]),
                            group_order(Path(run_dir)))
        if not collected["models"] and not collected["annotation"]:
            raise NerdistillError("not a run folder, or one with nothing to compare yet: no trained model "
                                  "(models/*/*/seed-*/result.json) and no annotation (distilled/*.summary.json)",
                                  path=run_dir)
        aggregates = [_renamed(record, same_groups) for record in collected["aggregates"]]
        keys = [(r["group"], r["schedule"], r["decay"]) for r in aggregates]
        clashing = sorted({key[0] for key in keys if keys.count(key) > 1})
        if clashing:
            raise NerdistillError(f"--same-group: this run has both groups matched as {', '.join(clashing)}",
                                  path=run_dir)
        runs[name] = {"aggregates": aggregates, "types": list(collected["types"]),
                      "quality": {source: a["quality"] for source, a in collected["annotation"].items()
                                  if a["quality"]},
                      "test_sets": sorted({(m.get("scored_on") or {}).get("test", "not recorded")
                                           for m in collected["models"]})}
    unknown = set(same_groups) - {r.get("alias") for entry in runs.values() for r in entry["aggregates"]}
    if unknown:
        raise NerdistillError(f"--same-group: no run has a trained group {', '.join(map(repr, sorted(unknown)))}")
    return {"runs": runs, "gold_curve": merged_curves(sweeps) if sweeps else None}


def _renamed(record: dict[str, Any], same_groups: dict[str, str]) -> dict[str, Any]:
    """An aggregate under the group name it is matched by, its own kept as ``alias``."""
    if record["group"] not in same_groups:
        return record
    return {**record, "group": same_groups[record["group"]], "alias": record["group"]}


SECTIONS = ("annotation", "models", "curve")


def comparison_markdown(compared: dict[str, Any], title: str, *, paper: bool = False,
                        sections: tuple[str, ...] = SECTIONS) -> str:
    """The comparison as Markdown: annotation quality (table 1) and trained models (tables 2 and 3), or
    only the ``sections`` named."""
    runs = compared["runs"]
    lines = [f"# {title}", ""]
    types = tuple(dict.fromkeys(t for entry in runs.values() for t in entry["types"]))  # every run's, in order
    quality_rows = [quality_row(f"{run}: {source}", q, types) for run, entry in runs.items()
                    for source, q in entry["quality"].items()]
    if quality_rows and "annotation" in sections:
        if paper and set(types) == set(TYPES):
            strategies = dict.fromkeys(q.get("strategy") for entry in runs.values() for q in entry["quality"].values())
            quality_rows += [row for row in map(paper_quality_row, strategies) if row is not None]
        lines += ["## Annotation quality against gold (entity level, conlleval)", "",
                  md_table(quality_headers(types), quality_rows), ""]
    if compared.get("gold_curve") and "curve" in sections:
        lines += markdown_section(compared["gold_curve"], md_table)
    trained = _trained(compared)
    if trained and "models" in sections:
        lines += ["## Trained models", "",
                  "Micro F1 on each run's test set, mean ± standard deviation over seeds (n), a column for each run "
                  "with trained models. Rows are matched by group, schedule and decay; '-' where a run has no such "
                  "model." + (" The difference of two runs is taken seed by seed at the word level (mean ± sd over "
                              "the seeds both trained, and on how many the second is higher), of the means at the "
                              "subword level." if len(trained) == 2 else ""), "", *_test_set_warning(runs),
                  "### Word level", "", _f1_table(trained, "f1", paper), "",
                  "### Subword level (each word's tag on all its pieces, as the paper)", "",
                  _f1_table(trained, "subword_f1", paper), ""]
    return "\n".join(lines)


def _test_set_warning(runs: dict[str, Any]) -> list[str]:
    """A warning where the models were not all scored on the same test set (by its digest)."""
    test_sets = {digest for entry in runs.values() for digest in entry["test_sets"]}
    if len(test_sets) <= 1:
        return []
    return [f"**Not comparable as they stand:** these models were scored on {len(test_sets)} different test sets "
            "(or sets not recorded); F1 differences mix the models' with the test sets'.", ""]


def _matched(runs: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str, Any], dict[str, dict[str, Any]]]:
    """Each (group, schedule, decay) with its aggregate in every run that has it, in order of first appearance."""
    by_row: dict[tuple[str, str, Any], dict[str, dict[str, Any]]] = {}
    for run, aggregates in runs.items():
        for record in aggregates:
            by_row.setdefault((record["group"], record["schedule"], record["decay"]), {})[run] = record
    return by_row


def _trained(compared: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {run: entry["aggregates"] for run, entry in compared["runs"].items() if entry["aggregates"]}


def _f1_table(runs: dict[str, list[dict[str, Any]]], key: str, paper: bool) -> str:
    by_row = _matched(runs)
    pair = list(runs) if len(runs) == 2 else None
    headers = ["group", "schedule", "decay", *runs]
    headers += ["difference (2nd - 1st)"] if pair else []
    headers += ["paper F1"] if paper else []
    rows = []
    for (group, schedule, decay), records in by_row.items():
        aliases = dict.fromkeys(r["alias"] for r in records.values() if "alias" in r)
        row = [" = ".join([group, *aliases]), schedule, decay_label(decay)]
        row += [_cell(records.get(run), key) for run in runs]
        if pair:
            row.append(_difference(*(records.get(run) for run in pair), key))
        if paper:
            published = published_f1(group, schedule, decay)
            row.append("-" if published is None else f"{published:.3f}")
        rows.append(row)
    return md_table(headers, rows)


def _difference(first: dict[str, Any] | None, second: dict[str, Any] | None, key: str) -> str:
    """Second - first: word-level F1 seed by seed where the runs share seeds, else the difference of the means."""
    if first is None or second is None or key not in first or key not in second:
        return "-"
    paired = seed_differences(second.get("per_seed", {}), first.get("per_seed", {})) if key == "f1" else None
    if paired is None:
        return f"{second[key] - first[key]:+.3f}"
    difference, higher, _ = paired_cells(paired)
    return f"{difference} (higher on {higher})"


def _cell(record: dict[str, Any] | None, key: str) -> str:
    cell = f1_cell(record, key)
    return cell if record is None or cell == "-" else f"{cell} (n={record['seeds']})"


def plot_comparison(compared: dict[str, Any], path: Path) -> Path | None:
    """Grouped bars: each row's word-level F1 (mean ± sd over seeds), a colour a run; None without models."""
    runs = _trained(compared)
    if not runs:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_row = _matched(runs)
    width = 0.8 / len(runs)
    figure, axes = plt.subplots(figsize=(max(6, 0.9 * len(by_row) + 2), 4.2), dpi=120)
    for offset, run in enumerate(runs):
        positions = [i for i, records in enumerate(by_row.values()) if run in records]
        records = [records[run] for records in by_row.values() if run in records]
        axes.bar([i - 0.4 + width * (offset + 0.5) for i in positions], [r["f1"] for r in records], width,
                 yerr=[r["f1_sd"] for r in records], capsize=3, label=run)
    labels = [group if decay is None else f"{group}\n{decay_label(decay)}" for group, _, decay in by_row]
    axes.set_xticks(range(len(by_row)), labels, fontsize=7, rotation=30, ha="right")
    low = min(r["f1"] - r["f1_sd"] for records in by_row.values() for r in records.values())
    axes.set_ylim(max(0.0, low - 0.05), 1.0)
    axes.set_ylabel("micro F1 (word level)")
    axes.set_title("Test F1 per group and run (mean ± sd over seeds)")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=7)
    figure.tight_layout()
    save_figure(figure, Path(path))
    plt.close(figure)
    return Path(path)


def plot_compared_curves(compared: dict[str, Any], path: Path, title: str) -> Path | None:
    """The runs' gold-budget curves on one chart; None where no run is a gold-size sweep."""
    if not compared.get("gold_curve"):
        return None
    import matplotlib.pyplot as plt

    figure = plot_curves(compared["gold_curve"], title)
    save_figure(figure, Path(path))
    plt.close(figure)
    return Path(path)
