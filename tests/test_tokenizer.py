import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerdistill.core.data.tokenizer import split_sentences, tokenize


@pytest.mark.parametrize("text, tokens", [
    ("The U.S. economy", ["The", "U.S.", "economy"]),
    ("on 1996-08-22 .", ["on", "1996-08-22", "."]),
    ("1,000 people paid 3.5% more", ["1,000", "people", "paid", "3.5%", "more"]),
    ("German-born (AP) said:", ["German-born", "(", "AP", ")", "said", ":"]),
    ("He doesn't like John's car.", ["He", "does", "n't", "like", "John", "'s", "car", "."]),
    ("Mr. Smith of AT&T Inc. left", ["Mr.", "Smith", "of", "AT&T", "Inc.", "left"]),
    ('"Hello," she said...', ['"', "Hello", ",", '"', "she", "said", "..."]),
])
def test_conll_style_tokens(text, tokens):
    assert tokenize(text) == tokens


@given(st.text(max_size=200))
def test_no_character_but_white_space_is_lost(text):
    tokens = tokenize(text)
    assert "".join(tokens) == re.sub(r"\s", "", text)
    assert all(token and not any(c.isspace() for c in token) for token in tokens)


@given(st.text(alphabet=st.sampled_from(list("ab .!?\"'()\nAB1,")), max_size=120))
def test_sentences_lose_nothing_either(text):
    assert [t for s in split_sentences(text) for t in s] == [t for p in re.split(r"\n\s*\n", text)
                                                              for t in tokenize(p)]


def test_sentence_splitting():
    text = ('The U.S. team won. "It was hard," said Mr. Smith. Then 3 men left!\n\n'
            "A new paragraph (really.) Yes")
    assert [" ".join(s) for s in split_sentences(text)] == [
        "The U.S. team won .",
        '" It was hard , " said Mr. Smith .',
        "Then 3 men left !",
        "A new paragraph ( really . )",
        "Yes",
    ]
