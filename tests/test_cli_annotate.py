import json
import sqlite3

from nerdistill.core.annotation.outcome import Outcome, Usage
from nerdistill.core.annotation.store import AnnotationStore
from tests.fake_openai import FakeOpenAIServer


def test_annotate_then_evaluate_through_the_cli(run_cli, tmp_path, fixtures):
    output, store = tmp_path / "distilled.jsonl", tmp_path / "store.sqlite"
    with FakeOpenAIServer() as server:
        args = ["annotate", fixtures / "mini.conll", "-o", output, "--store", store, "--model", "openai/fake",
                "-O", f"api_base={server.url}", "-k", 0, "--offline", "--json"]
        summary = json.loads(run_cli(*args).output)
        assert (summary["called"], summary["ok"], summary["written"]) == (4, 4, 4)
        again = json.loads(run_cli(*args, "--require-entities").output)
        assert again["called"] == 0 and again["cached"] == 4
    record = json.loads(output.read_text().splitlines()[0])
    annotation = record["meta"]["annotation"]
    assert annotation["provider"] == "litellm" and annotation["model"] == "openai/fake"
    assert record["spans"][0] == {"start": 0, "end": 1, "label": "MISC", "text": "EU"}
    report = json.loads(run_cli("evaluate", "annotations", output, fixtures / "mini.conll", "--json").output)
    assert report["missing_predictions"] == 0 and report["types"]["MISC"]["support"] == 2
    assert 0 < report["micro"]["precision"] < 1


def test_the_failures_file_is_a_sentence_file_that_can_be_annotated_again(run_cli, tmp_path, fixtures):
    """Say, the answers a small model looped on, asked again with other provider options."""
    from nerdistill.core.data.jsonl import read_jsonl
    from tests.fake_openai import Behaviour

    output, store = tmp_path / "distilled.jsonl", tmp_path / "store.sqlite"
    common = ["--store", store, "--model", "openai/fake", "-k", 0, "--offline", "--json", "--max-retries", 0]
    with FakeOpenAIServer(Behaviour(invalid_answer=1)) as server:
        failing = run_cli("annotate", fixtures / "mini.conll", "-o", output, "-O", f"api_base={server.url}", *common)
    assert failing.exit_code == 1  # no sentence annotated; the summary is still printed, the error apart
    first = json.loads(failing.stdout)
    assert first["failed"] == 4 and first["failures"] == f"{output}.failures.jsonl"
    failed = read_jsonl(first["failures"])
    assert ("EU", "rejects") in [s.tokens[:2] for s in failed]
    assert all(s.tags is None and "invalid answer" in s.meta["failure"]["error"] for s in failed)
    assert failed[0].meta["failure"]["raw"] == "I cannot help with that."
    with FakeOpenAIServer() as server:
        again = json.loads(run_cli("annotate", first["failures"], "-o", tmp_path / "rescued.jsonl",
                                   "-O", f"api_base={server.url}", *common).output)
    assert (again["called"], again["ok"], again["written"]) == (4, 4, 4)


def test_a_rescue_option_asks_again_for_the_invalid_answers_only(run_cli, tmp_path, fixtures):
    from tests.fake_openai import Behaviour

    output = tmp_path / "distilled.jsonl"
    with FakeOpenAIServer(Behaviour(loops_when_greedy="EU")) as server:
        args = ["annotate", fixtures / "mini.conll", "-o", output, "--store", tmp_path / "s.sqlite", "--model",
                "openai/fake", "-O", f"api_base={server.url}", "-k", 0, "--max-retries", 0, "--json"]
        summary = json.loads(run_cli(*args, "-R", "temperature=0.7").output)
    assert (summary["ok"], summary["failed"], summary["failures"]) == (4, 0, None)
    assert summary["rescue"] == {"asked": 1, "rescued": 1, "called": 1, "cached": 0}
    rescued = [json.loads(line)["meta"]["annotation"].get("rescued_with") for line in output.read_text().splitlines()]
    assert rescued.count({"temperature": 0.7}) == 1 and rescued.count(None) == 3
    assert json.loads(run_cli(*args, "-R", "temperature=0.7", "--dry-run").output)["rescue_calls"] == 0
    assert json.loads(run_cli(*args, "-R", "temperature=0.9", "--dry-run").output)["rescue_calls"] == 1


def test_each_entity_has_the_confidence_the_llm_gave_it_and_a_threshold_drops_doubtful_sentences(
        run_cli, tmp_path, fixtures):
    from tests.fake_openai import Behaviour

    output = tmp_path / "distilled.jsonl"
    with FakeOpenAIServer(Behaviour(unsure_of="EU")) as server:
        args = ["annotate", fixtures / "mini.conll", "-o", output, "--store", tmp_path / "s.sqlite", "--model",
                "openai/fake", "-O", f"api_base={server.url}", "-k", 0, "--json"]
        refused = run_cli(*args, "--min-confidence", "0.5")
        assert refused.exit_code == 1 and "--min-confidence: provider 'litellm' is not asked for log" in refused.output
        summary = json.loads(run_cli(*args, "-O", "logprobs=true", "--min-confidence", "0.5").output)
    assert (summary["ok"], summary["written"], summary["dropped_low_confidence"]) == (4, 3, 1)
    kept = [json.loads(line)["meta"]["annotation"] for line in output.read_text().splitlines()]
    # the first of a list: '[', '"' and the word, 0.99 each; the others: ',', ' ', '"' and the word
    assert {value for a in kept for values in a["confidence"].values() for value in values} == {0.9703, 0.9606}
    assert "EU" not in {entity for a in kept for entities in a["answer"].values() for entity in entities}
    again = json.loads(run_cli(*args, "-O", "logprobs=true").output)  # the same answers, from the store
    assert again["called"] == 0 and again["written"] == 4 and "dropped_low_confidence" not in again
    confidence = json.loads(output.read_text().splitlines()[0])["meta"]["annotation"]["confidence"]
    assert confidence == {"MISC": [0.9703, 0.1941, 0.9606]}  # British, EU (0.99 ** 3 x 0.2), German


def test_dry_run_calls_nothing(run_cli, tmp_path, fixtures):
    result = run_cli("annotate", fixtures / "mini.conll", "-o", tmp_path / "x.jsonl", "--store", tmp_path / "s.sqlite",
                     "--dry-run", "--json")
    figures = json.loads(result.output)
    assert figures["calls"] == 4 and figures["prompt_tokens"] > 0 and figures["cost_estimate"] > 0
    assert not (tmp_path / "x.jsonl").exists()
    assert figures["completion_tokens_from"] == "the strategy's typical figure"
    assert figures["hours_estimate"] == "no answers measured yet"


def test_raw_text_a_tweet_a_line_with_the_users_types(run_cli, tmp_path):
    tweets = tmp_path / "tweets.txt"
    tweets.write_text("Watching South Park- on #Netflix 🙂. Again!\n\nhttps://t.co/x by @nasa\n")
    labels = tmp_path / "labels.toml"
    labels.write_text('person = "people"\ncorporation = "companies"\n')
    args = ["annotate", tweets, "-o", tmp_path / "x.jsonl", "--store", tmp_path / "s.sqlite", "--labels", labels,
            "-k", "0", "--dry-run", "--json"]
    assert json.loads(run_cli(*args).output)["sentences"] == 3  # by paragraph, then sentence
    assert json.loads(run_cli(*args, "--split", "line", "--tokenizer", "social").output)["sentences"] == 2


def test_dry_run_prices_time_and_tokens_from_answers_already_in_the_store(run_cli, tmp_path, fixtures):
    store_path = tmp_path / "s.sqlite"
    store = AnnotationStore(store_path)
    for index in range(5):  # other sentences, answered by the same model and strategy 90 s apart
        store.put(f"k{index}", sentence_id=f"other-{index}", provider="litellm", model="openai/gpt-4-0125-preview",
                  strategy="standard", outcome=Outcome(status="ok", usage=Usage(completion_tokens=40 + index)))
    store.close()
    with sqlite3.connect(store_path) as connection:
        connection.execute("update answers set created = 1000 + 90 * cast(substr(key, 2) as integer)")
    result = run_cli("annotate", fixtures / "mini.conll", "-o", tmp_path / "x.jsonl", "--store", store_path,
                     "--dry-run", "--json")
    figures = json.loads(result.output)
    assert figures["calls"] == 4 and figures["completion_tokens_estimate"] == 4 * 42  # their mean, 42
    assert figures["hours_estimate"] == round(4 * 90 / 3600, 2) and "90.0 s an answer" in figures["hours_from"]
    assert figures["completion_tokens_from"] == "the 5 answers of this model and strategy in the store"


def test_missing_api_key_fails_before_any_work(run_cli, tmp_path, fixtures, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = run_cli("annotate", fixtures / "mini.conll", "-o", tmp_path / "x.jsonl", "--store", tmp_path / "s.sqlite")
    assert result.exit_code == 1 and "no API key" in result.output and "OPENAI_API_KEY" in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_two_processes_on_one_store_ask_each_sentence_once(tmp_path):
    """The same annotation started twice (two terminals, a job queue): the second takes over half the work
    instead of paying for every call again."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.fake_openai import Behaviour

    sample = Path(__file__).resolve().parents[1] / "examples" / "data" / "conll2003-sample" / "to-annotate.conll"
    with FakeOpenAIServer(Behaviour(latency=1.0)) as server:
        def start(index):
            return subprocess.Popen(
                [sys.executable, "-m", "nerdistill", "annotate", str(sample), "--limit", "12", "-o",
                 str(tmp_path / f"out{index}.jsonl"), "--store", str(tmp_path / "store.sqlite"), "--model",
                 "openai/fake", "-O", f"api_base={server.url}", "-k", "0", "--concurrency", "1", "--offline",
                 "--json"], stdout=subprocess.PIPE, text=True, env=dict(os.environ, NERDISTILL_LOAD_PLUGINS=""))

        processes = [start(0), start(1)]
        summaries = [json.loads(p.communicate(timeout=300)[0]) for p in processes]
    assert sum(server.calls.values()) == 12, (server.calls, summaries)
    assert [s["called"] + s["cached"] for s in summaries] == [12, 12]
    assert [s["ok"] for s in summaries] == [12, 12]


def test_annotate_exits_non_zero_when_no_sentence_could_be_annotated(run_cli, tmp_path, fixtures):
    from tests.fake_openai import Behaviour

    output = tmp_path / "distilled.jsonl"
    with FakeOpenAIServer(Behaviour(invalid_answer=100)) as server:
        result = run_cli("annotate", fixtures / "mini.conll", "-o", output, "--store", tmp_path / "s.sqlite",
                         "--model", "openai/fake", "-O", f"api_base={server.url}", "-k", 0, "--max-retries", 0)
    failures = tmp_path / "distilled.jsonl.failures.jsonl"
    assert result.exit_code == 1, result.output
    assert f"Error: none of the 4 sentences could be annotated: the reasons are in {failures}" in result.output
    assert "failed" in result.output  # the summary is shown first
    assert len(failures.read_text().splitlines()) == 4  # every failure recorded, with its reason


def test_a_labels_file_gives_annotate_and_strategies_show_the_users_types(run_cli, tmp_path, fixtures):
    from tests.fake_openai import Behaviour

    labels = tmp_path / "labels.toml"
    labels.write_text('person = "Names of people."\ncreative-work = "Titles of films, songs, books."\n')
    shown = json.loads(run_cli("strategies", "show", "standard", "--sentence", "Alice watched Frozen", "-k", 0,
                               "--labels", labels, "--json").output)
    system = shown["messages"][0]["content"]
    assert "- creative-work: Titles of films" in system and "PER" not in system
    output = tmp_path / "distilled.jsonl"
    with FakeOpenAIServer(Behaviour(entity_type="creative-work")) as server:
        summary = json.loads(run_cli("annotate", fixtures / "mini.conll", "-o", output, "--store",
                                     tmp_path / "store.sqlite", "--model", "openai/fake", "-O",
                                     f"api_base={server.url}", "-k", 0, "--offline", "--labels", labels,
                                     "--json").output)
    assert summary["ok"] == 4 and summary["strings"]["unknown_types"] == 0
    assert {span["label"] for line in output.read_text().splitlines()
            for span in json.loads(line)["spans"]} == {"creative-work"}
    run_config = tmp_path / "run.toml"  # a run config's [labels] serves as well
    run_config.write_text('name = "x"\n\n[labels]\nsymptom = "Symptoms."\n')
    shown = run_cli("strategies", "show", "standard", "--sentence", "Fever", "-k", 0, "--labels", run_config).output
    assert "- symptom: Symptoms." in shown
    bad = tmp_path / "bad.toml"
    bad.write_text('"my type" = "x"\n')
    result = run_cli("strategies", "show", "standard", "--sentence", "x", "--labels", bad)
    assert result.exit_code == 1
    assert f"{bad}: entity type 'my type': a type name cannot hold white space" in result.output


def test_a_type_outside_the_label_set_says_how_to_declare_it(tmp_path):
    import pytest

    from nerdistill.core.data.formats import read_sentences
    from nerdistill.core.data.labels import CONLL2003
    from nerdistill.core.errors import NerdistillError

    (tmp_path / "x.conll").write_text("Alice B-person\n")
    with pytest.raises(NerdistillError, match=r"x.conll:1: .*type 'person' is not in the label set \(PER, LOC, ORG, "
                                              r"MISC\): declare the types in the run config's \[labels\] table, or "
                                              r"give a command --labels FILE"):
        read_sentences(tmp_path / "x.conll", label_set=CONLL2003)
