"""Batch mode: a run's uncached requests sent as provider batch jobs (half price, answers within a day).

The store records each job, with its requests, before it is sent, and the provider's job id the moment it
is known; a process stopped at any moment (``kill -9`` between sending and collecting) finds its open jobs
there on the next run and waits for those same jobs, so no request is ever sent twice. A job sent but never
recorded (a stop between the provider's answer and the store's write) is found by its tag, which travels in
the job's metadata. When a job ends, every answer in its output goes through the same validation,
alignment and accounting as a direct call's answer, and is stored; a request that failed in the job, or that
an expired or failed job never answered, is counted as a transport failure and asked again by the next run
(in a new job), as a direct call that failed on the way would be. A batch answer that is invalid is
recorded as such: a batch has no re-ask (``--retry-failed`` or a rescue asks it again, each in a new job).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from nerdistill.core.annotation.outcome import (Asker, Outcome, Request, Usage, annotate_sentence, apply_alignment,
                                                keep_known_types)
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.progress import progress_bar

if TYPE_CHECKING:
    from nerdistill.core.annotation.runner import AnnotationJob, AnnotationSummary

log = logging.getLogger(__name__)

#: a job in one of these states answers nothing more
ENDED = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True)
class JobState:
    """What the provider says of a job."""

    status: str
    done: int = 0
    total: int = 0
    output_file: str | None = None
    error_file: str | None = None
    errors: str = ""  # why a failed job failed

    @property
    def ended(self) -> bool:
        return self.status in ENDED


@dataclass(frozen=True)
class BatchLine:
    """One request's result in a job's output: the completion, or why the request failed."""

    key: str
    completion: Any = None
    error: str | None = None


class BatchClient(Protocol):
    """A provider's batch API, as :class:`BatchCalls` uses it (``Provider.batch_client``)."""

    max_requests: int  # the most requests one job may hold
    poll_seconds: float  # how long to wait between looks at a job

    def line(self, key: str, request: Request) -> dict[str, Any]:
        """The input file's line asking ``request``, named ``key``."""

    def submit(self, lines: list[dict[str, Any]], tag: str) -> str:
        """Upload the lines, start a job with ``tag`` in its metadata; the job's id."""

    def find(self, tag: str) -> str | None:
        """The id of a job started with ``tag``, or None where none was."""

    def look(self, job_id: str) -> JobState: ...

    def results(self, state: JobState) -> Iterator[BatchLine]:
        """Every line of an ended job's output and error files."""

    def replay(self, completion: Any) -> Asker:
        """An asker whose one answer is ``completion``: the direct path's validation, run on a batch answer."""

    def usage(self, completion: Any) -> Usage:
        """The completion's tokens and their cost at the batch price."""


class BatchCalls:
    """The requests of one :meth:`AnnotationJob.run` that the store cannot answer, sent and collected as batch
    jobs; ``outcomes`` and ``summary`` are filled in as :class:`~nerdistill.core.annotation.runner._Calls`
    fills them."""

    def __init__(self, job: "AnnotationJob", client: BatchClient, planned: list[tuple[Sentence, Request, str]],
                 pending: list[int], outcomes: dict[int, Outcome], summary: "AnnotationSummary", *,
                 retry_failed_before: float | None):
        self.job, self.client, self.planned, self.outcomes, self.summary = job, client, planned, outcomes, summary
        self.retry_failed_before = retry_failed_before
        self.positions: dict[str, list[int]] = {}  # request key -> the input positions asking it
        for position in pending:
            self.positions.setdefault(planned[position][2], []).append(position)
        self.bar = progress_bar(len(pending), "batch", "sentence", job.progress)

    def run(self) -> None:
        try:
            jobs = self.job.store.open_batches(list(self.positions))  # a stopped run's, or another process's
            held = {key for _, keys in jobs.values() for key in keys}
            jobs.update(self._submit([key for key in self.positions if key not in held]))
            self._wait(jobs)
        finally:
            if self.bar is not None:
                self.bar.close()

    def _submit(self, keys: list[str]) -> dict[str, tuple[str, set[str]]]:
        """Send ``keys`` in jobs of at most ``max_requests``; tag -> (job id, keys). Those the store answered
        meanwhile (another process) are settled from it."""
        store, sent = self.job.store, {}
        for start in range(0, len(keys), self.client.max_requests):
            tag = f"nerdistill-{uuid.uuid4().hex}"
            chunk = keys[start:start + self.client.max_requests]
            recorded = store.begin_batch(tag, chunk, retry_failed_before=self.retry_failed_before)
            self._settle_stored(set(chunk) - set(recorded))
            if recorded:
                lines = [self.client.line(key, self.planned[self.positions[key][0]][1]) for key in recorded]
                job_id = self.client.submit(lines, tag)  # a failure leaves the job recorded: the next run looks
                store.batch_sent(tag, job_id)
                log.info("batch job %s sent: %d requests", job_id, len(recorded))
                sent[tag] = (job_id, set(recorded))
        return sent

    def _wait(self, jobs: dict[str, tuple[str | None, set[str]]]) -> None:
        """Look at each job every ``poll_seconds`` until it ends, and collect it then."""
        while jobs:
            for tag, (job_id, keys) in list(jobs.items()):
                if job_id is None:  # sent by a process that stopped before it recorded the id
                    job_id = self._recover(tag)
                    if job_id is None:  # never started: sent now
                        del jobs[tag]
                        jobs.update(self._submit(sorted(keys & set(self.positions))))
                        continue
                    jobs[tag] = (job_id, keys)
                state = self.client.look(job_id)
                if state.ended:
                    self._collect(tag, job_id, keys, state)
                    del jobs[tag]
                else:
                    log.info("batch job %s: %s, %d of %d answered", job_id, state.status, state.done, state.total)
                    if self.bar is not None:
                        self.bar.set_postfix(job=job_id, status=state.status, answered=f"{state.done}/{state.total}")
            if jobs:
                time.sleep(self.client.poll_seconds)

    def _recover(self, tag: str) -> str | None:
        """The id of the job ``tag``, looked up by the tag in its metadata; where no job has it, the job never
        started, and its record ends."""
        job_id = self.client.find(tag)
        if job_id is None:
            self.job.store.end_batch(tag)
        else:
            self.job.store.batch_sent(tag, job_id)
        return job_id

    def _collect(self, tag: str, job_id: str, keys: set[str], state: JobState) -> None:
        """Store and settle every answer of an ended job; this run's requests it did not answer are transport
        failures, asked again by the next run. The job's record then ends."""
        if state.status != "completed":
            log.warning("batch job %s %s%s", job_id, state.status, f": {state.errors}" if state.errors else "")
        for line in self.client.results(state):
            if line.key not in self.positions or self._settled(line.key):
                continue  # another run's request in a shared job: that run collects it, or asks it again
            sentence, request, _ = self.planned[self.positions[line.key][0]]
            if line.error is not None:
                self._settle(line.key, _transport(f"{line.error} (batch job {job_id})"))
                continue
            outcome = keep_known_types(self._outcome(sentence, request, line.completion), self.job.strategy.label_set)
            self.job.store.put(line.key, sentence_id=sentence.id, provider=self.job.provider.name,
                               model=self.job.provider.model, strategy=self.job.strategy.name, outcome=outcome)
            self._settle(line.key, outcome)
        for key in keys & set(self.positions):
            if not self._settled(key):
                self._settle(key, _transport(f"batch job {job_id} {state.status} without answering it"))
        self.job.store.end_batch(tag)

    def _outcome(self, sentence: Sentence, request: Request, completion: Any) -> Outcome:
        """A batch answer read as a direct call's answer is: instructor validates the completion (one attempt:
        a batch has no re-ask), then alignment; its tokens priced at the batch rate."""
        outcome = annotate_sentence(sentence, self.job.strategy, self.client.replay(completion), request)
        return outcome.model_copy(update={"usage": self.client.usage(completion)})

    def _settle_stored(self, keys: set[str]) -> None:
        stored = self.job.store.get_many(sorted(keys))
        for key in keys:
            sentence = self.planned[self.positions[key][0]][0]
            self._settle(key, apply_alignment(stored[key], sentence, self.job.strategy.options), cached=True)

    def _settled(self, key: str) -> bool:
        return self.positions[key][0] in self.outcomes

    def _settle(self, key: str, outcome: Outcome, *, cached: bool = False) -> None:
        for number, position in enumerate(self.positions[key]):
            self.outcomes[position] = outcome
            self.summary.add(self.planned[position][0], outcome, cached=cached or number > 0)
            if self.bar is not None:
                self.bar.set_postfix(failed=self.summary.failed)
                self.bar.update(1)


def _transport(reason: str) -> Outcome:
    """A request a job did not answer: failed on the way, not stored, so the next run asks it again."""
    return Outcome(status="failed", error=f"transport: {reason}", attempts=1)
