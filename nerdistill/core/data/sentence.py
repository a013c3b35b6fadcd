"""The sentence: the unit that is annotated, trained on and scored.

Tokens are the CoNLL-2003 kind (punctuation split off). ``tags`` are IOB2 and may be absent for
unlabelled text; ``spans`` are derived from them, so the two can never disagree. ``source`` says where
a sentence came from (``conll2003/train``, ``bbc``, a provider's name) and ``meta`` carries the rest
(article category, the LLM's raw answer and reasoning, alignment counts).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nerdistill.core.data.tags import Span, spans_to_tags, tags_to_spans, to_iob2


class Sentence(BaseModel):
    """One tokenized sentence with optional IOB2 tags."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    tokens: tuple[str, ...] = Field(min_length=1)
    tags: tuple[str, ...] | None = None
    source: str = ""
    document: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _tags_from_spans(cls, data: Any) -> Any:
        """Accept ``spans`` in place of ``tags`` (the JSONL form carries both, for people to read)."""
        if not isinstance(data, dict) or "spans" not in data:
            return data
        data = dict(data)
        spans = [s if isinstance(s, Span) else Span.model_validate(s) for s in data.pop("spans") or []]
        from_spans = spans_to_tags(spans, len(data.get("tokens") or ()))
        if data.get("tags") is None:
            data["tags"] = from_spans
        elif list(data["tags"]) != from_spans:
            raise ValueError("'spans' and 'tags' disagree")
        return data

    @field_validator("tokens")
    @classmethod
    def _tokens_are_words(cls, tokens: tuple[str, ...]) -> tuple[str, ...]:
        for i, token in enumerate(tokens):
            if not token or any(c.isspace() for c in token):
                raise ValueError(f"token {i} ({token!r}) is empty or contains white space")
        return tokens

    @model_validator(mode="after")
    def _tags_match_tokens(self) -> "Sentence":
        if self.tags is not None:
            if len(self.tags) != len(self.tokens):
                raise ValueError(f"{len(self.tags)} tags for {len(self.tokens)} tokens")
            to_iob2(self.tags)
        return self

    @property
    def spans(self) -> list[Span]:
        return tags_to_spans(self.tags, self.tokens) if self.tags is not None else []

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def is_labelled(self) -> bool:
        return self.tags is not None

    def with_spans(self, spans: list[Span], **changes: Any) -> "Sentence":
        """A copy labelled with ``spans`` (which must not overlap)."""
        return self.model_copy(update={"tags": tuple(spans_to_tags(spans, len(self.tokens))), **changes})

    def to_record(self) -> dict[str, Any]:
        """The JSONL exchange form: the model's fields plus ``spans`` for people to read."""
        record = self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
        if self.tags is not None:
            record["spans"] = [s.model_dump() for s in self.spans]
        if not self.meta:
            record.pop("meta")
        return record
