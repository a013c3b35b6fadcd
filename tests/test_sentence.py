import pytest
from pydantic import ValidationError

from nerdistill.core.data.labels import CONLL2003, LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span


def test_spans_are_derived_from_tags():
    s = Sentence(id="a", tokens=("Peter", "went", "to", "Paris"), tags=("B-PER", "O", "O", "B-LOC"))
    assert [(x.text, x.label) for x in s.spans] == [("Peter", "PER"), ("Paris", "LOC")]
    assert s.text == "Peter went to Paris"


def test_record_round_trip_and_spans_in_place_of_tags():
    s = Sentence(id="a", tokens=("Peter", "Blackburn"), tags=("B-PER", "I-PER"), source="x", meta={"k": 1})
    record = s.to_record()
    assert record["spans"] == [{"start": 0, "end": 2, "label": "PER", "text": "Peter Blackburn"}]
    assert Sentence.model_validate(record) == s
    del record["tags"]
    assert Sentence.model_validate(record) == s


@pytest.mark.parametrize("fields, message", [
    ({"tokens": ()}, "at least 1"),
    ({"tokens": ("a b",)}, "white space"),
    ({"tokens": ("a",), "tags": ("O", "O")}, "2 tags for 1 tokens"),
    ({"tokens": ("a",), "tags": ("I-PER",)}, "invalid IOB2"),
    ({"tokens": ("a",), "tags": ("O",), "spans": [{"start": 0, "end": 1, "label": "PER"}]}, "disagree"),
])
def test_invalid_sentences_are_rejected(fields, message):
    with pytest.raises(ValidationError, match=message):
        Sentence(id="x", **fields)


def test_with_spans_labels_a_copy():
    s = Sentence(id="a", tokens=("in", "New", "York"))
    labelled = s.with_spans([Span(start=1, end=3, label="LOC")])
    assert labelled.tags == ("O", "B-LOC", "I-LOC") and s.tags is None


def test_label_sets():
    assert CONLL2003.names == ("PER", "LOC", "ORG", "MISC")
    assert CONLL2003.tags[:3] == ("O", "B-PER", "I-PER")
    medical = LabelSet.from_mapping({"symptom": "what the patient feels"})
    assert "symptom" in medical and medical.description("symptom") == "what the patient feels"
    with pytest.raises(ValidationError, match="more than once"):
        LabelSet(types=CONLL2003.types * 2)
    with pytest.raises(ValidationError):
        LabelSet(types=())
