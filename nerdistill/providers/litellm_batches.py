"""The litellm provider's batch jobs: OpenAI's files and batches API (and the APIs litellm maps onto it).

A request goes into the input file exactly as a direct call would send it: instructor prepares it (the
schema in the messages or the response format, as its mode does) and hands it to a function that keeps it
instead of calling out. An answer comes back through instructor too, from a function that returns the
job's completion, so a batch answer passes the very validation a direct one does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, Callable

from nerdistill.core.annotation.batch import BatchLine, JobState
from nerdistill.core.annotation.llm import InstructorMode, import_litellm
from nerdistill.core.annotation.outcome import Request, Usage, classify_call_error, TransportError
from nerdistill.core.errors import NerdistillError

log = logging.getLogger(__name__)

ENDPOINT = "/v1/chat/completions"
TAG_KEY = "nerdistill_tag"  # the job's metadata key holding nerdistill's name for it
# options of litellm.completion that address the API rather than go into a request's body
CONNECTION = ("api_key", "api_base", "timeout", "num_retries")


class _Captured(Exception):
    def __init__(self, body: dict[str, Any]):
        self.body = body


def _keep(**body: Any) -> Any:
    raise _Captured(body)


class LiteLLMBatches:
    """A :class:`~nerdistill.core.annotation.batch.BatchClient` over litellm's files and batches functions."""

    def __init__(self, options: dict[str, Any], mode: InstructorMode, *, poll_seconds: float, max_requests: int,
                 price: Callable[[int, int], float | None]):
        litellm = import_litellm()
        self.model, self.api, _, _ = litellm.get_llm_provider(options["model"])
        self.body_options = {k: v for k, v in options.items() if k not in CONNECTION and k != "model"}
        self.connection = {k: options[k] for k in ("api_key", "api_base", "timeout") if k in options}
        self.mode, self.poll_seconds, self.max_requests, self.price = mode, poll_seconds, max_requests, price

    def _instructor(self, completion: Callable[..., Any]):
        import instructor

        return instructor.from_litellm(completion, mode=instructor.Mode[self.mode.upper()])

    def line(self, key: str, request: Request) -> dict[str, Any]:
        try:
            self._instructor(_keep).chat.completions.create(
                messages=request.messages, response_model=request.response_model, context=request.context,
                max_retries=1, model=self.model, **self.body_options)
        except Exception as error:  # instructor wraps what its completion function raised
            captured = error
            while captured is not None and not isinstance(captured, _Captured):
                captured = captured.__cause__ or captured.__context__
            if captured is None:
                raise
            return {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": captured.body}
        raise AssertionError("instructor sent nothing")

    def replay(self, completion: Any):
        client = self._instructor(lambda **_: completion)

        def ask(*, messages, response_model, context, max_retries):
            return client.chat.completions.create_with_completion(
                messages=messages, response_model=response_model, context=context, max_retries=1, model=self.model)
        return ask

    def usage(self, completion: Any) -> Usage:
        usage = getattr(completion, "usage", None)
        prompt, made = int(getattr(usage, "prompt_tokens", 0) or 0), int(getattr(usage, "completion_tokens", 0) or 0)
        return Usage(prompt_tokens=prompt, completion_tokens=made, cost=self.price(prompt, made) or 0.0)

    def submit(self, lines: list[dict[str, Any]], tag: str) -> str:
        data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
        litellm = import_litellm()
        uploaded = self._call(litellm.create_file, file=(f"{tag}.jsonl", data), purpose="batch")
        job = self._call(litellm.create_batch, completion_window="24h", endpoint=ENDPOINT,
                         input_file_id=uploaded.id, metadata={TAG_KEY: tag})
        return job.id

    def find(self, tag: str) -> str | None:
        listed = self._call(import_litellm().list_batches, limit=100)
        return next((job.id for job in listed.data if (job.metadata or {}).get(TAG_KEY) == tag), None)

    def look(self, job_id: str) -> JobState:
        try:
            job = self._call(import_litellm().retrieve_batch, batch_id=job_id)
        except TransportError as error:  # the job goes on: look again next time
            log.warning("batch job %s: could not look at it (%s)", job_id, error)
            return JobState(status="unknown")
        counts = job.request_counts
        errors = "; ".join(e.message or e.code or "" for e in (job.errors.data or [])) if job.errors else ""
        return JobState(status=job.status, done=(counts.completed + counts.failed) if counts else 0,
                        total=counts.total if counts else 0, output_file=job.output_file_id,
                        error_file=job.error_file_id, errors=errors)

    def results(self, state: JobState) -> Iterator[BatchLine]:
        litellm = import_litellm()
        for file_id in (state.output_file, state.error_file):
            if file_id is None:
                continue
            content = self._call(litellm.file_content, file_id=file_id).content
            for text in content.decode().splitlines():
                try:
                    record = json.loads(text) if text.strip() else None
                except json.JSONDecodeError:  # its request goes unanswered, and is asked again by the next run
                    log.warning("batch file %s: a line that is not JSON: %.80s", file_id, text)
                    continue
                if record is not None:
                    yield _line(record, litellm)

    def _call(self, function: Callable[..., Any], **arguments: Any) -> Any:
        """A litellm files or batches function on this provider's API; its failures as the runner's."""
        try:
            return function(custom_llm_provider=self.api, **self.connection, **arguments)
        except Exception as error:
            raised = classify_call_error(error)
            if isinstance(raised, TransportError):
                raise raised from error
            raise NerdistillError(f"batch API ({function.__name__}): {raised}") from error


def _line(record: dict[str, Any], litellm: Any) -> BatchLine:
    """One line of a job's output or error file (OpenAI's format)."""
    key, response, error = record.get("custom_id", ""), record.get("response") or {}, record.get("error")
    if error:
        return BatchLine(key, error=f"{error.get('code') or 'error'}: {error.get('message') or ''}".strip())
    status, body = response.get("status_code"), response.get("body") or {}
    if status != 200:
        message = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
        return BatchLine(key, error=f"HTTP {status}: {message or 'no message'}")
    return BatchLine(key, completion=litellm.ModelResponse(**body))
