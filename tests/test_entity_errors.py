"""What went wrong, entity by entity: confusions, spurious and missed entities."""

import json

from nerdistill.core.scoring.entity_errors import entity_errors
from nerdistill.core.data.formats import write_sentences
from nerdistill.core.data.sentence import Sentence

GOLD = Sentence(id="g", tokens=("Hamburg", "beat", "Bayern", "Munich", "on", "Monday", "3", "1"),
                tags=("B-ORG", "O", "B-ORG", "I-ORG", "O", "O", "O", "O"))


def test_confusions_spurious_and_missed():
    predicted = ("B-LOC", "O", "B-ORG", "O", "O", "B-LOC", "B-MISC", "B-MISC")  # Bayern alone: wrong boundaries
    errors = entity_errors([(GOLD, predicted)])
    assert errors["confusions"] == {"ORG": {"LOC": 1}}
    assert errors["spurious"] == {"LOC": 1, "MISC": 2, "ORG": 1} and errors["missed"] == {"ORG": 1}
    assert errors["frequent_spurious"]["MISC"] == [("3", 1), ("1", 1)]
    assert entity_errors([(GOLD, GOLD.tags)]) == {"confusions": {}, "spurious": {}, "missed": {},
                                                  "frequent_spurious": {}}


def test_the_command_reports_them(tmp_path, run_cli):
    write_sentences([GOLD], tmp_path / "gold.jsonl")
    tagged = GOLD.with_spans([])  # an annotator that found nothing
    write_sentences([tagged], tmp_path / "predicted.jsonl")
    result = run_cli("evaluate", "annotations", tmp_path / "predicted.jsonl", tmp_path / "gold.jsonl", "--errors")
    assert result.exit_code == 0 and "ORG: 0 spurious, 2 missed" in result.output
    report = json.loads(run_cli("evaluate", "annotations", tmp_path / "predicted.jsonl", tmp_path / "gold.jsonl",
                                "--errors", "--json").output)
    assert report["errors"]["missed"] == {"ORG": 2}
