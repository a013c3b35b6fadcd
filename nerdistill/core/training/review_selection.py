"""Which distilled sentences are most worth a reviewer's time, as active learning picks them.

Each way gives every sentence of the pool a score (higher: review it sooner); the N best are selected, ties
kept in pool order so a selection is reproducible:

- ``disagreement``: the entities the teacher and a student trained on its labels do not share (type and
  words), counted. Where the two disagree, one of them is wrong, and the student's view is independent
  enough of the teacher's to catch errors it repeats nowhere else.
- ``uncertainty``: 1 minus the student's probability of its least sure word (least-confidence sampling).
- ``confidence``: 1 minus the LLM's confidence in its least sure entity (annotations asked with
  ``logprobs = true``).
- ``random``: a seeded sample, the baseline the others must beat.
"""

from __future__ import annotations

import random as random_module
from collections.abc import Sequence
from typing import Literal

from nerdistill.core.annotation.confidence import annotated_confidence
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import tags_to_spans
from nerdistill.core.errors import NerdistillError
from nerdistill.core.training.trainer import WordScores

SelectionWay = Literal["disagreement", "uncertainty", "confidence", "random"]
#: the ways that need a student's predictions (``--model``)
NEEDS_MODEL = frozenset({"disagreement", "uncertainty"})


def disagreement_scores(pool: Sequence[Sentence], student: Sequence[WordScores]) -> list[float]:
    """Per sentence, the entities only one of the teacher (the pool's labels) and the student has."""
    scores = []
    for sentence, (tags, _) in zip(pool, student, strict=True):
        teacher = {(s.start, s.end, s.label) for s in sentence.spans}
        predicted = {(s.start, s.end, s.label) for s in tags_to_spans(tags)}
        scores.append(float(len(teacher ^ predicted)))
    return scores


def uncertainty_scores(student: Sequence[WordScores]) -> list[float]:
    """Per sentence, 1 minus the probability of the student's least sure word."""
    return [round(1 - min(probabilities, default=1.0), 4) for _, probabilities in student]


def confidence_scores(pool: Sequence[Sentence], *, where: str) -> list[float]:
    """Per sentence, 1 minus the LLM's confidence in its least sure entity: 0 for an answer with no entity, 1
    for a sentence whose answer came without log probabilities (nothing says it is right)."""
    confidences = [annotated_confidence(sentence) for sentence in pool]
    if all(value is None for value in confidences):
        raise NerdistillError(f"{where}: no sentence has a confidence (meta.annotation.confidence): annotate with "
                              "the provider option logprobs = true, or select --by disagreement")
    return [round(1 - value, 4) if value is not None else 1.0 for value in confidences]


def random_scores(pool: Sequence[Sentence], seed: int) -> list[float]:
    rng = random_module.Random(seed)
    return [rng.random() for _ in pool]


def select(pool: Sequence[Sentence], scores: Sequence[float], n: int, *, by: str) -> list[Sentence]:
    """The ``n`` sentences of highest score, highest first, each with ``meta.selection`` (way, score, rank)."""
    order = sorted(range(len(pool)), key=lambda i: -scores[i])[:n]
    return [pool[i].model_copy(update={"meta": {**pool[i].meta, "selection": {
        "by": by, "score": round(scores[i], 4), "rank": rank}}}) for rank, i in enumerate(order, start=1)]
