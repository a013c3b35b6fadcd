"""End to end on a tiny config: a fake LLM server on loopback, a tiny BERT, two schedules, two seeds."""

import json
from pathlib import Path

import pytest

import nerdistill
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.formats import read_sentences, write_sentences
from nerdistill.trainers import token_classification
from tests.fake_openai import Behaviour, FakeOpenAIServer
from tests.tiny_bert import build_tiny_bert

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "examples" / "data" / "conll2003-sample"


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def write_config(tmp_path, server_url, tiny_bert, **extra) -> Path:
    config = tmp_path / "run.toml"
    config.write_text(f"""
name = "tiny"
output = "run"
offline = true
schedules = ["pure_original", "simple_mix"]
lr_decay = ["none", 0.9]
seeds = [0, 1]
{extra.get("top", "")}

[data]
original = "{SAMPLES / 'original.conll'}"
test = "{ROOT / 'tests' / 'fixtures' / 'mini.conll'}"

[[distill]]
name = "conll"
sentences = "{SAMPLES / 'to-annotate.conll'}"
size = 6
seed = 5

[annotation]
provider = "litellm"
concurrency = 2
[annotation.provider_options]
model = "openai/fake"
api_base = "{server_url}"
[annotation.strategy_options]
k = 1

[training]
encoder = "{tiny_bert}"
epochs = 2
batch_size = 8
learning_rate = 1e-3
""")
    return config


def outputs(run: Path) -> dict[str, float]:
    """Modification times of what a run produces, less what every run rewrites (reports, logs, summaries, the
    models' claim locks)."""
    rewritten = ("report.md", "report.json", "stages.jsonl", "conll.summary.json", "annotations.sqlite",
                 "annotations.sqlite-wal", "annotations.sqlite-shm")
    return {str(p.relative_to(run)): p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()
            and p.name not in rewritten and p.suffix not in (".png", ".lock")}


def test_a_run_produces_every_stage_and_a_second_run_redoes_nothing(tmp_path, tiny_bert):
    with FakeOpenAIServer() as server:
        config = write_config(tmp_path, server.url, tiny_bert)
        results = nerdistill.run(config, progress=False)
        run = tmp_path / "run"
        assert sum(server.calls.values()) == 6
        for name in ["data/original.jsonl", "data/distill-conll.jsonl", "annotations.sqlite", "distilled/conll.jsonl",
                     "distilled/conll.summary.json", "distilled/conll.quality.json", "report.md", "report.json",
                     "f1_by_group.png", "schedules.png", "stages.jsonl"]:
            assert (run / name).exists(), name
        assert len(list(run.glob("models/*/*/seed-*/model/model.safetensors"))) == 8
        assert len(results.models) == 8
        assert {(a["group"], a["decay"], a["seeds"]) for a in results.aggregates} == {
            ("pure_original", None, 2), ("pure_original", 0.9, 2), ("simple_mix", None, 2), ("simple_mix", 0.9, 2)}
        assert results.annotation["conll"]["summary"]["called"] == 6
        assert results.annotation["conll"]["quality"]["micro"]["support"] > 0
        report = (run / "report.md").read_text()
        assert "| simple_mix | simple_mix |" in report and "Annotation quality" in report
        card = (run / "models/simple_mix/no-decay/seed-0/model/README.md").read_text()
        assert card.startswith("---\nlibrary_name: transformers\npipeline_tag: token-classification\n")
        simple_mix = next(m for m in results.models if m["group"] == "simple_mix" and m["seed"] == 0
                          and m["decay"] is None)
        for expected in ("| PER | Names of people", "teacher: litellm `openai/fake`, prompt strategy `standard`",
                         "distilled (LLM-annotated) sentences: 6", f"| all types | {simple_mix['f1']:.4f} |",
                         '"name": "tiny"'):
            assert expected in card, expected
        before = outputs(run)
        again = nerdistill.run(config, progress=False)
        assert sum(server.calls.values()) == 6  # no LLM call
        assert again.stages["annotate"]["conll"]["cached"] == 6
        assert outputs(run) == before  # nothing rewritten: no data, no distilled file, no model, no score
        assert [m["f1"] for m in again.models] == [m["f1"] for m in results.models]


USERS_TYPES = {"PER": "person", "LOC": "location", "ORG": "corporation", "MISC": "creative-work"}


def test_a_label_set_with_hyphens_goes_through_the_whole_pipeline(tmp_path, tiny_bert):
    """WNUT-17's types (``creative-work``) once failed in [labels]: prompts, answer schema, alignment, training
    and report all carry any name a CoNLL tag can."""
    for name, source in [("original.conll", SAMPLES / "original.conll"),
                         ("to-annotate.conll", SAMPLES / "to-annotate.conll"),
                         ("test.conll", ROOT / "tests" / "fixtures" / "mini.conll")]:
        text = source.read_text()
        for conll_type, users_type in USERS_TYPES.items():
            text = text.replace(f"-{conll_type}\n", f"-{users_type}\n")
        (tmp_path / name).write_text(text)
    with FakeOpenAIServer(Behaviour(entity_type="creative-work")) as server:
        config = write_config(tmp_path, server.url, tiny_bert, top='seeds = [0]\nlr_decay = ["none"]')
        text = config.read_text().replace('lr_decay = ["none", 0.9]\nseeds = [0, 1]\n', "")
        text = text.replace(str(SAMPLES), str(tmp_path)).replace(str(ROOT / "tests" / "fixtures" / "mini.conll"),
                                                                str(tmp_path / "test.conll"))
        labels = "".join(f'"{t}" = "{t} names"\n' for t in USERS_TYPES.values())
        text = text.replace("k = 1", f'k = 1\nexamples = "{tmp_path / "original.conll"}"')  # of the user's types
        config.write_text(text.replace("\n[data]", f"\n[labels]\n{labels}\n[data]", 1))
        results = nerdistill.run(config, progress=False)
    assert results.annotation["conll"]["summary"]["strings"]["aligned"] > 0
    assert results.annotation["conll"]["summary"]["strings"]["unknown_types"] == 0
    distilled = read_sentences(tmp_path / "run" / "distilled" / "conll.jsonl")
    assert {span.label for s in distilled for span in s.spans} == {"creative-work"}
    (model,) = (tmp_path / "run" / "models").glob("simple_mix/*/seed-0/model")
    labels = json.loads((model / "config.json").read_text())["id2label"].values()
    assert {"B-creative-work", "I-creative-work", "B-person"} <= set(labels)
    assert "creative-work" in json.dumps(json.loads((tmp_path / "run" / "report.json").read_text()))
    report = (tmp_path / "run" / "report.md").read_text()  # the run's own types as columns, in [labels]'s order
    assert "| group | decay | person | location | corporation | creative-work | F1 per seed |" in report
    assert "| creative-work P / R / F1 |" in report and "LOC P / R / F1" not in report


@pytest.mark.parametrize("name, problem", [("my type", "cannot hold white space"), ("O", "O is the tag of words")])
def test_a_type_name_that_cannot_be_a_tag_is_one_line_naming_the_key_and_file(tmp_path, tiny_bert, run_cli, name,
                                                                               problem):
    config = write_config(tmp_path, "http://127.0.0.1:9/v1", tiny_bert)
    config.write_text(config.read_text().replace("\n[data]", f'\n[labels]\n"{name}" = "x"\n[data]', 1))
    result = run_cli("run", config)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert f"{config}: labels: " in result.output and problem in result.output


def test_a_run_killed_in_training_resumes_without_redoing_finished_models(tmp_path, tiny_bert, monkeypatch,
                                                                          run_cli):
    real_epoch = token_classification.TokenClassificationTrainer._train_epoch
    trained = []

    def counting(self, epoch, *rest):
        trained.append(epoch)
        if len(trained) == 6:  # two epochs per model: the 6th call is model 3's second epoch
            raise KeyboardInterrupt
        return real_epoch(self, epoch, *rest)

    monkeypatch.setattr(token_classification.TokenClassificationTrainer, "_train_epoch", counting)
    with FakeOpenAIServer() as server:
        config = write_config(tmp_path, server.url, tiny_bert)
        with pytest.raises(KeyboardInterrupt):
            nerdistill.run(config, progress=False)
        run = tmp_path / "run"
        finished = sorted(str(p.parent.relative_to(run)) for p in run.glob("models/*/*/seed-*/result.json"))
        assert len(finished) == 2 and list(run.glob("models/*/*/seed-*/checkpoint.pt"))
        finished_models = {p: p.stat().st_mtime_ns for p in run.glob("models/*/*/seed-*/model/model.safetensors")}
        plan = run_cli("run", config, "--dry-run").output
        assert plan.count("(1 of 2 epochs done)") == 1 and "training left: 6 of 8 models" in plan
        reports = [json.loads(p.read_text()) for p in run.glob("models/*/*/seed-*/report.json")]
        rate = (sum(e["distilled"] + e["original"] for r in reports for e in r["epochs"])
                / sum(r["train_seconds"] for r in reports))
        assert f"at the {rate:.1f} sentence passes a second its 2 finished models trained at (cpu" in plan
        trained.clear()
        monkeypatch.setattr(token_classification.TokenClassificationTrainer, "_train_epoch",
                            lambda self, epoch, *rest: trained.append(epoch) or real_epoch(self, epoch, *rest))
        results = nerdistill.run(config, progress=False)
        assert len(results.models) == 8
        assert trained.count(0) == 5  # models 4..8 from scratch; model 3 resumed at epoch 1
        assert all(p.stat().st_mtime_ns == t for p, t in finished_models.items())
        assert sum(server.calls.values()) == 6


def test_an_empty_epoch_is_caught_before_any_training(tmp_path, tiny_bert):
    with FakeOpenAIServer() as server:
        config = write_config(tmp_path, server.url, tiny_bert)
        text = config.read_text().replace('schedules = ["pure_original", "simple_mix"]',
                                          'schedules = ["simple_mix"]\ngroups = [{name = "none", '
                                          'schedule = "pure_distilled", distilled = []}]')
        config.write_text(text)
        with pytest.raises(NerdistillError, match="pure_distilled leaves epoch"):
            nerdistill.run(config, progress=False)
        assert not (tmp_path / "run" / "models").exists()


def test_a_source_of_the_entities_two_annotations_agree_on(tmp_path, tiny_bert):
    """Made from the two sources' answers with no call of its own, scored and trained on like any source."""
    with FakeOpenAIServer() as server:
        config = write_config(tmp_path, server.url, tiny_bert, top='seeds = [0]\nlr_decay = ["none"]')
        text = config.read_text().replace('lr_decay = ["none", 0.9]\nseeds = [0, 1]\n', "").replace(
            "[annotation]", f'[[distill]]\nname = "k0"\nsentences = "{SAMPLES / "to-annotate.conll"}"\nsize = 6\n'
                            'seed = 5\nstrategy_options = {k = 0}\n\n[[distill]]\nname = "both"\n'
                            'agree = ["conll", "k0"]\n\n[annotation]')
        group = 'groups = [{name = "agreed", schedule = "pure_distilled", distilled = ["both"]}]'
        config.write_text(text.replace('schedules = ["pure_original", "simple_mix"]', group))
        results = nerdistill.run(config, progress=False)
    run = tmp_path / "run"
    assert sum(server.calls.values()) == 12  # 6 sentences, two prompts; the agreement asks nothing
    summary = json.loads((run / "distilled" / "both.summary.json").read_text())
    assert summary["agreement"] == ["conll", "k0"] and summary["sentences"] == summary["written"] == 6
    agreed = read_sentences(run / "distilled" / "both.jsonl")
    assert [s.spans for s in agreed] == [s.spans for s in read_sentences(run / "distilled" / "conll.jsonl")]
    assert (run / "distilled" / "both.quality.json").exists()  # the inputs have gold tags
    assert [m["group"] for m in results.models] == ["agreed"]
    assert "agreement of conll and k0" in (run / "report.md").read_text()


def test_a_rescue_in_the_config_answers_again_what_the_provider_answered_invalidly(tmp_path, tiny_bert):
    with FakeOpenAIServer(Behaviour(loops_when_greedy="")) as server:  # every sentence, at temperature 0
        config = write_config(tmp_path, server.url, tiny_bert)
        config.write_text(config.read_text().replace(
            "[annotation.strategy_options]", "[annotation.rescue_options]\ntemperature = 0.3\n"
                                             "[annotation.strategy_options]\nmax_retries = 0"))
        results = nerdistill.run(config, stages=("data", "annotate", "report"), progress=False)
    annotated = results.stages["annotate"]["conll"]
    assert (annotated["ok"], annotated["failed"], annotated["written"]) == (6, 0, 6)
    assert annotated["rescue"] == {"asked": 6, "rescued": 6, "called": 6, "cached": 0}
    assert "| 0 (6 of 6 rescued, 6 called) |" in (tmp_path / "run" / "report.md").read_text()
    distilled = read_sentences(tmp_path / "run" / "distilled" / "conll.jsonl")
    assert all(s.meta["annotation"]["rescued_with"] == {"temperature": 0.3} for s in distilled)


def test_a_source_with_a_confidence_threshold_keeps_the_sentences_whose_entities_are_all_above_it(tmp_path,
                                                                                                  tiny_bert):
    """The fake server gives every token 0.99, so an entity about 0.97 or 0.96 (its word, and the bracket or
    comma, space and quote before it)."""
    with FakeOpenAIServer() as server:
        config = write_config(tmp_path, server.url, tiny_bert)
        text = config.read_text().replace('api_base = "', 'logprobs = true\napi_base = "')
        for threshold, written in ((0.5, 6), (0.99, 0)):
            config.write_text(text.replace("seed = 5", f"seed = 5\nmin_confidence = {threshold}"))
            stages = nerdistill.run(config, stages=("data", "annotate", "report"), progress=False).stages
            annotated = stages["annotate"]["conll"]
            assert (annotated["written"], annotated["dropped_low_confidence"]) == (written, 6 - written)
        assert sum(server.calls.values()) == 6  # the second threshold reads the stored answers again
    assert "| 0 (6 below min_confidence dropped) |" in (tmp_path / "run" / "report.md").read_text()


@pytest.mark.parametrize("change, message", [
    (("provider = \"litellm\"", "provider = \"litelm\""), "unknown providers 'litelm'. Did you mean 'litellm'"),
    (("epochs = 2", "epochz = 2"), "training: epochz: unknown key"),
    (("size = 6", "size = 6\nsample = 3"), "give exactly one of sample, sentences, articles, agree"),
    (("[annotation]", '[[distill]]\nname = "both"\nagree = ["conll", "cnll"]\n[annotation]'),
     "agree names different annotated sources (of ['conll']), not ['conll', 'cnll']"),
    (("seeds = [0, 1]", "seeds = 0"), "seeds: Input should be a valid list"),
    (("model = \"openai/fake\"", "model = \"openai/fake\"\ntemprature = 0"), "temprature: unknown key"),
    (("[annotation.strategy_options]", "[annotation.rescue_options]\ntemprature = 0.5\n[annotation.strategy_options]"),
     "annotation.rescue_options: temprature: unknown key"),
    (("[annotation.strategy_options]", "[annotation.rescue_options]\ntemperature = 0\n[annotation.strategy_options]"),
     "annotation.rescue_options: the rescue has the provider's options"),
    (("seed = 5", "seed = 5\nmin_confidence = 0.5"),
     "distill 'conll' min_confidence: provider 'litellm' is not asked for log probabilities"),
    (("mini.conll", "mini-missing.conll"), "data.test: "),
    (("to-annotate.conll", "to-annotate-missing.conll"), "distill 'conll' sentences: "),
    (('encoder = "', 'encoder = "bert-nonexistent-xyz"\n# "'),
     "training.encoder: encoder 'bert-nonexistent-xyz' is not a folder, not a packaged encoder"),
])
@pytest.mark.parametrize("dry_run", [False, True])
def test_config_errors_name_the_key_and_the_file(tmp_path, tiny_bert, run_cli, change, message, dry_run):
    """Before any work, and in the dry run too: a missing file or encoder once failed only after the paid
    annotation, and the dry run said all was well."""
    config = write_config(tmp_path, "http://127.0.0.1:9/v1", tiny_bert)
    config.write_text(config.read_text().replace(*change))
    result = run_cli("run", config, *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 1, result.output
    assert message in result.output and str(config) in result.output
    assert not (tmp_path / "run" / "distilled").exists()


def test_offline_refuses_a_hosted_provider_before_any_work(tmp_path, tiny_bert, run_cli):
    config = write_config(tmp_path, "http://127.0.0.1:9/v1", tiny_bert)
    config.write_text(config.read_text().replace('api_base = "http://127.0.0.1:9/v1"', ""))
    result = run_cli("run", config)
    assert result.exit_code == 1 and "offline mode is on" in result.output
    assert not (tmp_path / "run" / "distilled").exists()


def test_the_shipped_configs_are_valid():
    for name in ["quickstart", "paper_phase1", "paper_phase2", "paper_phase3", "gold_curve"]:
        config = nerdistill.load_run_config(ROOT / "examples" / f"{name}.toml")
        assert config.output.is_absolute()
    phase2 = nerdistill.load_run_config(ROOT / "examples" / "paper_phase2.toml")
    assert [g.name for g in phase2.all_groups()] == ["A", "B", "C", "D", "E"]
    assert len(nerdistill.load_run_config(ROOT / "examples" / "paper_phase3.toml").all_groups()) == 15


def test_the_reproduction_configs_are_valid():
    configs = {p.stem: nerdistill.load_run_config(p) for p in (ROOT / "reproduction").glob("*.toml")}
    assert set(configs) == {"phase1_local", "phase2_local", "phase3_local", "phase2_oracle", "phase3_oracle",
                            "agreement_local", "control_epochs", "gold_curve_local", "gold_curve_oracle",
                            "student_vs_teacher", "teacher_demos", "teacher_votes", "teacher_demos_all"}
    for teacher in ("local", "oracle"):
        phase2, phase3 = configs[f"phase2_{teacher}"], configs[f"phase3_{teacher}"]
        assert [g.name for g in phase2.all_groups()] == ["A", "B", "C", "D", "E"]
        assert len(phase3.all_groups()) == 8 and phase3.distill == phase2.distill
        assert phase2.seeds == phase3.seeds == [0, 1, 2]
        assert phase3.reuse_models_from == [phase2.output]  # phase 3's simple mix is phase 2's group E
    local_conll = configs["phase2_local"].distill[0]
    assert (local_conll.sample, local_conll.seed, local_conll.strategy) == (1000, 2, "cot")  # phase 1's sentences
    assert configs["phase2_oracle"].annotation.provider == "oracle-noise"
    phase1, agreement = configs["phase1_local"], configs["agreement_local"]
    assert agreement.distill[:2] == phase1.distill and agreement.distill[2].agree == ["conll-standard", "conll-cot"]
    curve_local, curve_oracle = configs["gold_curve_local"], configs["gold_curve_oracle"]
    assert curve_local.data.original_sizes == [0, 25, 50, 100, 250, 500, 1000] and len(curve_local.seeds) >= 3
    assert curve_local.distill[0].sample == phase1.distill[0].sample == 1000  # phase 1's sentences and answers
    assert (curve_local.data.seed, curve_local.distill[0].seed) == (phase1.data.seed, phase1.distill[0].seed)
    assert curve_oracle.data == curve_local.data and curve_oracle.training == curve_local.training
    assert curve_oracle.reuse_models_from == [curve_local.output] and curve_oracle.annotation.provider == "oracle-noise"
    students = configs["student_vs_teacher"]  # the curve's students at 0 gold, and the techniques beside them
    assert students.data == curve_local.data and students.data.teacher_on_test >= 500
    assert students.reuse_models_from == [curve_local.output] and students.distill == curve_local.distill
    assert all(g.schedule == "pure_distilled" for g in students.all_groups()) and students.groups[0].training == {}
    demos = configs["teacher_demos"]  # 300 of the curve's 1000 sentences, demonstrations from its gold sample
    assert (demos.data.gold, demos.data.seed, max(curve_local.data.original_sizes)) == (
        curve_local.data.gold, curve_local.data.seed, demos.data.original)
    assert {(d.sample, d.seed) for d in demos.distill} == {(300, curve_local.distill[0].seed)}
    assert [d.strategy_options.get("pool_size") for d in demos.distill] == [None, None, 50, 200]
    votes = configs["teacher_votes"]  # the demonstrations' annotations, voted on: the same sentences and prompts
    annotated = [d for d in votes.distill if d.agree is None]
    assert all(d in demos.distill for d in annotated) and votes.data == demos.data and not votes.all_groups()
    assert {tuple(d.agree) for d in votes.distill if d.agree} == {tuple(sorted(d.name for d in annotated))}
    everything = configs["teacher_demos_all"]  # the best demonstrations on the curve's 1000, its gold, its test
    (best,) = everything.distill
    assert (best.sample, best.seed) == (curve_local.distill[0].sample, curve_local.distill[0].seed)
    assert everything.data.teacher_on_test == curve_local.data.teacher_on_test and everything.data.seed == 1
    assert everything.annotation.strategy_options == demos.distill[1].strategy_options
    assert everything.training == curve_local.training and everything.reuse_models_from == [curve_local.output]

    control = configs["control_epochs"]  # phase 2's group A with half the epochs, on the same original sample
    assert control.training.epochs * 2 == configs["phase2_local"].training.epochs and not control.distill
    assert control.data == configs["phase2_local"].data and [g.name for g in control.all_groups()] == ["A"]


def test_the_committed_store_answers_the_local_curve_without_a_call(conll_test_split):
    """Every stored answer keeps its key: a change to what a request sends (a new option in the validation
    context, say) would ask the 1500 questions again."""
    from nerdistill.core.engine import Engine

    engine = Engine(nerdistill.load_run_config(ROOT / "reproduction" / "gold_curve_local.toml"), progress=False)
    assert {name: figures["calls"] for name, figures in engine.estimate().items()} == {"conll": 0,
                                                                                        "teacher-on-test": 0}

def test_the_script_carrying_the_reproduction_on_names_its_runs_in_order():
    import re
    import subprocess

    script = ROOT / "reproduction" / "run-here.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    runs = re.search(r"^RUNS=\((.*?)\)", script.read_text(), re.M).group(1).split()
    assert sorted(runs) == sorted(p.stem for p in (ROOT / "reproduction").glob("*.toml") if p.stem != "phase1_local")
    for teacher in ("local", "oracle"):  # phase 3 copies phase 2's group E as its simple mix
        assert runs.index(f"phase2_{teacher}") < runs.index(f"phase3_{teacher}")
    for later in ("gold_curve_oracle", "student_vs_teacher"):  # they copy models of the local curve
        assert runs.index("gold_curve_local") < runs.index(later)


def test_the_script_refreshing_the_results_covers_every_run_and_table():
    import importlib.util

    spec = importlib.util.spec_from_file_location("refresh_results", ROOT / "reproduction" / "refresh_results.py")
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    assert sorted(refresh.CONFIGS) == sorted(p.stem for p in (ROOT / "reproduction").glob("*.toml"))
    outputs = {nerdistill.load_run_config(ROOT / "reproduction" / f"{c}.toml").output.name for c in refresh.CONFIGS}
    documented = " ".join((ROOT / "docs" / "reproduction.md").read_text().split())
    for folders, options, title, table, _ in refresh.COMPARISONS:
        assert set(folders) <= outputs and (refresh.RESULTS / table).exists(), title
        command = " ".join(["nerdistill compare", *(f"runs/{f}" for f in folders), *options, f'--title "{title}"',
                            f"-o reproduction/results/{table}"])
        assert command in documented


def test_report_command_on_a_run_folder(tmp_path, tiny_bert, run_cli):
    with FakeOpenAIServer() as server:
        config = write_config(tmp_path, server.url, tiny_bert)
        config.write_text(config.read_text().replace("seeds = [0, 1]", "seeds = [0]").replace(
            'lr_decay = ["none", 0.9]', 'lr_decay = ["none"]').replace(  # not in the folders' alphabetical order
            'schedules = ["pure_original", "simple_mix"]', 'schedules = ["simple_mix", "pure_original"]'))
        assert run_cli("run", config, "--stage", "data", "--stage", "annotate").exit_code == 0
        dry = run_cli("run", config, "--dry-run")
        assert "to train" in dry.output and "calls" in dry.output
        assert run_cli("run", config, "--quiet").exit_code == 0
    result = run_cli("report", tmp_path / "run")
    assert result.exit_code == 0 and "## Trained models" in result.output
    collected = json.loads(run_cli("report", tmp_path / "run", "--json").output)
    assert len(collected["models"]) == 2
    assert [a["group"] for a in collected["aggregates"]] == ["simple_mix", "pure_original"]  # the config's order
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())
    assert recorded["groups"] == ["simple_mix", "pure_original"] and recorded["config"]["training"]["epochs"] == 2


def test_models_are_planned_seed_by_seed(tmp_path, tiny_bert):
    from nerdistill.core.engine import Engine

    config = nerdistill.load_run_config(write_config(tmp_path, "http://127.0.0.1:9", tiny_bert))
    planned = [(m.seed, m.group.name, m.decay) for m in Engine(config).planned_models()]
    assert planned == [(seed, group, decay) for seed in (0, 1) for group in ("pure_original", "simple_mix")
                       for decay in (None, 0.9)]


def test_shards_share_the_models_of_a_sweep(tmp_path, monkeypatch, run_cli, tiny_bert):
    from nerdistill.core import engine as engine_module

    config_file = write_config(tmp_path, "http://127.0.0.1:9", tiny_bert)
    with config_file.open("a") as stream:  # an explicit group too, with its list of sources (as in table 2)
        stream.write('\n[[groups]]\nname = "D"\nschedule = "simple_mix"\ndistilled = ["conll"]\n')
    config = nerdistill.load_run_config(config_file)
    write_sentences(read_sentences(SAMPLES / "to-annotate.conll")[:6], config.output / "distilled" / "conll.jsonl")
    trained = []
    monkeypatch.setattr(engine_module, "train_and_evaluate", lambda **kw: trained.append(kw["output_dir"]) or {})
    monkeypatch.setattr(engine_module, "result_row", lambda model, summary: {})
    planned = [m.folder(config.output) for m in engine_module.Engine(config).planned_models()]
    for index in range(3):
        engine_module.Engine(config, shard=(index, 3)).stage_train()
    assert sorted(trained) == sorted(planned) and len(trained) == len(set(trained)) == 12
    with pytest.raises(NerdistillError, match="run the data and annotate stages once first"):
        engine_module.Engine(config, shard=(0, 3)).run(("annotate", "train"))
    assert "give I/N with 0 <= I < N" in run_cli("run", config_file, "--shard", "3/3").output


def test_a_stop_says_how_to_carry_on(tmp_path, monkeypatch, run_cli, tiny_bert):
    from nerdistill.cli import run as run_module

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "run_config", stopped)
    result = run_cli("run", write_config(tmp_path, "http://127.0.0.1:9", tiny_bert))
    assert result.exit_code == 130 and "the same command carries on from there" in result.output


def test_a_result_counts_as_done_without_its_weights_while_data_and_settings_match(tmp_path, tiny_bert):
    """As when models are trained on a lent GPU node and only their results come back."""
    import shutil

    with FakeOpenAIServer() as server:
        config = write_config(tmp_path, server.url, tiny_bert)
        config.write_text(config.read_text().replace("seeds = [0, 1]", "seeds = [0]").replace(
            'lr_decay = ["none", 0.9]', 'lr_decay = ["none"]'))
        first = nerdistill.run(config, progress=False)
        for weights in (tmp_path / "run" / "models").glob("*/*/seed-*/model"):
            shutil.rmtree(weights)
        trained = []
        real_epoch = token_classification.TokenClassificationTrainer._train_epoch
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(token_classification.TokenClassificationTrainer, "_train_epoch",
                          lambda self, epoch, *rest: trained.append(epoch) or real_epoch(self, epoch, *rest))
            again = nerdistill.run(config, progress=False)
            assert trained == [] and again.models == first.models
            config.write_text(config.read_text().replace("learning_rate = 1e-3", "learning_rate = 2e-3"))
            nerdistill.run(config, progress=False)
            assert trained == [0, 1, 0, 1]  # other settings: both models train again


def test_a_model_another_run_finished_is_taken_from_it_not_trained_again(tmp_path, tiny_bert, caplog, run_cli):
    """As phase 3's simple mix, which is phase 2's group E."""
    import logging

    with FakeOpenAIServer() as server:
        first = write_config(tmp_path, server.url, tiny_bert)
        first.write_text(first.read_text().replace("seeds = [0, 1]", "seeds = [0]").replace(
            'lr_decay = ["none", 0.9]', 'lr_decay = ["none"]'))
        nerdistill.run(first, progress=False)
        second = tmp_path / "second.toml"
        second.write_text(first.read_text().replace('output = "run"', 'output = "second"').replace(
            'schedules = ["pure_original", "simple_mix"]',
            'schedules = ["simple_mix", "pure_distilled"]\nreuse_models_from = ["run", "never-run"]'))
        assert "to train" in run_cli("run", second, "--dry-run").output  # not annotated: nothing can be done
        assert run_cli("run", second, "--stage", "data", "--stage", "annotate").exit_code == 0
        planned = run_cli("run", second, "--dry-run").output
        assert f"to copy from {tmp_path / 'run'}" in planned and planned.count("to train") == 1
        trained = []
        real_train = token_classification.TokenClassificationTrainer.train
        with pytest.MonkeyPatch.context() as patch, caplog.at_level(logging.WARNING, "nerdistill.engine"):
            patch.setattr(token_classification.TokenClassificationTrainer, "train",
                          lambda self, **kw: trained.append(kw["output_dir"].parts[-3]) or real_train(self, **kw))
            results = nerdistill.run(second, progress=False)
    assert trained == ["pure_distilled"]
    assert "never-run has no trained models" in caplog.text
    taken = next(m for m in results.models if m["group"] == "simple_mix")
    source = tmp_path / "run" / "models" / "simple_mix" / "no-decay" / "seed-0"
    assert taken["taken_from"] == str(source)
    assert taken["f1"] == json.loads((source / "result.json").read_text())["f1"]
    copied = tmp_path / "second" / "models" / "simple_mix" / "no-decay" / "seed-0" / "model" / "model.safetensors"
    assert copied.stat().st_ino == (source / "model" / "model.safetensors").stat().st_ino  # linked, not copied


def test_the_dry_run_before_annotation_plans_the_groups_that_need_no_distilled_data(tmp_path, run_cli, tiny_bert):
    config = write_config(tmp_path, "http://127.0.0.1:9", tiny_bert, top='seeds = [0]\nlr_decay = ["none"]')
    config.write_text(config.read_text().replace('lr_decay = ["none", 0.9]\nseeds = [0, 1]\n', "")
                      + '\n[[groups]]\nname = "A"\nschedule = "pure_original"\ndistilled = []\n')
    result = run_cli("run", config, "--dry-run")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: " ".join(line.split()[4:]) for line in result.output.splitlines()
            if line.split()[:1] in (["pure_original"], ["simple_mix"], ["A"])}
    passes = 2 * len(read_sentences(SAMPLES / "original.conll"))  # every original sentence in both epochs
    assert rows == {"pure_original": "to train (after annotate)", "simple_mix": "to train (after annotate)",
                    "A": f"{passes} to train"}
    assert f"training left: 3 of 3 models, {passes:,} sentence passes besides the 2 waiting" in result.output


def test_processes_on_one_run_pass_over_a_model_another_is_training(tmp_path, monkeypatch, run_cli, tiny_bert):
    """Two `nerdistill run CONFIG --stage train` side by side share the models instead of training both."""
    from nerdistill.core import engine as engine_module
    from nerdistill.core.training.claims import claimed

    config_file = write_config(tmp_path, "http://127.0.0.1:9", tiny_bert)
    config = nerdistill.load_run_config(config_file)
    write_sentences(read_sentences(SAMPLES / "to-annotate.conll")[:6], config.output / "distilled" / "conll.jsonl")
    trained = []
    monkeypatch.setattr(engine_module, "train_and_evaluate", lambda **kw: trained.append(kw["output_dir"]) or {})
    monkeypatch.setattr(engine_module, "result_row", lambda model, summary: {})
    busy, *others = [m.folder(config.output) for m in engine_module.Engine(config).planned_models()]
    with claimed(busy) as ours:  # a lock is per open file, so this holds it as another process would
        assert ours
        plan = run_cli("run", config_file, "--dry-run").output
        assert plan.count("training in another process") == 1 and "models (1 in another process)" in plan
        engine_module.Engine(config).stage_train()
    assert trained == others
    engine_module.Engine(config).stage_train()  # released: the next run takes it
    assert trained == [*others, busy]


def test_the_processes_of_one_distributed_launch_claim_nothing(tmp_path, monkeypatch):
    """They train each model together (data parallel): one passing a model over would leave the others waiting."""
    from nerdistill.core.training.claims import claimed

    with claimed(tmp_path / "seed-0") as first:
        monkeypatch.setenv("WORLD_SIZE", "2")
        with claimed(tmp_path / "seed-0") as second:
            assert first and second


def test_a_stopped_stage_records_its_wall_time(tmp_path, monkeypatch, tiny_bert):
    """A sweep on a CPU is stopped and restarted many times: the report adds up every run of each stage."""
    from nerdistill.core import engine as engine_module
    from nerdistill.core.reporting.report import collect

    config = nerdistill.load_run_config(write_config(tmp_path, "http://127.0.0.1:9", tiny_bert))

    def stopped(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine_module.Engine, "stage_train", stopped)
    monkeypatch.setattr(engine_module.Engine, "check", lambda self: None)
    for _ in range(2):
        with pytest.raises(KeyboardInterrupt):
            engine_module.Engine(config).run(("data", "train"))
    collected = collect(config.output)
    assert collected["stage_runs"] == {"data": {"runs": 2, "stopped": 0}, "train": {"runs": 2, "stopped": 2}}
    assert collected["stage_seconds"]["train"] >= 0


def test_sigterm_stops_a_command_as_ctrl_c_does(tmp_path, run_cli, monkeypatch, tiny_bert):
    import os
    import signal

    from nerdistill.cli import run as run_module

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(run_module, "run_config", killed)
    before = signal.getsignal(signal.SIGTERM)
    result = run_cli("run", write_config(tmp_path, "http://127.0.0.1:9", tiny_bert))
    assert result.exit_code == 143 and "the same command carries on from there" in result.output
    assert signal.getsignal(signal.SIGTERM) is before
