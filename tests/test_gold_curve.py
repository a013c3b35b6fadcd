"""The gold-budget curve: a sweep over the size of the original (gold) data, validation-based model
selection, students fine-tuned from another group's model, and the curve in reports and comparisons."""

import json
from pathlib import Path

import pytest

import nerdistill
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.sampling import nested_sample, sample_sentences
from nerdistill.core.engine import Engine
from nerdistill.core.errors import NerdistillError
from nerdistill.core.reporting.curve import gold_curves, gold_equivalent, merged_curves
from tests.oracle_configs import ROOT, SAMPLES, oracle_run_config
from tests.tiny_bert import build_tiny_bert

#: the curve's three groups: the distilled student (trained once), gold only, and the student fine-tuned on gold
GROUPS = '''
[[groups]]
name = "distilled"
schedule = "pure_distilled"

[[groups]]
name = "gold"
schedule = "pure_original"
distilled = []

[[groups]]
name = "then"
schedule = "pure_original"
start_from = "distilled"
'''


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def write_sweep(tmp_path, tiny_bert, *, sizes="[0, 4, 8]", groups=None, training="", data="") -> Path:
    return oracle_run_config(tmp_path / "sweep.toml", tiny_bert, name="sweep", test=ROOT / "tests" / "fixtures" /
                             "mini.conll", data=f"original = {sizes}\n{data}", groups=groups or GROUPS,
                             training=training)


def test_nested_samples_hold_each_other_and_the_largest_is_the_whole_set():
    pool = read_sentences(SAMPLES / "original.conll")[:100]
    samples = {n: nested_sample(pool, n, seed=1) for n in (0, 10, 25, 50, 100)}
    assert samples[100] == pool and samples[0] == []
    for small, large in ((10, 25), (25, 50), (50, 100)):
        assert {s.tokens for s in samples[small]} < {s.tokens for s in samples[large]}
    assert [s.id for s in samples[25]] == sorted((s.id for s in samples[25]), key=[p.id for p in pool].index)
    assert nested_sample(pool, 25, seed=1) == samples[25] and nested_sample(pool, 25, seed=2) != samples[25]
    with pytest.raises(NerdistillError):
        nested_sample(pool, 101, seed=1)


@pytest.mark.parametrize("sizes, message", [
    ("[]", "a sweep is a list of different sizes"), ("[25, 25]", "a sweep is a list of different sizes"),
    ("[-1, 25]", "a sweep is a list of different sizes"), ("0", "a sample size is at least 1")])
def test_a_bad_size_list_is_one_error_naming_the_key(tmp_path, tiny_bert, sizes, message):
    with pytest.raises(NerdistillError, match=rf"sweep\.toml: data\.original: .*{message}"):
        nerdistill.load_run_config(write_sweep(tmp_path, tiny_bert, sizes=sizes))


def test_start_from_names_a_group_defined_before(tmp_path, tiny_bert):
    groups = '''
[[groups]]
name = "then"
schedule = "pure_original"
start_from = "distilled"

[[groups]]
name = "distilled"
schedule = "pure_distilled"
'''
    with pytest.raises(NerdistillError, match="start_from names 'distilled', which is not a group defined before it"):
        nerdistill.load_run_config(write_sweep(tmp_path, tiny_bert, groups=groups))


def test_the_plan_crosses_groups_with_sizes_and_gives_small_samples_more_epochs(tmp_path, tiny_bert):
    groups = GROUPS + '''
[[groups]]
name = "all"
schedule = "all"
'''
    config = write_sweep(tmp_path, tiny_bert, groups=groups, training="min_sentence_passes = 32",
                         data=f'validation = "{SAMPLES / "original.conll"}"')  # the gold pool itself
    engine = Engine(nerdistill.load_run_config(config))
    planned = [(m.group.name, m.gold) for m in engine.planned_models() if m.seed == 0]
    # trained once whatever the size; no gold-only model of no gold; the start model is 'then' at 0; 'all' is
    # trained at 0 on its distilled data alone
    assert planned == [("distilled", None), ("gold", 4), ("gold", 8), ("then", 4), ("then", 8), ("all", 0),
                       ("all", 4), ("all", 8)]
    engine.run(("data", "annotate"))
    largest, distill = engine.original(), engine.inputs()["conll"]
    assert len(largest) == 8 and not {s.tokens for s in largest} & {s.tokens for s in distill}
    assert largest == sample_sentences(read_sentences(SAMPLES / "original.conll"), 8, seed=1)  # as a run of 8
    trained = {s.tokens for s in [*largest, *distill]}
    validation = engine.validation()  # what is trained on never chooses an epoch
    assert not trained & {s.tokens for s in validation}
    assert len(validation) == len([s for s in read_sentences(SAMPLES / "original.conll") if s.tokens not in trained])
    tasks = {(t.model.group.name, t.model.gold): t for t in engine.training_plan() if t.model.seed == 0}
    assert {s.tokens for s in tasks["gold", 4].original} < {s.tokens for s in tasks["gold", 8].original}
    assert tasks["gold", 4].mixer.epochs == 8 and tasks["gold", 8].mixer.epochs == 4  # 32 passes at least
    assert tasks["distilled", None].mixer.epochs == 6 and tasks["distilled", None].original == []
    assert tasks["all", 8].mixer.epochs == 3  # 6 distilled + 8 original an epoch
    assert tasks["then", 4].start.folder == tasks["distilled", None].folder
    assert tasks["then", 4].fingerprint != tasks["gold", 4].fingerprint  # the same data, another start
    assert (tmp_path / "run" / "models" / "then@4" / "no-decay" / "seed-0") == tasks["then", 4].folder


def test_simple_mix_at_size_zero_fails_before_any_training_saying_which_group_and_size(tmp_path, tiny_bert):
    groups = '''
[[groups]]
name = "mix"
schedule = "simple_mix"
'''
    config = write_sweep(tmp_path, tiny_bert, groups=groups)
    with pytest.raises(NerdistillError, match="group 'mix' at 0 gold sentences: schedule simple_mix leaves epoch"):
        nerdistill.run(config, progress=False)
    assert not (tmp_path / "run" / "models").exists()


def test_validation_sentences_that_are_test_sentences_are_refused(tmp_path, tiny_bert):
    config = write_sweep(tmp_path, tiny_bert, data=f'validation = "{ROOT / "tests" / "fixtures" / "mini.conll"}"')
    with pytest.raises(NerdistillError, match="data.validation: .* are test sentences"):
        nerdistill.run(config, progress=False)


def test_a_sweep_trains_reports_and_draws_the_curve_and_a_second_run_trains_nothing(tmp_path, tiny_bert):
    config = write_sweep(tmp_path, tiny_bert, training="validate_every = 4\npatience = 1",
                         data=f'validation = "{SAMPLES / "to-annotate.conll"}"\nvalidation_size = 20')
    results = nerdistill.run(config, progress=False)
    run = tmp_path / "run"
    rows = {(m["group"], m.get("gold_sentences"), m["seed"]): m for m in results.models}
    assert set(rows) == {(g, n, s) for s in (0, 1) for g, n in
                         [("distilled", None), ("gold", 4), ("gold", 8), ("then", 4), ("then", 8)]}
    for row in rows.values():  # chosen on the validation sentences, never on the test ones
        selection = row["selection"]
        assert 1 <= selection["best_epoch"] <= selection["epochs_trained"] <= selection["epochs_planned"]
    curve = json.loads((run / "report.json").read_text())["gold_curve"]
    assert curve["sizes"] == [0, 4, 8] and curve["reference"] == "gold"
    then = next(c for c in curve["curves"] if c["name"] == "then")
    distilled_f1 = [rows["distilled", None, s]["f1"] for s in (0, 1)]
    assert then["f1_mean"][0] == pytest.approx(sum(distilled_f1) / 2)  # its start model is its point at 0
    assert then["seeds"] == [[0, 1]] * 3 and then["teacher"] == "oracle-noise/simulated, standard"
    assert [w["at_size"] for w in curve["worth"]] == [0, 4, 8]
    report = (run / "report.md").read_text()
    assert "## Gold-budget curve" in report and "| then@4 | pure_original |" in report
    cost = json.loads((run / "report.json").read_text())["cost_per_point"]  # the labels' cost against the gain
    assert cost["baseline"] == "gold"
    assert [(r["name"], r["at_size"]) for r in cost["rows"]] == [("then", 4), ("then", 8)]
    summary = json.loads((run / "distilled" / "conll.summary.json").read_text())
    assert summary["spent"]["answers"] == 6 and summary["spent"]["cost"] == 0.0  # simulated: free, no call
    assert all(r["answers"] == 6 and r["dollars"] == 0.0 for r in cost["rows"])
    assert "## What the labels cost per F1 point" in report
    assert (run / "gold_curve.png").stat().st_size > 10_000
    finished = {p: p.stat().st_mtime_ns for p in run.glob("models/*/*/seed-*/model/model.safetensors")}
    nerdistill.run(config, progress=False)
    assert {p: p.stat().st_mtime_ns for p in run.glob("models/*/*/seed-*/model/model.safetensors")} == finished


def test_the_model_kept_is_the_best_on_the_validation_sentences(tmp_path, tiny_bert):
    from nerdistill.core.data.labels import CONLL2003
    from nerdistill.core.scoring.evaluation import score_tags
    from nerdistill.core.training.one_model import train_and_evaluate
    from nerdistill.core.training.trainer import build_trainer
    from nerdistill.schedules.spec import make_schedule

    original = read_sentences(SAMPLES / "original.conll")[:24]
    validation = read_sentences(SAMPLES / "to-annotate.conll")[:30]
    trainer = build_trainer("token-classification", {"encoder": str(tiny_bert), "epochs": 6, "batch_size": 8,
                                                     "learning_rate": 3e-3, "validate_every": 1}, base=tmp_path)
    summary = train_and_evaluate(trainer=trainer, schedule=make_schedule("pure_original"), distilled=[],
                                 original=original, test=None, label_set=CONLL2003, output_dir=tmp_path / "m",
                                 seed=0, validation=validation)
    scored = [e["validation_f1"] for e in summary["epochs"]]
    assert len(scored) == 6 and summary["selection"]["validation_f1"] == max(scored)
    assert summary["selection"]["best_epoch"] == scored.index(max(scored)) + 1
    predicted = trainer.predict(tmp_path / "m" / "model", validation)
    assert score_tags([s.tags for s in validation], predicted)["micro"]["f1"] == pytest.approx(max(scored))


def test_a_trainer_without_the_optional_arguments_is_refused_before_any_work(tmp_path, tiny_bert, fresh_plugins):
    from nerdistill.core.training.trainer import Trainer

    class Plain(Trainer):
        def train(self, *, distilled, original, mixer, label_set, output_dir, seed):
            raise AssertionError("never reached")

    plain = Plain("plain")
    plain.require({"validation": None})
    with pytest.raises(NerdistillError, match="data.validation: the 'plain' trainer takes no validation"):
        plain.require({"validation": "data.validation"})


def test_gold_equivalent_interpolates_on_the_log_of_the_size():
    sizes, gold = [0, 100, 1000], [None, 0.5, 0.7]
    assert gold_equivalent(0.6, sizes, gold) == pytest.approx(316.2, abs=0.1)  # halfway in log: sqrt(100 * 1000)
    assert gold_equivalent(0.7, sizes, gold) == 1000
    assert gold_equivalent(0.71, sizes, gold) == "more than 1000"
    assert gold_equivalent(0.4, sizes, gold) == "fewer than 100"
    assert gold_equivalent(0.5, sizes, gold) == 100
    assert gold_equivalent(0.6, [0, 100, 300, 1000], [None, 0.5, 0.65, 0.6]) < 300  # the first crossing


def rows_of(run: str, f1: dict[tuple[str, int | None], list[float]]) -> list[dict]:
    rows = []
    for (group, size), values in f1.items():
        for seed, value in enumerate(values):
            row = {"group": group, "seed": seed, "decay": None, "f1": value, "schedule": "pure_original",
                   "distilled": [] if group == "gold" else None}
            if size is not None:
                row["gold_sentences"] = size
            if group == "then":
                row["start_from"] = "distilled"
            rows.append(row)
    return rows


def test_curves_pair_by_seed_at_each_size_and_merge_across_runs():
    local = rows_of("local", {("distilled", None): [0.3, 0.4, 0.5], ("gold", 10): [0.5, 0.5, 0.5],
                              ("gold", 100): [0.7, 0.7, 0.7], ("then", 10): [0.6, 0.62, 0.58],
                              ("then", 100): [0.72, 0.71, 0.73]})
    curve = gold_curves(local, ["distilled", "gold", "then"])
    assert curve["sizes"] == [0, 10, 100] and [c["name"] for c in curve["curves"]] == ["gold", "then"]
    then = curve["curves"][1]
    assert then["f1_mean"] == pytest.approx([0.4, 0.6, 0.72]) and then["f1_sd"][0] == pytest.approx(0.1)
    assert [(p["at_size"], round(p["difference"], 3), p["higher"]) for p in curve["paired"]] == [
        (10, 0.1, 3), (100, 0.02, 3)]
    assert [w["gold_equivalent"] for w in curve["worth"]] == ["fewer than 10", pytest.approx(31.6, abs=0.1),
                                                              "more than 100"]
    oracle = rows_of("oracle", {("distilled", None): [0.6] * 3, ("gold", 10): [0.5] * 3, ("gold", 100): [0.7] * 3,
                                ("then", 10): [0.69] * 3, ("then", 100): [0.8] * 3})
    merged = merged_curves({"local": (local, {"then": "local model"}, ["distilled", "gold", "then"]),
                            "oracle": (oracle, {"then": "GPT-4"}, ["distilled", "gold", "then"])})
    assert [(c["name"], c["teacher"]) for c in merged["curves"]] == [
        ("gold", None), ("local: then", "local model"), ("oracle: then", "GPT-4")]
    assert merged["curves"][2]["f1_mean"] == pytest.approx([0.6, 0.69, 0.8])


def write_results(run: Path, rows: list[dict]) -> None:
    for row in rows:
        name = row["group"] + (f"@{row['gold_sentences']}" if "gold_sentences" in row else "")
        folder = run / "models" / name / "no-decay" / f"seed-{row['seed']}"
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps({**row, "types": {}, "train_seconds": 1.0, "weights": []}))


def test_compare_sets_two_sweeps_on_one_curve(tmp_path, run_cli):
    write_results(tmp_path / "local", rows_of("local", {("distilled", None): [0.3, 0.4], ("gold", 10): [0.5, 0.5],
                                                        ("gold", 100): [0.7, 0.7], ("then", 10): [0.6, 0.6]}))
    write_results(tmp_path / "oracle", rows_of("oracle", {("distilled", None): [0.6, 0.6], ("gold", 10): [0.5, 0.5],
                                                          ("then", 10): [0.69, 0.69]}))
    result = run_cli("compare", tmp_path / "local", tmp_path / "oracle", "--only", "curve", "--curve",
                     tmp_path / "curve.png", "--json")
    curve = json.loads(result.output)["gold_curve"]
    assert [c["name"] for c in curve["curves"]] == ["gold", "local: then", "oracle: then"]
    assert (tmp_path / "curve.png").exists()
    text = run_cli("compare", tmp_path / "local", tmp_path / "oracle", "--only", "curve").output
    assert "## Gold-budget curve" in text and "| oracle: then | 10 | 0.690 | 89 |" in text  # 10^1.95


def test_a_process_trains_what_it_can_while_another_trains_a_start_model(tmp_path, tiny_bert, monkeypatch):
    """Two processes on a curve: while one trains the distilled student, the other takes the gold-only models
    instead of waiting for it, and waits only when every model left starts from it."""
    from nerdistill.core import engine as engine_module
    from nerdistill.core.training.claims import claimed

    config = nerdistill.load_run_config(write_sweep(tmp_path, tiny_bert))
    Engine(config, progress=False).run(("data", "annotate"))
    trained, waited = [], []
    monkeypatch.setattr(engine_module, "train_and_evaluate", lambda **kw: trained.append(kw["output_dir"]) or {})
    monkeypatch.setattr(engine_module, "result_row", lambda model, summary: {})
    engine = Engine(config, progress=False)
    folders = {(t.model.group.name, t.model.gold, t.model.seed): t.folder for t in engine.training_plan()}
    busy = folders["distilled", None, 0]
    other = claimed(busy)  # held as another process holds it (a lock is per open file)
    assert other.__enter__()

    def wait_for(folder):
        waited.append((folder, list(trained)))
        other.__exit__(None, None, None)  # the other process finishes... without a model: this one trains it

    monkeypatch.setattr(engine_module.Engine, "_wait_for", staticmethod(wait_for))
    engine.stage_train()
    (folder, before), = waited
    assert folder == busy
    assert set(before) == {f for key, f in folders.items() if key[0] == "gold" or key[2] == 1 or key == busy} - {busy}
    assert set(trained) == set(folders.values())
