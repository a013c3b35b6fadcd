"""Tagging sentences window by window, whatever runs the network: PyTorch or ONNX Runtime.

A backend is a function from a padded batch of word-piece ids and its attention mask (numpy ``int64``
arrays) to the probability and index of the label it chose at every piece. Everything else (cutting long
sentences into windows, batching the shortest together, reading each word's tag at its first piece,
repairing IOB2) is done here once, so an exported model tags exactly as the model it came from.

A backend that is safe to call from several threads at once (ONNX Runtime's sessions are) can run batches in
parallel ``streams``, one core each: for a network as small as MiniLM this beats splitting every matrix product
across the cores, whose synchronization costs more than the products of a short batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import repair_iob2
from nerdistill.core.training.trainer import WordScores
from nerdistill.trainers.features import Window, encode

#: ``(input_ids, attention_mask) -> (probability, label index)`` of every piece, each ``(batch, width)``
BatchRunner = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def pad_batch(windows: list[Window], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows' piece ids, padded to the longest, and the attention mask."""
    width = max(len(w.input_ids) for w in windows)
    input_ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    attention = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        input_ids[row, :len(window.input_ids)] = window.input_ids
        attention[row, :len(window.input_ids)] = 1
    return input_ids, attention


def best_labels(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The softmax probability and index of the most likely label at each position of ``logits``."""
    best = logits.argmax(-1)
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return np.take_along_axis(shifted, best[..., None], -1)[..., 0] / shifted.sum(-1), best


def tag_sentences(run: BatchRunner, id2label: dict[int, str], tokenizer, sentences: list[Sentence], *,
                  max_length: int, batch_size: int, markers: dict[str, int] | None = None,
                  streams: int = 1) -> list[WordScores]:
    """Each sentence's tags and their probabilities, shortest windows batched together (less padding). A sentence
    longer than a window is tagged in overlapping windows (a quarter of a window, in words), each word taken
    from the window it has the most context in, so that no entity is cut where a window ends. With ``streams``
    above 1, ``run`` is called from that many threads at once; batches shrink so that a few sentences still
    keep every stream busy."""
    windows = encode(sentences, tokenizer, None, max_length, markers, overlap=max_length // 4)
    predicted: list[list[str]] = [["O"] * len(s.tokens) for s in sentences]
    probabilities: list[list[float]] = [[0.0] * len(s.tokens) for s in sentences]
    context: list[list[int]] = [[-1] * len(s.tokens) for s in sentences]  # words either side, where tagged
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
    size = max(1, min(batch_size, math.ceil(len(order) / streams)))
    batches = [[windows[i] for i in order[start:start + size]] for start in range(0, len(order), size)]
    for batch, (probability, best) in zip(batches, _run_batches(run, batches, tokenizer.pad_token_id, streams)):
        probability, best = probability.tolist(), best.tolist()
        for row, window in enumerate(batch):
            for offset, position in enumerate(window.word_starts):
                word, seen = window.first_word + offset, min(offset, len(window.word_starts) - 1 - offset)
                if seen > context[window.sentence][word]:  # of overlapping windows, the one it is central in
                    context[window.sentence][word] = seen
                    predicted[window.sentence][word] = id2label[best[row][position]]
                    probabilities[window.sentence][word] = round(probability[row][position], 4)
    # a model can emit an I-X that continues nothing; the conlleval rule makes it B-X, which scores the same
    return [(tuple(repair_iob2(tags)[0]), tuple(scores)) for tags, scores in zip(predicted, probabilities)]


def _run_batches(run: BatchRunner, batches: list[list[Window]], pad_id: int, streams: int):
    """``run`` on each batch, in order; from ``streams`` threads where there is more than one batch to share."""
    padded = (pad_batch(batch, pad_id) for batch in batches)
    if streams <= 1 or len(batches) <= 1:
        yield from (run(*arrays) for arrays in padded)
        return
    with ThreadPoolExecutor(streams, thread_name_prefix="nerdistill-tag") as pool:
        yield from pool.map(lambda arrays: run(*arrays), padded)
