"""The published figures of arXiv 2402.09282, to set beside a reproduction's own.

Kept in one place so that reports (``compare_with_paper``) and the simulated GPT-4 teacher
(``oracle-noise``) quote the same numbers. Table 1: GPT-4's annotation quality on 1000 CoNLL-2003
training sentences per prompt strategy, as (precision, recall, F1). Tables 2 and 3: micro F1 of
bert-base-uncased on the CoNLL-2003 test split, mean of 5 runs, as (no decay, decay 0.95); the paper's
supports suggest these are subword-level figures.
"""

from __future__ import annotations

Scores = tuple[float, float, float]

TABLE1: dict[str, dict[str, Scores]] = {
    "standard": {"micro": (0.56, 0.78, 0.65), "LOC": (0.73, 0.89, 0.80), "ORG": (0.73, 0.67, 0.70),
                 "PER": (0.97, 0.96, 0.97), "MISC": (0.13, 0.43, 0.20)},
    "cot": {"micro": (0.67, 0.82, 0.73), "LOC": (0.81, 0.88, 0.84), "ORG": (0.77, 0.76, 0.77),
            "PER": (0.95, 0.96, 0.95), "MISC": (0.23, 0.52, 0.31)},
}
TABLE1_AVERAGE_F1 = {"standard": {"macro": 0.67, "weighted": 0.73}, "cot": {"macro": 0.72, "weighted": 0.77}}

TABLE2 = {"A": (0.850, 0.849), "B": (0.683, 0.672), "C": (0.713, 0.691), "D": (0.859, 0.853), "E": (0.869, 0.869)}

TABLE3 = {
    "simple_mix": (0.869, 0.869), "all": (0.792, 0.800), "cosine": (0.853, 0.854),
    "sigmoid:k=2": (0.811, 0.814), "sigmoid:k=4": (0.831, 0.824), "sigmoid:k=8": (0.847, 0.846),
    "sigmoid:k=16": (0.861, 0.860), "sigmoid:k=32": (0.865, 0.864),
    "power:n=0.1": (0.859, 0.856), "power:n=0.2": (0.861, 0.861), "power:n=0.5": (0.846, 0.847),
    "power:n=1": (0.848, 0.849), "power:n=2": (0.840, 0.852), "power:n=5": (0.855, 0.845),
    "power:n=10": (0.849, 0.849),
}
PAPER_DECAY = 0.95


def published_f1(group: str, schedule: str, decay: float | None) -> float | None:
    """The paper's F1 for a group of a reproduction: phase 2's groups by name (A to E), phase 3's by
    schedule; None where the paper has no such figure."""
    pair = TABLE2.get(group) or TABLE3.get(schedule)
    if pair is None or decay not in (None, PAPER_DECAY):
        return None
    return pair[0] if decay is None else pair[1]
