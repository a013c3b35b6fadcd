import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerdistill.core.data.tags import (Span, TagError, invalid_positions, repair_iob2, spans_to_tags, split_tag,
                                       tags_to_spans, to_iob2)


def test_split_tag():
    assert split_tag("O") == ("O", None)
    assert split_tag("B-PER") == ("B", "PER")
    assert split_tag("I-symptom") == ("I", "symptom")
    for bad in ["X-PER", "B-", "PER", "b-PER", ""]:
        with pytest.raises(TagError):
            split_tag(bad)


def test_iob1_is_converted_to_iob2():
    iob1 = ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-LOC"]
    assert to_iob2(iob1, "iob1") == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]


def test_invalid_iob2_is_rejected_at_its_position():
    with pytest.raises(TagError) as error:
        to_iob2(["B-PER", "O", "I-PER"])
    assert error.value.index == 2


def test_invalid_iob2_is_repaired_by_the_conlleval_rule():
    tags, changed = repair_iob2(["I-ORG", "B-PER", "I-LOC", "I-LOC", "O"])
    assert tags == ["B-ORG", "B-PER", "B-LOC", "I-LOC", "O"]
    assert changed == 2
    assert invalid_positions(tags) == []


def test_tags_to_spans_with_text():
    tokens = ["Peter", "Blackburn", "met", "EU", "officials"]
    spans = tags_to_spans(["B-PER", "I-PER", "O", "B-ORG", "O"], tokens)
    assert spans == [Span(start=0, end=2, label="PER", text="Peter Blackburn"),
                     Span(start=3, end=4, label="ORG", text="EU")]


def test_adjacent_entities_of_one_type_stay_apart():
    assert [(s.start, s.end) for s in tags_to_spans(["B-LOC", "B-LOC", "I-LOC"])] == [(0, 1), (1, 3)]


def test_spans_to_tags_rejects_overlap_and_overrun():
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_tags([Span(start=0, end=2, label="A"), Span(start=1, end=3, label="B")], 4)
    with pytest.raises(ValueError, match="past"):
        spans_to_tags([Span(start=2, end=5, label="A")], 4)


def test_empty_span_is_invalid():
    with pytest.raises(ValueError):
        Span(start=2, end=2, label="A")


@st.composite
def span_layouts(draw):
    length = draw(st.integers(min_value=1, max_value=30))
    labels = st.sampled_from(["PER", "LOC", "ORG", "MISC", "symptom"])
    spans, position = [], 0
    while position < length:
        position += draw(st.integers(min_value=0, max_value=3))
        if position >= length:
            break
        end = draw(st.integers(min_value=position + 1, max_value=min(length, position + 4)))
        spans.append(Span(start=position, end=end, label=draw(labels)))
        position = end
    return length, spans


@given(span_layouts())
def test_spans_round_trip_through_iob2(layout):
    length, spans = layout
    tags = spans_to_tags(spans, length)
    assert invalid_positions(tags) == []
    assert tags_to_spans(tags) == [Span(start=s.start, end=s.end, label=s.label) for s in spans]


@given(st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]), max_size=30))
def test_repair_always_gives_valid_iob2_and_keeps_valid_input(tags):
    repaired, changed = repair_iob2(tags)
    assert invalid_positions(repaired) == []
    assert tags_to_spans(repaired) == tags_to_spans(tags)  # repair keeps the entities a lenient reader sees
    if not invalid_positions(tags):
        assert repaired == tags and changed == 0
