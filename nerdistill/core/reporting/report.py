"""Reports of a run folder: Markdown, JSON and plots, shaped like the paper's tables.

- Annotation (table 1): per distill source, the calls and cost, and where gold exists, precision,
  recall and F1 per type with micro, macro and weighted averages.
- Trained models (tables 2 and 3): per group (a schedule and its distilled data), the micro F1 mean and
  standard deviation over seeds, without and with learning-rate decay, word level first and the
  paper-style subword level beside it; F1 per type.
- Each group against a baseline group (the config's first, A in table 2 and simple mix in table 3, unless
  another is named), paired by seed: the difference in F1 and on how many seeds it is higher.
- Plots: F1 per group with error bars, and the distilled weight per epoch of each group (figure 3).
- In a gold-size sweep, the gold-budget curve (``core/reporting/curve.py``): F1 against gold sentences per
  group, paired against gold only at each size, and each distilled curve's worth in gold sentences; every
  other table then shows each group at each size (``A@250``).
- What the labels cost per F1 point they add over gold alone (``core/reporting/cost.py``): dollars and CPU
  hours of each group's distilled sources against its paired gain over a gold-only group.
- Where the models were trained (the device of each epoch is in its training log), and the wall time
  per stage.
- With ``paper=True`` (``compare_with_paper`` in a run config, ``--paper`` on ``nerdistill report``),
  the published figures of arXiv 2402.09282 beside ours: GPT-4's table 1 row under each source of the
  same strategy, and the paper's F1 beside each group of its tables 2 (by group name) and 3 (by schedule).

Everything is read from the folder, so ``nerdistill report RUN_DIR`` works on any run, finished or not.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import atomic_write, read_json
from nerdistill.core.config.run import TEACHER_ON_TEST
from nerdistill.core.reporting.cost import cost_per_point
from nerdistill.core.reporting.cost import markdown_section as cost_section
from nerdistill.core.reporting.curve import gold_curves, markdown_section, plot_curves
from nerdistill.core.reporting.teacher import markdown_section as teacher_section
from nerdistill.core.reporting.teacher import students_against_teacher
from nerdistill.core.reporting.paired import paired_cells, paired_differences
from nerdistill.core.reporting.paper import TABLE1, TABLE1_AVERAGE_F1, published_f1
from nerdistill.core.training.run_layout import group_order, result_files, run_config, run_of
from nerdistill.core.tables import format_table

TYPES = ("LOC", "ORG", "PER", "MISC")  # CoNLL-2003's, in the paper's order


def collect(run_dir: Path, baseline: str | None = None) -> dict[str, Any]:
    """Everything the report shows, read from the run folder; ``baseline`` is the group the others are set
    against seed by seed (default: the first group, in the config's order)."""
    if not run_dir.is_dir():
        raise NerdistillError("no such run folder", path=run_dir)
    rows = [read_json(p) for p in result_files(run_dir)]
    annotation = {}
    for summary in sorted((run_dir / "distilled").glob("*.summary.json")):
        name = summary.name.removesuffix(".summary.json")
        quality = summary.with_name(f"{name}.quality.json")
        annotation[name] = {"summary": read_json(summary),
                            "quality": read_json(quality) if quality.exists() else None}
    stages: dict[str, float] = defaultdict(float)
    runs: dict[str, dict[str, int]] = defaultdict(lambda: {"runs": 0, "stopped": 0})
    if (run_dir / "stages.jsonl").exists():
        for line in (run_dir / "stages.jsonl").read_text().splitlines():
            entry = json.loads(line)
            stages[entry["stage"]] += entry["seconds"]
            runs[entry["stage"]]["runs"] += 1
            runs[entry["stage"]]["stopped"] += entry.get("stopped", False)
    order = group_order(run_dir)
    curve = gold_curves(rows, order, teachers(rows, annotation))
    labelled = [_at_size(row) for row in rows]
    sized_order = _sized_order(order, labelled)
    aggregates = aggregate(labelled, sized_order)
    paired = _paired(labelled, aggregates, baseline) if baseline or curve is None else []  # the curve pairs by size
    sources = learned_sources(rows, annotation)
    return {"models": rows, "aggregates": aggregates, "paired": paired, "gold_curve": curve,
            "types": run_types(run_dir),
            "against_teacher": students_against_teacher(labelled, annotation, sources, sized_order),
            "cost_per_point": _cost_per_point(curve, paired, annotation, sources),
            "annotation": annotation, "stage_seconds": dict(stages), "stage_runs": dict(runs)}


def _cost_per_point(curve: dict[str, Any] | None, paired: list[dict[str, Any]], annotation: dict[str, Any],
                    sources: dict[str, list[str]]) -> dict[str, Any] | None:
    """Each group's gain over gold alone (the curve's gold-only group at each size, else a gold-only baseline
    group) against what its labels cost (:mod:`nerdistill.core.reporting.cost`); None where there is no
    gold-only group to set them against."""
    if curve is not None and curve["reference"] is not None:
        baseline = curve["reference"]
        gains = [{"name": p["name"], "at_size": p["at_size"], "difference": p["difference"], "higher": p["higher"],
                  "seeds": len(p["seeds"])} for p in curve["paired"]]
    elif paired and not sources.get(paired[0]["baseline"]):
        baseline = paired[0]["baseline"]
        gains = [{"name": p["group"], "at_size": None, "difference": p["difference"], "higher": p["higher"],
                  "seeds": p["seeds"]} for p in paired if p["decay"] is None]
    else:
        return None
    rows = cost_per_point(gains, annotation, sources)
    return {"baseline": baseline, "rows": rows} if rows else None


def run_types(run_dir: Path) -> tuple[str, ...]:
    """The run's entity types in its label set's order (``[labels]`` of its config), CoNLL-2003's by default:
    every per-type column of the report follows them."""
    declared = run_config(run_dir).get("labels")
    return tuple(declared) if declared else TYPES


def _at_size(row: dict[str, Any]) -> dict[str, Any]:
    """A sweep's result row named after its group and size (``A@250``), as its folder is."""
    size = row.get("gold_sentences")
    return row if size is None else {**row, "group": f"{row['group']}@{size}"}


def _sized_order(order: Sequence[str], rows: list[dict[str, Any]]) -> list[str]:
    """The config's group order with each group's sizes after it, smallest first."""
    names = {row["group"]: (row["group"].partition("@")[0], row.get("gold_sentences", -1)) for row in rows}
    rank = {group: index for index, group in enumerate(order)}
    return sorted(names, key=lambda name: (rank.get(names[name][0], len(rank)), names[name][1]))


def learned_sources(rows: list[dict[str, Any]], annotation: dict[str, Any]) -> dict[str, list[str]]:
    """The distill sources each group learns from, through the group it starts from too (none for gold only;
    the teacher's test sample is never one)."""
    groups = {row["group"]: row for row in rows}
    trained_on = [name for name in annotation if name != TEACHER_ON_TEST]

    def sources(group: str) -> list[str]:
        row = groups.get(group, {})
        own = trained_on if row.get("distilled") is None and row.get("schedule") != "pure_original" \
            else list(row.get("distilled") or [])
        return list(dict.fromkeys(own + (sources(row["start_from"]) if row.get("start_from") in groups else [])))

    return {group: sources(group) for group in groups}


def teachers(rows: list[dict[str, Any]], annotation: dict[str, Any]) -> dict[str, str | None]:
    """Each group's teacher in words (the provider, model and strategy of the sources it learns from); None for
    a group of gold data only."""
    def described(name: str) -> str:
        summary = annotation.get(name, {}).get("summary", {})
        return f"{summary.get('provider')}/{summary.get('model')}, {summary.get('strategy')}" \
            if "provider" in summary else name

    return {group: ", ".join(dict.fromkeys(map(described, names))) or None
            for group, names in learned_sources(rows, annotation).items()}


def _paired(rows: list[dict[str, Any]], aggregates: list[dict[str, Any]], baseline: str | None) -> list[dict[str, Any]]:
    groups = list(dict.fromkeys(r["group"] for r in aggregates))
    if baseline is not None and baseline not in groups:
        raise NerdistillError(f"--baseline: no group {baseline!r} has a trained model in this run "
                              f"(groups: {', '.join(groups) or 'none yet'})")
    if not groups:
        return []
    in_order = sorted(rows, key=lambda r: (groups.index(r["group"]), r["decay"] or 0))  # as the aggregates
    return paired_differences(in_order, baseline or groups[0])


def aggregate(rows: list[dict[str, Any]], config_order: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Mean and standard deviation over seeds, per group and decay: the groups of ``config_order`` first, in
    that order (the run config's), then any other in the order it first appears."""
    grouped: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(row["group"], row["decay"])].append(row)
    present = [row["group"] for row in rows]
    order = list(dict.fromkeys([*(g for g in config_order if g in present), *present]))
    result = []
    for (group, decay), members in sorted(grouped.items(), key=lambda item: (order.index(item[0][0]),
                                                                              item[0][1] or 0)):
        record = {"group": group, "schedule": members[0]["schedule"], "decay": decay, "seeds": len(members),
                  **_mean_sd("f1", [m["f1"] for m in members])}
        if all("subword_f1" in m for m in members):
            record.update(_mean_sd("subword_f1", [m["subword_f1"] for m in members]))
        record["types"] = {t: statistics.fmean(m["types"].get(t, 0.0) for m in members)
                           for t in sorted({t for m in members for t in m["types"]})}
        record["train_seconds"] = statistics.fmean(m["train_seconds"] for m in members)
        record["per_seed"] = {str(m["seed"]): m["f1"] for m in sorted(members, key=lambda m: m["seed"])}
        result.append(record)
    return result


def _mean_sd(name: str, values: list[float]) -> dict[str, float]:
    return {name: statistics.fmean(values), f"{name}_sd": statistics.stdev(values) if len(values) > 1 else 0.0}


def markdown(collected: dict[str, Any], title: str, *, paper: bool = False) -> str:
    lines = [f"# {title}", ""]
    if collected["annotation"]:
        lines += ["## Annotation", "", _annotation_table(collected["annotation"]), ""]
        quality = {n: a["quality"] for n, a in collected["annotation"].items() if a["quality"]}
        if quality:
            lines += ["### Annotation quality against gold (entity level, conlleval)", "",
                      _quality_table(quality, paper, collected.get("types", TYPES)), ""]
    if collected.get("gold_curve"):
        lines += markdown_section(collected["gold_curve"], md_table)
    if collected.get("against_teacher"):
        lines += teacher_section(collected["against_teacher"], md_table)
    if collected.get("cost_per_point"):
        lines += cost_section(collected["cost_per_point"]["rows"], collected["cost_per_point"]["baseline"], md_table)
    if collected["aggregates"]:
        lines += ["## Trained models", "",
                  "Micro F1 on the test set, mean ± standard deviation over seeds. Word level is the standard "
                  "(conlleval-compatible) figure; subword level copies each word's tag onto its word pieces, as "
                  "the paper's supports imply, and is given only to set beside the paper's numbers.", "",
                  _models_table(collected["aggregates"], paper), "",
                  "### F1 per type (mean over seeds) and per seed (word level)", "",
                  _types_table(collected["aggregates"], collected.get("types", TYPES)), "",
                  *_paired_section(collected.get("paired", [])),
                  "### Where the models were trained", "",
                  _devices_table(collected["models"]), "", *_copied_note(collected["models"])]
    if collected["stage_seconds"]:
        runs = collected["stage_runs"]
        rows = [(k, f"{v:.1f}", runs[k]["runs"], runs[k]["stopped"]) for k, v in collected["stage_seconds"].items()]
        lines += ["## Wall time per stage", "",
                  "Summed over every run of the stage in this folder, stopped ones included (a process killed "
                  "outright records nothing; each model's own training time is in its row).", "",
                  md_table(["stage", "seconds", "runs", "stopped"], rows), ""]
    return "\n".join(lines)


def _annotation_table(annotation: dict[str, Any]) -> str:
    rows = []
    for name, entry in annotation.items():
        s = entry["summary"]
        if "agreement" in s:  # made from two other sources' answers, with no call of its own
            rows.append((name, "agreement of " + " and ".join(s["agreement"]), "-", s["sentences"], 0, 0, "-",
                         s["written"], 0, f"{0:.4f}", "0"))
            continue
        rows.append((name, f"{s['provider']}/{s['model']}", f"{s['strategy']} ({s['version']})", s["sentences"],
                     s["called"], s["cached"], _failed_cell(s), _written_cell(s),
                     s["prompt_tokens"] + s["completion_tokens"], f"{s['cost']:.4f}", f"{s['seconds']:.0f}"))
    return md_table(["source", "provider/model", "strategy", "sentences", "called", "cached", "failed", "written",
                "tokens", "cost ($)", "seconds"], rows)


def _failed_cell(summary: dict[str, Any]) -> str:
    """The failures left, and what a rescue made of the invalid answers (its calls are not in the called column)."""
    rescue = summary.get("rescue")
    suffix = f" ({rescue['rescued']} of {rescue['asked']} rescued, {rescue['called']} called)" if rescue else ""
    return f"{summary['failed']}{suffix}"


def _written_cell(summary: dict[str, Any]) -> str:
    """The sentences written, and those a valid answer gave that were dropped, by reason."""
    reasons = [(summary.get("dropped_without_entities"), "without entities"),
               (summary.get("dropped_low_confidence"), "below min_confidence")]
    dropped = ", ".join(f"{count} {reason}" for count, reason in reasons if count)
    return f"{summary['written']} ({dropped} dropped)" if dropped else str(summary["written"])


def _quality_table(quality: dict[str, Any], paper: bool, types: tuple[str, ...] = TYPES) -> str:
    rows = []
    for name, q in quality.items():
        rows.append(quality_row(name, q, types))
        published = paper_quality_row(q.get("strategy")) if paper and set(types) == set(TYPES) else None
        if published:
            rows.append(published)
    return md_table(quality_headers(types), rows)


def quality_headers(types: tuple[str, ...] = TYPES) -> list[str]:
    return ["source", "micro P / R / F1", "macro F1", "weighted F1", *(f"{t} P / R / F1" for t in types)]


def quality_row(name: str, quality: dict[str, Any], types: tuple[str, ...] = TYPES) -> tuple[str, ...]:
    """One annotation's quality against gold as a row under ``quality_headers(types)``."""
    per_type = [_prf(*(quality["types"][t][k] for k in ("precision", "recall", "f1"))) if t in quality["types"]
                else "-" for t in types]
    return (name, _prf(*(quality["micro"][k] for k in ("precision", "recall", "f1"))), f"{quality['macro']['f1']:.2f}",
            f"{quality['weighted']['f1']:.2f}", *per_type)


def paper_quality_row(strategy: str | None) -> tuple[str, ...] | None:
    """GPT-4's published table-1 row for a strategy of the paper's, as a row under ``quality_headers()``."""
    published = TABLE1.get(strategy or "")
    if published is None:
        return None
    averages = TABLE1_AVERAGE_F1[strategy]
    return (f"paper: GPT-4 {strategy}", _prf(*published["micro"]), f"{averages['macro']:.2f}",
            f"{averages['weighted']:.2f}", *(_prf(*published[t]) for t in TYPES))


def _prf(precision: float, recall: float, f1: float) -> str:
    return f"{precision:.2f} / {recall:.2f} / {f1:.2f}"


def _models_table(aggregates: list[dict[str, Any]], paper: bool) -> str:
    by_group: dict[str, dict[Any, dict[str, Any]]] = defaultdict(dict)
    for record in aggregates:
        by_group[record["group"]][record["decay"]] = record
    decays = sorted({r["decay"] for r in aggregates}, key=lambda d: d or 0)
    headers = ["group", "schedule"]
    for decay in decays:
        label = decay_label(decay)
        headers += [f"F1 {label}", f"subword F1 {label}"] + ([f"paper F1 {label}"] if paper else [])
    rows = []
    for group, records in by_group.items():
        row = [group, next(iter(records.values()))["schedule"]]
        for decay in decays:
            r = records.get(decay)
            row += [f1_cell(r, "f1") + f" (n={r['seeds']})" if r else "-", f1_cell(r, "subword_f1")]
            if paper:
                published = published_f1(group, row[1], decay)
                row.append("-" if published is None else f"{published:.3f}")
        rows.append(row)
    return md_table(headers, rows)


def f1_cell(record: dict[str, Any] | None, key: str) -> str:
    """``mean ± sd`` of an aggregate's ``f1`` or ``subword_f1``; ``-`` where it has none, and the mean
    alone from one seed, whose spread is unknown rather than zero."""
    if record is None or key not in record:
        return "-"
    if record["seeds"] < 2:
        return f"{record[key]:.3f}"
    return f"{record[key]:.3f} ± {record[f'{key}_sd']:.3f}"


def _types_table(aggregates: list[dict[str, Any]], types: tuple[str, ...] = TYPES) -> str:
    rows = [(r["group"], "no" if r["decay"] is None else f"{r['decay']:g}",
             *(f"{r['types'][t]:.3f}" if t in r["types"] else "-" for t in types),
             ", ".join(f"{seed}: {f1:.3f}" for seed, f1 in r.get("per_seed", {}).items())) for r in aggregates]
    return md_table(["group", "decay", *types, "F1 per seed"], rows)


def _paired_section(paired: list[dict[str, Any]]) -> list[str]:
    if not paired:
        return []
    rows = [(r["group"], decay_label(r["decay"]), r["baseline"], *paired_cells(r)) for r in paired]
    return [f"### Against {paired[0]['baseline']}, paired by seed (word level)", "",
            "Each group's F1 minus the baseline's trained with the same seed: mean ± sd over the seeds both have.",
            "", md_table(["group", "decay", "baseline", "difference", "higher on seeds", "per seed"], rows), ""]


def _devices_table(models: list[dict[str, Any]]) -> str:
    by_devices: dict[str, list[float]] = defaultdict(list)
    for model in models:
        by_devices[" + ".join(model.get("devices") or ["not recorded"])].append(model["train_seconds"])
    return md_table(["device", "models", "training seconds (mean)", "training seconds (total)"],
               [(d, len(t), f"{statistics.fmean(t):.0f}", f"{sum(t):.0f}") for d, t in by_devices.items()])


def _copied_note(models: list[dict[str, Any]]) -> list[str]:
    """Which runs trained the copied models, by folder name: a published report names no machine's paths (each
    result.json keeps the full one)."""
    sources = sorted({run_of(Path(m["taken_from"])).name for m in models if m.get("taken_from")})
    copied = sum(bool(m.get("taken_from")) for m in models)
    if not copied:
        return []
    return [f"Copied from the runs that trained them (`reuse_models_from`: {', '.join(sources)}): {copied} of "
            f"these {len(models)} models; their training time is counted in both runs.", ""]


def md_table(headers: list[str], rows: list) -> str:
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
                      *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)])


def plot(collected: dict[str, Any], run_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    written = []
    aggregates = collected["aggregates"]
    if aggregates:
        figure, axes = plt.subplots(figsize=(max(6, 0.8 * len(aggregates) + 2), 4.2), dpi=120)
        labels = [f"{r['group']}\n{decay_label(r['decay'])}" for r in aggregates]
        axes.bar(range(len(aggregates)), [r["f1"] for r in aggregates], yerr=[r["f1_sd"] for r in aggregates],
                 capsize=4, color=["#4c72b0" if r["decay"] is None else "#dd8452" for r in aggregates])
        axes.set_xticks(range(len(aggregates)), labels, fontsize=7, rotation=30, ha="right")
        axes.set_ylabel("micro F1 (word level)")
        low = min(r["f1"] - r["f1_sd"] for r in aggregates)
        axes.set_ylim(max(0.0, low - 0.05), 1.0)
        axes.set_title("Test F1 per group (mean ± sd over seeds)")
        axes.grid(axis="y", alpha=0.3)
        figure.tight_layout()
        written.append(save_figure(figure, run_dir / "f1_by_group.png"))
        plt.close(figure)
        figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
        seen = set()
        for row in collected["models"]:
            if row["group"] in seen:
                continue
            seen.add(row["group"])
            axes.plot(range(len(row["weights"])), [w[0] for w in row["weights"]], marker="o", markersize=3,
                      label=row["schedule"])
        axes.set_xlabel("epoch t")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("weight of distilled data $w_0$")
        axes.set_ylim(-0.05, 1.05)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
        axes.set_title("Mixing schedules of the trained groups")
        figure.tight_layout()
        written.append(save_figure(figure, run_dir / "schedules.png"))
        plt.close(figure)
    if collected.get("gold_curve"):
        figure = plot_curves(collected["gold_curve"])
        written.append(save_figure(figure, run_dir / "gold_curve.png"))
        plt.close(figure)
    return written


def decay_label(decay: float | None) -> str:
    return "no decay" if decay is None else f"decay {decay:g}"


def save_figure(figure, path: Path) -> Path:
    with atomic_write(path, "wb") as stream:
        figure.savefig(stream, format="png")
    return path


def write_report(run_dir: Path, title: str | None = None, *, paper: bool = False,
                 baseline: str | None = None) -> dict[str, Any]:
    run_dir = Path(run_dir)
    collected = collect(run_dir, baseline)
    text = markdown(collected, title or run_dir.name, paper=paper)
    with atomic_write(run_dir / "report.md") as stream:
        stream.write(text)
    with atomic_write(run_dir / "report.json") as stream:
        json.dump(collected, stream, indent=2)
    plots = plot(collected, run_dir)
    return {"markdown": str(run_dir / "report.md"), "json": str(run_dir / "report.json"),
            "plots": [str(p) for p in plots], "text": text, "collected": collected}


def terminal_summary(collected: dict[str, Any]) -> str:
    """A compact plain-text table of the aggregates, for the end of ``nerdistill run``."""
    rows = [(r["group"], "no" if r["decay"] is None else f"{r['decay']:g}", r["seeds"], r["f1"],
             r["f1_sd"] if r["seeds"] > 1 else "-", r.get("subword_f1", float("nan"))) for r in collected["aggregates"]]
    return format_table(["group", "decay", "seeds", "F1", "sd", "subword F1"], rows)
