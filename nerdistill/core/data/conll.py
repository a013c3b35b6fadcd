"""CoNLL column files: one token a line, tags in the last (or a chosen) column.

Handles what real copies of CoNLL data contain: ``-DOCSTART-`` lines (they start a new document),
white-space-only lines as sentence separators, a last sentence with no blank line after it, tab or
space separated columns, IOB1 or IOB2 tags. A one-column file is read as unlabelled tokens. Every
problem is reported with the file and line.
"""

from __future__ import annotations

from pathlib import Path

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import read_text
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import InvalidTagPolicy, TagError, TagScheme, split_tag, to_iob2

DOCSTART = "-DOCSTART-"


def read_conll(
    path: str | Path,
    *,
    tag_column: int = -1,
    scheme: TagScheme = "iob2",
    on_invalid: InvalidTagPolicy = "error",
    label_set: LabelSet | None = None,
    source: str | None = None,
) -> list[Sentence]:
    """Read every sentence of a CoNLL file.

    ``tag_column`` picks the NER column (default: the last). ``scheme`` and ``on_invalid`` say how
    tags are read (see :func:`nerdistill.core.data.tags.to_iob2`). With a ``label_set``, a tag of another
    type is an error.
    """
    path = Path(path)
    source = source or f"{path.parent.name}/{path.stem}"
    reader = _ConllReader(path, tag_column, scheme, on_invalid, label_set, source)
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        reader.feed(line, number)
    reader.flush()
    if not reader.sentences:
        raise NerdistillError("no sentences found", path=path)
    return reader.sentences


def looks_like_conll(path: str | Path) -> bool:
    """Whether a file's first non-blank line is CoNLL's: ``-DOCSTART-``, or a word and columns ending in a tag.
    CoNLL-2003's own files are named ``.txt``, as raw text is; this tells the two apart where a command takes
    either. A file of one word a line (unlabelled CoNLL) does not tell: such files are named as such."""
    with open(path, encoding="utf-8", errors="replace") as stream:
        first = next((line.split() for line in stream if line.strip()), [])
    if first[:1] == [DOCSTART]:
        return True
    if len(first) < 2:
        return False
    try:
        split_tag(first[-1])
    except TagError:
        return False
    return True


def format_conll(sentences: list[Sentence]) -> str:
    """Two columns (token, tag), or one for unlabelled sentences; ``-DOCSTART-`` where documents change."""
    lines: list[str] = []
    document: str | None = None
    for sentence in sentences:
        if sentence.document is not None and sentence.document != document:
            lines += [f"{DOCSTART} O" if sentence.is_labelled else DOCSTART, ""]
        document = sentence.document
        if sentence.tags is None:
            lines += list(sentence.tokens)
        else:
            lines += [f"{t} {g}" for t, g in zip(sentence.tokens, sentence.tags)]
        lines.append("")
    return "\n".join(lines) + "\n"


def conll_with_column(path: Path, tags: list[tuple[str, ...]]) -> str:
    """The CoNLL file at ``path`` as it is, every token line with one more column: its tag in ``tags`` (one
    tuple a sentence, in the file's order, as :func:`read_conll` reads them), separated as the line's columns
    are; a ``-DOCSTART-`` line gets ``O``. Gold and prediction side by side, as conlleval reads them."""
    added = iter(tag for sentence in tags for tag in sentence)
    lines = []
    for line in read_text(path).splitlines():
        if line.strip():
            column = "O" if line.split()[0] == DOCSTART else next(added, None)
            if column is None:
                raise NerdistillError("more tokens than tagged words", path=path)
            line = f"{line.rstrip()}{chr(9) if chr(9) in line else ' '}{column}"
        lines.append(line)
    if next(added, None) is not None:
        raise NerdistillError("fewer tokens than tagged words", path=path)
    return "\n".join(lines) + "\n"


def split_columns(line: str, expected: int | None) -> tuple[list[str], str]:
    """A line's columns, and what they were split on: tabs where the line has any and they give the file's
    column count (a tab-separated file may have empty columns), else any white space. So a line mixing tabs
    and spaces (``EU\tNNP B-NP B-ORG``, as editors and converters leave them) reads as its neighbours do. The
    first line, which sets the count, is split on tabs unless a tab-separated field holds a space."""
    by_space = line.split()
    if "\t" not in line:
        return by_space, "white space"
    by_tabs = [f.strip() for f in line.split("\t")]
    if expected is None:
        mixed = any(" " in f for f in by_tabs)
        return (by_space, "white space") if mixed else (by_tabs, "tabs")
    if len(by_tabs) != expected and len(by_space) == expected:
        return by_space, "white space"
    return by_tabs, "tabs"


class _ConllReader:
    """Line-by-line state: the current sentence, its line numbers, the document and column count."""

    def __init__(self, path, tag_column, scheme, on_invalid, label_set, source):
        self.path, self.tag_column, self.scheme = path, tag_column, scheme
        self.on_invalid, self.label_set, self.source = on_invalid, label_set, source
        self.sentences: list[Sentence] = []
        self.columns: int | None = None
        self.documents = 0
        self.tokens: list[str] = []
        self.tags: list[str] = []
        self.lines: list[int] = []

    def error(self, message: str, line: int) -> NerdistillError:
        return NerdistillError(message, path=self.path, line=line)

    def feed(self, line: str, number: int) -> None:
        if not line.strip():
            self.flush()
            return
        fields, split_on = split_columns(line, self.columns)
        if fields[0] == DOCSTART:
            self.flush()
            self.documents += 1
            return
        if self.columns is None:
            self.columns = len(fields)
            if self.columns > 1 and not -self.columns <= self.tag_column < self.columns:
                raise self.error(f"tag column {self.tag_column} does not exist in a line of "
                                 f"{self.columns} columns", number)
        if len(fields) != self.columns:
            raise self.error(f"expected {self.columns} columns, found {len(fields)} (split on {split_on})", number)
        if not fields[0] or any(c.isspace() for c in fields[0]):
            raise self.error(f"token {fields[0]!r} is empty or contains white space", number)
        self.tokens.append(fields[0])
        self.lines.append(number)
        if self.columns > 1:
            self.tags.append(self.check_tag(fields[self.tag_column], number))

    def check_tag(self, tag: str, number: int) -> str:
        try:
            _, label = split_tag(tag)
        except TagError as error:
            raise self.error(str(error), number) from None
        if label is not None and self.label_set is not None and label not in self.label_set:
            raise self.error(f"tag {tag!r}: {self.label_set.outside(label)}", number)
        return tag

    def flush(self) -> None:
        if not self.tokens:
            return
        tags = None
        if self.columns and self.columns > 1:
            try:
                tags = tuple(to_iob2(self.tags, self.scheme, self.on_invalid))
            except TagError as error:
                raise self.error(str(error), self.lines[error.index]) from None
        self.sentences.append(Sentence(
            id=f"{self.source}:{len(self.sentences)}",
            tokens=tuple(self.tokens),
            tags=tags,
            source=self.source,
            document=f"{self.source}:doc{self.documents}" if self.documents else None,
        ))
        self.tokens, self.tags, self.lines = [], [], []
