"""Reproducible random samples of sentences, disjoint from other samples.

The paper draws two different random samples of 1000 CoNLL-2003 training sentences: one for the LLM
to annotate, one kept as original data. Disjointness is by token sequence, not by id, so it holds
across file formats and also keeps apart the many verbatim copies of boilerplate in CoNLL
("Scorers :" appears 16 times in train).
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.sentence import Sentence


def sample_sentences(
    sentences: list[Sentence], n: int, *, seed: int, exclude: Iterable[Sentence] = ()
) -> list[Sentence]:
    """``n`` sentences drawn without replacement, in their original order.

    The same sentences, seed and exclusions always give the same sample.
    """
    if n < 1:
        raise NerdistillError(f"the sample size must be at least 1, not {n}")
    excluded = {s.tokens for s in exclude}
    pool = [s for s in sentences if s.tokens not in excluded]
    if n > len(pool):
        raise NerdistillError(f"cannot sample {n} sentences: only {len(pool)} remain "
                              f"after excluding {len(sentences) - len(pool)}")
    chosen = sorted(random.Random(seed).sample(range(len(pool)), n))
    return [pool[i] for i in chosen]


def nested_sample(sentences: list[Sentence], n: int, *, seed: int) -> list[Sentence]:
    """The first ``n`` of one seeded shuffle of ``sentences``, kept in their original order: the samples of
    every size are nested (the 50 hold the 25), and the sample of them all is ``sentences`` itself, so the
    largest point of a gold-budget curve trains on exactly the data a run of that one size would."""
    if not 0 <= n <= len(sentences):
        raise NerdistillError(f"cannot take {n} of {len(sentences)} sentences")
    order = random.Random(f"nested:{seed}").sample(range(len(sentences)), len(sentences))
    return [sentences[i] for i in sorted(order[:n])]
