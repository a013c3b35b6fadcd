import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerdistill.core.data.tokenizer import sentence_spans, split_sentences, tokenize


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


def test_social_media_tokens_keep_urls_handles_hashtags_and_emoji_sequences_whole():
    text = "RT @nasa: see https://t.co/x1?a=b. #Mozilla 👍🏽 👨‍👩‍👧 🇫🇷 ❤️ South Park-"
    assert tokenize(text, "social") == ["RT", "@nasa", ":", "see", "https://t.co/x1?a=b", ".", "#Mozilla", "👍🏽",
                                        "👨\u200d👩\u200d👧", "🇫🇷", "❤️", "South", "Park", "-"]
    assert "".join(tokenize(text, "social")) == "".join(text.split())  # nothing lost


def test_a_sentence_a_line_and_offsets_into_the_text():
    text = "one tweet. Here\r\nsecond  line\n\n third"
    assert split_sentences(text, split="line") == [["one", "tweet", ".", "Here"], ["second", "line"], ["third"]]
    assert split_sentences(text) == [["one", "tweet", "."], ["Here", "second", "line"], ["third"]]
    for split in ("line", "paragraph"):
        for sentence in sentence_spans(text, split=split):
            assert all(text[a:b] and not text[a:b].isspace() for a, b in sentence)
