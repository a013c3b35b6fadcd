"""The gold-budget curve: test F1 against the number of gold (human-labelled) sentences, one curve per group,
and what each distilled curve is worth in gold sentences.

A run whose ``data.original`` lists sizes trains every group at each size (``gold_sentences`` in its result
rows). A group that continues from another group's model (``start_from``) has that model as its point at 0
gold sentences. The curve without distilled data is the reference: a distilled curve's F1 at a size is
worth the gold-only size that reaches the same F1, interpolated on the log of the size between the two
measured sizes around it (the first such crossing), "more than" the largest size where gold alone never
reaches it and "fewer than" the smallest where gold alone is above it already. Paired differences take
each distilled model against the gold-only model of the same size and seed.
"""

from __future__ import annotations

import math
import statistics
import textwrap
from collections import defaultdict
from collections.abc import Sequence
from typing import Any


def gold_curves(rows: list[dict[str, Any]], order: Sequence[str] = (),
                teachers: dict[str, str] | None = None) -> dict[str, Any] | None:
    """``{"sizes", "reference", "curves": [{"name", "teacher", "f1_mean", "f1_sd", "seeds"}], "paired",
    "worth": [{"name", "at_size", "gold_equivalent"}]}`` from a sweep's result rows (None for a run that is
    no sweep). ``teachers``: each group's teacher in words (None: gold only), for the JSON."""
    swept = [r for r in rows if r.get("gold_sentences") is not None and r.get("decay") is None]
    if not swept:
        return None
    points: dict[str, dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))  # group -> size -> seed
    for row in swept:
        points[row["group"]][row["gold_sentences"]][row["seed"]] = row["f1"]
    unswept = {r["group"] for r in rows if r.get("gold_sentences") is None and r.get("decay") is None}
    for row in swept:  # a fine-tuned group's point at 0: the model it starts from
        start = row.get("start_from")
        if start in unswept:
            for other in rows:
                if other["group"] == start and other.get("gold_sentences") is None and other.get("decay") is None:
                    points[row["group"]][0][other["seed"]] = other["f1"]
    names = sorted(points, key=lambda g: (order.index(g) if g in order else len(order), g))
    sizes = sorted({size for group in points.values() for size in group})
    distilled_of = {r["group"]: not (r.get("distilled") == [] and r.get("start_from") is None) for r in swept}
    reference = next((g for g in names if not distilled_of[g]), None)
    curves = [_curve(name, sizes, points[name], (teachers or {}).get(name)) for name in names]
    result: dict[str, Any] = {"sizes": sizes, "reference": reference, "curves": curves, "paired": [], "worth": []}
    if reference is not None:
        gold = next(c for c in curves if c["name"] == reference)
        for name in names:
            if name == reference:
                continue
            result["paired"] += _paired(name, reference, sizes, points[name], points[reference])
            curve = next(c for c in curves if c["name"] == name)
            result["worth"] += [{"name": name, "at_size": size, "f1": f1,
                                 "gold_equivalent": gold_equivalent(f1, sizes, gold["f1_mean"])}
                                for size, f1 in zip(sizes, curve["f1_mean"]) if f1 is not None]
    return result


def merged_curves(runs: dict[str, tuple[list[dict[str, Any]], dict[str, str | None], Sequence[str]]]) -> dict | None:
    """Several runs' curves on one chart: ``{run: (result rows, teachers by group, group order)}``. The
    distilled curves are named ``run: group``; the gold-only curve is the first run's (runs sharing it through
    ``reuse_models_from`` have the same models), and every worth is taken against it."""
    rows, teachers, order = [], {}, []
    for index, (run, (run_rows, run_teachers, run_order)) in enumerate(runs.items()):
        names = {}
        for row in run_rows:
            gold_only = row.get("distilled") == [] and row.get("start_from") is None
            if gold_only and index > 0:
                continue
            names[row["group"]] = row["group"] if gold_only else f"{run}: {row['group']}"
            renamed = {**row, "group": names[row["group"]]}
            if row.get("start_from") is not None:
                renamed["start_from"] = f"{run}: {row['start_from']}"
            rows.append(renamed)
            teachers[renamed["group"]] = run_teachers.get(row["group"])
        order += [names[group] for group in run_order if group in names]
    return gold_curves(rows, order, teachers)


def _curve(name: str, sizes: list[int], by_size: dict[int, dict[int, float]], teacher: str | None) -> dict[str, Any]:
    means, sds, seeds = [], [], []
    for size in sizes:
        values = list(by_size.get(size, {}).values())
        means.append(statistics.fmean(values) if values else None)
        sds.append(statistics.stdev(values) if len(values) > 1 else (0.0 if values else None))
        seeds.append(sorted(by_size.get(size, {})))
    return {"name": name, "teacher": teacher, "f1_mean": means, "f1_sd": sds, "seeds": seeds}


def _paired(name: str, reference: str, sizes: list[int], mine: dict[int, dict[int, float]],
            theirs: dict[int, dict[int, float]]) -> list[dict[str, Any]]:
    paired = []
    for size in sizes:
        seeds = sorted(set(mine.get(size, {})) & set(theirs.get(size, {})))
        if not seeds:
            continue
        differences = [mine[size][s] - theirs[size][s] for s in seeds]
        paired.append({"name": name, "baseline": reference, "at_size": size,
                       "difference": statistics.fmean(differences),
                       "difference_sd": statistics.stdev(differences) if len(differences) > 1 else 0.0,
                       "higher": sum(d > 0 for d in differences), "seeds": seeds})
    return paired


def gold_equivalent(f1: float, sizes: list[int], gold_f1: list[float | None]) -> float | str:
    """The gold-only size reaching ``f1``: interpolated on log size at the first crossing of the measured gold
    curve, or ``"more than N"`` / ``"fewer than N"`` outside it."""
    measured = [(size, value) for size, value in zip(sizes, gold_f1) if size > 0 and value is not None]
    if not measured:
        return "no gold-only point"
    if f1 <= measured[0][1]:
        return f"fewer than {measured[0][0]}" if f1 < measured[0][1] else float(measured[0][0])
    for (low, low_f1), (high, high_f1) in zip(measured, measured[1:]):
        if low_f1 < f1 <= high_f1:
            share = (f1 - low_f1) / (high_f1 - low_f1)
            return round(math.exp(math.log(low) + share * (math.log(high) - math.log(low))), 1)
    return f"more than {measured[-1][0]}"


def worth_cell(value: float | str) -> str:
    return f"{value:.0f}" if isinstance(value, float | int) else value


def markdown_section(curves: dict[str, Any], table) -> list[str]:
    """The report's section on the curve; ``table(headers, rows)`` renders a Markdown table."""
    sizes = curves["sizes"]
    rows = []
    for index, size in enumerate(sizes):
        cells = []
        for curve in curves["curves"]:
            mean, sd, seeds = curve["f1_mean"][index], curve["f1_sd"][index], curve["seeds"][index]
            cells.append("-" if mean is None else (f"{mean:.3f} ± {sd:.3f}" if len(seeds) > 1 else f"{mean:.3f}"))
        rows.append((size, *cells))
    lines = ["## Gold-budget curve", "",
             "Test F1 (word level, mean ± sd over seeds) against the gold sentences each model was trained on; "
             "a group that starts from another group's model has that model at 0. Plot: `gold_curve.png`.", "",
             table(["gold sentences", *(c["name"] for c in curves["curves"])], rows), ""]
    if curves["paired"]:
        paired = [(p["name"], p["at_size"], f"{p['difference']:+.3f} ± {p['difference_sd']:.3f}",
                   f"{p['higher']} of {len(p['seeds'])}") for p in curves["paired"]]
        lines += [f"### Against {curves['reference']} at the same size, paired by seed", "",
                  table(["curve", "gold sentences", "difference", "higher on seeds"], paired), ""]
    if curves["worth"]:
        worth = [(w["name"], w["at_size"], f"{w['f1']:.3f}", worth_cell(w["gold_equivalent"])) for w in curves["worth"]]
        lines += ["### What the distilled data are worth in gold sentences", "",
                  f"The {curves['reference']} size with the same F1, interpolated on the log of the size between "
                  "the measured sizes around it.", "",
                  table(["curve", "gold sentences", "F1", "worth (gold-only sentences)"], worth), ""]
    return lines


def plot_curves(curves: dict[str, Any], title: str = "Test F1 against gold sentences"):
    """The curves on a log axis with the spread over seeds as a band; 0 gold sentences sits left of the
    smallest size, on its own tick. Returns the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = curves["sizes"]
    positive = [s for s in sizes if s > 0]
    zero_at = (min(positive) / 2.5) if positive else 1.0
    x = [size if size > 0 else zero_at for size in sizes]
    figure, axes = plt.subplots(figsize=(7, 4.4 + 0.15 * len(curves["curves"])), dpi=120)
    for curve in curves["curves"]:
        shown = [(xi, m, sd) for xi, m, sd in zip(x, curve["f1_mean"], curve["f1_sd"]) if m is not None]
        if not shown:
            continue
        xs, means, sds = zip(*shown)
        label = curve["name"] + (f" ({curve['teacher']})" if curve.get("teacher") else "")
        line, = axes.plot(xs, means, marker="o", markersize=4, label=label)
        axes.fill_between(xs, [m - s for m, s in zip(means, sds)], [m + s for m, s in zip(means, sds)],
                          color=line.get_color(), alpha=0.18, linewidth=0)
    axes.set_xscale("log")
    axes.set_xticks(x, [str(s) for s in sizes])
    axes.minorticks_off()
    axes.set_xlabel("gold (human-labelled) sentences, log scale")
    axes.set_ylabel("micro F1 on the test set (word level)")
    axes.set_title(textwrap.fill(title, 70), fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=1, frameon=False)  # not on a curve
    figure.tight_layout()
    return figure
