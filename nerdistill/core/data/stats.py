"""Counts that describe a set of sentences (``nerdistill data stats``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence


def corpus_stats(sentences: list[Sentence], label_set: LabelSet | None = None) -> dict[str, Any]:
    """Sentences, tokens, documents, and entities per type: most frequent first, or with a ``label_set`` each of
    its types in its order (none counted as 0)."""
    per_type: Counter[str] = Counter()
    labelled = without_entities = 0
    for sentence in sentences:
        if sentence.is_labelled:
            labelled += 1
            spans = sentence.spans
            per_type.update(s.label for s in spans)
            without_entities += not spans
    return {
        "sentences": len(sentences),
        "tokens": sum(len(s.tokens) for s in sentences),
        "documents": len({s.document for s in sentences if s.document is not None}),
        "labelled_sentences": labelled,
        "sentences_without_entities": without_entities,
        "entities": sum(per_type.values()),
        "entities_per_type": {name: per_type[name] for name in label_set.names} if label_set is not None
        else dict(per_type.most_common()),
    }
