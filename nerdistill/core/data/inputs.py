"""The sentences a command is given to annotate or tag: a CoNLL or JSONL sentence file, or raw text.

Raw text (a ``.txt`` file or a folder of them) is split as ``nerdistill data sentences`` splits it: by paragraph
and sentence, or a sentence a line; into CoNLL-2003's words or social media's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from nerdistill.core.data.articles import article_sentences, read_articles
from nerdistill.core.data.conll import looks_like_conll
from nerdistill.core.data.formats import format_of, read_sentences
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle

InputFormat = Literal["conll", "jsonl", "text"]


def input_format_of(path: Path, input_format: InputFormat | None = None) -> InputFormat:
    """How a file of sentences is read: as named, else by the file: a folder is raw text, and so is a ``.txt`` file
    unless it reads as CoNLL (CoNLL-2003's own ``train.txt``, ``test.txt``: see
    :func:`~nerdistill.core.data.conll.looks_like_conll`), else by its extension."""
    if input_format is not None:
        return input_format
    if path.is_dir() or (path.suffix.lower() == ".txt" and not looks_like_conll(path)):
        return "text"
    return format_of(path)


def read_input_sentences(path: Path, input_format: InputFormat | None = None, *, split: SplitMode = "paragraph",
                         style: TokenizerStyle = "conll") -> list[Sentence]:
    """The sentences of a CoNLL or JSONL file, or of raw text split as ``nerdistill data sentences`` splits it
    (``split``: by paragraph or a sentence a line; ``style``: CoNLL's words or social media's)."""
    input_format = input_format_of(path, input_format)
    if input_format == "text":
        return article_sentences(read_articles(path), source=path.stem, split=split, style=style)
    return read_sentences(path, input_format)
