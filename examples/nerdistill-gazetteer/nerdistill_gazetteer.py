"""A provider and a command from outside nerdistill: annotation from a gazetteer, with no LLM.

The provider ``gazetteer`` tags every occurrence of a known name (longest first) with its type; its one
option, ``gazetteer``, is a TSV file of ``name<TAB>type`` lines. Typed ``Path``, nerdistill resolves it
against the config file and checks it exists before anything runs. It learns the run's entity types from
``strategy.label_set``: names of other types are not given. The command ``nerdistill gazetteer build``
writes such a file from the entities of a labelled file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click
from pydantic import Field

from nerdistill.plugins import (NerdistillError, Outcome, Provider, ProviderOptions, Request, Sentence, Span,
                                hookimpl, read_sentences)


class GazetteerOptions(ProviderOptions):
    gazetteer: Path = Field(description="a TSV file of name<TAB>type lines")


class GazetteerProvider(Provider):
    options_model = GazetteerOptions
    description = "Tags the names of a gazetteer file (no LLM)."
    calls_llm = False
    max_concurrency = 1
    options: GazetteerOptions

    def __init__(self, name: str, options: Any = None):
        super().__init__(name, options)
        self._names: dict[tuple[str, ...], str] | None = None

    @property
    def model(self) -> str:
        return self.options.gazetteer.name

    def identity(self) -> dict[str, Any]:
        """The file's content, not its path: a changed gazetteer asks again, a moved one does not."""
        return {"provider": self.name, "sha256": hashlib.sha256(self.options.gazetteer.read_bytes()).hexdigest()}

    def check(self, *, offline: bool) -> None:
        """A malformed line is an error naming the file and line, before the first sentence."""
        self.names()

    def names(self) -> dict[tuple[str, ...], str]:
        if self._names is None:
            self._names = {}
            for number, line in enumerate(self.options.gazetteer.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                name, tab, entity_type = line.rpartition("\t")
                if not tab or not name.strip() or not entity_type.strip():
                    raise NerdistillError("expected name<TAB>type", path=self.options.gazetteer, line=number)
                self._names[tuple(name.split())] = entity_type.strip()
        return self._names

    def annotate(self, sentence: Sentence, strategy: Any, request: Request) -> Outcome:
        """The longest known name at each position, left to right, of the run's types only."""
        wanted = {words: label for words, label in self.names().items() if label in strategy.label_set}
        longest = max((len(words) for words in wanted), default=0)
        spans, position = [], 0
        while position < len(sentence.tokens):
            for size in range(min(longest, len(sentence.tokens) - position), 0, -1):
                words = sentence.tokens[position:position + size]
                if words in wanted:
                    spans.append(Span(start=position, end=position + size, label=wanted[words], text=" ".join(words)))
                    position += size
                    break
            else:
                position += 1
        answer: dict[str, list[str]] = {}
        for span in spans:
            answer.setdefault(span.label, []).append(span.text)
        return Outcome(status="ok", spans=spans, answer=answer, provider_spans=True,
                       counts={"aligned": len(spans), "not_in_sentence": 0, "overlapping": 0, "unknown_types": 0})


@hookimpl
def register_providers(register):
    register("gazetteer", GazetteerProvider)


@hookimpl
def register_commands(cli):
    @cli.group()
    def gazetteer():
        """Gazetteers for the gazetteer provider (from the nerdistill-gazetteer plugin)."""

    @gazetteer.command()
    @click.argument("labelled", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    def build(labelled: Path, output: Path) -> None:
        """Write every entity of LABELLED (CoNLL or JSONL) as name<TAB>type, the most frequent type of each."""
        counts: dict[str, dict[str, int]] = {}
        for sentence in read_sentences(labelled):
            for span in sentence.spans:
                by_type = counts.setdefault(span.text, {})
                by_type[span.label] = by_type.get(span.label, 0) + 1
        lines = [f"{name}\t{max(types, key=types.get)}" for name, types in sorted(counts.items())]
        output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        click.echo(f"{len(lines)} names written to {output}")
