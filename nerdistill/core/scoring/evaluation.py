"""Scoring predicted tags against gold with seqeval, the way CoNLL and the paper score.

The default is entity-level scoring as conlleval does it (seqeval's default mode: an ``I-X`` that
continues nothing still starts an entity). ``strict`` scores IOB2 entities strictly. Reports give
precision, recall, F1 and support per type, and micro, macro and weighted averages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.tables import format_table

ScoringMode = Literal["conlleval", "strict"]
AVERAGES = ("micro avg", "macro avg", "weighted avg")


def score_tags(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
               mode: ScoringMode = "conlleval") -> dict[str, Any]:
    """``{"types": {LOC: {precision, recall, f1, support}}, "micro": {...}, "macro": ..., "weighted": ...}``."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    if len(gold) != len(predicted):
        raise NerdistillError(f"{len(predicted)} predicted sentences for {len(gold)} gold ones")
    for i, (g, p) in enumerate(zip(gold, predicted)):
        if len(g) != len(p):
            raise NerdistillError(f"sentence {i}: {len(p)} predicted tags for {len(g)} gold tags")
    options: dict[str, Any] = {"mode": "strict", "scheme": IOB2} if mode == "strict" else {}
    report = classification_report([list(g) for g in gold], [list(p) for p in predicted], output_dict=True,
                                   zero_division=0, **options)
    def figures(row: dict[str, float]) -> dict[str, float]:
        return {"precision": float(row["precision"]), "recall": float(row["recall"]),
                "f1": float(row["f1-score"]), "support": int(row["support"])}

    return {
        "types": {name: figures(row) for name, row in sorted(report.items()) if name not in AVERAGES},
        "micro": figures(report["micro avg"]), "macro": figures(report["macro avg"]),
        "weighted": figures(report["weighted avg"]), "mode": mode, "sentences": len(gold),
    }


def evaluate_predictions(gold: list[Sentence], predicted: list[tuple[str, ...]], *, expander=None,
                         mode: ScoringMode = "conlleval") -> dict[str, Any]:
    """Word-level scores, and with an ``expander`` the paper-style subword-level scores beside them.

    Subword level copies each word's tag (gold and predicted alike) onto all its word pieces, as the
    paper's support figures imply; it is reported for comparison with the paper, never as the headline.
    """
    report = {"word": score_tags([g.tags for g in gold], predicted, mode)}
    if expander is not None:
        report["subword"] = score_tags(expander(gold, [g.tags for g in gold]), expander(gold, predicted), mode)
    return report


def pair_sentences(gold: list[Sentence],
                   predicted: list[Sentence]) -> tuple[list[tuple[Sentence, Sentence | None]], int]:
    """Each gold sentence with its prediction, found by id and tokens, or else by tokens alone."""
    by_id = {(s.id, s.tokens): s for s in predicted}
    by_tokens: dict[tuple[str, ...], Sentence] = {}
    for s in predicted:
        by_tokens.setdefault(s.tokens, s)
    pairs = [(g, by_id.get((g.id, g.tokens)) or by_tokens.get(g.tokens)) for g in gold]
    return pairs, sum(p is None for _, p in pairs)


def format_report(report: dict[str, Any], title: str = "") -> str:
    rows = [(name, f["precision"], f["recall"], f["f1"], f["support"]) for name, f in report["types"].items()]
    rows += [(f"{name} avg", report[name]["precision"], report[name]["recall"], report[name]["f1"],
              report[name]["support"]) for name in ("micro", "macro", "weighted")]
    table = format_table(["type", "precision", "recall", "f1", "support"], rows)
    return f"{title}\n{table}" if title else table
