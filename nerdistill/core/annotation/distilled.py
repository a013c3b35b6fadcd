"""Turning annotation outcomes into distilled data: labelled sentences and a record of failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nerdistill.core.annotation.outcome import Outcome
from nerdistill.core.annotation.confidence import lowest_confidence
from nerdistill.core.data.files import write_if_changed
from nerdistill.core.data.formats import write_sentences
from nerdistill.core.data.jsonl import format_jsonl
from nerdistill.core.data.sentence import Sentence


def distilled_sentences(results: list[tuple[Sentence, Outcome]], *, provenance: dict[str, Any],
                        require_entities: bool = False,
                        min_confidence: float | None = None) -> tuple[list[Sentence], dict[str, int]]:
    """The successfully annotated sentences, labelled, with their provenance in ``meta.annotation``, and what
    was dropped, counted by reason.

    With ``require_entities``, sentences with no entity are dropped, as the paper does for BBC News. With
    ``min_confidence``, so are those with an entity the LLM gave a lower probability than that (see
    :mod:`nerdistill.core.annotation.confidence`), or whose answer has no confidence to read.
    """
    kept: list[Sentence] = []
    dropped = {"dropped_without_entities": 0}
    if min_confidence is not None:
        dropped["dropped_low_confidence"] = 0
    for sentence, outcome in results:
        if outcome.status != "ok":
            continue
        if require_entities and not outcome.spans:
            dropped["dropped_without_entities"] += 1
        elif min_confidence is not None and sentence_confidence(outcome) < min_confidence:
            dropped["dropped_low_confidence"] += 1
        else:
            kept.append(outcome.labelled(sentence, **provenance))
    return kept, dropped


def sentence_confidence(outcome: Outcome) -> float:
    """The confidence of an annotated sentence (:func:`~nerdistill.core.annotation.confidence.lowest_confidence`)."""
    return lowest_confidence(outcome.answer, outcome.confidence)


def write_distilled(sentences: list[Sentence], failures: list[dict[str, Any]], output: str | Path) -> Path | None:
    """Write the distilled sentences, and the failures beside them (``OUT.failures.jsonl``) if any: unlabelled
    sentences in the project's JSONL, the reason and the raw answer under ``meta.failure``, so that the file
    can be annotated again as it is (say, with other provider options)."""
    write_sentences(sentences, output)
    failures_path = Path(f"{output}.failures.jsonl")
    if failures:
        records = [Sentence(id=f["id"], tokens=tuple(f["tokens"]), source=f["source"],
                            meta={"failure": {"error": f["error"], "raw": f["raw"]}}) for f in failures]
        write_if_changed(failures_path, format_jsonl(records))
        return failures_path
    failures_path.unlink(missing_ok=True)
    return None
