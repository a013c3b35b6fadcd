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
