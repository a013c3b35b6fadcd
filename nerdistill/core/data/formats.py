"""Sentence files by format, chosen by extension or by name: the project's CoNLL and JSONL, and the formats of
the tools people review labels in (Label Studio, doccano, Hugging Face Parquet, spaCy DocBin; see
:mod:`nerdistill.core.data.exchange`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from nerdistill.core.data.conll import format_conll, read_conll
from nerdistill.core.data.exchange.docbin import read_docbin, write_docbin
from nerdistill.core.data.exchange.doccano import format_doccano, read_doccano
from nerdistill.core.data.exchange.hf_parquet import read_parquet, write_parquet
from nerdistill.core.data.exchange.labelstudio import format_labelstudio, read_labelstudio
from nerdistill.core.data.exchange.offsets import ImportCounts
from nerdistill.core.data.files import atomic_write, write_if_changed
from nerdistill.core.data.jsonl import format_jsonl, read_jsonl
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.errors import NerdistillError

log = logging.getLogger(__name__)

Format = Literal["conll", "jsonl", "labelstudio", "doccano", "parquet", "spacy"]
FORMATS: tuple[str, ...] = ("conll", "jsonl", "labelstudio", "doccano", "parquet", "spacy")
#: the longest suffix that matches names the format (``x.doccano.jsonl`` is doccano's, ``x.jsonl`` ours)
_SUFFIXES: dict[str, Format] = {
    ".doccano.jsonl": "doccano", ".jsonl": "jsonl", ".json": "labelstudio", ".parquet": "parquet",
    ".spacy": "spacy", ".conll": "conll", ".txt": "conll", ".iob": "conll", ".bio": "conll", ".tsv": "conll",
}
#: the reading options each format takes (the CoNLL column and scheme options are CoNLL's alone)
_READERS: dict[str, tuple[Callable[..., list[Sentence]], frozenset[str]]] = {
    "conll": (read_conll, frozenset({"label_set", "tag_column", "scheme", "on_invalid"})),
    "jsonl": (read_jsonl, frozenset({"label_set"})),
    "labelstudio": (read_labelstudio, frozenset({"label_set", "unreviewed", "counts"})),
    "doccano": (read_doccano, frozenset({"label_set", "counts"})),
    "parquet": (read_parquet, frozenset({"label_set"})),
    "spacy": (read_docbin, frozenset({"label_set"})),
}
_TEXT_WRITERS: dict[str, Callable[[list[Sentence]], str]] = {
    "conll": format_conll, "jsonl": format_jsonl, "labelstudio": format_labelstudio, "doccano": format_doccano,
}


def format_of(path: str | Path, format: str | None = None) -> Format:
    """The format named, or the one the file's extension implies."""
    if format is not None:
        if format not in FORMATS:
            raise NerdistillError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        return format  # type: ignore[return-value]
    name = Path(path).name.lower()
    suffix = max((s for s in _SUFFIXES if name.endswith(s)), key=len, default=None)
    if suffix is None:
        raise NerdistillError(f"cannot tell the format from the extension {Path(path).suffix.lower()!r}: use one "
                              f"of {', '.join(sorted(_SUFFIXES))} or name the format", path=path)
    return _SUFFIXES[suffix]


def read_sentences(path: str | Path, format: str | None = None, **options: Any) -> list[Sentence]:
    """Read a sentence file; ``options`` go to the reader that takes them (``label_set``; for CoNLL
    ``tag_column``, ``scheme``, ``on_invalid``; for Label Studio ``unreviewed``). What a review tool's file
    changed or left out (entities widened to whole words, tasks nobody reviewed) is logged as a warning, or
    counted into ``counts`` (an :class:`ImportCounts`) where given."""
    reader, accepted = _READERS[format_of(path, format)]
    given = options.get("counts")
    counts = given if given is not None else ImportCounts()
    sentences = reader(path, **{key: value for key, value in {**options, "counts": counts}.items()
                                if key in accepted})
    if given is None:
        for line in describe_counts(counts):
            log.warning("%s: %s", path, line)
    return sentences


def describe_counts(counts: ImportCounts) -> list[str]:
    """What an import changed or left out, a line each (nothing when it changed nothing)."""
    lines = []
    if counts.widened:
        lines.append(f"{counts.widened} entities started or ended inside a word: widened to whole words")
    if counts.left_out:
        lines.append(f"{counts.left_out} tasks nobody reviewed (no annotation) left out: unreviewed = 'keep' "
                     "(--unreviewed keep) takes their predictions")
    elif counts.unreviewed:
        lines.append(f"{counts.unreviewed} tasks nobody reviewed: their predictions taken")
    return lines


def write_sentences(sentences: list[Sentence], path: str | Path, format: str | None = None, *,
                    label_set: LabelSet | None = None) -> Path:
    """Write atomically (the file appears whole or not at all), and only if its content changes. ``label_set``
    names the tags of Parquet's ClassLabel (default: the types in the order they appear)."""
    kind = format_of(path, format)
    if kind in _TEXT_WRITERS:
        write_if_changed(path, _TEXT_WRITERS[kind](sentences))
        return Path(path)
    with atomic_write(path, "wb") as stream:
        if kind == "parquet":
            write_parquet(sentences, stream, label_set)
        else:
            write_docbin(sentences, stream)
    return Path(path)
