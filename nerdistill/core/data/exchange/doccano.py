"""doccano's sequence-labelling JSONL: one ``{"text", "label": [[start, end, type], ...]}`` a line.

Out: the tokens joined by spaces, the entities as ``label`` triples, the tokens and the sentence's id beside
them (doccano keeps unknown keys as metadata and gives them back on export). In: doccano's export, with
``label`` triples or ``entities`` objects (``start_offset``, ``end_offset``, ``label``), the form of its newer
releases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nerdistill.core.data.exchange.offsets import CharEntity, ImportCounts, char_entities, sentence_from_chars
from nerdistill.core.data.files import text_records
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.errors import NerdistillError


def format_doccano(sentences: list[Sentence]) -> str:
    lines = []
    for sentence in sentences:
        record = {"text": sentence.text,
                  "label": [[e.start, e.end, e.label] for e in char_entities(sentence)],
                  "tokens": list(sentence.tokens), "nerdistill_id": sentence.id}
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def read_doccano(path: str | Path, *, label_set: LabelSet | None = None,
                 counts: ImportCounts | None = None) -> list[Sentence]:
    path, counts = Path(path), counts if counts is not None else ImportCounts()
    sentences = []
    for number, record in text_records(path, "a doccano record"):
        entities = [_entity(item, path, number) for item in record.get("label", record.get("entities")) or []]
        sentences.append(sentence_from_chars(record["text"], entities, tokens=record.get("tokens"),
                                             id=str(record.get("nerdistill_id") or record.get("id") or number),
                                             label_set=label_set, counts=counts, path=path, where=f"line {number}"))
    return sentences


def _entity(item: Any, path: Path, line: int) -> CharEntity:
    if isinstance(item, list) and len(item) == 3:
        start, end, label = item
    elif isinstance(item, dict):
        start, end, label = item.get("start_offset"), item.get("end_offset"), item.get("label")
    else:
        start = end = label = None
    if not isinstance(start, int) or not isinstance(end, int) or not isinstance(label, str):
        raise NerdistillError(f"entity {item!r}: give [start, end, type] or start_offset, end_offset, label",
                              path=path, line=line)
    return CharEntity(start, end, label)
