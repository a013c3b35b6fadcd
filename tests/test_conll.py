import pytest

from nerdistill.core.data.conll import format_conll, read_conll
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.formats import read_sentences, write_sentences
from nerdistill.core.data.labels import CONLL2003


def write(tmp_path, text, name="data.conll", mode="w"):
    path = tmp_path / name
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return path


def test_reads_documents_whitespace_separators_and_last_sentence(fixtures):
    sentences = read_conll(fixtures / "mini.conll")
    assert [len(s.tokens) for s in sentences] == [9, 2, 2, 4]  # the last has no blank line after it
    assert sentences[0].spans[0].text == "EU" and sentences[0].spans[0].label == "ORG"
    assert [s.document for s in sentences] == ["fixtures/mini:doc1"] * 2 + ["fixtures/mini:doc2"] * 2
    assert sentences[3].tags == ("O", "B-ORG", "I-ORG", "O")
    assert sentences[0].id == "fixtures/mini:0" and sentences[0].source == "fixtures/mini"


def test_tab_separated(fixtures):
    (sentence,) = read_conll(fixtures / "tabs.conll")
    assert sentence.tokens == ("Alice", "visited", "York")
    assert sentence.tags == ("B-PER", "O", "B-LOC")


def test_a_line_mixing_tabs_and_spaces_reads_as_its_neighbours(tmp_path):
    mixed = "EU\tNNP\tB-NP\tB-ORG\nrejects VBZ\tB-VP O\nGerman\tJJ B-NP B-MISC\n"
    (sentence,) = read_conll(write(tmp_path, mixed))
    assert sentence.tokens == ("EU", "rejects", "German") and sentence.tags == ("B-ORG", "O", "B-MISC")
    (sentence,) = read_conll(write(tmp_path, "EU NNP\tB-NP B-ORG\nrejects\tVBZ\tB-VP\tO\n"))
    assert sentence.tags == ("B-ORG", "O")


def test_chosen_tag_column(fixtures):
    (first, *_) = read_conll(fixtures / "mini.conll", tag_column=2)  # the chunk column, also IOB2
    assert first.tags[:2] == ("B-NP", "B-VP")


def test_one_column_is_unlabelled(tmp_path):
    (sentence,) = read_conll(write(tmp_path, "Hello\nworld\n"))
    assert sentence.tags is None and sentence.tokens == ("Hello", "world")


@pytest.mark.parametrize("text, line, message", [
    ("a O\nb c O\n", 2, r"expected 2 columns, found 3 \(split on white space\)"),
    ("a\tO\nb\tc O\tO\n", 2, r"expected 2 columns, found 3 \(split on tabs\)"),
    ("a O\nb B-PER\nc PERSON\n", 3, "unknown tag 'PERSON'"),
    ("a O\n\nb O\nc I-LOC\n", 4, "invalid IOB2"),
    ("a B-FOO\n", 1, "not in the label set"),
    ("a\tO\nNew York\tB-LOC\n", 2, "contains white space"),
])
def test_malformed_lines_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(NerdistillError, match=message) as error:
        read_conll(path, label_set=CONLL2003)
    assert error.value.path == path and error.value.line == line
    assert str(error.value).startswith(f"{path}:{line}: ")


def test_invalid_iob2_repaired_or_read_as_iob1(tmp_path):
    path = write(tmp_path, "a I-LOC\nb I-LOC\nc B-LOC\n")
    assert read_conll(path, on_invalid="repair")[0].tags == ("B-LOC", "I-LOC", "B-LOC")
    assert read_conll(path, scheme="iob1")[0].tags == ("B-LOC", "I-LOC", "B-LOC")


def test_bytes_that_are_not_utf8(tmp_path):
    path = write(tmp_path, b"a O\nb O\n\xa3 O\n")
    with pytest.raises(NerdistillError, match="not valid UTF-8: byte 0xa3 at column 1") as error:
        read_conll(path)
    assert error.value.line == 3


@pytest.mark.parametrize("text", ["", "\n \n", "-DOCSTART- -X- -X- O\n\n"])
def test_empty_files(tmp_path, text):
    with pytest.raises(NerdistillError, match="empty|no sentences"):
        read_conll(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(NerdistillError, match="no such file"):
        read_conll(tmp_path / "nope.conll")


def test_conll_and_jsonl_round_trip(fixtures, tmp_path):
    sentences = read_conll(fixtures / "mini.conll")
    for name in ["out.conll", "out.jsonl"]:
        back = read_sentences(write_sentences(sentences, tmp_path / name))
        assert [(s.tokens, s.tags) for s in back] == [(s.tokens, s.tags) for s in sentences]
    assert format_conll(sentences).startswith("-DOCSTART- O\n\nEU B-ORG\n")


def test_a_failed_write_leaves_nothing_behind(tmp_path, fixtures):
    sentences = read_conll(fixtures / "mini.conll")
    target = tmp_path / "out.conll"
    target.write_text("previous content\n")
    with pytest.raises(NerdistillError):
        write_sentences(sentences, target, format="xml")
    assert target.read_text() == "previous content\n"
    assert list(tmp_path.iterdir()) == [target]


def test_unknown_extension(tmp_path):
    with pytest.raises(NerdistillError, match="cannot tell the format"):
        read_sentences(write(tmp_path, "a O\n", "data.xml"))
