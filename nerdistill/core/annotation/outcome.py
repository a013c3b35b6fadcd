"""Annotating one sentence: messages out, a validated answer back, token spans from it.

The LLM is reached through instructor over litellm, so every provider (a hosted API, a local server,
an in-process model behind litellm's ``CustomLLM``) behaves the same. Two kinds of failure are kept
apart:

- the answer is invalid (not JSON, unknown types, strings not in the sentence under ``reask``) and
  instructor's re-asks are used up: the sentence is recorded as *failed* with the reason, and the
  batch goes on;
- the call itself failed (rate limit, server error, timeout, connection): :class:`TransportError`
  is raised, for the runner to retry with backoff. Errors that no retry can fix (bad API key, bad
  request) are raised as :class:`~nerdistill.core.errors.NerdistillError`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from nerdistill.core.annotation.align import Mention, align
from nerdistill.core.annotation.confidence import entity_confidence, token_logprobs
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span

# instructor logs every failed attempt at ERROR level; the outcome records them instead.
logging.getLogger("instructor").setLevel(logging.CRITICAL)

Status = Literal["ok", "failed"]


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(prompt_tokens=self.prompt_tokens + other.prompt_tokens,
                     completion_tokens=self.completion_tokens + other.completion_tokens,
                     cost=self.cost + other.cost)


class Outcome(BaseModel):
    """What became of one sentence: stored as it arrives, so it is never paid for twice."""

    status: Status
    spans: list[Span] = Field(default_factory=list)
    answer: dict[str, Any] = Field(default_factory=dict)
    reasoning: dict[str, Any] | None = None
    counts: dict[str, int] = Field(default_factory=dict)  # aligned, not_in_sentence, overlapping, ...
    raw: str | None = None
    error: str | None = None
    attempts: int | None = Field(None, description="calls made, for a failed sentence")
    usage: Usage = Field(default_factory=Usage)
    provider_spans: bool = Field(False, description="spans came with the answer (a file, a simulation): "
                                 "alignment leaves them as they are")
    rescued_with: dict[str, Any] | None = Field(None, description="the provider options that differed when a "
                                                "rescue gave this answer after an invalid one")
    confidence: dict[str, list[float]] | None = Field(None, description="per type, the probability the LLM gave "
                                                      "to each item of the answer (core/confidence.py), where the "
                                                      "provider returned log probabilities")

    def labelled(self, sentence: Sentence, **meta: Any) -> Sentence:
        """The sentence labelled with this outcome's spans, the answer and counts in ``meta``."""
        details = {"answer": self.answer, "raw": self.raw, "counts": self.counts, **meta}
        if self.reasoning is not None:
            details["reasoning"] = self.reasoning
        for name in ("rescued_with", "confidence"):
            if getattr(self, name) is not None:
                details[name] = getattr(self, name)
        return sentence.with_spans(self.spans, meta={**sentence.meta, "annotation": details})


class TransportError(Exception):
    """A call that failed on the way (rate limit, server error, timeout): worth retrying later."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Asker(Protocol):
    """Sends messages and returns the validated answer and the raw completion (a provider's client)."""

    def __call__(self, *, messages: list[dict[str, str]], response_model: type[BaseModel],
                 context: dict[str, Any], max_retries: int) -> tuple[BaseModel, Any]: ...


class AnsweringStrategy(Protocol):
    options: Any

    def messages(self, sentence: Sentence) -> list[dict[str, str]]: ...
    def response_model(self) -> type[BaseModel]: ...
    def validation_context(self, sentence: Sentence) -> dict[str, Any]: ...
    def reasoning(self, answer: BaseModel) -> dict[str, Any] | None: ...
    def entities(self, answer: BaseModel) -> Any: ...


@dataclass(frozen=True)
class Request:
    """Everything sent for one sentence; its hash is the cache key of the answer."""

    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    context: dict[str, Any]
    max_retries: int


def build_request(strategy: AnsweringStrategy, sentence: Sentence) -> Request:
    return Request(strategy.messages(sentence), strategy.response_model(), strategy.validation_context(sentence),
                   strategy.options.max_retries)


def annotate_sentence(sentence: Sentence, strategy: AnsweringStrategy, ask: Asker,
                      request: Request | None = None) -> Outcome:
    """Ask the LLM about ``sentence`` and align its answer; invalid answers give a failed outcome."""
    from instructor.core import IncompleteOutputException, InstructorRetryException

    request = request or build_request(strategy, sentence)
    try:
        answer, completion = ask(messages=request.messages, response_model=request.response_model,
                                 context=request.context, max_retries=request.max_retries)
    except IncompleteOutputException as error:
        completion = error.last_completion
        return Outcome(status="failed", error="the answer was cut off at the token limit (max_tokens)",
                       raw=raw_text(completion), attempts=1, usage=usage_of(completion))
    except InstructorRetryException as error:
        cause = error.__cause__
        if cause is not None and not _is_validation_error(cause):
            raise classify_call_error(cause) from cause
        last = error.failed_attempts[-1].exception if error.failed_attempts else cause
        return Outcome(status="failed", error=f"invalid answer after {error.n_attempts} attempt(s): "
                       f"{_one_line(last)}", raw=raw_text(error.last_completion), attempts=error.n_attempts,
                       usage=usage_of(error.total_usage))
    entities, raw, tokens = strategy.entities(answer), raw_text(completion), token_logprobs(completion)
    confidence = entity_confidence(raw, tokens, entities.as_dict()) if raw and tokens else None
    outcome = Outcome(status="ok", answer=entities.as_dict(), reasoning=strategy.reasoning(answer),
                      counts={"rejected": len(entities.dropped["not_in_sentence"]),
                              "unknown_types": len(entities.dropped["unknown_types"])},
                      raw=raw or answer.model_dump_json(), usage=usage_of(completion), confidence=confidence)
    return apply_alignment(outcome, sentence, strategy.options)


def keep_known_types(outcome: Outcome, label_set: Any) -> Outcome:
    """Spans a provider gave with a type outside the run's label set, dropped and counted as
    ``unknown_types``: whatever the provider (a file, a plugin), only the run's types reach the distilled data.
    An LLM's answer never has any: its schema already drops (or re-asks) them."""
    unknown = [span for span in outcome.spans if span.label not in label_set]
    if not unknown:
        return outcome
    counts = {**outcome.counts, "unknown_types": outcome.counts.get("unknown_types", 0) + len(unknown)}
    if "aligned" in counts:
        counts["aligned"] -= len(unknown)
    return outcome.model_copy(update={"spans": [s for s in outcome.spans if s.label in label_set], "counts": counts})


def apply_alignment(outcome: Outcome, sentence: Sentence, options: Any) -> Outcome:
    """Place the answer's strings on the sentence's tokens (see :mod:`nerdistill.core.annotation.align`).

    Done on every read, cached or fresh, so a change of alignment policy never costs an LLM call.
    ``not_in_sentence`` counts both the strings validation rejected and those alignment could not place.
    """
    if outcome.status != "ok" or outcome.provider_spans:
        return outcome
    mentions = [Mention(label, fragment) for label, items in outcome.answer.items() for item in items
                for fragment in ([item] if isinstance(item, str) else item)]
    alignment = align(sentence.tokens, mentions, policy=options.alignment, case_sensitive=options.case_sensitive,
                      glued=options.glued_tokens)
    counts = {**outcome.counts, **alignment.counts()}
    counts["not_in_sentence"] += counts.get("rejected", 0)
    return outcome.model_copy(update={"spans": alignment.spans, "counts": counts})


def redact(text: str) -> str:
    """Replace the value of any secret-looking environment variable (``*_KEY``, ``*_TOKEN``) in ``text``."""
    for name, value in os.environ.items():
        if value and len(value) >= 8 and name.upper().endswith(("_KEY", "_TOKEN", "_SECRET")) and value in text:
            text = text.replace(value, "***")
    return text


class CredentialsRejected(NerdistillError):
    """The server refused the API key (HTTP 401 or 403): no retry can help, a provider says where the key came
    from."""


def classify_call_error(error: BaseException) -> Exception:
    """A retryable :class:`TransportError`, or a :class:`NerdistillError` that no retry can fix."""
    import litellm

    retryable = (litellm.RateLimitError, litellm.Timeout, litellm.APIConnectionError, litellm.InternalServerError,
                 litellm.ServiceUnavailableError, litellm.BadGatewayError, TimeoutError, ConnectionError)
    if isinstance(error, retryable):
        retry_after = None
        response = getattr(error, "response", None)
        header = getattr(response, "headers", {}).get("retry-after") if response is not None else None
        if header:
            try:
                retry_after = float(header)
            except ValueError:
                pass
        return TransportError(f"{type(error).__name__}: {_one_line(error)}", retry_after=retry_after)
    if isinstance(error, litellm.AuthenticationError) or getattr(error, "status_code", None) in (401, 403):
        status = getattr(error, "status_code", None)
        return CredentialsRejected(f"the provider rejected the credentials{f' (HTTP {status})' if status else ''}: "
                                   f"{_one_line(error)}")
    return NerdistillError(f"the LLM call failed: {type(error).__name__}: {_one_line(error)}")


def _is_validation_error(error: BaseException) -> bool:
    import json

    from instructor.core import ResponseParsingError
    from instructor.core import ValidationError as InstructorValidationError
    from pydantic import ValidationError

    return isinstance(error, (ValidationError, json.JSONDecodeError, ValueError, InstructorValidationError,
                              ResponseParsingError))


def raw_text(completion: Any) -> str | None:
    """The text the model sent: its message content, or its tool call's arguments."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    if getattr(message, "content", None):
        return message.content
    calls = getattr(message, "tool_calls", None) or []
    return calls[0].function.arguments if calls else None


def usage_of(source: Any) -> Usage:
    """Token counts of a completion (or instructor's summed usage), and litellm's cost where it knows it."""
    usage = getattr(source, "usage", source)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    cost = 0.0
    hidden = getattr(source, "_hidden_params", None) or {}
    if isinstance(hidden, dict) and hidden.get("response_cost"):
        cost = float(hidden["response_cost"])
    return Usage(prompt_tokens=prompt, completion_tokens=completion, cost=cost)


def _one_line(error: object) -> str:
    text = redact(" ".join(str(error).split()))
    return text if len(text) <= 300 else text[:297] + "..."
