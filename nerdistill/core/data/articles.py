"""Raw articles to tokenized, unlabelled sentences.

Articles come from a plain text file (one article), a folder of text files (the original BBC layout
``category/NNN.txt``: the folder is the category) or a JSONL file of ``{id, text, title?, category?}``
records such as ``bbc_fulltext.jsonl``. Each sentence keeps its article id (as ``document``) and the
category (in ``meta``), so samples can be traced and stratified.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import read_text, text_records
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle, split_sentences


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    title: str = ""
    category: str | None = None


def read_articles(path: str | Path) -> list[Article]:
    """Articles from a ``.jsonl`` file, a folder of ``.txt`` files, or one text file."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.rglob("*.txt"))
        if not files:
            raise NerdistillError("the folder holds no .txt files", path=path)
        return [_text_article(f, f.relative_to(path)) for f in files]
    if path.suffix == ".jsonl":
        return list(_jsonl_articles(path))
    return [_text_article(path, Path(path.name))]


def article_sentences(
    articles: Iterable[Article],
    *,
    source: str,
    min_tokens: int = 1,
    max_tokens: int | None = None,
    dedupe: bool = False,
    include_titles: bool = False,
    split: SplitMode = "paragraph",
    style: TokenizerStyle = "conll",
) -> list[Sentence]:
    """Split articles into sentences, keeping those with ``min_tokens`` to ``max_tokens`` tokens.

    ``dedupe`` drops an article identical to an earlier one (title and text) and any sentence whose
    tokens already appeared (news copy repeats boilerplate such as bylines).
    """
    seen_articles: set[tuple[str, str]] = set()
    seen_sentences: set[tuple[str, ...]] = set()
    sentences = []
    for article in articles:
        if dedupe:
            if (article.title, article.text) in seen_articles:
                continue
            seen_articles.add((article.title, article.text))
        text = f"{article.title}\n\n{article.text}" if include_titles and article.title else article.text
        for number, tokens in enumerate(split_sentences(text, split=split, style=style)):
            if len(tokens) < min_tokens or (max_tokens is not None and len(tokens) > max_tokens):
                continue
            if dedupe:
                if tuple(tokens) in seen_sentences:
                    continue
                seen_sentences.add(tuple(tokens))
            meta = {"category": article.category} if article.category else {}
            sentences.append(Sentence(id=f"{article.id}:{number}", tokens=tuple(tokens), source=source,
                                      document=article.id, meta=meta))
    return sentences


def _text_article(path: Path, relative: Path) -> Article:
    text = read_text(path)
    category = relative.parent.name or None
    return Article(id=relative.with_suffix("").as_posix(), text=text, category=category)


def _jsonl_articles(path: Path) -> Iterator[Article]:
    for number, record in text_records(path, "an article"):
        yield Article(
            id=str(record.get("id", f"{path.stem}:{number}")),
            text=record["text"],
            title=str(record.get("title") or ""),
            category=record.get("category"),
        )
