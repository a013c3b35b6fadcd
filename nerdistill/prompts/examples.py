"""Few-shot examples: where they come from and which ones each sentence gets.

Examples come from the built-in set (four hand-written sentences for CoNLL-2003's types, with
chain-of-thought reasoning) or from any gold file the config allows. Sentences of the run's test set
are never used, and a sentence is never its own example. Selection is ``fixed`` (the first k, the same
for every sentence) or ``similar``: per sentence, the k allowed examples most similar to it by TF-IDF
cosine over words and word pairs, computed offline, as the paper's future work proposes.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Literal

from nerdistill.core.errors import NerdistillError
from nerdistill.core.formats import read_sentences
from nerdistill.core.labels import CONLL2003, LabelSet
from nerdistill.core.sentence import Sentence

ExampleSelection = Literal["fixed", "similar"]
BUILTIN = "builtin"


def builtin_examples() -> list[Sentence]:
    path = resources.files("nerdistill") / "resources" / "fewshot" / "conll2003.jsonl"
    with resources.as_file(path) as real_path:
        return read_sentences(real_path)


def load_examples(source: str | Path, label_set: LabelSet) -> list[Sentence]:
    """The example pool: ``"builtin"`` or a labelled CoNLL/JSONL file."""
    if str(source) == BUILTIN:
        if set(label_set.names) != set(CONLL2003.names):
            raise NerdistillError("the built-in few-shot examples use CoNLL-2003's types (PER, LOC, ORG, MISC); "
                                  "give examples from a labelled file for other types, or set k = 0")
        return builtin_examples()
    examples = read_sentences(source, label_set=label_set)
    if any(not s.is_labelled for s in examples):
        raise NerdistillError("few-shot examples must be labelled", path=source)
    return examples


class FewShotSelector:
    """Chooses the k examples shown before each sentence."""

    def __init__(self, pool: list[Sentence], *, k: int, selection: ExampleSelection = "fixed",
                 forbidden: Iterable[Sentence] = ()):
        forbidden_tokens = {s.tokens for s in forbidden}
        self.pool = [s for s in pool if s.tokens not in forbidden_tokens]
        self.k, self.selection = k, selection
        self._vectorizer = self._matrix = None
        if selection == "similar" and self.pool and k:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self._vectorizer = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True,
                                               token_pattern=r"\S+")
            self._matrix = self._vectorizer.fit_transform([s.text for s in self.pool])

    def select(self, sentence: Sentence) -> list[Sentence]:
        candidates = [i for i, s in enumerate(self.pool) if s.tokens != sentence.tokens]
        if self.selection == "fixed" or self._matrix is None:
            return [self.pool[i] for i in candidates[: self.k]]
        scores = (self._matrix @ self._vectorizer.transform([sentence.text]).T).toarray().ravel()
        ranked = sorted(candidates, key=lambda i: (-scores[i], i))[: self.k]
        return [self.pool[i] for i in ranked]
