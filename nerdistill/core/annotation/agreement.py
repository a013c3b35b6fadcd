"""Agreement of several annotations of the same sentences: the entities enough of them give (self-consistency).

Two prompt strategies of a weak teacher over-identify in different places. On the 1000 CoNLL-2003
sentences of this project's table 1, the local model's standard and chain-of-thought answers agree on
entities at precision 0.67, where each alone has 0.46 and 0.34 (docs/reproduction.md): keeping what both
give trades recall for precision, for the price of annotating twice. With more than two annotations (other
strategies, other demonstrations, sampled answers), an entity is kept where at least ``min_votes`` of them
give it (the same words and the same type); its share of the votes is its confidence, recorded as an LLM's is
(``meta.annotation.confidence``), so ``min_confidence``, ``select --by confidence`` and ``view`` read it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span
from nerdistill.core.errors import NerdistillError


@dataclass
class AgreementCounts:
    sentences: int = 0  # in every annotation
    only_in_first: int = 0  # in the first but missing from another
    entities: tuple[int, ...] = ()  # in each annotation, of the sentences in all
    entities_agreed: int = 0
    without_entities: int = 0  # agreed on no entity


def agreed(annotations: list[list[Sentence]], min_votes: int | None = None) -> tuple[list[Sentence],
                                                                                      AgreementCounts]:
    """The sentences of the first annotation that every other has too (by id, in the first's order), each
    labelled with the entities at least ``min_votes`` annotations give (default: all of them). Where votes
    allow overlapping entities (``min_votes`` at most half), the one with more votes is kept, then the
    earlier. The LLMs' raw answers in ``meta`` belong to one annotation only and are left out; each kept
    entity's vote share is its confidence."""
    if len(annotations) < 2:
        raise NerdistillError("agreement needs at least two annotations")
    needed = len(annotations) if min_votes is None else min_votes
    if not 1 <= needed <= len(annotations):
        raise NerdistillError(f"min_votes {needed}: give 1 to {len(annotations)} (the number of annotations)")
    others = [{s.id: s for s in annotation} for annotation in annotations[1:]]
    counts, result = AgreementCounts(entities=(0,) * len(annotations)), []
    for sentence in annotations[0]:
        versions = [sentence] + [other.get(sentence.id) for other in others]
        if any(version is None for version in versions):
            counts.only_in_first += 1
            continue
        if any(version.tokens != sentence.tokens for version in versions):
            raise NerdistillError(f"sentence {sentence.id!r} has other tokens in another annotation")
        votes = Counter(span for version in versions for span in version.spans)
        kept = _without_overlaps([span for span, n in votes.items() if n >= needed], votes)
        counts.sentences += 1
        counts.entities = tuple(n + len(v.spans) for n, v in zip(counts.entities, versions))
        counts.entities_agreed += len(kept)
        counts.without_entities += not kept
        result.append(sentence.with_spans(kept, meta={"annotation": _vote_record(kept, votes, len(versions))}))
    return result, counts


def _without_overlaps(candidates: list[Span], votes: Counter) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(candidates, key=lambda s: (-votes[s], s.start, -len(s))):
        if not any(span.overlaps(other) for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda span: span.start)


def _vote_record(kept: list[Span], votes: Counter, voters: int) -> dict[str, dict[str, list]]:
    """The kept entities as an answer (type -> texts) with each one's vote share as its confidence."""
    answer: dict[str, list[str]] = {}
    confidence: dict[str, list[float]] = {}
    for span in kept:
        answer.setdefault(span.label, []).append(span.text)
        confidence.setdefault(span.label, []).append(round(votes[span] / voters, 4))
    return {"answer": answer, "confidence": confidence}
