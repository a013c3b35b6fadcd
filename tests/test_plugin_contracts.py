"""What the plugin contracts promise a third-party author: the label set reaches every provider, path options
are resolved against the config file, and a strategy's own defaults hold unless the user overrides them."""

import json
import os
from pathlib import Path
from typing import Any

from nerdistill import hookimpl
from nerdistill.core.annotation.outcome import Outcome
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.plugins.manager import plugin_host
from nerdistill.core.annotation.provider import Provider, ProviderOptions
from nerdistill.core.data.tags import Span
from nerdistill.prompts.strategy import PromptStrategy, StrategyOptions

ROOT = Path(__file__).resolve().parents[1]


class GazetteerOptions(ProviderOptions):
    gazetteer: Path


class GazetteerProvider(Provider):
    """Tags the first word as the gazetteer's type; says COUNTRY for the second, a type no label set has."""

    options_model = GazetteerOptions
    calls_llm = False

    def annotate(self, sentence, strategy, request) -> Outcome:
        first_type = self.options.gazetteer.read_text().split()[0]
        assert first_type in strategy.label_set  # the provider learns the run's types from the strategy
        spans = [Span(start=0, end=1, label=first_type, text=sentence.tokens[0])]
        if len(sentence.tokens) > 2:
            spans.append(Span(start=1, end=2, label="COUNTRY", text=sentence.tokens[1]))
        return Outcome(status="ok", spans=spans, provider_spans=True, counts={"aligned": len(spans)})


class NoExamplesOptions(StrategyOptions):
    examples: Any = "none"
    k: int = 0


class BareStrategy(PromptStrategy):
    """A strategy whose own defaults say: no few-shot examples."""

    options_model = NoExamplesOptions
    completion_tokens_estimate = 7

    def response_model(self):
        from nerdistill.prompts.schemas import entities_model

        return entities_model(self.label_set)

    def example_answer(self, example):
        return {}


class ContractPlugin:
    @hookimpl
    def register_providers(self, register):
        register("gazetteer", GazetteerProvider)

    @hookimpl
    def register_prompt_strategies(self, register):
        register("bare", BareStrategy)


def test_a_providers_types_outside_the_label_set_are_counted_and_dropped(fresh_plugins, run_cli, tmp_path,
                                                                        fixtures):
    plugin_host().manager.register(ContractPlugin(), name="contract")
    (tmp_path / "gaz.tsv").write_text("LOC\n")
    output = tmp_path / "out.jsonl"
    result = run_cli("annotate", fixtures / "mini.conll", "-o", output, "--provider", "gazetteer", "-O",
                     f"gazetteer={tmp_path / 'gaz.tsv'}", "--store", tmp_path / "s.sqlite", "-k", 0, "--json")
    summary = json.loads(result.stdout)
    longer = sum(len(s.tokens) > 2 for s in read_sentences(fixtures / "mini.conll"))  # those given a COUNTRY
    assert longer > 0 and summary["strings"]["unknown_types"] == longer and summary["strings"]["aligned"] == 4
    labels = {span["label"] for line in output.read_text().splitlines() for span in json.loads(line)["spans"]}
    assert labels == {"LOC"}


def test_path_options_are_relative_to_the_config_file_and_a_missing_one_names_the_option(fresh_plugins, run_cli,
                                                                                        tmp_path, monkeypatch):
    plugin_host().manager.register(ContractPlugin(), name="contract")
    from nerdistill.api import load_run_config
    from nerdistill.core.engine import Engine

    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "gaz.tsv").write_text("PER\n")
    (folder / "annotated.jsonl").write_text(json.dumps({"id": "a", "tokens": ["Bob"], "spans": []}) + "\n")
    (folder / "examples.conll").write_text("Bob B-PER\nran O\n")
    config = folder / "run.toml"
    config.write_text(f"""output = "run"
[data]
test = "{ROOT / 'tests' / 'fixtures' / 'mini.conll'}"
[[distill]]
name = "mine"
sentences = "{ROOT / 'tests' / 'fixtures' / 'mini.conll'}"
[annotation]
provider = "gazetteer"
[annotation.provider_options]
gazetteer = "gaz.tsv"
[annotation.strategy_options]
examples = "examples.conll"
""")
    monkeypatch.chdir(tmp_path)  # not the config's folder
    engine = Engine(load_run_config(config))
    assert engine.provider().options.gazetteer == folder / "gaz.tsv"
    (source,) = engine.config.distill
    assert engine.strategy(source).options.examples == folder / "examples.conll"
    filed = config.read_text().replace('"gazetteer"', '"file"', 1).replace('gazetteer = "gaz.tsv"',
                                                                          'path = "annotated.jsonl"')
    config.write_text(filed)
    assert Engine(load_run_config(config)).provider().options.path == folder / "annotated.jsonl"
    config.write_text(filed.replace('path = "annotated.jsonl"', 'path = "missing.jsonl"'))
    result = run_cli("run", config, "--dry-run")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert (f"{config}: annotation.provider_options: path: {folder / 'missing.jsonl'}: no such file or folder"
            in result.output)
    missing = run_cli("annotate", folder / "examples.conll", "-o", tmp_path / "o.jsonl", "--provider", "file",
                      "-O", "path=nowhere.jsonl")
    assert missing.exit_code == 1 and "provider 'file': path: nowhere.jsonl: no such file" in missing.output
    assert "Traceback" not in missing.output
    assert os.getcwd() == str(tmp_path)


def test_the_cli_keeps_a_strategys_own_defaults_unless_told_otherwise(fresh_plugins, run_cli, tmp_path, fixtures):
    plugin_host().manager.register(ContractPlugin(), name="contract")
    shown = json.loads(run_cli("strategies", "show", "bare", "--sentence", "Bob ran .", "--json").stdout)
    assert [m["role"] for m in shown["messages"]] == ["system", "user"]  # its default: no examples
    shown = json.loads(run_cli("strategies", "show", "bare", "--sentence", "Bob ran .", "--json", "-k", 1,
                               "--examples", "builtin").stdout)
    assert [m["role"] for m in shown["messages"]] == ["system", "user", "assistant", "user"]
    estimate = json.loads(run_cli("annotate", fixtures / "mini.conll", "-o", tmp_path / "o.jsonl", "--strategy",
                                  "bare", "--model", "openai/fake", "-O", "api_base=http://127.0.0.1:9/v1",
                                  "--store", tmp_path / "s.sqlite", "--dry-run", "--json").stdout)
    assert estimate["calls"] == 4 and estimate["completion_tokens_estimate"] == 4 * 7
