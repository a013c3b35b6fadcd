"""Raw text to CoNLL-2003-style tokens and sentences.

CoNLL-2003 (Reuters) splits punctuation off words but keeps abbreviations (``U.S.``), dates
(``1996-08-22``), numbers (``1,000``, ``3.5``) and hyphenated words (``German-born``) whole, and splits
clitics the Penn Treebank way (``does n't``, ``John 's``). The tokenizer is one regular expression
whose last alternative matches any single non-space character, so no character other than white space
is ever lost: ``"".join(tokens)`` equals the text with its white space removed.
"""

from __future__ import annotations

import re

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

_SENTENCE_END = frozenset({".", "!", "?", "..."})
_CLOSERS = frozenset({'"', "'", "''", ")", "]", "’", "”"})


def tokenize(text: str) -> list[str]:
    """Split ``text`` into CoNLL-2003-style tokens."""
    return _TOKEN.findall(text)


def split_sentences(text: str) -> list[list[str]]:
    """Tokenize ``text`` and cut it into sentences.

    Paragraphs (blank-line separated) never share a sentence. Inside one, a sentence ends at ``.``,
    ``!``, ``?`` or ``...``, together with any quote or bracket that touches it (``bad ."``), when the
    next token starts with an upper-case letter, a digit or an opening quote or bracket.
    Abbreviations stay inside their sentence because the tokenizer keeps their full stop attached.
    """
    sentences: list[list[str]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        matches = list(_TOKEN.finditer(paragraph))
        current: list[str] = []
        for i, match in enumerate(matches):
            current.append(match.group())
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
