"""Where annotations go wrong, entity by entity: the figures behind an F1.

Precision and recall say how much is wrong; this says what. An entity is compared by its boundaries:
same words and another type is a confusion (ORG tagged LOC), a predicted entity at boundaries no gold
entity has is spurious, a gold entity at boundaries no prediction has is missed (a span with the right
type but wrong boundaries counts as both, as in conlleval's precision and recall).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import tags_to_spans


def entity_errors(pairs: Sequence[tuple[Sentence, Sequence[str]]], *, examples: int = 10) -> dict[str, Any]:
    """``pairs``: gold sentences with predicted tags. Confusions ``{gold type: {predicted type: n}}``,
    spurious and missed entities per type, and the most frequent spurious strings per type."""
    confusions: dict[str, Counter] = defaultdict(Counter)
    spurious: dict[str, Counter] = defaultdict(Counter)
    missed: Counter = Counter()
    for gold, predicted in pairs:
        gold_types = {(s.start, s.end): s.label for s in gold.spans}
        predicted_spans = tags_to_spans(predicted, gold.tokens)
        found = {(s.start, s.end) for s in predicted_spans}
        for span in predicted_spans:
            gold_type = gold_types.get((span.start, span.end))
            if gold_type is None:
                spurious[span.label][span.text.lower()] += 1
            elif gold_type != span.label:
                confusions[gold_type][span.label] += 1
        missed.update(label for bounds, label in gold_types.items() if bounds not in found)
    return {"confusions": {g: dict(c) for g, c in sorted(confusions.items())},
            "spurious": {t: sum(c.values()) for t, c in sorted(spurious.items())},
            "missed": dict(sorted(missed.items())),
            "frequent_spurious": {t: c.most_common(examples) for t, c in sorted(spurious.items())}}


def format_entity_errors(errors: dict[str, Any]) -> str:
    lines = ["same words, another type (gold -> predicted):"]
    lines += [f"  {gold} -> {predicted}: {n}" for gold, row in errors["confusions"].items()
              for predicted, n in sorted(row.items(), key=lambda item: -item[1])] or ["  none"]
    lines.append("spurious (no gold entity at those words) and missed (no prediction at a gold entity's words):")
    for label in sorted(set(errors["spurious"]) | set(errors["missed"])):
        lines.append(f"  {label}: {errors['spurious'].get(label, 0)} spurious, {errors['missed'].get(label, 0)} missed")
    for label, common in errors["frequent_spurious"].items():
        lines.append(f"most frequent spurious {label}: " + ", ".join(f"{text!r} x{n}" for text, n in common))
    return "\n".join(lines)
