"""The annotation runner: many sentences through one provider and strategy, cached and resumable.

- Answers come from the store when they are there (zero calls on a re-run with nothing changed);
  the rest are asked with bounded concurrency, and each is stored the moment it arrives.
- Calls that fail on the way (rate limits, server errors, timeouts) are retried with exponential
  backoff and full jitter, honouring ``Retry-After``; this is separate from instructor's re-asks of
  invalid answers. A sentence still failing is recorded with its reason (and not stored, so the next
  run tries it again) and the run goes on. An error no retry can fix (a rejected API key) stops the
  run; everything answered before it stays stored.
- A provider set to batch mode gets those requests as batch jobs instead
  (:mod:`nerdistill.core.annotation.batch`), its answers stored and counted the same way.
- A job may have a *rescue*: the same provider with other options (a repeat penalty, a temperature, a
  stronger model), asked once more for the sentences whose answer was invalid. Its answers are cached
  under their own keys like any other, and a rescued sentence says so in its annotation.
- A summary counts calls, cache hits, failures, rescues, dropped strings, tokens and cost.
"""

from __future__ import annotations

import random
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from nerdistill.core.annotation.batch import BatchCalls
from nerdistill.core.annotation.outcome import (Outcome, Request, TransportError, Usage, apply_alignment,
                                                build_request, keep_known_types)
from nerdistill.core.errors import NerdistillError
from nerdistill.core.progress import progress_bar
from nerdistill.core.annotation.provider import Provider
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.annotation.store import AnnotationStore, request_key


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
    rescue: dict[str, int] | None = None  # with a rescue: sentences asked again, rescued, its calls and hits

    def add(self, sentence: Sentence, outcome: Outcome, *, cached: bool) -> None:
        self.cached += cached
        self.called += not cached
        if not cached:
            self.usage = self.usage + outcome.usage
        if outcome.status == "ok":
            self.ok += 1
            self._count_strings(outcome)
        else:
            self.failed += 1
            self.failures.append({"id": sentence.id, "tokens": list(sentence.tokens), "source": sentence.source,
                                  "error": outcome.error or "", "raw": outcome.raw or ""})

    def add_rescue(self, asked: int, rescued: list[tuple[Sentence, Outcome]], rescue: "AnnotationSummary") -> None:
        """Count a rescue of ``asked`` failed sentences: those ``rescued`` turn from failed to ok; ``called``
        and ``cached`` stay the first asking's, the rescue's calls and hits are counted apart."""
        self.rescue = {"asked": asked, "rescued": len(rescued), "called": rescue.called, "cached": rescue.cached}
        self.usage = self.usage + rescue.usage
        self.ok, self.failed = self.ok + len(rescued), self.failed - len(rescued)
        for _, outcome in rescued:
            self._count_strings(outcome)
        ids = {sentence.id for sentence, _ in rescued}
        self.failures = [failure for failure in self.failures if failure["id"] not in ids]

    def _count_strings(self, outcome: Outcome) -> None:
        for name in self.strings:
            self.strings[name] += outcome.counts.get(name, 0)

    def as_dict(self) -> dict[str, Any]:
        figures = {"sentences": self.sentences, "called": self.called, "cached": self.cached, "ok": self.ok,
                   "failed": self.failed, "strings": self.strings, "prompt_tokens": self.usage.prompt_tokens,
                   "completion_tokens": self.usage.completion_tokens, "cost": round(self.usage.cost, 6),
                   "seconds": round(self.seconds, 2)}
        return figures if self.rescue is None else {**figures, "rescue": self.rescue}


def checked_rescue(provider: Provider, rescue: Provider, option: str) -> Provider:
    """``rescue``, unless it has the provider's very options and so could only give the same answers again."""
    if rescue.identity() == provider.identity():
        raise NerdistillError(f"{option}: the rescue has the provider's options, so it would give the same answers; "
                              "change one (repeat_penalty, temperature, model)")
    return rescue


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
    rescue: Provider | None = None  # asked once more for the sentences whose answer was invalid

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
        results, summary = self._ask_all(sentences)
        if self.rescue is not None:
            self._rescue(results, summary)
        summary.seconds = time.monotonic() - started
        return results, summary

    def rescuer(self) -> "AnnotationJob":
        """This job with the rescue provider in place of the provider (and no rescue of its own)."""
        return replace(self, provider=self.rescue, rescue=None)

    def _rescue(self, results: list[tuple[Sentence, Outcome]], summary: AnnotationSummary) -> None:
        """Ask the rescue provider for the sentences whose answer was invalid (not those a transport error
        stopped: the next run asks them anyway), and put its valid answers in their place."""
        failed = [i for i, (_, outcome) in enumerate(results) if outcome.status == "failed"
                  and not (outcome.error or "").startswith("transport:")]
        again, rescue_summary = self.rescuer()._ask_all([results[i][0] for i in failed])
        first, second = self.provider.identity(), self.rescue.identity()
        changed = {key: value for key, value in second.items() if first.get(key) != value}
        rescued = []
        for position, (sentence, outcome) in zip(failed, again):
            if outcome.status == "ok":
                results[position] = (sentence, outcome.model_copy(update={"rescued_with": changed}))
                rescued.append(results[position])
        summary.add_rescue(len(failed), rescued, rescue_summary)

    def _ask_all(self, sentences: list[Sentence]) -> tuple[list[tuple[Sentence, Outcome]], AnnotationSummary]:
        now = time.time()
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
        if pending:  # checked only now: answers all in the store need no key, model or network
            self.provider.check(offline=self.offline)
            retry_failed_before = now if self.retry_failed else None
            client = self.provider.batch_client()
            calls = (_Calls(self, planned, pending, outcomes, summary, retry_failed_before=retry_failed_before)
                     if client is None else
                     BatchCalls(self, client, planned, pending, outcomes, summary,
                                retry_failed_before=retry_failed_before))
            calls.run()
        return [(planned[i][0], outcomes[i]) for i in range(len(planned))], summary

    def _call(self, sentence: Sentence, request: Request) -> Outcome:
        for attempt in range(self.retry.attempts):
            try:
                return keep_known_types(self.provider.annotate(sentence, self.strategy, request),
                                        self.strategy.label_set)
            except TransportError as error:
                if attempt + 1 == self.retry.attempts:
                    return Outcome(status="failed", error=f"transport: {error} (after {attempt + 1} attempts)",
                                   attempts=attempt + 1)
                time.sleep(self.retry.delay(attempt, error.retry_after))
        raise AssertionError("unreachable")


class _Calls:
    """The calls of one :meth:`AnnotationJob.run`. Each request is claimed in the store first, so processes
    sharing it (the same run started twice, runs with sentences in common) ask each thing once and take the
    others' answers; requests another process is asking are looked at again until answered. A sentence
    repeated in the input is asked once."""

    def __init__(self, job: AnnotationJob, planned: list[tuple[Sentence, Request, str]], pending: list[int],
                 outcomes: dict[int, Outcome], summary: AnnotationSummary, *, retry_failed_before: float | None):
        self.job, self.planned, self.outcomes, self.summary = job, planned, outcomes, summary
        self.retry_failed_before = retry_failed_before  # failures of earlier runs are asked again, once
        self.repeats: dict[str, list[int]] = {}  # request key -> the input positions asking it
        for position in pending:
            self.repeats.setdefault(planned[position][2], []).append(position)
        self.waiting = deque(positions[0] for positions in self.repeats.values())
        self.running: dict[Future, int] = {}
        limit = job.provider.max_concurrency or job.concurrency
        self.workers = max(1, min(job.concurrency, limit, len(self.repeats)))
        self.bar = progress_bar(len(pending), "annotating", "sentence", job.progress)

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="annotate") as pool:
            try:
                while self.running or self.waiting:
                    while len(self.running) < self.workers and self._submit_next(pool):
                        pass
                    if not self.running:  # all that is left is being asked by other processes
                        time.sleep(self.job.poll_seconds)
                        continue
                    done, _ = wait(self.running, return_when=FIRST_COMPLETED)
                    for future in done:  # a user error (bad key) propagates from result() and stops the run
                        self._settle(self.running[future], future.result(), cached=False)
                        del self.running[future]
            except BaseException:
                self._wind_down()
                raise
            finally:
                if self.bar is not None:
                    self.bar.close()

    def _wind_down(self) -> None:
        """On a stop (Ctrl-C, SIGTERM, an error): the calls not started are cancelled; those under way cannot
        be stopped, and store their answers themselves; then every other claim of this run is given back (a
        stop may come between a claim and its call)."""
        for future in self.running:
            future.cancel()
        wait(self.running)
        self.job.store.release(*self.repeats)

    def _submit_next(self, pool: ThreadPoolExecutor) -> bool:
        """Ask the next request no other process is asking; False if there is none now."""
        job = self.job
        for _ in range(len(self.waiting)):
            position = self.waiting.popleft()
            sentence, request, key = self.planned[position]
            state = job.store.claim(key, retry_failed_before=self.retry_failed_before)
            if state == "mine":
                self.running[pool.submit(self._ask, sentence, request, key)] = position
                return True
            if state == "answered":  # by another process since this run looked
                stored = job.store.get_many([key])[key]
                self._settle(position, apply_alignment(stored, sentence, job.strategy.options), cached=True)
            else:
                self.waiting.append(position)
        return False

    def _ask(self, sentence: Sentence, request: Request, key: str) -> Outcome:
        """In a worker thread: the call, and its answer stored (valid or not) the moment it arrives, whatever
        the main thread is doing; a call that failed on the way is released for a later run."""
        job = self.job
        outcome = job._call(sentence, request)
        if outcome.error is None or not outcome.error.startswith("transport:"):
            job.store.put(key, sentence_id=sentence.id, provider=job.provider.name, model=job.provider.model,
                          strategy=job.strategy.name, outcome=outcome)
        else:
            job.store.release(key)
        return outcome

    def _settle(self, position: int, outcome: Outcome, *, cached: bool) -> None:
        for number, same in enumerate(self.repeats[self.planned[position][2]]):
            self.outcomes[same] = outcome
            self.summary.add(self.planned[same][0], outcome, cached=cached or number > 0)
            if self.bar is not None:
                self.bar.set_postfix(failed=self.summary.failed)
                self.bar.update(1)
