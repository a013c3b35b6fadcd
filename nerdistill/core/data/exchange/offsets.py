"""Entities as character offsets into a sentence's text, and back to tokens.

A sentence goes out as its tokens joined by single spaces (the text a reviewer sees), its entities as the
character offsets of their first and last token. Coming back, the tokens are those the file carries (every
format here keeps them beside the text); a text with none, written by a tool alone, is tokenized as ``annotate``
tokenizes raw text. An entity that starts or ends inside a token (a reviewer's stray drag) is widened to
whole tokens and counted; one that covers no token is an error naming the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span
from nerdistill.core.data.tokenizer import TOKENIZERS
from nerdistill.core.errors import NerdistillError


@dataclass(frozen=True)
class CharEntity:
    """An entity as a tool stores it: ``text[start:end]`` is its surface, ``score`` the confidence where known."""

    start: int
    end: int
    label: str
    score: float | None = None


@dataclass
class ImportCounts:
    """What reading a tool's file changed or left out, for the command to report (nothing is dropped silently)."""

    widened: int = 0        # entities moved out to whole tokens
    unreviewed: int = 0     # records with no human annotation
    left_out: int = 0       # of those, left out (their predictions are not reviewed labels)
    notes: list[str] = field(default_factory=list)


def type_names(sentences: list[Sentence], label_set: LabelSet | None) -> list[str]:
    """The label set's types; without one, the types of the sentences' entities in the order they first come."""
    if label_set is not None:
        return list(label_set.names)
    return list(dict.fromkeys(span.label for sentence in sentences for span in sentence.spans))


def token_offsets(tokens: tuple[str, ...]) -> list[int]:
    """Where each token starts in the tokens joined by single spaces."""
    starts, position = [], 0
    for token in tokens:
        starts.append(position)
        position += len(token) + 1
    return starts


def entity_scores(sentence: Sentence) -> list[float | None]:
    """Each entity's confidence, in the order of ``sentence.spans``: a student's ``meta.span_scores``, or the
    probability the LLM gave the entity (``meta.annotation.confidence``, per type in the answer's order); None
    where the sentence has neither."""
    spans = sentence.spans
    if "span_scores" in sentence.meta:
        return list(sentence.meta["span_scores"])
    annotation = sentence.meta.get("annotation") or {}
    answer, confidence = annotation.get("answer") or {}, annotation.get("confidence")
    if not confidence:
        return [None] * len(spans)
    scores = []
    for span in spans:
        named = [str(item) for item in answer.get(span.label) or []]
        values = confidence.get(span.label) or []
        index = named.index(span.text) if span.text in named else None
        scores.append(values[index] if index is not None and index < len(values) else None)
    return scores


def char_entities(sentence: Sentence) -> list[CharEntity]:
    """The sentence's entities as character offsets into ``sentence.text``, with their scores."""
    starts = token_offsets(sentence.tokens)
    return [CharEntity(starts[span.start], starts[span.end - 1] + len(sentence.tokens[span.end - 1]), span.label,
                       score)
            for span, score in zip(sentence.spans, entity_scores(sentence))]


def sentence_from_chars(text: str, entities: list[CharEntity], *, tokens: list[str] | None, id: str,
                        label_set: LabelSet | None, counts: ImportCounts, path: Path, where: str,
                        meta: dict[str, Any] | None = None) -> Sentence:
    """A labelled sentence from a tool's text and character entities. ``tokens`` (where the file kept them) must
    join to ``text``; without them the text is tokenized. ``where`` names the record in errors."""
    if tokens is not None:
        if " ".join(tokens) != text:
            raise NerdistillError(f"{where}: its tokens do not join to its text (was the text edited?)", path=path)
        offsets = [(start, start + len(token)) for start, token in zip(token_offsets(tuple(tokens)), tokens)]
    else:
        offsets = [match.span() for match in TOKENIZERS["conll"].finditer(text)]
        tokens = [text[start:end] for start, end in offsets]
    if not tokens:
        raise NerdistillError(f"{where}: no words in its text", path=path)
    spans = []
    for entity in sorted(entities, key=lambda e: (e.start, e.end)):
        if label_set is not None and entity.label not in label_set:
            raise NerdistillError(f"{where}: {label_set.outside(entity.label)}", path=path)
        covered = [i for i, (start, end) in enumerate(offsets) if start < entity.end and end > entity.start]
        if not covered:
            raise NerdistillError(f"{where}: the entity at characters {entity.start}-{entity.end} covers no word",
                                  path=path)
        if offsets[covered[0]][0] != entity.start or offsets[covered[-1]][1] != entity.end:
            counts.widened += 1
        span = Span(start=covered[0], end=covered[-1] + 1, label=entity.label)
        if spans and spans[-1].overlaps(span):
            raise NerdistillError(f"{where}: entities overlap at characters {entity.start}-{entity.end}", path=path)
        spans.append(span)
    return Sentence(id=id, tokens=tuple(tokens), meta=meta or {}).with_spans(spans)
