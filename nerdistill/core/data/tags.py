"""Spans and IOB2 tags, and the conversions between them.

IOB2 is the project's one internal tag scheme: every entity starts with ``B-X`` and continues with
``I-X``. IOB1 files (where ``I-X`` may start an entity) are converted on reading. An IOB2 sequence with
an ``I-X`` that continues nothing is invalid; :func:`repair_iob2` fixes it by the conlleval rule
(such an ``I-X`` starts a new ``X`` entity), which is also exactly the IOB1 -> IOB2 conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nerdistill.core.data.labels import OUTSIDE

TagScheme = Literal["iob2", "iob1"]
InvalidTagPolicy = Literal["error", "repair"]


class Span(BaseModel):
    """An entity over tokens ``start`` (inclusive) to ``end`` (exclusive), with its label and text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(gt=0)
    label: str
    text: str = ""

    @model_validator(mode="after")
    def _not_empty(self) -> "Span":
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be after its start {self.start}")
        return self

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def __len__(self) -> int:
        return self.end - self.start


class TagError(ValueError):
    """A tag sequence that breaks the scheme; ``index`` is the offending token's position."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.index = index


def split_tag(tag: str, index: int = 0) -> tuple[str, str | None]:
    """``"B-PER"`` -> ``("B", "PER")``, ``"O"`` -> ``("O", None)``; anything else is a :class:`TagError`."""
    if tag == OUTSIDE:
        return OUTSIDE, None
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not label:
        raise TagError(f"unknown tag {tag!r} (expected O, B-TYPE or I-TYPE)", index)
    return prefix, label


def invalid_positions(tags: Sequence[str]) -> list[int]:
    """Positions of ``I-X`` tags that continue no ``X`` entity (invalid in IOB2)."""
    bad = []
    previous: str | None = None
    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag, i)
        if prefix == "I" and previous != label:
            bad.append(i)
        previous = label
    return bad


def repair_iob2(tags: Sequence[str]) -> tuple[list[str], int]:
    """Turn every ``I-X`` that continues nothing into ``B-X``; return the tags and how many changed."""
    fixed = list(tags)
    bad = invalid_positions(tags)
    for i in bad:
        fixed[i] = "B-" + fixed[i][2:]
    return fixed, len(bad)


def to_iob2(tags: Sequence[str], scheme: TagScheme = "iob2", on_invalid: InvalidTagPolicy = "error") -> list[str]:
    """Validate ``tags`` in ``scheme`` and return them as IOB2.

    IOB1 is always converted. IOB2 with an invalid ``I-X`` raises :class:`TagError` at that position
    under ``on_invalid="error"`` and is repaired under ``"repair"``.
    """
    if scheme == "iob2" and on_invalid == "error":
        bad = invalid_positions(tags)
        if bad:
            i = bad[0]
            raise TagError(f"invalid IOB2: {tags[i]!r} does not continue an entity of its type "
                           "(read the file as IOB1, or repair invalid tags)", i)
        return list(tags)
    return repair_iob2(tags)[0]


def tags_to_spans(tags: Sequence[str], tokens: Sequence[str] | None = None) -> list[Span]:
    """Entities of an IOB2 sequence, read leniently (an orphan ``I-X`` starts an entity)."""
    spans: list[Span] = []
    start, label = None, None
    for i, tag in enumerate(list(tags) + [OUTSIDE]):
        prefix, tag_label = split_tag(tag, i)
        continues = prefix == "I" and tag_label == label
        if start is not None and not continues:
            spans.append(_span(start, i, label, tokens))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and not continues):
            start, label = i, tag_label
    return spans


def spans_to_tags(spans: Sequence[Span], length: int) -> list[str]:
    """IOB2 tags for ``length`` tokens; spans must not overlap or run past the end."""
    tags = [OUTSIDE] * length
    for span in sorted(spans, key=lambda s: s.start):
        if span.end > length:
            raise ValueError(f"span {span.start}:{span.end} runs past the sentence's {length} tokens")
        if any(t != OUTSIDE for t in tags[span.start:span.end]):
            raise ValueError(f"span {span.start}:{span.end} {span.label} overlaps another span")
        tags[span.start] = f"B-{span.label}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{span.label}"
    return tags


def _span(start: int, end: int, label: str | None, tokens: Sequence[str] | None) -> Span:
    text = " ".join(tokens[start:end]) if tokens is not None else ""
    return Span(start=start, end=end, label=label or "", text=text)
