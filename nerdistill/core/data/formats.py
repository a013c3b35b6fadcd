"""Sentence files by format: CoNLL or JSONL, chosen by extension or by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from nerdistill.core.data.conll import format_conll, read_conll
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import write_if_changed
from nerdistill.core.data.jsonl import format_jsonl, read_jsonl
from nerdistill.core.data.sentence import Sentence

Format = Literal["conll", "jsonl"]
FORMATS: tuple[str, ...] = ("conll", "jsonl")
_SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl", ".conll": "conll", ".txt": "conll", ".iob": "conll", ".bio": "conll", ".tsv": "conll",
}
_READERS: dict[str, Callable[..., list[Sentence]]] = {"conll": read_conll, "jsonl": read_jsonl}
_FORMATTERS: dict[str, Callable[[list[Sentence]], str]] = {"conll": format_conll, "jsonl": format_jsonl}


def format_of(path: str | Path, format: str | None = None) -> Format:
    """The format named, or the one the file's extension implies."""
    if format is not None:
        if format not in FORMATS:
            raise NerdistillError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        return format  # type: ignore[return-value]
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise NerdistillError(f"cannot tell the format from the extension {suffix!r}: use one of "
                              f"{', '.join(sorted(_SUFFIXES))} or name the format", path=path)
    return _SUFFIXES[suffix]


def read_sentences(path: str | Path, format: str | None = None, **options: Any) -> list[Sentence]:
    """Read a CoNLL or JSONL file; ``options`` go to the reader (``label_set``, and for CoNLL
    ``tag_column``, ``scheme``, ``on_invalid``)."""
    kind = format_of(path, format)
    if kind == "jsonl":
        options = {k: v for k, v in options.items() if k == "label_set"}
    return _READERS[kind](path, **options)


def write_sentences(sentences: list[Sentence], path: str | Path, format: str | None = None) -> Path:
    """Write atomically (the file appears whole or not at all), and only if its content changes."""
    write_if_changed(path, _FORMATTERS[format_of(path, format)](sentences))
    return Path(path)
