"""Few-shot examples: where they come from and which ones each sentence gets.

Examples come from the built-in set (four hand-written sentences for CoNLL-2003's types, with
chain-of-thought reasoning), from any gold file the config allows, or in a run from the run's own
original (gold) data. Sentences of the run's test set are never used, and a sentence is never its own
example. Selection is ``fixed`` (k examples that cover every entity type of the pool where k allows, the
same for every sentence), ``similar`` (per sentence, the k allowed examples most similar to it by TF-IDF
cosine over words and word pairs, the most similar last, next to the sentence) or ``embedding`` (the k
nearest by the cosine of sentence embeddings, see :mod:`nerdistill.prompts.embeddings`), all computed
offline, as the paper's future work proposes.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Literal

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.labels import CONLL2003, LabelSet
from nerdistill.core.data.sentence import Sentence

ExampleSelection = Literal["fixed", "similar", "embedding"]
SELECTIONS: tuple[str, ...] = ExampleSelection.__args__
DEFAULT_EMBEDDER = "all-minilm-l6-v2"
BUILTIN = "builtin"
ORIGINAL = "original"


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
                 forbidden: Iterable[Sentence] = (), embedder: str = DEFAULT_EMBEDDER):
        forbidden_tokens = {s.tokens for s in forbidden}
        self.pool = [s for s in pool if s.tokens not in forbidden_tokens]
        self.k, self.selection = k, selection
        self._scores = None  # sentence text -> a similarity per pool example
        if selection == "fixed" or not self.pool or not k:
            return
        texts = [s.text for s in self.pool]
        if selection == "similar":
            from sklearn.feature_extraction.text import TfidfVectorizer

            vectorizer = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+")
            matrix = vectorizer.fit_transform(texts)  # sparse: a large example file stays small
            self._scores = lambda text: (matrix @ vectorizer.transform([text]).T).toarray().ravel()
        else:
            from nerdistill.prompts.embeddings import SentenceEmbedder

            embed = SentenceEmbedder(embedder)
            matrix = embed(texts)
            self._scores = lambda text: matrix @ embed([text])[0]

    def select(self, sentence: Sentence) -> list[Sentence]:
        candidates = [i for i, s in enumerate(self.pool) if s.tokens != sentence.tokens]
        if self._scores is None:
            return [self.pool[i] for i in covering(self.pool, candidates, self.k)]
        scores = self._scores(sentence.text)
        ranked = sorted(candidates, key=lambda i: (-scores[i], i))[: self.k]
        return [self.pool[i] for i in reversed(ranked)]  # the most similar last, next to the sentence


def covering(pool: list[Sentence], candidates: list[int], k: int) -> list[int]:
    """``k`` of the ``candidates`` (indices into ``pool``), in pool order: first, one at a time, the example
    showing the most entity types not shown yet (the earliest on a tie) until every type of the candidates is
    shown or k are chosen; then the earliest with entities, then the earliest. A pool whose first sentences
    have no entity (a CoNLL file's first k often have none) no longer teaches the model that nothing is the
    answer, and the prompt is the same for every sentence, so a local model's prefix cache still serves it."""
    types = {i: {span.label for span in pool[i].spans} for i in candidates}
    chosen: list[int] = []
    uncovered = set().union(*types.values()) if types else set()
    while uncovered and len(chosen) < k:
        best = max(candidates, key=lambda i: (len(types[i] & uncovered), -i))
        chosen.append(best)
        uncovered -= types[best]
    rest = sorted(candidates, key=lambda i: (not types[i], i))
    chosen += [i for i in rest if i not in chosen][: k - len(chosen)]
    return sorted(chosen)
