"""Sentences to model inputs, once per run: word pieces, windows, first-subword labels, batches.

- Every word's label goes on its first word piece; the other pieces are ignored by the loss (-100).
- A sentence longer than ``max_length`` pieces (with [CLS] and [SEP]) is cut into consecutive windows
  of whole words, so no word is ever lost, in training or in prediction. A single word longer than a
  window keeps its first pieces.
- Batches are padded to their own longest window (dynamic padding) and, for training, formed from
  windows of similar length (length grouping), which on CoNLL's short sentences is most of the speed.
  ``padding="max_length"`` reproduces the paper's fixed padding to 128 for comparison.
- With shape markers, a word that starts with a capital gets a marker piece before its pieces (one marker
  for ``Paris``, another for ``EU``), which carries its label: an uncased encoder's tokenizer lowercases
  the capitals that English names are found by, and the marker gives them back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from nerdistill.core.data.sentence import Sentence

IGNORED = -100
Padding = Literal["dynamic", "max_length"]
#: the marker tokens of word shapes, added to the tokenizer (and the encoder's embeddings) of a model using them
SHAPE_MARKERS = {"title": "[CAPITALIZED]", "upper": "[ALLCAPS]"}


def word_shape(word: str) -> str | None:
    """``"upper"`` for a word of two letters or more all in capitals (EU, NATO), ``"title"`` for one starting
    with a capital (Paris, McDonald), None for the rest."""
    if not word[:1].isupper():
        return None
    return "upper" if sum(c.isalpha() for c in word) > 1 and word.isupper() else "title"


@dataclass(frozen=True)
class Window:
    """One model input: a run of whole words of one sentence."""

    sentence: int
    first_word: int
    input_ids: list[int]
    word_starts: list[int]  # position of each word's first piece in input_ids
    labels: list[int]  # per piece; IGNORED except at word starts


def encode(sentences: list[Sentence], tokenizer, label_ids: dict[str, int] | None, max_length: int,
           markers: dict[str, int] | None = None, overlap: int = 0) -> list[Window]:
    """Windows of every sentence, in order; with ``label_ids``, gold labels on first pieces; with ``markers``
    (word shape -> token id), each capitalised word's marker piece first. A sentence longer than one window
    is cut into several; with ``overlap``, each after the first starts that many words before the last one
    ended (at least one word on), so that a tagger sees every word with context on both sides of a cut."""
    if not sentences:
        return []
    budget = max_length - 2
    encoded = tokenizer([list(s.tokens) for s in sentences], is_split_into_words=True, add_special_tokens=False,
                        truncation=False)
    windows: list[Window] = []
    for index, sentence in enumerate(sentences):
        pieces_per_word: list[list[int]] = [[] for _ in sentence.tokens]
        for piece, word in zip(encoded["input_ids"][index], encoded.word_ids(index)):
            if word is not None:
                pieces_per_word[word].append(piece)
        for word, pieces in enumerate(pieces_per_word):
            if not pieces:  # a character the vocabulary drops entirely: keep the word as [UNK]
                pieces_per_word[word] = [tokenizer.unk_token_id]
            shape = word_shape(sentence.tokens[word]) if markers else None
            if shape is not None:
                pieces_per_word[word] = [markers[shape], *pieces_per_word[word]]
            pieces_per_word[word] = pieces_per_word[word][:budget]
        start = 0
        while start < len(pieces_per_word):
            end, size = start, 0
            while end < len(pieces_per_word) and size + len(pieces_per_word[end]) <= budget:
                size += len(pieces_per_word[end])
                end += 1
            windows.append(_window(index, start, pieces_per_word[start:end], sentence, label_ids, tokenizer))
            start = end if end >= len(pieces_per_word) else max(end - overlap, start + 1)
    return windows


def _window(index, start, word_pieces, sentence, label_ids, tokenizer) -> Window:
    input_ids, word_starts, labels = [tokenizer.cls_token_id], [], [IGNORED]
    for offset, pieces in enumerate(word_pieces):
        word_starts.append(len(input_ids))
        input_ids += pieces
        gold = label_ids[sentence.tags[start + offset]] if label_ids is not None and sentence.tags else IGNORED
        labels += [gold] + [IGNORED] * (len(pieces) - 1)
    input_ids.append(tokenizer.sep_token_id)
    labels.append(IGNORED)
    return Window(index, start, input_ids, word_starts, labels)


def training_batches(items: list[tuple[Window, float, float]], batch_size: int, rng: random.Random,
                     group_by_length: bool = True) -> list[list[tuple[Window, float, float]]]:
    """Batches of (window, loss weight, loss weight of its O words); with grouping, windows of similar length
    go together.

    Grouping sorts within chunks of 64 batches and then shuffles the batches, so an epoch is still
    random in order while padding stays small.
    """
    if not group_by_length:
        return [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    chunk = batch_size * 64
    batches = []
    for start in range(0, len(items), chunk):
        part = sorted(items[start:start + chunk], key=lambda item: len(item[0].input_ids))
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(windows: list[Window], pad_id: int, padding: Padding = "dynamic", max_length: int = 128):
    """Tensors ``input_ids``, ``attention_mask``, ``labels`` for a batch."""
    import torch

    width = max_length if padding == "max_length" else max(len(w.input_ids) for w in windows)
    input_ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(windows), width), IGNORED, dtype=torch.long)
    attention = torch.zeros((len(windows), width), dtype=torch.long)
    for row, window in enumerate(windows):
        n = len(window.input_ids)
        input_ids[row, :n] = torch.tensor(window.input_ids)
        labels[row, :n] = torch.tensor(window.labels)
        attention[row, :n] = 1
    return input_ids, attention, labels
