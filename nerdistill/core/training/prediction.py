"""A trained model's tags put on sentences, with a score per entity where the trainer gives probabilities.

An entity's score is the mean of its words' probabilities (each word's, the probability the model gave the
tag it chose there), as the ``average`` aggregation of Hugging Face's token-classification pipeline scores
an entity: a reader who knows that pipeline reads the figure the same way. The scores sit in the sentence's
``meta.span_scores``, one per entity in the order of ``spans``, so the JSONL file stays a sentence file any
reader of the format takes. A threshold on them trades recall for precision: ``nerdistill evaluate model
--by-score`` measures the trade on gold, ``nerdistill predict --min-score`` makes it.
"""

from __future__ import annotations

import statistics
import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from nerdistill.core.scoring.evaluation import score_tags
from nerdistill.core.data.labels import OUTSIDE
from nerdistill.core.plugins.registry import registry
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span, tags_to_spans
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle, sentence_spans
from nerdistill.core.training.trainer import Trainer, WordScores, read_model_card

#: characters after which a paragraph with no blank line is cut (at a line end) when a text file is streamed
LONGEST_UNIT = 100_000


def model_trainer(model_dir: Path) -> Trainer:
    """The trainer that made a saved model (its card names it), able to load it and predict with it."""
    card = read_model_card(model_dir)
    return registry("trainers").get(card["trainer"])(card["trainer"], {**card["options"], "progress": False})


def predict_sentences(model_dir: Path, sentences: list[Sentence], *, scores: bool = False,
                      min_score: float | None = None) -> list[Sentence]:
    """``sentences`` tagged by a saved model; with ``scores`` or a ``min_score``, scored as :func:`tagged` says."""
    trainer = model_trainer(model_dir)
    if scores or min_score is not None:
        return [tagged(s, *scored, min_score=min_score)
                for s, scored in zip(sentences, trainer.predict_scored(model_dir, sentences))]
    return [tagged(s, tags) for s, tags in zip(sentences, trainer.predict(model_dir, sentences))]


def tagged(sentence: Sentence, tags: Sequence[str], word_scores: Sequence[float] | None = None, *,
           min_score: float | None = None) -> Sentence:
    """``sentence`` with the predicted ``tags`` and, given the words' probabilities, each entity's score, less the
    entities scoring under ``min_score`` (scores an earlier prediction left in its meta go: they belong to other
    tags)."""
    meta = {key: value for key, value in sentence.meta.items() if key != "span_scores"}
    if word_scores is not None:
        if min_score is not None:
            tags = without_low_scores(tags, word_scores, min_score)
        meta["span_scores"] = span_scores(tags, word_scores)
    return sentence.model_copy(update={"tags": tuple(tags), "meta": meta})


def scored_spans(tags: Sequence[str], word_scores: Sequence[float]) -> list[tuple[Span, float]]:
    """Each entity with its score, in the order of the spans."""
    return [(span, round(statistics.fmean(word_scores[span.start:span.end]), 4)) for span in tags_to_spans(tags)]


def span_scores(tags: Sequence[str], word_scores: Sequence[float]) -> list[float]:
    """Each entity's score, in the order of its spans."""
    return [score for _, score in scored_spans(tags, word_scores)]


def without_low_scores(tags: Sequence[str], word_scores: Sequence[float], threshold: float) -> tuple[str, ...]:
    """``tags`` with every entity scoring under ``threshold`` made ``O``."""
    kept = list(tags)
    for span, score in scored_spans(tags, word_scores):
        if score < threshold:
            kept[span.start:span.end] = [OUTSIDE] * len(span)
    return tuple(kept)


def scores_by_threshold(gold: list[Sentence], scored: list[WordScores], thresholds: list[float],
                        mode: str = "conlleval") -> list[dict[str, Any]]:
    """For each threshold, the micro scores on all of ``gold`` of the predictions less the entities scoring
    under it (what ``nerdistill predict --min-score`` would write): how much precision a threshold buys, and
    what recall it costs."""
    rows = []
    for threshold in thresholds:
        kept = [without_low_scores(tags, scores, threshold) for tags, scores in scored]
        micro = score_tags([g.tags for g in gold], kept, mode=mode)["micro"]
        rows.append({"threshold": threshold, "entities": sum(len(tags_to_spans(tags)) for tags in kept),
                     **{name: micro[name] for name in ("precision", "recall", "f1")}})
    return rows


Tagger = Callable[[list[Sentence]], list[WordScores]]


def text_entities(texts: Sequence[str], tag: Tagger, *, split: SplitMode = "paragraph",
                  style: TokenizerStyle = "conll") -> list[list[dict[str, Any]]]:
    """The entities of each raw text, with their character offsets into it: ``{"text", "label", "start", "end",
    "score"}``, ``text == original[start:end]`` whatever the white space between and around the words. Each
    text is split into sentences and words as :func:`~nerdistill.core.data.tokenizer.sentence_spans` splits it
    (``split``, ``style``), and all of them go to ``tag`` (a loaded model's tagger) in one call."""
    sentences, places = [], []
    for number, text in enumerate(texts):
        for offsets in sentence_spans(text, split=split, style=style):
            sentences.append(Sentence(id=f"{number}:{offsets[0][0]}", tokens=tuple(text[a:b] for a, b in offsets)))
            places.append((number, offsets))
    found: list[list[dict[str, Any]]] = [[] for _ in texts]
    for (number, offsets), (tags, word_scores) in zip(places, tag(sentences) if sentences else []):
        for span, score in scored_spans(tags, word_scores):
            start, end = offsets[span.start][0], offsets[span.end - 1][1]
            found[number].append({"text": texts[number][start:end], "label": span.label, "start": start, "end": end,
                                  "score": score})
    return found


def text_units(stream: TextIO, split: SplitMode, *, longest: int = LONGEST_UNIT) -> Iterator[tuple[int, str]]:
    """The units of a text stream to tag, each with its character offset in the stream, read a line at a time:
    each line (``line``), or each paragraph (``paragraph``: up to a blank line, or cut at a line end after
    ``longest`` characters, so that a file with no blank line streams too). Offsets count characters of the
    decoded text, line ends as they are in the file."""
    offset, start, lines = 0, 0, []
    for line in stream:
        if split == "line":
            yield offset, line
        elif line.strip():
            if not lines:
                start = offset
            lines.append(line)
            if sum(map(len, lines)) >= longest:
                yield start, "".join(lines)
                lines = []
        elif lines:
            yield start, "".join(lines)
            lines = []
        offset += len(line)
    if lines:
        yield start, "".join(lines)


def tag_text_stream(stream: TextIO, tag: Tagger, *, split: SplitMode = "paragraph", style: TokenizerStyle = "conll",
                    batch: int = 256, min_score: float | None = None) -> Iterator[dict[str, Any]]:
    """Each unit of ``stream`` (:func:`text_units`) as ``{"unit", "start", "end", "entities"}``, its entities'
    offsets counted from the start of the stream; ``batch`` units tagged at a time, so that memory stays flat
    whatever the size of the stream."""
    units = enumerate(text_units(stream, split))
    while chunk := list(itertools.islice(units, batch)):
        found = text_entities([text for _, (_, text) in chunk], tag, split=split, style=style)
        for (number, (start, text)), entities in zip(chunk, found):
            shifted = [{**e, "start": e["start"] + start, "end": e["end"] + start} for e in entities
                       if min_score is None or e["score"] >= min_score]
            yield {"unit": number, "start": start, "end": start + len(text), "entities": shifted}
