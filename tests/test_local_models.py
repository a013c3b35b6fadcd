"""The model catalogue and the in-process llama.cpp provider (the real SmolLM2-135M in the slow test)."""

import json
import os
import subprocess
import sys

import pytest

from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins.registry import registry
from nerdistill.core.annotation.runner import AnnotationJob
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.annotation.store import AnnotationStore
from nerdistill.prompts.strategy import StrategyOptions
from nerdistill.providers import catalogue
from tests.child_process import in_child_process

SMALLEST = "smollm2-135m-instruct-q4_1"


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NERDISTILL_HOME", str(tmp_path))
    return tmp_path / "models"


def test_a_missing_model_says_how_to_install_it(empty_home, run_cli):
    with pytest.raises(NerdistillError, match=f"not installed: run `nerdistill models install {SMALLEST}`"):
        catalogue.resolve_model(SMALLEST)
    result = run_cli("models", "path", SMALLEST)
    assert result.exit_code == 1 and "nerdistill models install" in result.output


def test_a_corrupt_model_file_is_caught(empty_home):
    empty_home.mkdir(parents=True)
    (empty_home / f"{SMALLEST}.gguf").write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(NerdistillError, match="corrupt or incomplete; run `nerdistill models install .* --force`"):
        catalogue.resolve_model(SMALLEST)
    stranger = empty_home / "other.gguf"
    stranger.write_bytes(b"not a model")
    with pytest.raises(NerdistillError, match="not a GGUF file"):
        catalogue.resolve_model(str(stranger))
    with pytest.raises(NerdistillError, match="unknown local model"):
        catalogue.catalogue_entry("gpt-5")


def test_catalogue_lists_the_three_models(run_cli, empty_home):
    names = {m["name"] for m in json.loads(run_cli("models", "list", "--json").output)}
    assert names == {"qwen2.5-coder-1.5b-instruct-q4_k_m", "qwen2.5-coder-0.5b-instruct-q4_k_m", SMALLEST}


def test_an_unknown_provider_option_is_named():
    with pytest.raises(NerdistillError, match="provider 'local': n_ctxx: Extra inputs are not permitted"):
        registry("providers").get("local")("local", {"n_ctxx": 10})


def test_a_repeat_penalty_or_logprobs_keys_its_answers_apart_and_left_unset_keeps_the_stored_keys(tmp_path):
    local = registry("providers").get("local")
    plain, penalised = local("local", {}), local("local", {"repeat_penalty": 1.1})
    assert set(plain.identity()) == {"provider", "model", "n_ctx", "temperature", "seed", "max_tokens",
                                     "constrained", "weights"}  # the keys of the answers already stored
    assert penalised.identity() == {**plain.identity(), "repeat_penalty": 1.1}
    assert local("local", {"logprobs": True}).identity() == {**plain.identity(), "logprobs": True}
    hosted = registry("providers").get("litellm")
    assert "logprobs" not in hosted("litellm", {}).identity() and hosted("litellm", {"logprobs": True}).identity()[
        "logprobs"]
    with pytest.raises(NerdistillError, match="logprobs: .*a tool call's arguments come with no log probabilities"):
        hosted("litellm", {"logprobs": True, "mode": "tools"})
    weights = tmp_path / "any.gguf"  # what is sent is the same whatever the weights: none need be installed
    weights.write_bytes(b"GGUF" + b"\0" * 100)
    plain, penalised = local("local", {"model": str(weights)}), local("local", {"model": str(weights),
                                                                              "repeat_penalty": 1.1})
    assert "repeat_penalty" not in plain.asker().options and penalised.asker().options["repeat_penalty"] == 1.1
    with pytest.raises(NerdistillError, match="repeat_penalty"):
        local("local", {"repeat_penalty": 0})


@pytest.mark.slow
def test_the_smallest_real_model_annotates_through_instructor(tmp_path):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is installed by `nerdistill models install-runtime`")
    path = catalogue.install_model(SMALLEST, log=lambda line: None)  # cached after the first time
    assert catalogue.verify_model(SMALLEST)
    in_child_process(annotate_two_sentences_with, str(path), str(tmp_path / "store.sqlite"))


def annotate_two_sentences_with(model_path: str, store_path: str) -> None:
    """The real model through the local provider, instructor and the store, with and without logprobs; run in
    a child process, where a crash of llama.cpp fails this test alone."""
    local = registry("providers").get("local")
    store = AnnotationStore(store_path)
    sentences = [Sentence(id="a", tokens=tuple("Peter Blackburn visited Paris on Monday .".split())),
                 Sentence(id="b", tokens=tuple("The European Commission met in Brussels .".split()))]
    for strategy_name, logprobs in (("standard", False), ("cot", True)):
        provider = local("local", {"model": model_path, "max_tokens": 256, "logprobs": logprobs})
        provider.check(offline=True)
        strategy = registry("prompt strategies").get(strategy_name)(strategy_name, options=StrategyOptions(k=1))
        results, summary = AnnotationJob(provider, strategy, store, progress=False).run(sentences)
        assert summary.called == 2 and summary.usage.prompt_tokens > 0 and summary.usage.cost == 0
        for sentence, outcome in results:
            assert outcome.status in ("ok", "failed")
            for span in outcome.spans:  # whatever a 135M model says, only real spans survive
                assert span.text == " ".join(sentence.tokens[span.start:span.end])
            if outcome.status == "ok" and not logprobs:
                assert outcome.confidence is None
            elif outcome.status == "ok":  # every item of the answer has the probability the model gave it
                assert {k: len(v) for k, v in outcome.confidence.items()} == {k: len(v) for k, v in
                                                                               outcome.answer.items()}
                assert all(0 < p <= 1 for values in outcome.confidence.values() for p in values)
        assert AnnotationJob(provider, strategy, store, progress=False).run(sentences)[1].cached == 2


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this system")
def test_the_local_model_takes_as_many_threads_as_the_process_has_cores():
    """``taskset -c 0 nerdistill run ...`` beside a training on the other core: one llama.cpp thread."""
    code = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "from nerdistill.core.cpu import usable_cores; print(usable_cores())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "1"


def test_answers_in_the_store_need_no_installed_model(empty_home, tmp_path, run_cli):
    """Regenerating a reproduction from its committed store: the local model is only needed for a new call."""
    from nerdistill.core.annotation.outcome import Outcome

    provider = registry("providers").get("local")("local", {})
    strategy = registry("prompt strategies").get("standard")("standard", options=StrategyOptions(k=0))
    store = AnnotationStore(tmp_path / "store.sqlite")
    stored = Sentence(id="a", tokens=("Paris", "."))
    (_, _, key), = AnnotationJob(provider, strategy, store).requests([stored])
    store.put(key, sentence_id="a", provider="local", model=provider.model, strategy="standard",
              outcome=Outcome(status="ok"))
    sentences = tmp_path / "sentences.conll"
    sentences.write_text("Paris O\n. O\n")
    args = ["annotate", sentences, "-o", tmp_path / "out.jsonl", "--provider", "local", "--strategy", "standard",
            "-k", 0, "--store", tmp_path / "store.sqlite", "--offline", "--json"]
    answered = run_cli(*args)
    assert answered.exit_code == 0, answered.output
    assert json.loads(answered.output)["cached"] == 1
    sentences.write_text("Paris O\n. O\n\nRome O\n. O\n")
    asked = run_cli(*args)
    assert asked.exit_code == 1 and "not installed: run `nerdistill models install" in asked.output
