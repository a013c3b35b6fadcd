"""The annotation store: every LLM answer, kept as it arrives, keyed by what determined it.

SQLite in WAL mode, one row per answer, committed before the next is asked for: a run killed at any
moment (even ``kill -9``) loses at most the calls in flight, and a re-run finds everything else. The key
is a hash of the provider's identity (model and options, never the API key), the strategy's name and
version, the exact messages, the answer's schema and the validation settings; anything that could
change an answer changes the key, and nothing else does.

Processes sharing a store (the same run started twice, runs with sentences in common) claim a request
in the ``claims`` table before asking it, so each is asked once: the others take its answer when it is
stored. A claim dies with its process, and after ``CLAIM_TIMEOUT_SECONDS`` in any case.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from nerdistill.core.annotation.outcome import Outcome, Request
from nerdistill.core.errors import NerdistillError

SCHEMA = """
create table if not exists answers (
    key text primary key,
    sentence_id text not null,
    provider text not null,
    model text not null,
    strategy text not null,
    status text not null,
    outcome text not null,
    created real not null
);
create table if not exists claims (
    key text primary key,
    owner text not null,
    since real not null
);
"""
# batch jobs (core/annotation/batch.py): made only when a run first sends one, so that an old store opened by a
# direct run is left as it was. A job is recorded, with its requests, before it is sent: a process stopped at
# any moment finds it again (by its tag, in the job's metadata, where it stopped before learning the id).
BATCH_SCHEMA = """
create table if not exists batches (
    tag text primary key,
    job_id text,
    submitted real not null,
    ended real
);
create table if not exists batch_requests (
    tag text not null,
    key text not null,
    primary key (tag, key)
);
"""
# a claim counts as abandoned after this long (sooner on this machine, when its process has ended)
CLAIM_TIMEOUT_SECONDS = 900


def _owner() -> str:
    """This process, as a claim names it; read at each claim, so a forked child is not taken for its parent."""
    return f"{socket.gethostname()}:{os.getpid()}"


def request_key(provider_identity: dict[str, Any], strategy: str, version: str, request: Request) -> str:
    context = {k: v for k, v in request.context.items() if k != "tokens"}  # tokens are in the messages
    material = {
        "provider": provider_identity, "strategy": strategy, "version": version, "messages": request.messages,
        "schema": _schema(request.response_model), "context": context,
        "max_retries": request.max_retries,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@functools.lru_cache(maxsize=64)
def _schema(response_model: type) -> dict[str, Any]:
    """A response model's JSON schema, built once: pydantic builds it anew at each call (about 4 ms), and a
    run keys every one of its thousands of requests with it."""
    return response_model.model_json_schema()


class AnnotationStore:
    """A SQLite file of answers; safe to use from one thread at a time per instance."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        """``read_only``: for commands that only look (``nerdistill store``): the file must exist and be a
        store, and nothing is written to it, not even the tables or WAL mode an empty file would get."""
        self.path = Path(path)
        try:
            if read_only:
                self.connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                                  check_same_thread=False)
                self.connection.execute("select 1 from answers limit 1")
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.connection = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
                self._set_up(deadline=time.monotonic() + 60)
        except sqlite3.DatabaseError as error:
            raise NerdistillError(f"not a usable annotation store ({error})", path=self.path) from None
        self.connection.create_function("claim_alive", 2, _claim_alive, deterministic=False)
        self.lock = threading.Lock()

    def _set_up(self, *, deadline: float) -> None:
        """WAL mode and the tables. Switching to WAL needs the file to itself and fails at once, without
        waiting, while another process opens it too (the same run started twice): so try again a while."""
        while True:
            try:
                self.connection.execute("pragma journal_mode=wal")
                self.connection.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction that takes the write lock at its start. In WAL mode a transaction that has
        read before another process wrote cannot write any more, and fails at once rather than waiting."""
        with self.lock:
            try:  # the begin and the commit inside: a Ctrl-C may land anywhere, and must not leave it open
                self.connection.execute("begin immediate")
                yield
                self.connection.commit()
            except BaseException:
                if self.connection.in_transaction:
                    self.connection.rollback()
                raise

    def claim(self, key: str, *, retry_failed_before: float | None = None) -> str:
        """Take the request ``key`` for this process, so that processes sharing the store do not ask the same
        thing twice: ``"answered"`` (the store has the answer), ``"mine"`` (ask it, then :meth:`put`) or
        ``"taken"`` (a live process is asking it; look again later). A claim whose process is gone is taken
        over. One SQL statement, so two processes cannot both get ``"mine"``.

        ``retry_failed_before`` (a ``time.time()``): a failed answer stored before then is asked again, one
        stored since (by another process re-asking it in the same round) is the answer."""
        owner = _owner()
        answered, parameters = _answered(retry_failed_before)
        with self._writing():
            self.connection.execute(
                "insert into claims select ?, ?, ? where not exists "
                f"(select 1 from answers where key = ? and {answered}) "
                "on conflict(key) do update set owner = excluded.owner, since = excluded.since "
                "where claims.owner = excluded.owner or not claim_alive(claims.owner, claims.since)",
                (key, owner, time.time(), key, *parameters))
            holder = self.connection.execute("select owner from claims where key = ?", (key,)).fetchone()
            if holder is not None and holder[0] == owner:
                return "mine"
            stored = self.connection.execute(f"select 1 from answers where key = ? and {answered}", (key, *parameters))
            return "answered" if stored.fetchone() else "taken"

    def release(self, *keys: str) -> None:
        """Give up this process's claims on ``keys`` without an answer (a call that failed on the way, a stop);
        keys it holds no claim on are left alone."""
        with self._writing():
            self.connection.executemany("delete from claims where key = ? and owner = ?",
                                        [(key, _owner()) for key in keys])

    def open_batches(self, keys: list[str]) -> dict[str, tuple[str | None, set[str]]]:
        """The batch jobs not yet ended that hold any of ``keys``: tag -> (the provider's job id, None where the
        process that sent it stopped before recording it; every key of the job, others' too)."""
        self._batch_tables()
        with self.lock:
            rows = self.connection.execute(
                "select b.tag, b.job_id, r.key from batches b join batch_requests r on r.tag = b.tag "
                "where b.ended is null").fetchall()
        jobs: dict[str, tuple[str | None, set[str]]] = {}
        for tag, job_id, key in rows:
            jobs.setdefault(tag, (job_id, set()))[1].add(key)
        wanted = set(keys)
        return {tag: job for tag, job in jobs.items() if job[1] & wanted}

    def begin_batch(self, tag: str, keys: list[str], *, retry_failed_before: float | None = None) -> list[str]:
        """Record a batch job ``tag`` of those ``keys`` that no answer in the store and no open job holds, before
        it is sent; the keys recorded (none: nothing is recorded). One transaction, so processes sharing the
        store never send a request twice. ``retry_failed_before``: as :meth:`claim`'s."""
        self._batch_tables()
        answered, parameters = _answered(retry_failed_before)
        with self._writing():
            free = [key for key in keys if self.connection.execute(
                f"select 1 from answers where key = ? and {answered} union all select 1 from batch_requests r "
                "join batches b on b.tag = r.tag where r.key = ? and b.ended is null",
                (key, *parameters, key)).fetchone() is None]
            if free:
                self.connection.execute("insert into batches values (?, null, ?, null)", (tag, time.time()))
                self.connection.executemany("insert into batch_requests values (?, ?)", [(tag, key) for key in free])
        return free

    def batch_sent(self, tag: str, job_id: str) -> None:
        """The provider's id of the job ``tag``, recorded the moment it is known."""
        with self._writing():
            self.connection.execute("update batches set job_id = ? where tag = ?", (job_id, tag))

    def end_batch(self, tag: str) -> None:
        """The job ``tag`` is over (its answers collected, or it was never sent): its requests are free again."""
        with self._writing():
            self.connection.execute("update batches set ended = ? where tag = ?", (time.time(), tag))

    def _batch_tables(self) -> None:
        with self.lock:
            self.connection.executescript(BATCH_SCHEMA)

    def get_many(self, keys: list[str]) -> dict[str, Outcome]:
        found: dict[str, Outcome] = {}
        with self.lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                rows = self.connection.execute(
                    f"select key, outcome from answers where key in ({','.join('?' * len(chunk))})", chunk)
                found.update((key, Outcome.model_validate_json(outcome)) for key, outcome in rows)
        return found

    def put(self, key: str, *, sentence_id: str, provider: str, model: str, strategy: str, outcome: Outcome) -> None:
        with self._writing():
            self.connection.execute(
                "insert or replace into answers values (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, sentence_id, provider, model, strategy, outcome.status,
                 outcome.model_dump_json(exclude=set() if outcome.provider_spans else {"spans"}), time.time()))
            self.connection.execute("delete from claims where key = ?", (key,))

    def count(self) -> int:
        with self.lock:
            return self.connection.execute("select count(*) from answers").fetchone()[0]

    def statistics(self, *, pause_seconds: float = 300, sentence_ids: set[str] | None = None) -> list[dict[str, Any]]:
        """Per provider, model and strategy: answers, valid and failed, tokens, cost, and the wall time the
        answers took, as the sum of the gaps between consecutive answers less gaps over ``pause_seconds``
        (the store keeps no start times, and a run resumed next day should not count the night).
        ``sentence_ids``: only the answers to these sentences (a repeated sentence's answer is recorded
        under the id of the first that asked it)."""
        with self.lock:
            rows = self.connection.execute(
                "select provider, model, strategy, status, created, json_extract(outcome, '$.usage'), sentence_id"
                " from answers order by provider, model, strategy, created").fetchall()
        if sentence_ids is not None:
            rows = [row for row in rows if row[6] in sentence_ids]
        summaries = []
        for (provider, model, strategy), group in groupby(rows, key=lambda row: row[:3]):
            group = list(group)
            usage = [json.loads(row[5] or "{}") for row in group]
            gaps = [b[4] - a[4] for a, b in zip(group, group[1:]) if b[4] - a[4] <= pause_seconds]
            summaries.append({
                "provider": provider, "model": model, "strategy": strategy, "answers": len(group),
                "ok": sum(row[3] == "ok" for row in group), "failed": sum(row[3] == "failed" for row in group),
                "prompt_tokens": sum(u.get("prompt_tokens", 0) for u in usage),
                "completion_tokens": sum(u.get("completion_tokens", 0) for u in usage),
                "cost": sum(u.get("cost", 0.0) for u in usage),
                "wall_seconds": round(sum(gaps), 1),
                "median_seconds": round(statistics.median(gaps), 2) if gaps else None,
                "first": group[0][4], "last": group[-1][4]})
        return summaries

    def seconds_per_answer(self, keys: set[str], *, pause_seconds: float = 300) -> float | None:
        """The mean wall time the answers to ``keys`` took: each answer's gap to the answer stored just before it,
        whatever its request (gaps over ``pause_seconds`` left out). Processes asking side by side share the
        gaps, so this is the machine's time per answer; and requests asked amid others' (one prompt's share of
        a larger run) get their own time, not the run's."""
        with self.lock:
            rows = self.connection.execute("select key, created from answers order by created").fetchall()
        gaps = [now - before for (_, before), (key, now) in zip(rows, rows[1:])
                if key in keys and now - before <= pause_seconds]
        return round(statistics.fmean(gaps), 2) if gaps else None

    def close(self) -> None:
        self.connection.close()


def _answered(retry_failed_before: float | None) -> tuple[str, tuple]:
    """The SQL condition (and its parameters) under which a stored answer counts as the answer: any, or where
    failed answers stored before ``retry_failed_before`` are to be asked again, a valid one or a newer one."""
    if retry_failed_before is None:
        return "1", ()
    return "(status = 'ok' or created >= ?)", (retry_failed_before,)


def _claim_alive(owner: str, since: float) -> bool:
    """Whether the process that claimed a request may still answer it: the claim is recent and, on this
    machine, its process runs. The age bound also covers a store copied to another machine with a claim in
    it, whose process number may belong to something else there."""
    if time.time() - since >= CLAIM_TIMEOUT_SECONDS:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
