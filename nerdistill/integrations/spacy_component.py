"""A spaCy pipeline component that sets ``doc.ents`` with a nerdistill model (the ``spacy`` extra).

Registered through spaCy's ``spacy_factories`` entry point (spaCy imports this module the first time a
pipeline names the factory), so once nerdistill is installed with spaCy::

    nlp = spacy.blank("en")
    nlp.add_pipe("nerdistill", config={"model": "runs/.../model"})
    doc = nlp("Peter Blackburn flew to Brussels.")
    [(e.text, e.label_) for e in doc.ents]

The model tags spaCy's own tokens (white-space tokens left out), so every entity is a span of the Doc's
tokens and no alignment is guessed. The entities it finds replace ``doc.ents``; each span's score (the mean
probability of its words' tags) is in ``doc.spans["nerdistill"]``'s ``attrs["scores"]``. ``nlp.pipe`` tags
``batch_size`` documents in one call. An exported ONNX folder works as well as a PyTorch one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language

from nerdistill.core.data.sentence import Sentence
from nerdistill.core.training.prediction import model_trainer, scored_spans

FACTORY = "nerdistill"


@Language.factory(FACTORY, default_config={"model": None, "batch_size": 64, "min_score": None})
def make_component(nlp, name: str, model: str, batch_size: int, min_score: float | None):
    return NerdistillComponent(name, Path(model), batch_size=batch_size, min_score=min_score)


class NerdistillComponent:
    def __init__(self, name: str, model: Path, *, batch_size: int = 64, min_score: float | None = None):
        self.name, self.model, self.batch_size, self.min_score = name, model, batch_size, min_score
        self._tag = model_trainer(model).load_tagger(model)

    def __call__(self, doc):
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable, batch_size: int | None = None) -> Iterator:
        batch: list = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= (batch_size or self.batch_size):
                yield from self._tag_docs(batch)
                batch = []
        yield from self._tag_docs(batch)

    def _tag_docs(self, docs: list) -> list:
        if not docs:
            return []
        kept = [[token.i for token in doc if not token.is_space] for doc in docs]
        sentences = [Sentence(id=str(n), tokens=tuple(doc[i].text for i in indices))
                     for n, (doc, indices) in enumerate(zip(docs, kept))]
        for doc, indices, (tags, word_scores) in zip(docs, kept, self._tag(sentences)):
            spans, scores = [], []
            for span, score in scored_spans(tags, word_scores):
                if self.min_score is None or score >= self.min_score:
                    spans.append(doc.char_span(doc[indices[span.start]].idx, _end(doc[indices[span.end - 1]]),
                                               label=span.label))
                    scores.append(score)
            doc.ents = spans
            doc.spans[FACTORY] = spans
            doc.spans[FACTORY].attrs["scores"] = scores
        return docs


def _end(token) -> int:
    return token.idx + len(token.text)
