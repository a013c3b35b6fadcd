import pytest

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.sampling import sample_sentences
from nerdistill.core.data.sentence import Sentence


def corpus(n):
    return [Sentence(id=str(i), tokens=(f"w{i % 40}", "x")) for i in range(n)]  # 40 distinct, repeated


def test_same_seed_same_sample_in_file_order():
    sentences = corpus(100)
    first = sample_sentences(sentences, 10, seed=3)
    assert first == sample_sentences(sentences, 10, seed=3)
    assert first != sample_sentences(sentences, 10, seed=4)
    assert [int(s.id) for s in first] == sorted(int(s.id) for s in first)


def test_exclusion_is_by_tokens_so_copies_are_excluded_too():
    sentences = corpus(100)
    first = sample_sentences(sentences, 10, seed=1)
    second = sample_sentences(sentences, 20, seed=1, exclude=first)
    assert not {s.tokens for s in first} & {s.tokens for s in second}


def test_too_large_a_sample():
    with pytest.raises(NerdistillError, match="only 70 remain after excluding 30"):
        sample_sentences(corpus(100), 71, seed=0, exclude=corpus(10))
