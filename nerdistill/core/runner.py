"""The annotation runner: many sentences through one provider and strategy, cached and resumable.

- Answers come from the store when they are there (zero calls on a re-run with nothing changed);
  the rest are asked with bounded concurrency, and each is stored the moment it arrives.
- Calls that fail on the way (rate limits, server errors, timeouts) are retried with exponential
  backoff and full jitter, honouring ``Retry-After``; this is separate from instructor's re-asks of
  invalid answers. A sentence still failing is recorded with its reason (and not stored, so the next
  run tries it again) and the run goes on. An error no retry can fix (a rejected API key) stops the
  run; everything answered before it stays stored.
- A summary counts calls, cache hits, failures, dropped strings, tokens and cost.
"""

from __future__ import annotations

import random
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from nerdistill.core.annotation import Outcome, Request, TransportError, Usage, apply_alignment, build_request
from nerdistill.core.progress import progress_bar
from nerdistill.core.provider import Provider
from nerdistill.core.sentence import Sentence
from nerdistill.core.store import AnnotationStore, request_key


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for calls that failed on the way: ``attempts`` in all, waits up to ``max_delay`` seconds."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** attempt))


@dataclass
class AnnotationSummary:
    sentences: int = 0
    called: int = 0
    cached: int = 0
    ok: int = 0
    failed: int = 0
    strings: dict[str, int] = field(default_factory=lambda: {"aligned": 0, "not_in_sentence": 0, "overlapping": 0,
                                                             "unknown_types": 0})
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    failures: list[dict[str, str]] = field(default_factory=list)

    def add(self, sentence: Sentence, outcome: Outcome, *, cached: bool) -> None:
        self.cached += cached
        self.called += not cached
        if not cached:
            self.usage = self.usage + outcome.usage
        if outcome.status == "ok":
            self.ok += 1
            for name in self.strings:
                self.strings[name] += outcome.counts.get(name, 0)
        else:
            self.failed += 1
            self.failures.append({"id": sentence.id, "error": outcome.error or "", "raw": outcome.raw or ""})

    def as_dict(self) -> dict[str, Any]:
        return {"sentences": self.sentences, "called": self.called, "cached": self.cached, "ok": self.ok,
                "failed": self.failed, "strings": self.strings, "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens, "cost": round(self.usage.cost, 6),
                "seconds": round(self.seconds, 2)}


@dataclass
class AnnotationJob:
    """One provider and strategy over a list of sentences, with its store."""

    provider: Provider
    strategy: Any
    store: AnnotationStore
    concurrency: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    retry_failed: bool = False
    offline: bool = False  # refuse providers that would leave this machine (checked before the first call)
    poll_seconds: float = 2.0  # how often to look again at requests another process is asking
    progress: bool | None = None  # None: a bar only on a terminal

    def requests(self, sentences: list[Sentence]) -> list[tuple[Sentence, Request, str]]:
        identity, version = self.provider.identity(), self.strategy.version
        planned = []
        for sentence in sentences:
            request = build_request(self.strategy, sentence)
            planned.append((sentence, request, request_key(identity, self.strategy.name, version, request)))
        return planned

    def run(self, sentences: list[Sentence]) -> tuple[list[tuple[Sentence, Outcome]], AnnotationSummary]:
        """Annotate ``sentences``; returns each with its outcome, in input order, and the summary."""
        started = time.monotonic()
        summary = AnnotationSummary(sentences=len(sentences))
        planned = self.requests(sentences)
        cached = self.store.get_many([key for _, _, key in planned])
        outcomes: dict[int, Outcome] = {}
        pending = []
        for position, (sentence, request, key) in enumerate(planned):
            hit = cached.get(key)
            if hit is not None and (hit.status == "ok" or not self.retry_failed):
                outcomes[position] = apply_alignment(hit, sentence, self.strategy.options)
                summary.add(sentence, outcomes[position], cached=True)
            else:
                pending.append(position)
        self._call_all(planned, pending, outcomes, summary)
        summary.seconds = time.monotonic() - started
        return [(planned[i][0], outcomes[i]) for i in range(len(planned))], summary

    def _call_all(self, planned, pending: list[int], outcomes: dict[int, Outcome], summary: AnnotationSummary) -> None:
        """Ask the store's missing answers. Each request is claimed in the store first, so processes sharing
        it (the same run started twice, runs with sentences in common) ask each thing once and take the
        others' answers; requests another process is asking are looked at again until answered."""
        if not pending:
            return  # the store answered everything: no key, model or network needed
        self.provider.check(offline=self.offline)
        workers = max(1, min(self.concurrency, self.provider.max_concurrency or self.concurrency, len(pending)))
        bar = progress_bar(len(pending), "annotating", "sentence", self.progress)
        repeats: dict[str, list[int]] = {}  # a sentence repeated in the input is asked once
        for position in pending:
            repeats.setdefault(planned[position][2], []).append(position)
        waiting = deque(positions[0] for positions in repeats.values())

        def settle(position: int, outcome: Outcome, *, cached: bool) -> None:
            for number, same in enumerate(repeats[planned[position][2]]):
                outcomes[same] = outcome
                summary.add(planned[same][0], outcome, cached=cached or number > 0)
                if bar is not None:
                    bar.update(1)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="annotate") as pool:
            running: dict[Future, int] = {}

            def submit_next() -> bool:
                """Ask the next request no other process is asking; False if there is none now."""
                for _ in range(len(waiting)):
                    position = waiting.popleft()
                    sentence, request, key = planned[position]
                    state = self.store.claim(key, retry_failed=self.retry_failed)
                    if state == "mine":
                        running[pool.submit(self._call, sentence, request)] = position
                        return True
                    if state == "answered":  # by another process since this run looked
                        settle(position, apply_alignment(self.store.get_many([key])[key], sentence,
                                                         self.strategy.options), cached=True)
                    else:
                        waiting.append(position)
                return False

            try:
                while running or waiting:
                    while len(running) < workers and submit_next():
                        pass
                    if not running:  # all that is left is being asked by other processes
                        time.sleep(self.poll_seconds)
                        continue
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        position = running.pop(future)
                        sentence, _, key = planned[position]
                        outcome = future.result()  # a user error (bad key) propagates and stops the run
                        if outcome.error is None or not outcome.error.startswith("transport:"):
                            self.store.put(key, sentence_id=sentence.id, provider=self.provider.name,
                                           model=self.provider.model, strategy=self.strategy.name, outcome=outcome)
                        else:
                            self.store.release(key)
                        settle(position, outcome, cached=False)
            except BaseException:
                for future in running:
                    future.cancel()
                raise
            finally:
                if bar is not None:
                    bar.close()

    def _call(self, sentence: Sentence, request: Request) -> Outcome:
        for attempt in range(self.retry.attempts):
            try:
                return self.provider.annotate(sentence, self.strategy, request)
            except TransportError as error:
                if attempt + 1 == self.retry.attempts:
                    return Outcome(status="failed", error=f"transport: {error} (after {attempt + 1} attempts)",
                                   attempts=attempt + 1)
                time.sleep(self.retry.delay(attempt, error.retry_after))
        raise AssertionError("unreachable")

