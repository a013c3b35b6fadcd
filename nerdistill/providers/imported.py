"""Annotations made elsewhere, brought in as a provider.

Data annotated outside a closed network (by GPT-4, by people, by another tool) arrives as a JSONL or
CoNLL file. This provider answers each sentence with the spans the file gives it, matched by token
sequence (or by id), so the rest of the pipeline treats it like any other distilled data. A sentence
the file does not have is recorded as failed, with that reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from nerdistill.core.annotation.outcome import Outcome, Request
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.annotation.provider import Provider, ProviderOptions
from nerdistill.core.data.sentence import Sentence


class ImportedOptions(ProviderOptions):
    path: Path = Field(description="annotated sentences, JSONL or CoNLL (relative to the config file)")
    match: Literal["tokens", "id"] = Field("tokens", description="how a sentence is found in the file")


class ImportedProvider(Provider):
    options_model = ImportedOptions
    description = "Annotations made elsewhere (JSONL or CoNLL file), used like any distilled data."
    calls_llm = False
    options: ImportedOptions

    def __init__(self, name: str, options: Any = None):
        super().__init__(name, options)
        self._index: dict[Any, Sentence] | None = None

    @property
    def model(self) -> str:
        return self.options.path.name

    def identity(self) -> dict[str, Any]:
        digest = hashlib.sha256(self.options.path.read_bytes()).hexdigest()
        return {"provider": self.name, "match": self.options.match, "sha256": digest}

    def check(self, *, offline: bool) -> None:
        self.index()

    def index(self) -> dict[Any, Sentence]:
        if self._index is None:
            sentences = read_sentences(self.options.path)
            self._index = {self._key(s): s for s in sentences if s.is_labelled}
        return self._index

    def _key(self, sentence: Sentence) -> Any:
        return sentence.tokens if self.options.match == "tokens" else sentence.id

    def annotate(self, sentence: Sentence, strategy: Any, request: Request) -> Outcome:
        found = self.index().get(self._key(sentence))
        if found is None:
            return Outcome(status="failed", error=f"not in {self.options.path} (matched by {self.options.match})")
        answer: dict[str, list[str]] = {}
        for span in found.spans:
            answer.setdefault(span.label, []).append(span.text)
        annotation = found.meta.get("annotation", {})
        return Outcome(status="ok", spans=found.spans, answer=answer, reasoning=annotation.get("reasoning"),
                       raw=annotation.get("raw"), counts={"aligned": len(found.spans), "not_in_sentence": 0,
                                                          "overlapping": 0, "unknown_types": 0},
                       provider_spans=True)
