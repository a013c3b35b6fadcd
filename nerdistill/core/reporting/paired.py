"""Each group of a sweep against a baseline group, paired by seed.

The gaps the paper's tables turn on are small (about 0.01 F1) beside the spread of one group over seeds
(0.002 to 0.013 here), but models trained with the same seed share the same original sample, the same
test split and the same randomness, so the difference seed by seed says more than two means and their
spreads: "higher on 3 of 3 seeds, by +0.013 ± 0.005" is the statement a reader can check.
"""

from __future__ import annotations

import statistics
from typing import Any


def paired_differences(rows: list[dict[str, Any]], baseline: str) -> list[dict[str, Any]]:
    """For every other group and decay, the word-level F1 minus the baseline's of the same seed and decay (see
    :func:`seed_differences`). Groups in the order of ``rows``; a group sharing no seed with the baseline is
    left out."""
    f1: dict[tuple[str, Any], dict[str, float]] = {}
    for row in rows:
        f1.setdefault((row["group"], row["decay"]), {})[str(row["seed"])] = row["f1"]
    result = []
    for (group, decay), per_seed in f1.items():
        paired = seed_differences(per_seed, f1.get((baseline, decay), {})) if group != baseline else None
        if paired is not None:
            result.append({"group": group, "decay": decay, "baseline": baseline, **paired})
    return result


def seed_differences(values: dict[str, float], baseline: dict[str, float]) -> dict[str, Any] | None:
    """``values`` minus ``baseline``, both keyed by seed, over the seeds both have: the mean, the standard
    deviation (None from one seed), on how many seeds it is higher, and each seed's difference; None when no
    seed is shared."""
    seeds = sorted(set(values) & set(baseline), key=int)
    if not seeds:
        return None
    differences = [values[s] - baseline[s] for s in seeds]
    return {"seeds": len(seeds), "difference": statistics.fmean(differences),
            "difference_sd": statistics.stdev(differences) if len(differences) > 1 else None,
            "higher": sum(d > 0 for d in differences), "per_seed": dict(zip(seeds, differences))}


def paired_cells(record: dict[str, Any]) -> tuple[str, str, str]:
    """The difference (``+0.013 ± 0.005``, the mean alone from one seed), ``3 of 3`` and the seeds' own."""
    spread = "" if record["difference_sd"] is None else f" ± {record['difference_sd']:.3f}"
    return (f"{record['difference']:+.3f}{spread}", f"{record['higher']} of {record['seeds']}",
            ", ".join(f"{seed}: {d:+.3f}" for seed, d in record["per_seed"].items()))
