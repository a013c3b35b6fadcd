"""How sure the LLM was of each entity it gave, from the log probabilities of the tokens it wrote.

An entity's confidence is the probability the model gave to writing it where it did: the product of the
probabilities of the tokens from the bracket or comma before the string to the string's last character.
So it covers both the decision that one more entity follows (``", "`` rather than ``"]``) and the exact
words; formatting tokens elsewhere (spaces, the key's colon) do not count. A discontinuous entity's
confidence is the product of its fragments'. The probabilities are the model's own, before a grammar or a
repeat penalty changes them.

The answer's strings are found in the raw text the model wrote, under their type's key and the last
occurrence first: a chain-of-thought answer names its candidates before the final dictionary.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.sentence import Sentence

STRING = re.compile(r'"(?:[^"\\]|\\.)*"')

#: (token text, natural log probability) of each token the model wrote, in order
TokenLogprobs = Sequence[tuple[str, float]]


def entity_confidence(raw: str, tokens: TokenLogprobs, answer: dict[str, list[Any]]) -> dict[str, list[float]] | None:
    """Per type, the confidence of each item of ``answer`` (its lists in order); None where the tokens are not
    the raw text (a provider that split characters differently), so that no figure is made up."""
    if "".join(text for text, _ in tokens) != raw:
        return None
    values = _string_values(raw)
    offsets = _token_offsets(tokens)
    used: set[int] = set()
    confidence: dict[str, list[float]] = {}
    for label, items in answer.items():
        confidence[label] = []
        for item in items:
            fragments = [item] if isinstance(item, str) else item
            logprob = 0.0
            for fragment in fragments:
                found = _last_unused(values, used, fragment, label)
                if found is None:
                    return None
                used.add(found)
                logprob += _segment_logprob(offsets, tokens, *values[found][2:])
            confidence[label].append(round(math.exp(logprob), 4))
    return confidence


def _string_values(raw: str) -> list[tuple[str, str, int, int]]:
    """Every JSON string in ``raw`` that is not an object key: its value, the key before it, where its segment
    starts (the bracket or comma before it) and where its text ends."""
    values, key = [], ""
    for match in STRING.finditer(raw):
        try:
            text = json.loads(match.group())
        except json.JSONDecodeError:
            continue
        if raw[match.end():].lstrip().startswith(":"):
            key = text
            continue
        before = raw[:match.start()].rstrip()
        start = len(before) - 1 if before.endswith(("[", ",")) else match.start()
        values.append((text, key, start, match.end() - 1))
    return values


def _last_unused(values: list[tuple[str, str, int, int]], used: set[int], text: str, label: str) -> int | None:
    """The last string ``text`` not taken yet, under the key ``label`` if there is one (the model may have
    written another case or an alias, which validation normalised)."""
    found = [v for v in range(len(values)) if v not in used and values[v][0] == text]
    under_label = [v for v in found if values[v][1].upper() == label.upper()]
    return (under_label or found or [None])[-1]


def _token_offsets(tokens: TokenLogprobs) -> list[int]:
    offsets, position = [], 0
    for text, _ in tokens:
        offsets.append(position)
        position += len(text)
    return offsets


def _segment_logprob(offsets: list[int], tokens: TokenLogprobs, start: int, end: int) -> float:
    """The summed log probability of the tokens overlapping ``raw[start:end]``."""
    return sum(logprob for offset, (text, logprob) in zip(offsets, tokens)
               if offset < end and offset + len(text) > start)


def lowest_confidence(answer: dict[str, list[Any]], confidence: dict[str, list[float]] | None) -> float:
    """A sentence's confidence, that of its least sure entity: 1 with no entity (nothing to doubt), 0 where the
    answer has entities but no confidence to read."""
    if not any(answer.values()):
        return 1.0
    if confidence is None:
        return 0.0
    return min((value for values in confidence.values() for value in values), default=0.0)


def annotated_confidence(sentence: Sentence) -> float | None:
    """The confidence of a distilled sentence, from its ``meta.annotation``; None where it has none."""
    annotation = sentence.meta.get("annotation") or {}
    if "confidence" not in annotation:
        return None
    return lowest_confidence(annotation.get("answer") or {}, annotation["confidence"])


def scores_by_confidence(pairs: list[tuple[Sentence, Sentence]], thresholds: list[float], mode: str, *,
                         where: str) -> list[dict[str, Any]]:
    """For each threshold, the micro scores of the (gold, predicted) pairs whose predicted sentence has at least
    that confidence, scored on those alone: what a source's ``min_confidence`` would keep, and how good it is."""
    from nerdistill.core.scoring.evaluation import score_tags

    confidences = [annotated_confidence(predicted) for _, predicted in pairs]
    if all(value is None for value in confidences):
        raise NerdistillError(f"{where}: no sentence has a confidence (meta.annotation.confidence): annotate with "
                              "the provider option logprobs = true")
    rows = []
    for threshold in thresholds:
        kept = [(g, p) for (g, p), value in zip(pairs, confidences) if value is not None and value >= threshold]
        micro = (score_tags([g.tags for g, _ in kept], [p.tags or ("O",) * len(g.tokens) for g, p in kept],
                            mode=mode)["micro"] if kept else {"precision": 0.0, "recall": 0.0, "f1": 0.0})
        rows.append({"threshold": threshold, "sentences": len(kept),
                     **{name: micro[name] for name in ("precision", "recall", "f1")}})
    return rows


def require_logprobs(provider: Any, option: str) -> None:
    """A confidence threshold needs a provider asked for log probabilities (its ``logprobs`` option)."""
    if not getattr(provider.options, "logprobs", False):
        raise NerdistillError(f"{option}: provider {provider.name!r} is not asked for log probabilities, so there is "
                              "no confidence to read: set its option logprobs = true (providers litellm and local)")


def token_logprobs(completion: Any) -> list[tuple[str, float]] | None:
    """The (token, log probability) pairs of a chat completion's message, in OpenAI's format
    (``choices[0].logprobs.content``); None where the completion has none."""
    try:
        logprobs = completion.choices[0].logprobs
    except (AttributeError, IndexError, TypeError):
        return None
    content = _get(logprobs, "content")
    if not content:
        return None
    return [(_get(item, "token"), float(_get(item, "logprob"))) for item in content]


def _get(source: Any, name: str) -> Any:
    return source.get(name) if isinstance(source, dict) else getattr(source, name, None)
