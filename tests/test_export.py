"""`nerdistill export`: an ONNX folder that tags as the PyTorch model does, run with no torch."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import nerdistill
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.labels import CONLL2003
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import tags_to_spans
from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins.registry import registry
from nerdistill.core.training.one_model import train_and_evaluate
from nerdistill.schedules import make_schedule
from nerdistill.trainers.onnx import PieceTokenizer
from tests.tiny_bert import build_tiny_bert

FIXTURES = Path(__file__).parent / "fixtures"
ODD = Sentence(id="odd", tokens=("EU", "rejects", "Ünïcode", "1996-08-22", "call", "🙂", "to", "boycott"))


def trainer(encoder, **options):
    settings = {"encoder": str(encoder), "epochs": 20, "batch_size": 2, "learning_rate": 2e-3, "progress": False,
                **options}
    return registry("trainers").get("token-classification")("token-classification", settings)


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "shape-markers"])
def trained(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    encoder = build_tiny_bert(folder / "tiny-bert")
    sentences = read_sentences(FIXTURES / "mini.conll")
    model_trainer = trainer(encoder, shape_markers=request.param)
    train_and_evaluate(trainer=model_trainer, schedule=make_schedule("pure_original"), distilled=[],
                       original=sentences, test=None, label_set=CONLL2003, output_dir=folder / "run", seed=0)
    return model_trainer, folder / "run" / "model", [*sentences, ODD]


def test_the_onnx_model_tags_as_the_pytorch_one(trained, tmp_path):
    model_trainer, model, sentences = trained
    exported = model_trainer.export(model, tmp_path / "onnx", format="onnx", quantize="none")
    card = json.loads((exported / "nerdistill.json").read_text())
    assert card["format"] == "onnx" and card["quantize"] == "none" and card["labels"] == list(CONLL2003.tags)
    expected = model_trainer.predict_scored(model, sentences)
    got = model_trainer.predict_scored(exported, sentences)
    assert [tags for tags, _ in got] == [tags for tags, _ in expected]
    assert all(abs(a - b) < 1e-3 for (_, x), (_, y) in zip(got, expected) for a, b in zip(x, y))
    assert any(tag != "O" for tags, _ in got for tag in tags)


def test_int8_quantizes_the_matrix_products_and_keeps_every_word_tagged(trained, tmp_path):
    import onnx

    model_trainer, model, sentences = trained
    int8 = model_trainer.export(model, tmp_path / "int8", format="onnx", quantize="dynamic-int8")
    operators = {node.op_type for node in onnx.load(int8 / "model.onnx").graph.node}
    assert "DynamicQuantizeLinear" in operators and "MatMulInteger" in operators, operators
    assert "QAttention" in operators  # attention fused by ONNX Runtime's optimizer, then quantized
    tags = model_trainer.predict(int8, sentences)
    assert [len(t) for t in tags] == [len(s.tokens) for s in sentences]
    assert all(t in CONLL2003.tags for sentence in tags for t in sentence)


def test_the_exported_tokenizer_gives_transformers_word_pieces(trained):
    from transformers import AutoTokenizer

    _, model, sentences = trained
    words = [list(s.tokens) for s in sentences]
    ours = PieceTokenizer(model)(words, is_split_into_words=True, add_special_tokens=False, truncation=False)
    theirs = AutoTokenizer.from_pretrained(model)(words, is_split_into_words=True, add_special_tokens=False,
                                                  truncation=False)
    assert ours["input_ids"] == theirs["input_ids"]
    assert all(ours.word_ids(i) == theirs.word_ids(i) for i in range(len(words)))


def test_an_exported_folder_through_the_cli_and_the_api_without_torch(trained, tmp_path, run_cli):
    _, model, sentences = trained
    result = run_cli("export", model, "-o", tmp_path / "int8", "--quantize", "dynamic-int8")
    assert result.exit_code == 0, result.output
    (tmp_path / "notes.txt").write_text("Peter Blackburn flew to Paris. The EU rejects it.\n")
    assert run_cli("predict", tmp_path / "int8", tmp_path / "notes.txt", "-o", tmp_path / "x.conll").exit_code == 0
    assert [len(s.tags) for s in read_sentences(tmp_path / "x.conll")] == [6, 5]
    again = run_cli("export", tmp_path / "int8", "-o", tmp_path / "again")
    assert again.exit_code == 1 and "already an exported model" in again.output
    code = ("import sys, nerdistill; tagged = nerdistill.tag(sys.argv[1], ['Peter Blackburn flew to Paris.']); "
            "assert len(tagged[0].tags) == 6; "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'loaded torch'")
    child = subprocess.run([sys.executable, "-c", code, str(tmp_path / "int8")], capture_output=True, text=True)
    assert child.returncode == 0, child.stderr[-2000:]
    assert [s.tags for s in nerdistill.tag(tmp_path / "int8", sentences[:1])][0]
    text = "RT @nasa: Peter Blackburn 🙂 flew to Paris"
    found = nerdistill.entities(tmp_path / "int8", [text], split="line", tokenizer="social")[0]
    assert all(text[e["start"]:e["end"]] == e["text"] for e in found)


def test_only_onnx_and_only_from_a_pytorch_folder(trained, tmp_path):
    model_trainer, model, _ = trained
    with pytest.raises(NerdistillError, match="exports to onnx"):
        model_trainer.export(model, tmp_path / "x", format="tflite", quantize="none")


def test_the_model_folder_loads_in_transformers_pipeline_with_the_label_names(trained):
    from transformers import pipeline

    _, model, sentences = trained
    tagger = pipeline("token-classification", model=str(model), aggregation_strategy="simple", device=-1)
    assert tagger.model.config.id2label == dict(enumerate(CONLL2003.tags))
    found = [entity for sentence in sentences for entity in tagger(" ".join(sentence.tokens))]
    assert found and {entity["entity_group"] for entity in found} <= set(CONLL2003.names)


def test_a_spacy_pipeline_sets_doc_ents_on_its_own_tokens(trained):
    import spacy

    model_trainer, model, sentences = trained
    nlp = spacy.blank("en")
    nlp.add_pipe("nerdistill", config={"model": str(model)})  # found through the entry point, no import
    texts = [" ".join(s.tokens) for s in sentences] + ["Peter  Blackburn\nflew to Paris 🙂 ."]
    docs = list(nlp.pipe(texts, batch_size=2))
    expected = model_trainer.predict(model, [Sentence(id=str(i), tokens=tuple(t.text for t in doc if not t.is_space))
                                             for i, doc in enumerate(docs)])
    for doc, tags in zip(docs, expected):
        words = [t for t in doc if not t.is_space]
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
            (words[s.start].idx, words[s.end - 1].idx + len(words[s.end - 1].text), s.label)
            for s in tags_to_spans(tags)]
        assert len(doc.spans["nerdistill"].attrs["scores"]) == len(doc.ents)
    assert any(doc.ents for doc in docs)


def test_a_long_sentence_is_tagged_in_overlapping_windows_each_word_where_it_has_most_context(trained):
    import numpy as np
    from transformers import AutoTokenizer

    from nerdistill.trainers.features import encode
    from nerdistill.trainers.tagging import tag_sentences

    _, model, sentences = trained
    tokenizer = AutoTokenizer.from_pretrained(model)
    sentence = Sentence(id="long", tokens=tuple(t for s in sentences * 4 for t in s.tokens)[:60])
    windows = encode([sentence], tokenizer, None, 16, overlap=4)
    assert all(b.first_word < a.first_word + len(a.word_starts) for a, b in zip(windows, windows[1:]))  # overlap

    def run(input_ids, attention):  # each piece's "probability" is its column: it says which window tagged a word
        columns = np.broadcast_to(np.arange(input_ids.shape[1]) / 1000, input_ids.shape)
        return columns, np.zeros(input_ids.shape, dtype=np.int64)

    ((tags, scores),) = tag_sentences(run, {0: "O"}, tokenizer, [sentence], max_length=16, batch_size=3,
                                      markers=None)
    assert len(tags) == 60
    for word, score in enumerate(scores):
        covering = {i: min(word - w.first_word, w.first_word + len(w.word_starts) - 1 - word)
                    for i, w in enumerate(windows) if w.first_word <= word < w.first_word + len(w.word_starts)}
        chosen = [context for i, context in covering.items()
                  if round(windows[i].word_starts[word - windows[i].first_word] / 1000, 4) == score]
        assert chosen and max(chosen) == max(covering.values()), word



def test_batches_run_in_parallel_streams_come_back_to_their_own_sentences(trained):
    import random
    import threading
    import time

    from transformers import AutoTokenizer

    from nerdistill.trainers.tagging import tag_sentences

    _, model, sentences = trained
    tokenizer, threads, labels = AutoTokenizer.from_pretrained(model), set(), {i: f"B-T{i}" for i in range(7)}

    def run(input_ids, attention):  # each piece's label and score follow from its id; batches finish out of order
        threads.add(threading.get_ident())
        time.sleep(random.Random(int(input_ids.sum())).random() / 100)
        return input_ids / 1e6, input_ids % 7

    one = tag_sentences(run, labels, tokenizer, sentences, max_length=16, batch_size=4)
    assert len(threads) == 1
    assert tag_sentences(run, labels, tokenizer, sentences, max_length=16, batch_size=4, streams=3) == one
    assert len(threads) > 1


ODD_TEXTS = ["Peter  Blackburn\tflew to\u00a0Paris 🙂 .\n\nThe EU rejects it: https://example.org/a?b=c", "",
             "Alice visited York 👍🏽 and Rome ."]


def test_entities_carry_character_offsets_into_the_raw_text(trained):
    from nerdistill.core.training.prediction import text_entities

    model_trainer, model, _ = trained
    found = text_entities(ODD_TEXTS, lambda sentences: [(tuple(["B-LOC"] * len(s.tokens)), (0.5,) * len(s.tokens))
                                                        for s in sentences])
    assert [len(entities) for entities in found][1] == 0
    for text, entities in zip(ODD_TEXTS, found):
        assert all(text[e["start"]:e["end"]] == e["text"] and e["text"].strip() == e["text"] for e in entities)
    assert "Paris" in [e["text"] for e in found[0]] and "👍" in "".join(e["text"] for e in found[2])
    real = text_entities(ODD_TEXTS, model_trainer.load_tagger(model))
    assert all(text[e["start"]:e["end"]] == e["text"] for text, entities in zip(ODD_TEXTS, real) for e in entities)


@pytest.fixture
def server(trained, tmp_path):
    import socket
    import time

    import httpx

    _, model, _ = trained
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "nerdistill", "serve", str(model), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(process.stdout.read1().decode() if process.poll() is not None else "the server never came up")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_http_server_tags_concurrent_requests_and_turns_bad_ones_away(server, trained):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from nerdistill.core.training.prediction import text_entities

    model_trainer, model, _ = trained
    health = httpx.get(f"{server}/health").json()
    assert health["status"] == "ok" and health["labels"] == list(CONLL2003.names)
    expected = text_entities(ODD_TEXTS, model_trainer.load_tagger(model))
    answer = httpx.post(f"{server}/tag", json={"texts": ODD_TEXTS})
    assert answer.status_code == 200 and answer.json()["entities"] == expected
    with ThreadPoolExecutor(16) as pool:  # requests batched together come back to their own senders
        answers = list(pool.map(lambda i: httpx.post(f"{server}/tag", json={"texts": [ODD_TEXTS[i % 3]]}).json(),
                                range(48)))
    assert [a["entities"][0] for a in answers] == [expected[i % 3] for i in range(48)]
    sure = httpx.post(f"{server}/tag", json={"texts": ODD_TEXTS, "min_score": 0.99}).json()["entities"]
    assert all(e["score"] >= 0.99 for entities in sure for e in entities)
    for bad in ({"text": "x"}, {"texts": []}, {"texts": "Paris"}, {"texts": [3]}, {"texts": ["x"], "min_score": 2},
                {"texts": ["x"], "extra": 1}, {"texts": ["x" * 100_001]}):
        response = httpx.post(f"{server}/tag", json=bad)
        assert response.status_code == 422 and response.json()["detail"], bad
    assert httpx.post(f"{server}/tag", content=b"{not json", headers={"content-type": "application/json"}
                      ).status_code == 422
    assert httpx.get(f"{server}/tag").status_code == 405


def test_tag_streams_raw_text_to_entities_with_offsets_into_the_file(trained, tmp_path, run_cli):
    _, model, _ = trained
    raw = "Peter  Blackburn flew to Paris.\r\nRT @nasa: https://t.co/x?a=b 👍🏽 #Mozilla EU\n\n\nAlice visited York."
    (tmp_path / "in.txt").write_bytes(raw.encode())
    for split, units in (("line", 5), ("paragraph", 2)):
        out = tmp_path / f"{split}.jsonl"
        result = run_cli("tag", model, tmp_path / "in.txt", "-o", out, "--split", split, "--tokenizer", "social")
        assert result.exit_code == 0, result.output
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["unit"] for r in records] == list(range(units))
        assert "".join(raw[r["start"]:r["end"]] for r in records).split() == raw.split()  # every word, in order
        assert all(raw[e["start"]:e["end"]] == e["text"] for r in records for e in r["entities"])
    (tmp_path / "bad.txt").write_bytes(b"Paris \xff\xfe\n")
    bad = run_cli("tag", model, tmp_path / "bad.txt", "-o", tmp_path / "bad.jsonl")
    assert bad.exit_code == 1 and "not UTF-8 text" in bad.output and "bad.txt" in bad.output


def test_a_stream_is_tagged_a_batch_at_a_time():
    """Memory stays flat: a stream with no end gives its first records after reading only a batch of it."""
    from nerdistill.core.training.prediction import tag_text_stream

    read = []

    def endless():
        while True:
            read.append(1)
            yield "Alice visited Paris .\n"

    tagger = lambda sentences: [(("B-PER",) + ("O",) * (len(s.tokens) - 1), (0.9,) * len(s.tokens))  # noqa: E731
                                for s in sentences]
    records = tag_text_stream(endless(), tagger, split="line", batch=10)
    first = [next(records) for _ in range(25)]
    assert [r["entities"][0]["text"] for r in first] == ["Alice"] * 25 and first[24]["start"] == 24 * 22
    assert len(read) <= 31
