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
    """For every other group and decay, the word-level F1 minus the baseline's of the same seed and decay, over
    the seeds both have: mean, standard deviation (None from one seed), on how many seeds it is higher, and
    each seed's difference. Groups in the order of ``rows``; a group sharing no seed with the baseline is
    left out."""
    f1 = {(row["group"], row["decay"], row["seed"]): row["f1"] for row in rows}
    result = []
    for group, decay in dict.fromkeys((row["group"], row["decay"]) for row in rows):
        if group == baseline:
            continue
        seeds = sorted(s for (g, d, s) in f1 if (g, d) == (group, decay) and (baseline, decay, s) in f1)
        if not seeds:
            continue
        differences = [f1[(group, decay, s)] - f1[(baseline, decay, s)] for s in seeds]
        result.append({"group": group, "decay": decay, "baseline": baseline, "seeds": len(seeds),
                       "difference": statistics.fmean(differences),
                       "difference_sd": statistics.stdev(differences) if len(differences) > 1 else None,
                       "higher": sum(d > 0 for d in differences),
                       "per_seed": {str(s): d for s, d in zip(seeds, differences)}})
    return result


def paired_cells(record: dict[str, Any]) -> tuple[str, str, str]:
    """The difference (``+0.013 ± 0.005``, the mean alone from one seed), ``3 of 3`` and the seeds' own."""
    spread = "" if record["difference_sd"] is None else f" ± {record['difference_sd']:.3f}"
    return (f"{record['difference']:+.3f}{spread}", f"{record['higher']} of {record['seeds']}",
            ", ".join(f"{seed}: {d:+.3f}" for seed, d in record["per_seed"].items()))
