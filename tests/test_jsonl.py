import pytest

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.jsonl import read_jsonl
from nerdistill.core.data.labels import CONLL2003


def test_reads_spans_or_tags(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "1", "tokens": ["Rome"], "spans": [{"start": 0, "end": 1, "label": "LOC"}]}\n\n'
                    '{"id": "2", "tokens": ["in", "Rome"], "tags": ["O", "B-LOC"], "meta": {"category": "x"}}\n')
    first, second = read_jsonl(path)
    assert first.tags == ("B-LOC",) and second.meta == {"category": "x"}


@pytest.mark.parametrize("line, message", [
    ('{"id": "1", "tokens": ["a"]', "not valid JSON"),
    ('{"id": "1"}', "tokens: Field required"),
    ('{"id": "1", "tokens": ["a"], "tags": ["B-X", "O"]}', "2 tags for 1 tokens"),
    ('{"id": "1", "tokens": ["a"], "colour": "red"}', "colour: Extra inputs"),
    ('{"id": "1", "tokens": ["a"], "tags": ["B-FOO"]}', "type 'FOO' is not in the label set"),
])
def test_bad_lines_name_file_line_and_field(tmp_path, line, message):
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "0", "tokens": ["ok"]}\n' + line + "\n")
    with pytest.raises(NerdistillError, match=message) as error:
        read_jsonl(path, label_set=CONLL2003)
    assert error.value.line == 2
