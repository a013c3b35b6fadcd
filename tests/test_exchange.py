"""Round trips through the review tools' formats: the same tokens and spans out and in."""

import json

import pytest

from nerdistill.core.data.exchange.offsets import ImportCounts
from nerdistill.core.data.formats import read_sentences, write_sentences
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span
from nerdistill.core.errors import NerdistillError

SENTENCES = [
    Sentence(id="s1", tokens=("Peter", "Blackburn", "flew", "to", "São", "Paulo", "🙂", ".")).with_spans(
        [Span(start=0, end=2, label="PER"), Span(start=4, end=6, label="LOC")]),
    Sentence(id="s2", tokens=("The", "EU", "rejects", "German", "call")).with_spans(
        [Span(start=1, end=2, label="ORG"), Span(start=3, end=4, label="MISC")],
        meta={"span_scores": [0.91, 0.55]}),
    Sentence(id="s3", tokens=("Nothing", "here", ".")).with_spans([]),
]


@pytest.mark.parametrize("name", ["out.conll", "out.jsonl", "out.json", "out.doccano.jsonl", "out.parquet",
                                  "out.spacy"])
def test_each_format_gives_back_the_same_tokens_and_spans(tmp_path, name):
    path = write_sentences(SENTENCES, tmp_path / name)
    back = read_sentences(path, unreviewed="keep")  # Label Studio: our own tasks hold predictions, nobody reviewed
    assert [s.tokens for s in back] == [s.tokens for s in SENTENCES]
    assert [[(x.start, x.end, x.label) for x in s.spans] for s in back] == [
        [(x.start, x.end, x.label) for x in s.spans] for s in SENTENCES]
    if name != "out.conll":  # CoNLL has no place for an id
        assert [s.id for s in back] == [s.id for s in SENTENCES]


def test_label_studio_tasks_carry_offsets_scores_and_the_labeling_interface(tmp_path, run_cli):
    source = write_sentences(SENTENCES, tmp_path / "in.jsonl")
    result = run_cli("data", "convert", source, tmp_path / "tasks.json")
    assert result.exit_code == 0, result.output
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    regions = tasks[1]["predictions"][0]["result"]
    text = tasks[1]["data"]["text"]
    assert [(text[r["value"]["start"]:r["value"]["end"]], r["value"]["labels"], r["score"]) for r in regions] == [
        ("EU", ["ORG"], 0.91), ("German", ["MISC"], 0.55)]
    assert tasks[1]["predictions"][0]["score"] == 0.55
    assert tasks[0]["data"]["text"][24:33] == "São Paulo"  # offsets count characters, emoji and accents alike
    interface = (tmp_path / "tasks.label-config.xml").read_text()
    assert all(f'<Label value="{t}"/>' in interface for t in ("PER", "LOC", "ORG", "MISC"))


def _exported_task(text, regions, *, annotations=True, cancelled_first=False, tokens=None):
    result = [{"id": str(i), "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
              for i, (s, e, label) in enumerate(regions)]
    task = {"id": 7, "data": {"text": text, **({"tokens": tokens} if tokens else {})},
            "predictions": [{"result": []}]}
    if annotations:
        task["annotations"] = ([{"result": [], "was_cancelled": True}] if cancelled_first else []) + [
            {"result": result, "was_cancelled": False}]
        if cancelled_first:
            task["annotations"].append({"result": [], "was_cancelled": True})
    return task


def test_a_label_studio_export_comes_back_reviewed_tasks_only_widening_stray_drags(tmp_path, run_cli):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([
        _exported_task("Alice met Bob in Rome .", [(0, 5, "PER"), (10, 12, "PER"), (17, 21, "LOC")],
                       cancelled_first=True),       # "Bo" of Bob: widened to the word
        _exported_task("Unreviewed sentence .", [], annotations=False),
    ]))
    counts = ImportCounts()
    (sentence,) = read_sentences(export, counts=counts)
    assert sentence.tokens == ("Alice", "met", "Bob", "in", "Rome", ".")  # no tokens kept: tokenized
    assert [(s.text, s.label) for s in sentence.spans] == [("Alice", "PER"), ("Bob", "PER"), ("Rome", "LOC")]
    assert (counts.widened, counts.unreviewed, counts.left_out) == (1, 1, 1)
    result = run_cli("data", "convert", export, tmp_path / "gold.conll")
    assert result.exit_code == 0
    assert "1 entities started or ended inside a word" in result.output and "1 tasks nobody reviewed" in result.output
    assert len(read_sentences(tmp_path / "gold.conll")) == 1
    kept = run_cli("data", "convert", export, tmp_path / "all.conll", "--unreviewed", "keep")
    assert kept.exit_code == 0 and len(read_sentences(tmp_path / "all.conll")) == 2


def test_bad_review_files_name_the_record(tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([_exported_task("Alice met Bob .", [(0, 5, "PERSON")])]))
    with pytest.raises(NerdistillError, match=r"export.json: task 1: type 'PERSON' is not in the label set"):
        read_sentences(export, label_set=LabelSet.from_mapping({"PER": "people"}))
    export.write_text(json.dumps([_exported_task("Alice met Bob .", [(0, 5, "PER")], tokens=["Alice", "met"])]))
    with pytest.raises(NerdistillError, match="task 1: its tokens do not join to its text"):
        read_sentences(export)
    export.write_text(json.dumps([_exported_task("Alice met Bob .", [(5, 6, "PER")])]))
    with pytest.raises(NerdistillError, match="characters 5-6 covers no word"):
        read_sentences(export)
    doccano = tmp_path / "d.doccano.jsonl"
    doccano.write_text('{"text": "Alice met Bob ."}\n{"text": "Bob", "label": [[0, 3]]}\n')
    with pytest.raises(NerdistillError, match=r"d.doccano.jsonl:2: entity \[0, 3\]"):
        read_sentences(doccano)


def test_doccano_exports_with_entities_objects_and_no_tokens_come_back(tmp_path):
    path = tmp_path / "export.doccano.jsonl"
    path.write_text(json.dumps({"id": 3, "text": "Angela Merkel visited Paris.",
                                "entities": [{"id": 1, "start_offset": 0, "end_offset": 13, "label": "PER"},
                                             {"id": 2, "start_offset": 22, "end_offset": 27, "label": "LOC"}]}) + "\n")
    (sentence,) = read_sentences(path)
    assert sentence.id == "3" and sentence.tokens == ("Angela", "Merkel", "visited", "Paris", ".")
    assert [(s.text, s.label) for s in sentence.spans] == [("Angela Merkel", "PER"), ("Paris", "LOC")]


def test_parquet_is_hugging_face_datasets_layout_with_the_label_names(tmp_path):
    import pyarrow.parquet

    labels = LabelSet.from_mapping({"PER": "p", "ORG": "o", "LOC": "l", "MISC": "m"})
    path = write_sentences(SENTENCES, tmp_path / "train.parquet", label_set=labels)
    table = pyarrow.parquet.read_table(path)
    assert table.column_names == ["id", "tokens", "ner_tags"]
    features = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]
    names = features["ner_tags"]["feature"]["names"]
    assert names == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    assert [names[i] for i in table.column("ner_tags")[0].as_py()] == list(SENTENCES[0].tags)
    datasets = pytest.importorskip("datasets")  # where installed, the library itself reads the names back
    loaded = datasets.load_dataset("parquet", data_files=str(path), split="train")
    assert loaded.features["ner_tags"].feature.names == names


def test_reviewed_tasks_are_a_runs_original_data(tmp_path):
    from nerdistill.core.config.run import RunConfig
    from nerdistill.core.engine import Engine

    export = tmp_path / "reviewed.json"
    export.write_text(json.dumps([_exported_task("Alice met Bob .", [(0, 5, "PER"), (10, 13, "PER")]),
                                  _exported_task("Nobody looked .", [], annotations=False)]))
    gold = write_sentences(SENTENCES, tmp_path / "gold.conll")
    config = RunConfig.model_validate({"output": str(tmp_path / "run"), "data": {
        "gold": str(gold), "original": str(export)}})
    (sentence,) = Engine(config, progress=False).original()
    assert [(s.text, s.label) for s in sentence.spans] == [("Alice", "PER"), ("Bob", "PER")]
