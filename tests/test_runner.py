"""The annotation runner against a fake OpenAI-compatible server on loopback."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins.registry import registry
from nerdistill.core.annotation.runner import AnnotationJob, RetryPolicy, checked_rescue
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.annotation.store import AnnotationStore
from nerdistill.prompts.strategy import StrategyOptions
from tests.fake_openai import Behaviour, FakeOpenAIServer

FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)
SENTENCES = [Sentence(id=f"s{i}", tokens=("Alice", "met", f"Bob{i}", "in", "Paris", ".")) for i in range(8)]


def job(server, store_path, *, timeout=5.0, concurrency=4, retry=FAST_RETRY, **strategy_options):
    provider = registry("providers").get("litellm")(
        "litellm", {"model": "openai/fake", "api_base": server.url, "timeout": timeout})
    strategy = registry("prompt strategies").get("standard")(
        "standard", options=StrategyOptions(k=1, **strategy_options))
    return AnnotationJob(provider, strategy, AnnotationStore(store_path), concurrency=concurrency, retry=retry,
                         progress=False)


def test_answers_are_aligned_and_a_rerun_makes_no_call(tmp_path):
    with FakeOpenAIServer() as server:
        results, summary = job(server, tmp_path / "s.sqlite").run(SENTENCES)
        assert summary.called == 8 and summary.ok == 8 and summary.cached == 0
        assert [(s.text, s.label) for s in results[3][1].spans] == [("Alice", "MISC"), ("Bob3", "MISC"),
                                                                    ("Paris", "MISC")]
        assert summary.usage.prompt_tokens == 800 and summary.usage.completion_tokens == 80
        again, second = job(server, tmp_path / "s.sqlite").run(SENTENCES)
        assert (second.called, second.cached) == (0, 8) and sum(server.calls.values()) == 8
        assert [o.spans for _, o in again] == [o.spans for _, o in results]


def test_a_changed_prompt_is_a_new_request_but_a_changed_alignment_is_not(tmp_path):
    with FakeOpenAIServer() as server:
        job(server, tmp_path / "s.sqlite").run(SENTENCES[:2])
        assert job(server, tmp_path / "s.sqlite", alignment="all").run(SENTENCES[:2])[1].called == 0
        assert job(server, tmp_path / "s.sqlite", user_template="Text: {sentence}").run(SENTENCES[:2])[1].called == 2


def test_rate_limits_server_errors_timeouts_and_malformed_replies_are_retried(tmp_path):
    behaviour = Behaviour(rate_limited=1, server_errors=1, slow=1, slow_seconds=1.5, malformed=1)
    with FakeOpenAIServer(behaviour) as server:
        results, summary = job(server, tmp_path / "s.sqlite", timeout=0.5).run(SENTENCES[:3])
    assert summary.ok == 3 and summary.failed == 0
    assert all(count == 5 for count in server.calls.values()), server.calls  # 4 failures, then the answer


def test_a_sentence_that_keeps_failing_is_recorded_and_retried_on_the_next_run(tmp_path):
    with FakeOpenAIServer(Behaviour(server_errors=2)) as server:
        results, summary = job(server, tmp_path / "s.sqlite", retry=RetryPolicy(2, 0.01, 0.02)).run(SENTENCES[:2])
        assert summary.failed == 2 and summary.ok == 0
        assert summary.failures[0]["error"].startswith("transport: InternalServerError")
        _, second = job(server, tmp_path / "s.sqlite").run(SENTENCES[:2])
        assert second.ok == 2 and second.called == 2


def test_invalid_answers_are_stored_as_failed_and_asked_again_only_on_request(tmp_path):
    with FakeOpenAIServer(Behaviour(invalid_answer=2)) as server:
        _, summary = job(server, tmp_path / "s.sqlite", max_retries=1).run(SENTENCES[:1])
        assert summary.failed == 1 and "invalid answer after 2 attempt(s)" in summary.failures[0]["error"]
        assert summary.failures[0]["raw"] == "I cannot help with that."
        assert job(server, tmp_path / "s.sqlite", max_retries=1).run(SENTENCES[:1])[1].called == 0
        retrying = job(server, tmp_path / "s.sqlite", max_retries=1)
        retrying.retry_failed = True
        assert retrying.run(SENTENCES[:1])[1].ok == 1


def test_a_rescue_asks_again_with_other_options_only_for_invalid_answers(tmp_path):
    with FakeOpenAIServer(Behaviour(loops_when_greedy="Bob0")) as server:
        def rescuing():
            rescuing_job = job(server, tmp_path / "s.sqlite", max_retries=1)
            rescuing_job.rescue = registry("providers").get("litellm")(
                "litellm", {**rescuing_job.provider.options.model_dump(), "temperature": 0.5})
            return rescuing_job

        results, summary = rescuing().run(SENTENCES[:3])
        assert (summary.ok, summary.failed, summary.failures) == (3, 0, [])
        assert summary.rescue == {"asked": 1, "rescued": 1, "called": 1, "cached": 0}
        assert server.calls[SENTENCES[0].text] == 3 and server.calls[SENTENCES[1].text] == 1  # 2 greedy, 1 rescue
        assert results[0][1].rescued_with == {"temperature": 0.5} and results[1][1].rescued_with is None
        assert results[0][1].labelled(SENTENCES[0]).meta["annotation"]["rescued_with"] == {"temperature": 0.5}
        assert [s.text for s in results[0][1].spans] == ["Alice", "Bob0", "Paris"]
        again, second = rescuing().run(SENTENCES[:3])
        assert (second.called, second.cached, second.rescue) == (0, 3, {"asked": 1, "rescued": 1, "called": 0,
                                                                         "cached": 1})
        assert [o.spans for _, o in again] == [o.spans for _, o in results]
        _, without = job(server, tmp_path / "s.sqlite", max_retries=1).run(SENTENCES[:3])
        assert (without.ok, without.failed, without.rescue) == (2, 1, None)


def test_a_rescue_must_change_an_option(tmp_path):
    provider = registry("providers").get("litellm")("litellm", {"model": "openai/fake"})
    same = registry("providers").get("litellm")("litellm", {"model": "openai/fake", "temperature": 0.0})
    with pytest.raises(NerdistillError, match="--rescue-option: the rescue has the provider's options"):
        checked_rescue(provider, same, "--rescue-option")


def test_cost_is_litellm_price_times_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-unused")  # litellm's mock_response answers; the key is only checked
    provider = registry("providers").get("litellm")("litellm", {"extra": {"mock_response": '{"PER": ["Alice"]}'}})
    strategy = registry("prompt strategies").get("standard")("standard", options=StrategyOptions(k=0))
    job = AnnotationJob(provider, strategy, AnnotationStore(tmp_path / "s.sqlite"), progress=False)
    _, summary = job.run(SENTENCES[:2])
    usage = summary.usage
    assert usage.prompt_tokens > 0
    assert usage.cost == pytest.approx(usage.prompt_tokens * 10e-6 + usage.completion_tokens * 30e-6)


def test_the_api_key_is_never_stored_or_shown(tmp_path, monkeypatch):
    secret = "sk-very-secret-key-0123456789"
    monkeypatch.setenv("FAKE_API_KEY", secret)

    class Rejecting(FakeOpenAIServer):
        def respond(self, handler, body):
            self._send(handler, 401, {"error": {"message": f"Incorrect API key provided: {secret}",
                                                "type": "invalid_request_error"}})

    with FakeOpenAIServer() as server:
        provider = registry("providers").get("litellm")(
            "litellm", {"model": "openai/fake", "api_base": server.url, "api_key_env": "FAKE_API_KEY"})
        strategy = registry("prompt strategies").get("standard")("standard", options=StrategyOptions(k=0))
        AnnotationJob(provider, strategy, AnnotationStore(tmp_path / "s.sqlite"), progress=False).run(SENTENCES[:2])
    with Rejecting() as server:
        provider = registry("providers").get("litellm")(
            "litellm", {"model": "openai/fake", "api_base": server.url, "api_key_env": "FAKE_API_KEY"})
        job = AnnotationJob(provider, strategy, AnnotationStore(tmp_path / "s.sqlite"), progress=False)
        with pytest.raises(NerdistillError) as error:
            job.run(SENTENCES[2:3])
    assert secret not in str(error.value) and "***" in str(error.value)
    assert secret.encode() not in (tmp_path / "s.sqlite").read_bytes()
    assert secret not in json.dumps(provider.identity())


def test_a_server_on_api_base_gets_the_environments_key_and_a_refusal_names_the_variable(tmp_path, monkeypatch):
    """vLLM or llama.cpp's server started with --api-key: the key in OPENAI_API_KEY is sent, not a placeholder;
    a wrong one is an authentication error naming where the key comes from, not a 'bad request'."""
    strategy = registry("prompt strategies").get("standard")("standard", options=StrategyOptions(k=0))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-servers-own-key")
    with FakeOpenAIServer(Behaviour(required_key="sk-the-servers-own-key")) as server:
        provider = registry("providers").get("litellm")("litellm", {"model": "openai/fake", "api_base": server.url})
        _, summary = AnnotationJob(provider, strategy, AnnotationStore(tmp_path / "a.sqlite"), progress=False).run(
            SENTENCES[:1])
        assert summary.called == 1 and server.keys_seen == ["Bearer sk-the-servers-own-key"]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-wrong-key-000")
    with FakeOpenAIServer(Behaviour(required_key="sk-the-servers-own-key")) as server:
        provider = registry("providers").get("litellm")("litellm", {"model": "openai/fake", "api_base": server.url})
        job = AnnotationJob(provider, strategy, AnnotationStore(tmp_path / "b.sqlite"), progress=False)
        with pytest.raises(NerdistillError, match=r"rejected the credentials \(HTTP 401\).*the key comes from "
                           r"OPENAI_API_KEY, set here") as error:
            job.run(SENTENCES[:1])
    assert "sk-a-wrong-key-000" not in str(error.value) and "BadRequest" not in str(error.value)
    monkeypatch.delenv("OPENAI_API_KEY")
    with FakeOpenAIServer() as server:  # a server that wants no key still gets one, as the OpenAI client insists
        provider = registry("providers").get("litellm")("litellm", {"model": "openai/fake", "api_base": server.url})
        AnnotationJob(provider, strategy, AnnotationStore(tmp_path / "c.sqlite"), progress=False).run(SENTENCES[:1])
        assert server.keys_seen == ["Bearer no-key-needed"]


def annotate_command(tmp_path, server) -> list[str]:
    """`nerdistill annotate` of 40 one-name sentences through ``server``, two calls at a time."""
    sentences = tmp_path / "in.jsonl"
    sentences.write_text("".join(json.dumps({"id": f"k{i}", "tokens": ["Name", f"W{i}", "."]}) + "\n"
                                 for i in range(40)))
    return [sys.executable, "-m", "nerdistill", "annotate", str(sentences), "-o", str(tmp_path / "out.jsonl"),
            "--store", str(tmp_path / "store.sqlite"), "-O", f"api_base={server.url}", "--model", "openai/fake",
            "-k", "0", "--concurrency", "2"]


def started_and_stopped(command, under_way, stop: signal.Signals) -> subprocess.Popen:
    """Start ``command``, and send it ``stop`` as soon as ``under_way()`` says it is well under way."""
    env = dict(os.environ, NERDISTILL_LOAD_PLUGINS="")
    # as a run in the foreground of a terminal: a background job (CI's, say) inherits SIGINT ignored
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None and not under_way():
        time.sleep(0.05)
    assert process.poll() is None, f"the run ended before it was stopped: {process.communicate()}"
    process.send_signal(stop)
    process.wait(timeout=60)
    return process


def test_killed_run_resumes_with_nothing_lost_and_nothing_asked_twice(tmp_path):
    store, output = tmp_path / "store.sqlite", tmp_path / "out.jsonl"
    with FakeOpenAIServer(Behaviour(latency=0.15)) as server:
        command = annotate_command(tmp_path, server)
        env = dict(os.environ, NERDISTILL_LOAD_PLUGINS="")
        started_and_stopped(command, lambda: _stored(store) >= 8, signal.SIGKILL)
        first_run = _stored_ids(store)
        assert 8 <= len(first_run) < 40 and not output.exists()
        calls_before = dict(server.calls)
        finished = subprocess.run(command, env=env, capture_output=True, text=True)
        assert finished.returncode == 0, finished.stderr
    written = [json.loads(line)["id"] for line in output.read_text().splitlines()]
    assert written == [f"k{i}" for i in range(40)]
    for sentence_id in first_run:  # answered before the kill: never asked again
        tokens = f"Name W{sentence_id[1:]} ."
        assert server.calls[tokens] == calls_before[tokens] == 1
    assert sum(server.calls.values()) <= 40 + 2  # at most the calls in flight at the kill were repeated


def test_a_stopped_run_stores_the_answers_under_way_and_leaves_no_claim(tmp_path):
    """Ctrl-C and SIGTERM wait for the calls already sent (a thread cannot be stopped): their answers are kept,
    not paid for again, and the store holds no claim of the stopped process."""
    store = tmp_path / "store.sqlite"
    for stop in (signal.SIGINT, signal.SIGTERM):
        before = _stored(store)
        with FakeOpenAIServer(Behaviour(latency=1.0)) as server:  # 20 s in all: stopped well before the end
            process = started_and_stopped(annotate_command(tmp_path, server),
                                          lambda: sum(server.calls.values()) >= 4, stop)
        assert process.returncode == 128 + stop, process.stderr.read()
        assert _stored(store) < 40 and sum(server.calls.values()) == _stored(store) - before
        with sqlite3.connect(store) as connection:
            assert connection.execute("select count(*) from claims").fetchone()[0] == 0


def _stored(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as connection:
            return connection.execute("select count(*) from answers").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _stored_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("select sentence_id from answers")}
