"""The example plugin packages of every kind (provider and command, prompt strategy, trainer), installed for real
and used through the CLI in a new process, as a user who ran `pip install ./examples/...` would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PACKAGES = ["nerdistill-gazetteer", "nerdistill-terse-prompt", "nerdistill-lexicon-trainer"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), *[str(EXAMPLES / p) for p in PACKAGES]], check=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), *sys.path]))
    env.pop("NERDISTILL_LOAD_PLUGINS", None)
    return env


def nerdistill(env, *args, check=True):
    result = subprocess.run([sys.executable, "-m", "nerdistill", *map(str, args)], env=env, capture_output=True,
                            text=True)
    assert not check or result.returncode == 0, result.stderr
    return result


def test_each_package_is_listed_with_what_it_registers(installed):
    listing = nerdistill(installed, "plugins").stdout
    assert "gazetteer (nerdistill-gazetteer 0.1.0)\n  providers: gazetteer" in listing
    assert "terse_prompt (nerdistill-terse-prompt 0.1.0)\n  prompt strategies: terse" in listing
    assert "lexicon_trainer (nerdistill-lexicon-trainer 0.1.0)\n  trainers: lexicon" in listing
    assert "skipped" not in listing


def test_the_provider_and_its_command(installed, tmp_path, fixtures):
    built = nerdistill(installed, "gazetteer", "build", fixtures / "mini.conll", "-o", tmp_path / "names.tsv")
    assert "names written" in built.stdout and "\tPER" in (tmp_path / "names.tsv").read_text()
    output = tmp_path / "distilled.jsonl"
    summary = json.loads(nerdistill(installed, "annotate", fixtures / "mini.conll", "-o", output, "--provider",
                                    "gazetteer", "-O", f"gazetteer={tmp_path / 'names.tsv'}", "--store",
                                    tmp_path / "s.sqlite", "--json").stdout)
    assert summary["ok"] == summary["sentences"] and summary["called"] == summary["sentences"]
    quality = json.loads(nerdistill(installed, "evaluate", "annotations", output, fixtures / "mini.conll",
                                    "--json").stdout)
    assert quality["micro"]["recall"] == 1.0  # every entity of the file is in the gazetteer made from it
    (tmp_path / "bad.tsv").write_text("no tab here\n")
    bad = nerdistill(installed, "annotate", fixtures / "mini.conll", "-o", output, "--provider", "gazetteer", "-O",
                     f"gazetteer={tmp_path / 'bad.tsv'}", "--store", tmp_path / "s.sqlite", check=False)
    assert bad.returncode == 1 and f"{tmp_path / 'bad.tsv'}:1: expected name<TAB>type" in bad.stderr


def test_the_prompt_strategy_keeps_its_own_defaults(installed, fixtures):
    shown = json.loads(nerdistill(installed, "strategies", "show", "terse", "--sentence", "Peter flew to Paris .",
                                  "--examples", fixtures / "mini.conll", "--json").stdout)
    assert [m["role"] for m in shown["messages"]] == ["system", "user", "assistant", "user"]  # its k = 1
    assert "entities" in json.loads(shown["messages"][2]["content"])
    assert "Find the named entities" in shown["messages"][0]["content"]


def test_a_run_with_the_plugin_provider_and_trainer(installed, tmp_path, fixtures):
    mini = fixtures / "mini.conll"
    nerdistill(installed, "gazetteer", "build", mini, "-o", tmp_path / "names.tsv")
    config = tmp_path / "run.toml"
    config.write_text(f"""
output = "run"
schedules = ["simple_mix", "pure_original"]
seeds = [0, 1]
[data]
original = "{mini}"
test = "{mini}"
[[distill]]
name = "named"
sentences = "{mini}"
[annotation]
provider = "gazetteer"
[annotation.provider_options]
gazetteer = "names.tsv"
[training]
trainer = "lexicon"
epochs = 2
""")
    nerdistill(installed, "run", config)
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert {a["group"] for a in report["aggregates"]} == {"simple_mix", "pure_original"}
    assert all(a["f1"] > 0.5 and a["seeds"] == 2 for a in report["aggregates"])
    again = nerdistill(installed, "run", config, "--dry-run").stdout
    assert again.count(" done") >= 4  # finished models are recognised by the plugin trainer's fingerprint
    model = next((tmp_path / "run" / "models").glob("simple_mix/*/seed-0/model"))
    nerdistill(installed, "predict", model, mini, "-o", tmp_path / "tagged.conll")
    assert "B-" in (tmp_path / "tagged.conll").read_text()
