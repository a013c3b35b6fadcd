"""`nerdistill select`: the sentences most worth a reviewer's time, by each way, and the CLI with a real student."""

import pytest

from nerdistill.core.training.review_selection import (
    confidence_scores,
    disagreement_scores,
    random_scores,
    select,
    uncertainty_scores,
)
from nerdistill.core.data.formats import read_sentences, write_sentences
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span
from nerdistill.core.errors import NerdistillError

TOKENS = ("Alice", "met", "Bob", "in", "Rome")
POOL = [Sentence(id=f"s{n}", tokens=TOKENS).with_spans(spans) for n, spans in enumerate([
    [Span(start=0, end=1, label="PER")],
    [Span(start=0, end=1, label="PER"), Span(start=2, end=3, label="PER")],
    [],
])]


def test_disagreement_counts_the_entities_only_one_side_has_and_ranks_them_first():
    student = [(("B-PER", "O", "O", "O", "O"), (0.9,) * 5),       # agrees
               (("B-PER", "O", "B-ORG", "O", "B-LOC"), (0.9,) * 5),  # Bob retyped (2 differences), Rome added
               (("O", "O", "O", "O", "B-LOC"), (0.9,) * 5)]        # Rome added
    scores = disagreement_scores(POOL, student)
    assert scores == [0.0, 3.0, 1.0]
    chosen = select(POOL, scores, 2, by="disagreement")
    assert [s.id for s in chosen] == ["s1", "s2"]
    assert chosen[0].meta["selection"] == {"by": "disagreement", "score": 3.0, "rank": 1}
    assert chosen[0].tags == POOL[1].tags  # the teacher's labels, for the reviewer to correct


def test_uncertainty_confidence_and_random():
    assert uncertainty_scores([((), (0.9, 0.6)), ((), (0.99,))]) == [0.4, 0.01]
    with pytest.raises(NerdistillError, match="pool.jsonl: no sentence has a confidence"):
        confidence_scores(POOL, where="pool.jsonl")
    sure = POOL[0].model_copy(update={"meta": {"annotation": {"answer": {"PER": ["Alice"]},
                                                             "confidence": {"PER": [0.8]}}}})
    empty = POOL[2].model_copy(update={"meta": {"annotation": {"answer": {}, "confidence": {}}}})
    assert confidence_scores([sure, empty, POOL[1]], where="x") == [0.2, 0.0, 1.0]  # unknown: review it
    assert random_scores(POOL, 3) == random_scores(POOL, 3) != random_scores(POOL, 4)


def test_the_cli_selects_with_a_trained_student_into_label_studio_tasks(tmp_path, run_cli):
    from tests.test_export import FIXTURES, trainer
    from tests.tiny_bert import build_tiny_bert
    from nerdistill.core.data.labels import CONLL2003
    from nerdistill.core.training.one_model import train_and_evaluate
    from nerdistill.schedules import make_schedule

    pool = read_sentences(FIXTURES / "mini.conll")
    train_and_evaluate(trainer=trainer(build_tiny_bert(tmp_path / "tiny")), schedule=make_schedule("pure_original"),
                       distilled=[], original=pool, test=None, label_set=CONLL2003, output_dir=tmp_path / "run",
                       seed=0)
    source = write_sentences(pool, tmp_path / "pool.jsonl")
    result = run_cli("select", source, "-n", 2, "--by", "uncertainty", "--model", tmp_path / "run" / "model",
                     "-o", tmp_path / "review.json", "--rest", tmp_path / "rest.jsonl")
    assert result.exit_code == 0, result.output
    chosen, rest = read_sentences(tmp_path / "review.json", unreviewed="keep"), read_sentences(tmp_path / "rest.jsonl")
    assert len(chosen) == 2 and len(rest) == len(pool) - 2
    assert {s.id for s in chosen} | {s.id for s in rest} == {s.id for s in pool}
    missing = run_cli("select", source, "-n", 2, "--by", "disagreement", "-o", tmp_path / "x.jsonl")
    assert missing.exit_code != 0 and "--by disagreement needs --model" in missing.output
