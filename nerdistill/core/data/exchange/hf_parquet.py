"""Hugging Face datasets' Parquet: ``id``, ``tokens`` and ``ner_tags`` columns, the tag names in the schema.

The layout ``datasets.Dataset.to_parquet`` writes for a CoNLL-2003-like dataset: ``ner_tags`` holds integers,
and the schema's ``huggingface`` metadata declares them a ``ClassLabel`` with the names (``O``, ``B-PER``,
...), so ``datasets.load_dataset("parquet", ...)`` gives the label names back and ``tokens``/``ner_tags`` are
what transformers' token-classification examples read. Needs pyarrow (``pip install 'nerdistill[parquet]'``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

from nerdistill.core.data.exchange.offsets import type_names
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import OUTSIDE
from nerdistill.core.errors import NerdistillError

METADATA_KEY = b"huggingface"


def import_pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise NerdistillError("Parquet needs pyarrow: pip install 'nerdistill[parquet]'") from None
    return pyarrow


def tag_names(sentences: list[Sentence], label_set: LabelSet | None) -> list[str]:
    """``O``, then B and I of each type (:func:`type_names`): the order of a label set's tags."""
    return [OUTSIDE] + [f"{prefix}-{name}" for name in type_names(sentences, label_set) for prefix in ("B", "I")]


def write_parquet(sentences: list[Sentence], stream: BinaryIO, label_set: LabelSet | None = None) -> None:
    pyarrow = import_pyarrow()
    names = tag_names(sentences, label_set)
    index = {name: i for i, name in enumerate(names)}
    features = {"id": {"dtype": "string", "_type": "Value"},
                "tokens": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "Sequence"},
                "ner_tags": {"feature": {"names": names, "_type": "ClassLabel"}, "_type": "Sequence"}}
    table = pyarrow.table({
        "id": pyarrow.array([s.id for s in sentences], pyarrow.string()),
        "tokens": pyarrow.array([list(s.tokens) for s in sentences], pyarrow.list_(pyarrow.string())),
        "ner_tags": pyarrow.array([[index[t] for t in s.tags] if s.is_labelled else None for s in sentences],
                                  pyarrow.list_(pyarrow.int64())),
    }).replace_schema_metadata({METADATA_KEY: json.dumps({"info": {"features": features}})})
    pyarrow.parquet.write_table(table, stream)


def read_parquet(path: str | Path, *, label_set: LabelSet | None = None) -> list[Sentence]:
    """The sentences of a Parquet file with ``tokens`` and ``ner_tags`` (integers with their names in the schema,
    or tag strings); ``id`` where there is one."""
    pyarrow, path = import_pyarrow(), Path(path)
    try:
        table = pyarrow.parquet.read_table(path)
    except (OSError, pyarrow.ArrowException) as error:
        raise NerdistillError(f"not a readable Parquet file ({error})", path=path) from None
    if "tokens" not in table.column_names:
        raise NerdistillError(f"no 'tokens' column (it has {', '.join(table.column_names)})", path=path)
    names = _class_names(table.schema.metadata or {}, path)
    rows = table.to_pylist()
    sentences = []
    for number, row in enumerate(rows, start=1):
        tags = row.get("ner_tags")
        if tags is not None and tags and isinstance(tags[0], int):
            if names is None:
                raise NerdistillError("ner_tags are integers but the schema names no ClassLabel: write tag "
                                      "strings or keep the huggingface metadata", path=path)
            tags = [names[t] for t in tags]
        sentence = Sentence(id=str(row.get("id") or number), tokens=tuple(row["tokens"]),
                            tags=tuple(tags) if tags is not None else None)
        for span in sentence.spans if label_set is not None else []:
            if span.label not in label_set:
                raise NerdistillError(f"row {number}: {label_set.outside(span.label)}", path=path)
        sentences.append(sentence)
    return sentences


def _class_names(metadata: dict[bytes, bytes], path: Path) -> list[str] | None:
    if METADATA_KEY not in metadata:
        return None
    features: dict[str, Any] = (json.loads(metadata[METADATA_KEY]).get("info") or {}).get("features") or {}
    feature = (features.get("ner_tags") or {}).get("feature") or {}
    return list(feature["names"]) if feature.get("_type") == "ClassLabel" else None
