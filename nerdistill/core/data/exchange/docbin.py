"""spaCy's DocBin (``.spacy``), the training data format of ``spacy train``: one Doc a sentence, its entities
in ``doc.ents``. Needs spaCy (``pip install 'nerdistill[spacy]'``). A DocBin from elsewhere may hold whole
documents: each Doc becomes one sentence of its non-space tokens. A Doc has no "not labelled": an unlabelled
sentence comes back with no entity."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span
from nerdistill.core.errors import NerdistillError

ID_KEY = "nerdistill_id"


def import_spacy():
    try:
        import spacy
        from spacy.tokens import DocBin  # noqa: F401
    except ImportError:
        raise NerdistillError("DocBin needs spaCy: pip install 'nerdistill[spacy]'") from None
    return spacy


def write_docbin(sentences: list[Sentence], stream: BinaryIO) -> None:
    spacy = import_spacy()
    from spacy.tokens import Doc, DocBin
    from spacy.tokens import Span as SpacySpan

    vocab, docs = spacy.vocab.Vocab(), DocBin(store_user_data=True)
    for sentence in sentences:
        doc = Doc(vocab, words=list(sentence.tokens))
        doc.ents = [SpacySpan(doc, span.start, span.end, label=span.label) for span in sentence.spans]
        doc.user_data[ID_KEY] = sentence.id
        docs.add(doc)
    stream.write(docs.to_bytes())


def read_docbin(path: str | Path, *, label_set: LabelSet | None = None) -> list[Sentence]:
    spacy, path = import_spacy(), Path(path)
    from spacy.tokens import DocBin

    try:
        docs = list(DocBin().from_disk(path).get_docs(spacy.vocab.Vocab()))
    except (OSError, ValueError, KeyError) as error:
        raise NerdistillError(f"not a readable spaCy DocBin ({error})", path=path) from None
    sentences = []
    for number, doc in enumerate(docs, start=1):
        words = [token for token in doc if not token.is_space]
        position = {token.i: n for n, token in enumerate(words)}
        spans = []
        for entity in doc.ents:
            if label_set is not None and entity.label_ not in label_set:
                raise NerdistillError(f"doc {number}: {label_set.outside(entity.label_)}", path=path)
            inside = [position[t.i] for t in entity if t.i in position]
            spans.append(Span(start=inside[0], end=inside[-1] + 1, label=entity.label_))
        if words:
            sentences.append(Sentence(id=str(doc.user_data.get(ID_KEY) or number),
                                      tokens=tuple(t.text for t in words)).with_spans(spans))
    return sentences
