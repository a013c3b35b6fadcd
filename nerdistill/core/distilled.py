"""Turning annotation outcomes into distilled data: labelled sentences and a record of failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nerdistill.core.annotation import Outcome
from nerdistill.core.files import write_if_changed
from nerdistill.core.formats import write_sentences
from nerdistill.core.jsonl import format_jsonl
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
