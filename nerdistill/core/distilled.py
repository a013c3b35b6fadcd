"""Turning annotation outcomes into distilled data: labelled sentences and a record of failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nerdistill.core.annotation import Outcome
from nerdistill.core.files import write_if_changed
from nerdistill.core.formats import write_sentences
from nerdistill.core.sentence import Sentence


def distilled_sentences(results: list[tuple[Sentence, Outcome]], *, provenance: dict[str, Any],
                        require_entities: bool = False) -> tuple[list[Sentence], int]:
    """The successfully annotated sentences, labelled, with their provenance in ``meta.annotation``.

    With ``require_entities``, sentences with no entity are dropped, as the paper does for BBC News;
    the second value counts them.
    """
    kept, without_entities = [], 0
    for sentence, outcome in results:
        if outcome.status != "ok":
            continue
        if require_entities and not outcome.spans:
            without_entities += 1
            continue
        kept.append(outcome.labelled(sentence, **provenance))
    return kept, without_entities


def write_distilled(sentences: list[Sentence], failures: list[dict[str, str]], output: str | Path) -> Path | None:
    """Write the distilled sentences, and the failures beside them (``OUT.failures.jsonl``) if any."""
    import json

    write_sentences(sentences, output)
    failures_path = Path(f"{output}.failures.jsonl")
    if failures:
        write_if_changed(failures_path, "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failures))
        return failures_path
    failures_path.unlink(missing_ok=True)
    return None
