"""Batch mode (``-O batch=true``): requests as provider batch jobs, against a fake OpenAI files+batches server."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from nerdistill.core.annotation.store import AnnotationStore
from tests.fake_openai import Behaviour, FakeOpenAIServer


class Stopped(Exception):
    """The process stopping at a chosen point."""


def annotate(run_cli, server, fixtures, tmp_path, *extra, output="distilled.jsonl", batch=True):
    args = ["annotate", fixtures / "mini.conll", "-o", tmp_path / output, "--store", tmp_path / "store.sqlite",
            "--model", "openai/fake", "-O", f"api_base={server.url}", "-k", 0, "--offline", "--json", *extra]
    if batch:
        args += ["-O", "batch=true", "-O", "batch_poll_seconds=0.02"]
    result = run_cli(*args)
    return json.loads(result.stdout), result


def spans(path):
    return [json.loads(line)["spans"] for line in path.read_text().splitlines()]


def open_jobs(tmp_path):
    store = AnnotationStore(tmp_path / "store.sqlite")
    return store.connection.execute("select tag, job_id from batches where ended is null").fetchall()


def test_a_batch_job_asks_what_direct_calls_ask_and_gives_the_same_labels(run_cli, fixtures, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-0123456789")
    with FakeOpenAIServer(Behaviour(required_key="sk-test-secret-0123456789")) as server:
        direct, _ = annotate(run_cli, server, fixtures, tmp_path / "direct", output="direct.jsonl", batch=False)
        batched, _ = annotate(run_cli, server, fixtures, tmp_path)
        again, _ = annotate(run_cli, server, fixtures, tmp_path)
    assert len(server.batches.created) == 1  # the four requests in one job, and the re-run sends none
    assert (batched["called"], batched["ok"], again["called"], again["cached"]) == (4, 4, 0, 4)
    assert spans(tmp_path / "distilled.jsonl") == spans(tmp_path / "direct" / "direct.jsonl")
    job = server.batches.jobs[server.batches.created[0]]
    lines = [json.loads(line) for line in server.batches.files[job["input_file_id"]].decode().splitlines()]
    def canonical(bodies):
        return sorted(json.dumps(body, sort_keys=True) for body in bodies)

    assert canonical(line["body"] for line in lines) == canonical(server.bodies)  # as the direct calls sent them
    assert {line["url"] for line in lines} == {"/v1/chat/completions"} and job["endpoint"] == "/v1/chat/completions"
    assert open_jobs(tmp_path) == []
    assert "sk-test-secret" not in server.batches.files[job["input_file_id"]].decode()  # the key in headers only
    assert "sk-test-secret" not in (tmp_path / "store.sqlite").read_bytes().decode(errors="replace")


def test_a_failed_line_is_counted_and_asked_again_in_a_new_job_by_the_next_run(run_cli, fixtures, tmp_path):
    with FakeOpenAIServer(Behaviour(batch_failed_line="rejects")) as server:
        first, _ = annotate(run_cli, server, fixtures, tmp_path)
        failure = json.loads((tmp_path / "distilled.jsonl.failures.jsonl").read_text())
        server.behaviour.batch_failed_line = None
        second, _ = annotate(run_cli, server, fixtures, tmp_path)
    assert (first["ok"], first["failed"], second["called"], second["cached"], second["ok"]) == (3, 1, 1, 3, 4)
    assert failure["tokens"][:2] == ["EU", "rejects"]
    assert "HTTP 500: internal error" in failure["meta"]["failure"]["error"]
    jobs = [server.batches.jobs[job_id] for job_id in server.batches.created]
    assert [job["request_counts"]["total"] for job in jobs] == [4, 1]


@pytest.mark.parametrize("behaviour, answered", [("batch_expires", 2), ("batch_partial", 3), ("batch_fails", 0)])
def test_what_an_ended_job_answered_is_kept_and_only_the_rest_is_sent_again(run_cli, fixtures, tmp_path, behaviour,
                                                                          answered):
    with FakeOpenAIServer(Behaviour(**{behaviour: True})) as server:
        first, result = annotate(run_cli, server, fixtures, tmp_path)
        failures = [json.loads(line) for line in (tmp_path / "distilled.jsonl.failures.jsonl").read_text().splitlines()]
        setattr(server.behaviour, behaviour, False)
        second, _ = annotate(run_cli, server, fixtures, tmp_path)
    assert (first["ok"], first["failed"]) == (answered, 4 - answered)
    assert result.exit_code == (1 if answered == 0 else 0)  # nothing annotated: the summary, then the error
    assert all("without answering it" in f["meta"]["failure"]["error"] for f in failures), failures
    assert (second["cached"], second["called"], second["ok"]) == (answered, 4 - answered, 4)
    assert len(server.batches.created) == 2 and open_jobs(tmp_path) == []


def test_a_run_killed_between_sending_and_collecting_waits_for_the_same_job(run_cli, fixtures, tmp_path):
    with FakeOpenAIServer(Behaviour(batch_polls=10**6)) as server:  # the job never ends while the first run waits
        args = [sys.executable, "-m", "nerdistill", "annotate", str(fixtures / "mini.conll"), "-o",
                str(tmp_path / "killed.jsonl"), "--store", str(tmp_path / "store.sqlite"), "--model", "openai/fake",
                "-O", f"api_base={server.url}", "-O", "batch=true", "-O", "batch_poll_seconds=0.05", "-k", "0"]
        process = subprocess.Popen(args, env=dict(os.environ, NERDISTILL_LOAD_PLUGINS=""))
        deadline = time.monotonic() + 120
        while not (server.batches.created and server.batches.looks[server.batches.created[0]] >= 2):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert open_jobs(tmp_path) == [(open_jobs(tmp_path)[0][0], server.batches.created[0])]
        server.behaviour.batch_polls = 0  # the job ends at the next look
        resumed, _ = annotate(run_cli, server, fixtures, tmp_path)
    assert server.batches.created == ["batch_2"]  # no second job: the same one, collected
    assert (resumed["called"], resumed["ok"]) == (4, 4) and open_jobs(tmp_path) == []


def stop_at(monkeypatch, owner, method, run) -> None:
    """``run()``, stopped where ``owner.method`` is first called (a process that dies there)."""
    def stopped(*args):
        raise Stopped

    with monkeypatch.context() as patch:
        patch.setattr(owner, method, stopped)
        with pytest.raises(Stopped):
            run()


def test_a_job_sent_but_not_recorded_is_found_by_its_tag_and_not_sent_twice(run_cli, fixtures, tmp_path, monkeypatch):
    """A stop between the provider's answer and the store's write of the job's id."""
    with FakeOpenAIServer(Behaviour(batch_polls=0)) as server:
        stop_at(monkeypatch, AnnotationStore, "batch_sent", lambda: annotate(run_cli, server, fixtures, tmp_path))
        assert [job_id for _, job_id in open_jobs(tmp_path)] == [None] and len(server.batches.created) == 1
        resumed, _ = annotate(run_cli, server, fixtures, tmp_path)
    assert len(server.batches.created) == 1 and (resumed["called"], resumed["ok"]) == (4, 4)


def test_a_job_recorded_but_never_started_is_sent_by_the_next_run(run_cli, fixtures, tmp_path, monkeypatch):
    from nerdistill.providers.litellm_batches import LiteLLMBatches

    with FakeOpenAIServer(Behaviour(batch_polls=0)) as server:
        stop_at(monkeypatch, LiteLLMBatches, "submit", lambda: annotate(run_cli, server, fixtures, tmp_path))
        assert server.batches.created == [] and len(open_jobs(tmp_path)) == 1
        resumed, _ = annotate(run_cli, server, fixtures, tmp_path)
    assert len(server.batches.created) == 1 and (resumed["called"], resumed["ok"]) == (4, 4)


def test_the_dry_run_shows_the_batch_price_beside_the_direct_one(run_cli, fixtures, tmp_path):
    base = ["annotate", fixtures / "mini.conll", "-o", tmp_path / "x.jsonl", "--store", tmp_path / "s.sqlite",
            "-k", 0, "--dry-run", "--json"]
    gpt4 = json.loads(run_cli(*base).output)  # the default teacher, gpt-4-0125-preview: no batch rate in litellm
    assert gpt4["cost_estimate"] > 0 and gpt4["cost_estimate_batch"] == pytest.approx(gpt4["cost_estimate"] / 2)
    assert gpt4["sent_as"] == "direct calls"
    gpt4o = json.loads(run_cli(*base, "--model", "openai/gpt-4o", "-O", "batch=true").output)  # litellm's batch rates
    assert gpt4o["cost_estimate_batch"] == pytest.approx(gpt4o["cost_estimate"] / 2)
    assert gpt4o["sent_as"] == "batch jobs"


def test_batch_answers_are_priced_at_the_batch_rate():
    from litellm import ModelResponse

    from nerdistill.providers.litellm_api import LiteLLMProvider

    provider = LiteLLMProvider("litellm", {"batch": True})
    completion = ModelResponse(choices=[{"message": {"role": "assistant", "content": "{}"}}],
                               usage={"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100})
    usage = provider.batch_client().usage(completion)
    assert usage.cost == pytest.approx(provider.price(1000, 100) / 2) and usage.cost == pytest.approx(0.0065)


def test_batch_mode_does_not_change_the_store_key():
    from nerdistill.providers.litellm_api import LiteLLMProvider

    direct = LiteLLMProvider("litellm", {})
    batch = LiteLLMProvider("litellm", {"batch": True, "batch_poll_seconds": 5, "batch_max_requests": 10})
    assert batch.identity() == direct.identity()
