"""What `nerdistill predict` reads, and the tags it puts on sentences with each entity's score."""

from pathlib import Path

import pytest

from nerdistill.core.data.conll import looks_like_conll
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.inputs import read_input_sentences
from nerdistill.core.training.prediction import scores_by_threshold, tagged, without_low_scores
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.training.trainer import Trainer

SENTENCE = Sentence(id="s1", tokens=("Peter", "Blackburn", "flew", "to", "Paris"), meta={"category": "news"})
TAGS = ("B-PER", "I-PER", "O", "O", "B-LOC")


def test_an_entity_scores_the_mean_of_its_words_probabilities():
    result = tagged(SENTENCE, TAGS, (0.9, 0.5, 0.99, 0.98, 0.61))
    assert [s.text for s in result.spans] == ["Peter Blackburn", "Paris"]
    assert result.meta == {"category": "news", "span_scores": [0.7, 0.61]}


def test_without_scores_the_tags_alone_and_no_stale_scores():
    earlier = tagged(SENTENCE, TAGS, (0.9, 0.5, 0.99, 0.98, 0.61))
    again = tagged(earlier, ("O", "O", "O", "O", "B-LOC"))
    assert again.tags == ("O", "O", "O", "O", "B-LOC") and again.meta == {"category": "news"}


def test_a_threshold_leaves_out_the_entities_scoring_under_it():
    scores = (0.9, 0.5, 0.99, 0.98, 0.61)
    assert without_low_scores(TAGS, scores, 0.65) == ("B-PER", "I-PER", "O", "O", "O")
    assert without_low_scores(TAGS, scores, 0.61) == TAGS  # at the threshold: kept
    kept = tagged(SENTENCE, TAGS, scores, min_score=0.65)
    assert [s.text for s in kept.spans] == ["Peter Blackburn"] and kept.meta["span_scores"] == [0.7]


def test_scores_by_threshold_trade_recall_for_precision():
    gold = [SENTENCE.model_copy(update={"tags": TAGS})]
    wrong_paris = ("B-PER", "I-PER", "O", "O", "B-ORG")
    rows = scores_by_threshold(gold, [(wrong_paris, (0.9, 0.5, 0.99, 0.98, 0.61))], [0.0, 0.65, 0.8])
    assert [(r["threshold"], r["entities"], r["precision"], r["recall"]) for r in rows] == [
        (0.0, 2, 0.5, 0.5), (0.65, 1, 1.0, 0.5), (0.8, 0, 0.0, 0.0)]


def test_a_sentence_without_entities_has_an_empty_score_list():
    assert tagged(SENTENCE, ("O",) * 5, (0.9,) * 5).meta["span_scores"] == []


def test_a_trainer_without_probabilities_says_so():
    with pytest.raises(NerdistillError, match="'plain' trainer gives no scores"):
        Trainer("plain").predict_scored(Path("model"), [SENTENCE])


def test_a_conll_file_named_txt_is_read_as_conll_and_prose_as_text(fixtures, tmp_path):
    conll = tmp_path / "test.txt"  # CoNLL-2003's own name for its test split
    conll.write_text((fixtures / "mini.conll").read_text())
    expected = read_sentences(fixtures / "mini.conll")
    assert [(s.tokens, s.tags) for s in read_input_sentences(conll)] == [(s.tokens, s.tags) for s in expected]
    prose = tmp_path / "notes.txt"
    prose.write_text("Peter Blackburn flew to Paris on Monday. He met officials of the European Commission.\n")
    assert [len(s.tokens) for s in read_input_sentences(prose)] == [8, 8]
    assert [s.tags for s in read_input_sentences(prose)] == [None, None]


@pytest.mark.parametrize("first_line, conll", [
    ("-DOCSTART- -X- -X- O", True), ("EU NNP B-NP B-ORG", True), ("rejects\tO", True),
    ("The Commission met on Monday .", False), ("I saw O", True), ("A B-52 bomber", False), ("", False),
])
def test_what_reads_as_conll(tmp_path, first_line, conll):
    path = tmp_path / "input.txt"
    path.write_text(f"\n{first_line}\nmore\n")
    assert looks_like_conll(path) is conll


def test_a_named_input_format_wins_over_the_guess(fixtures, tmp_path):
    words = tmp_path / "words.txt"  # one word a line: unlabelled CoNLL, which no first line can tell
    words.write_text("Peter\nBlackburn\n\nParis\n")
    assert [s.tokens for s in read_input_sentences(words, "conll")] == [("Peter", "Blackburn"), ("Paris",)]
