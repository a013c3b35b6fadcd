"""Raw text to CoNLL-2003-style tokens and sentences.

CoNLL-2003 (Reuters) splits punctuation off words but keeps abbreviations (``U.S.``), dates
(``1996-08-22``), numbers (``1,000``, ``3.5``) and hyphenated words (``German-born``) whole, and splits
clitics the Penn Treebank way (``does n't``, ``John 's``). The tokenizer is one regular expression
whose last alternative matches any single non-space character, so no character other than white space
is ever lost: ``"".join(tokens)`` equals the text with its white space removed.
"""

from __future__ import annotations

import re
from typing import Literal

# Words that take a full stop without ending a sentence.
ABBREVIATIONS = frozenset(
    """Mr Mrs Ms Dr Prof Sen Rep Gov Gen Col Lt Sgt Capt Cmdr Rev St Mt Jr Sr Inc Corp Ltd Co Bros
    Plc plc vs etc No Nos Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec approx est dept""".split()
)

_TOKEN = re.compile(
    r"""
      (?:[A-Za-z]\.){2,}                              # initialisms: U.S. U.K. a.m.
    | (?:""" + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True)) + r""")\.(?=\s|$)   # Mr. Inc.
    | [A-Z]\.(?=\s+[A-Z])                             # an initial before a name: J. Smith
    | \d+(?:[.,:/-]\d+)+%?                            # 1996-08-22  1,000  3.5  12:30  2.5%
    | \w+(?=n['’]t\b)                                 # do|n't
    | n['’]t\b                                        # n't
    | ['’](?:s|re|ve|ll|d|m|S|RE|VE|LL|D|M)\b          # 's 're 've 'll 'd 'm
    | \w+(?:[-&]\w+)*                                 # words, German-born, AT&T
    | \.\.\.|--|``|''                                 # multi-character punctuation
    | \S                                              # anything else, one character at a time
    """,
    re.VERBOSE,
)

# Social-media text: a URL, an @handle, a #hashtag and an emoji sequence (skin tones, variation selectors, joined
# with zero-width joiners, flags) are one token each; the rest as CoNLL-2003 splits it.
_EMOJI = "[\u2600-\u27BF\U0001F000-\U0001FAFF]"
_EMOJI_SEQUENCE = f"[\U0001F1E6-\U0001F1FF]{{2}}|{_EMOJI}(?:[\uFE0F\U0001F3FB-\U0001F3FF]|\u200D{_EMOJI})*"
_SOCIAL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]'’”]"   # a URL, less the punctuation closing its sentence
    r"|[@#]\w+"                                           # @handle #hashtag
    rf"|{_EMOJI_SEQUENCE}"
    r"|" + _TOKEN.pattern, re.VERBOSE)
TokenizerStyle = Literal["conll", "social"]
TOKENIZERS: dict[str, re.Pattern[str]] = {"conll": _TOKEN, "social": _SOCIAL}
SplitMode = Literal["paragraph", "line"]
_PARAGRAPH = re.compile(r"(?:(?!\n\s*\n).)+", re.DOTALL)  # text between blank lines
_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = frozenset({".", "!", "?", "..."})
_CLOSERS = frozenset({'"', "'", "''", ")", "]", "’", "”"})


def tokenize(text: str, style: TokenizerStyle = "conll") -> list[str]:
    """Split ``text`` into CoNLL-2003-style tokens (``social``: URLs, @handles, #hashtags and emoji whole)."""
    return TOKENIZERS[style].findall(text)


def split_sentences(text: str, *, split: SplitMode = "paragraph", style: TokenizerStyle = "conll") -> list[list[str]]:
    """Tokenize ``text`` and cut it into sentences (see :func:`sentence_spans`)."""
    return [[text[start:end] for start, end in sentence] for sentence in sentence_spans(text, split=split, style=style)]


def sentence_spans(text: str, *, split: SplitMode = "paragraph",
                   style: TokenizerStyle = "conll") -> list[list[tuple[int, int]]]:
    """Each sentence of ``text`` as the character offsets ``(start, end)`` of its tokens in ``text``.

    ``split = "line"``: each line that has a token is one sentence (one tweet, one title a line).
    ``split = "paragraph"``: paragraphs (blank-line separated) never share a sentence. Inside one, a sentence
    ends at ``.``, ``!``, ``?`` or ``...``, together with any quote or bracket that touches it (``bad ."``),
    when the next token starts with an upper-case letter, a digit or an opening quote or bracket.
    Abbreviations stay inside their sentence because the tokenizer keeps their full stop attached.
    """
    pattern = TOKENIZERS[style]
    if split == "line":
        lines = (pattern.finditer(text, line.start(), line.end()) for line in _LINE.finditer(text))
        return [spans for spans in ([m.span() for m in matches] for matches in lines) if spans]
    sentences: list[list[tuple[int, int]]] = []
    for paragraph in _PARAGRAPH.finditer(text):
        matches = list(pattern.finditer(text, paragraph.start(), paragraph.end()))
        current: list[tuple[int, int]] = []
        for i, match in enumerate(matches):
            current.append(match.span())
            if _ends_sentence(matches, i):
                sentences.append(current)
                current = []
        if current:
            sentences.append(current)
    return sentences


def _ends_sentence(matches: list[re.Match[str]], i: int) -> bool:
    if i + 1 >= len(matches):
        return False
    j = i
    while j > 0 and matches[j].group() in _CLOSERS and matches[j].start() == matches[j - 1].end():
        j -= 1  # step back over quotes and brackets that touch the token before them
    following = matches[i + 1]
    if matches[j].group() not in _SENTENCE_END:
        return False
    if following.group() in _CLOSERS and following.start() == matches[i].end():
        return False  # the closing quote belongs to this sentence: end after it
    return following.group()[0].isupper() or following.group()[0].isdigit() or following.group()[0] in "\"'`“‘(["
