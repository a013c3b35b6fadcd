"""The project's own exchange format: one JSON sentence a line (tokens, tags, spans, source, meta)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import read_text
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence


def read_jsonl(path: str | Path, *, label_set: LabelSet | None = None) -> list[Sentence]:
    """Every sentence of a JSONL file; a bad line is an error naming the file, line and field."""
    path = Path(path)
    sentences = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            sentence = Sentence.model_validate_json(line)
        except ValidationError as error:
            raise NerdistillError(describe_validation_error(error), path=path, line=number) from None
        _check_labels(sentence, label_set, path, number)
        sentences.append(sentence)
    return sentences


def format_jsonl(sentences: list[Sentence]) -> str:
    return "".join(json.dumps(s.to_record(), ensure_ascii=False) + "\n" for s in sentences)


def describe_validation_error(error: ValidationError) -> str:
    """Pydantic's first error as one line: ``field.path: message``."""
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        return f"not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})"
    where = ".".join(str(p) for p in first["loc"]) or "record"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _check_labels(sentence: Sentence, label_set: LabelSet | None, path: Path, line: int) -> None:
    if label_set is None:
        return
    for span in sentence.spans:
        if span.label not in label_set:
            raise NerdistillError(label_set.outside(span.label), path=path, line=line)
