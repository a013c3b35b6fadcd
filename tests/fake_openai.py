"""A fake OpenAI-compatible chat server on loopback, for tests and benchmarks.

It answers ``POST /v1/chat/completions`` with a deterministic annotation of the last sentence it was
sent (every capitalised token is a MISC entity), after a fixed latency, and can misbehave on purpose:
rate limits (429 with Retry-After), server errors (500), replies slower than the client's timeout,
and malformed bodies, each for the first N calls about a sentence, and invalid answers to greedy decoding.
It counts calls per sentence. It also runs batch jobs through OpenAI's files and batches endpoints
(tests/fake_batches.py), with their own ways to misbehave.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fake_batches import FakeBatches

SENTENCE = re.compile(r'Sentence: """(.*)"""', re.S)


@dataclass
class Behaviour:
    latency: float = 0.0
    rate_limited: int = 0  # the first N calls about each sentence get 429
    server_errors: int = 0  # then N get 500
    slow: int = 0  # then N sleep `slow_seconds` before answering
    slow_seconds: float = 5.0
    malformed: int = 0  # then N get a body that is not JSON
    invalid_answer: int = 0  # then N answer with text that is not the JSON asked for
    loops_when_greedy: str | None = None  # a sentence with this string is answered invalidly at temperature 0,
    # as a small model looping under greedy decoding
    unsure_of: str | None = None  # asked for logprobs: this word gets probability 0.2, every other token 0.99
    required_key: str | None = None  # a request without "Authorization: Bearer <this>" gets 401, as vLLM's does
    entity_type: str = "MISC"  # the type every capitalised token is given
    # batch jobs (tests/fake_batches.py)
    batch_polls: int = 1  # a job is in progress for this many looks at it, then ends
    batch_failed_line: str | None = None  # the line of a sentence with this string fails (HTTP 500 in the error file)
    batch_expires: bool = False  # the job ends "expired", with only the first half of its lines answered
    batch_partial: bool = False  # the job ends "completed", but its output file lacks its last line
    batch_fails: bool = False  # the job ends "failed" (its input file refused), answering nothing


@dataclass
class FakeOpenAIServer:
    behaviour: Behaviour = field(default_factory=Behaviour)
    calls: Counter = field(default_factory=Counter)
    keys_seen: list = field(default_factory=list)  # the Authorization header of every request
    bodies: list = field(default_factory=list)  # every chat completion request sent directly

    def __post_init__(self):
        self.lock = threading.Lock()
        self.batches = FakeBatches(self)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("content-length", 0)))
                if server.refused(self):
                    return
                if self.path.startswith("/v1/files"):
                    return server._send(self, *server.batches.upload(data, self.headers.get("content-type", "")))
                if self.path.startswith("/v1/batches"):
                    return server._send(self, *server.batches.create(json.loads(data)))
                server.respond(self, json.loads(data))

            def do_GET(self):
                if not server.refused(self):
                    server._send(self, *server.batches.get(self.path))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "FakeOpenAIServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def refused(self, handler: BaseHTTPRequestHandler) -> bool:
        """Record the request's key; answer 401 (and say so) where it is not the one required."""
        self.keys_seen.append(handler.headers.get("authorization", ""))
        required = self.behaviour.required_key
        if required is not None and handler.headers.get("authorization") != f"Bearer {required}":
            self._send(handler, 401, {"error": {"message": "Invalid API key", "type": "auth_error"}})
            return True
        return False

    def respond(self, handler: BaseHTTPRequestHandler, body: dict) -> None:
        self.bodies.append(body)
        self._send(handler, *self.reply(body))

    def reply(self, body: dict) -> tuple[int, dict | bytes, dict]:
        """The status, payload (JSON, or bytes that are not) and headers answering the chat completion ``body``:
        over HTTP, or as a line of a batch job's output."""
        sentence = sentence_of(body)
        with self.lock:
            self.calls[sentence] += 1
            n = self.calls[sentence]
        b = self.behaviour
        time.sleep(b.latency)
        if b.loops_when_greedy is not None and b.loops_when_greedy in sentence and not body.get("temperature"):
            return self._invalid_answer(sentence)
        stages = [("rate_limited", b.rate_limited), ("server_errors", b.server_errors), ("slow", b.slow),
                  ("malformed", b.malformed), ("invalid_answer", b.invalid_answer)]
        limit = 0
        for name, count in stages:
            limit += count
            if n <= limit:
                return getattr(self, f"_{name}")(sentence)
        return self._completion(json.dumps(annotate(sentence, b.entity_type)), logprobs=bool(body.get("logprobs")))

    def _rate_limited(self, sentence):
        return 429, {"error": {"message": "Rate limit reached", "type": "rate_limit"}}, {"Retry-After": "0.05"}

    def _server_errors(self, sentence):
        return 500, {"error": {"message": "internal error", "type": "server_error"}}, {}

    def _slow(self, sentence):
        time.sleep(self.behaviour.slow_seconds)
        return self._completion(json.dumps(annotate(sentence, self.behaviour.entity_type)))

    def _malformed(self, sentence):
        return 200, b"{this is not json", {}

    def _invalid_answer(self, sentence):
        return self._completion("I cannot help with that.")

    def _completion(self, content: str, *, logprobs: bool = False) -> tuple[int, dict, dict]:
        choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        if logprobs:  # OpenAI's format; the tokens are words and single other characters
            unsure = self.behaviour.unsure_of
            choice["logprobs"] = {"content": [
                {"token": token, "logprob": math.log(0.2 if token == unsure else 0.99), "bytes": list(token.encode()),
                 "top_logprobs": []} for token in re.findall(r"\w+|\W", content)]}
        return 200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": "fake",
                     "choices": [choice], "usage": {"prompt_tokens": 100, "completion_tokens": 10,
                                                    "total_tokens": 110}}, {}

    def _send(self, handler, status: int, payload: dict | bytes, headers: dict | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(data)))
            for key, value in (headers or {}).items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to answer


def sentence_of(body: dict) -> str:
    """The sentence a chat completion request is about: the last user message's (a re-ask is about the
    sentence asked before it)."""
    matches = (SENTENCE.search(m["content"]) for m in reversed(body["messages"]) if m["role"] == "user")
    match = next((m for m in matches if m), None)
    return match.group(1) if match else ""


def annotate(sentence: str, entity_type: str = "MISC") -> dict[str, list[str]]:
    return {entity_type: sorted({t for t in sentence.split() if t[:1].isupper()})}
