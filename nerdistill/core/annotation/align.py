"""Aligning an LLM's entity strings to the sentence's tokens.

The LLM answers with strings ("FooBar, Inc.", "U.S.", "(AP)"), not token positions, and its strings
need not match the tokenisation: CoNLL splits punctuation ("FooBar , Inc .", "( AP )"). Strings are
therefore compared with white space removed, case-insensitively unless asked otherwise (an exact-case
occurrence is preferred), and a match must start and end on token boundaries: "Jacq" does not match
inside "Jacques". With ``glued`` (a strategy's ``glued_tokens`` option), a string found nowhere on token
boundaries may take the tokens it is part of when what else they hold is punctuation or symbols only: text
split on white space alone (tweets) glues them to words, as in ``Park-``, ``Mary's.``, ``#Mozilla``. The
whole tokens are tagged (a tag is a token's), and such strings are counted apart (``glued``).

Which occurrence a string gets is a policy:

- ``first`` (default): the first occurrence that no earlier string has taken. The same string given
  twice with two labels ("Jordan" PER, then "Jordan" LOC) takes successive occurrences, in the order
  given.
- ``in_order``: the first free occurrence after the previous string's, reading the answer as listed
  left to right; otherwise as ``first``.
- ``all``: every occurrence.

Overlaps are then resolved so the result is valid IOB2: longer spans win, and among equal lengths the
string given first. Nested entities (an ORG that contains a LOC) thus flatten to the outermost one.
Fragments of a discontinuous entity are aligned as separate spans of its label. Every sentence
records how many strings were aligned, not found in the sentence, and dropped as overlapping.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from nerdistill.core.data.tags import Span

AlignmentPolicy = Literal["first", "in_order", "all"]
ALIGNMENT_POLICIES: tuple[str, ...] = ("first", "in_order", "all")

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Mention:
    """One entity string of an answer, with its label."""

    label: str
    text: str


@dataclass
class Alignment:
    spans: list[Span] = field(default_factory=list)
    aligned: int = 0
    not_in_sentence: list[str] = field(default_factory=list)
    overlapping: list[str] = field(default_factory=list)
    glued: list[str] = field(default_factory=list)  # placed on tokens they are only part of (``glued`` alignment)

    def counts(self) -> dict[str, int]:
        counts = {"aligned": self.aligned, "not_in_sentence": len(self.not_in_sentence),
                  "overlapping": len(self.overlapping)}
        return {**counts, "glued": len(self.glued)} if self.glued else counts


class TokenIndex:
    """Finds strings in a token sequence, ignoring white space, on token boundaries."""

    def __init__(self, tokens: Sequence[str]):
        self.tokens = list(tokens)
        self.joined = "".join(self.tokens)
        self.lowered = self.joined.lower()
        self.starts: list[int] = []
        self.token_at: dict[int, int] = {}
        self.token_ending: dict[int, int] = {}
        position = 0
        for i, token in enumerate(self.tokens):
            self.starts.append(position)
            self.token_at[position] = i
            position += len(token)
            self.token_ending[position] = i

    def find(self, text: str, *, case_sensitive: bool = False, glued: bool = False) -> list[tuple[int, int]]:
        """Token ranges ``(start, end)`` where ``text`` occurs; exact-case ones first, then by position. With
        ``glued``, where it occurs nowhere on token boundaries, the tokens it is part of when what else they hold
        is punctuation or symbols only (``Park`` in ``Park-``, ``Mozilla`` in ``#Mozilla``)."""
        found = self.find_within(text, self._whole, case_sensitive)
        return found or (self.find_within(text, self._glued, case_sensitive) if glued else [])

    def find_within(self, text: str, within, case_sensitive: bool) -> list[tuple[int, int]]:
        """Where ``text`` occurs with ``within`` (``_whole`` or ``_glued``) saying which tokens a match takes."""
        needle = _SPACE.sub("", text)
        if not needle:
            return []
        exact = self._occurrences(self.joined, needle, within)
        if case_sensitive:
            return exact
        seen = set(exact)
        return exact + [r for r in self._occurrences(self.lowered, needle.lower(), within) if r not in seen]

    def _occurrences(self, haystack: str, needle: str, within) -> list[tuple[int, int]]:
        found = []
        start = haystack.find(needle)
        while start != -1:
            tokens = within(start, start + len(needle))
            if tokens is not None:
                found.append(tokens)
            start = haystack.find(needle, start + 1)
        return found

    def _whole(self, start: int, end: int) -> tuple[int, int] | None:
        if start in self.token_at and end in self.token_ending:
            return self.token_at[start], self.token_ending[end] + 1
        return None

    def _glued(self, start: int, end: int) -> tuple[int, int] | None:
        first = bisect.bisect_right(self.starts, start) - 1
        last = bisect.bisect_right(self.starts, end - 1) - 1
        rest = self.joined[self.starts[first]:start] + self.joined[end:self.starts[last] + len(self.tokens[last])]
        return (first, last + 1) if not any(c.isalnum() for c in rest) else None

    def contains(self, text: str, *, case_sensitive: bool = False, glued: bool = False) -> bool:
        return bool(self.find(text, case_sensitive=case_sensitive, glued=glued))


def align(
    tokens: Sequence[str],
    mentions: Sequence[Mention],
    *,
    policy: AlignmentPolicy = "first",
    case_sensitive: bool = False,
    glued: bool = False,
) -> Alignment:
    """Token spans for ``mentions``, non-overlapping, with counts of what could not be placed.

    About linear in the sentence's length: each distinct string is searched for once, and which tokens are
    taken is an array, not a list of ranges to scan (a 10,000-token sentence with thousands of repeated
    entities took minutes when it was)."""
    index = TokenIndex(tokens)
    result = Alignment()
    candidates: list[tuple[int, int, int, Mention]] = []  # start, end, order, mention
    occurrences_of: dict[str, _Occurrences] = {}
    taken = _Occupancy(len(index.tokens))
    previous_end = 0
    for order, mention in enumerate(mentions):
        if mention.text not in occurrences_of:
            whole = index.find(mention.text, case_sensitive=case_sensitive)
            part = index.find_within(mention.text, index._glued, case_sensitive) if glued and not whole else []
            occurrences_of[mention.text] = _Occurrences(whole or part, glued=bool(part))
        occurrences = occurrences_of[mention.text]
        if not occurrences.ranges:
            result.not_in_sentence.append(mention.text)
            continue
        if occurrences.glued:
            result.glued.append(mention.text)
        chosen = occurrences.ranges if policy == "all" else [occurrences.choose(taken, previous_end, policy)]
        for start, end in chosen:
            candidates.append((start, end, order, mention))
            taken.take(start, end)
        previous_end = chosen[-1][1]
    accepted: list[tuple[int, int, int, Mention]] = []
    kept = _Occupancy(len(index.tokens))
    for candidate in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[2], c[0])):
        if kept.is_free(candidate[0], candidate[1]):
            accepted.append(candidate)
            kept.take(candidate[0], candidate[1])
        else:
            result.overlapping.append(candidate[3].text)
    result.spans = [Span(start=s, end=e, label=m.label, text=" ".join(index.tokens[s:e]))
                    for s, e, _, m in sorted(accepted)]
    result.aligned = len(result.spans)
    return result


class _Occupancy:
    """Which tokens some span already covers."""

    def __init__(self, size: int):
        self.covered = bytearray(size)

    def is_free(self, start: int, end: int) -> bool:
        return not any(self.covered[start:end])

    def take(self, start: int, end: int) -> None:
        self.covered[start:end] = b"\x01" * (end - start)


class _Occurrences:
    """Where one string occurs, in preference order, and how far the ``first`` policy has used them up.

    Tokens once taken stay taken, so an occurrence found taken is never free again: the search for the first
    free one resumes where the last one stopped instead of starting over (the same string given a thousand
    times in one sentence costs a thousand steps, not a million)."""

    def __init__(self, ranges: list[tuple[int, int]], *, glued: bool = False):
        self.ranges = ranges
        self.glued = glued  # found only as part of tokens
        self.by_position = sorted(ranges)
        self.next_free = 0

    def choose(self, taken: _Occupancy, previous_end: int, policy: AlignmentPolicy) -> tuple[int, int]:
        if policy == "in_order":
            after = bisect.bisect_left(self.by_position, (previous_end, previous_end))
            for start, end in self.by_position[after:]:
                if taken.is_free(start, end):
                    return start, end
        while self.next_free < len(self.ranges) and not taken.is_free(*self.ranges[self.next_free]):
            self.next_free += 1
        return self.ranges[self.next_free] if self.next_free < len(self.ranges) else self.ranges[0]
