"""Each entity's confidence from the log probabilities of the tokens the LLM wrote."""

import json
import math

import pytest

from nerdistill.core.annotation.outcome import Outcome
from nerdistill.core.annotation.confidence import entity_confidence, token_logprobs
from nerdistill.core.annotation.distilled import distilled_sentences, sentence_confidence
from nerdistill.core.data.sentence import Sentence
from nerdistill.providers.local import TokenLogprobRecorder


def tokens(*pieces: tuple[str, float]) -> list[tuple[str, float]]:
    return [(text, math.log(p)) for text, p in pieces]


def test_an_entity_counts_the_tokens_from_the_bracket_or_comma_before_it_to_its_end():
    written = tokens(('{"', 0.5), ("PER", 0.9), ('":', 0.7), (' ["', 0.8), ("Peter", 0.9), (" Blackburn", 1.0),
                     ('",', 0.6), (' "', 1.0), ("Ang", 0.5), ("ela", 1.0), ('"]}', 0.3))
    raw = "".join(text for text, _ in written)
    confidence = entity_confidence(raw, written, {"PER": ["Peter Blackburn", "Angela"]})
    # ' ["' x Peter x Blackburn; then '",' (the comma: one more follows) x ' "' x Ang x ela; never the key's
    # tokens nor the closing '"]}'
    assert confidence == {"PER": [pytest.approx(0.8 * 0.9), pytest.approx(0.6 * 0.5)]}


def test_chain_of_thought_candidates_do_not_count_the_final_dictionary_does():
    answer = {"context": "a visit", "candidates": ["Paris"], "types": [{"entity": "Paris", "type": "LOC"}],
              "justification": "a city", "entities": {"LOC": ["Paris"]}}
    raw = json.dumps(answer)
    position = raw.rindex("Paris")
    written = [(raw[:position], math.log(0.5)), ("Paris", math.log(0.9)), (raw[position + 5:], math.log(0.5))]
    # the token before the last Paris holds its bracket, at 0.5; the earlier ones at 0.5 too, but once only
    assert entity_confidence(raw, written, {"LOC": ["Paris"]}) == {"LOC": [pytest.approx(0.45)]}


def test_a_discontinuous_entity_is_the_product_of_its_fragments_and_the_same_string_twice_is_found_twice():
    raw = '{"ORG": ["New"], "LOC": [["New", "York"]]}'  # the keys in another order than the answer's
    second = raw.rindex("New")
    written = [(c, math.log(1.0 if not c.isalpha() else 0.5 if second <= i < second + 3 else 0.9))
               for i, c in enumerate(raw)]
    confidence = entity_confidence(raw, written, {"LOC": [["New", "York"]], "ORG": ["New"]})
    rounded = {"abs": 1e-4}  # to four places
    assert confidence == {"LOC": [pytest.approx(0.5 ** 3 * 0.9 ** 4, **rounded)],
                          "ORG": [pytest.approx(0.9 ** 3, **rounded)]}


def test_no_figure_is_made_up_where_the_tokens_are_not_the_text_or_a_string_is_missing():
    raw = '{"PER": ["Alice"]}'
    assert entity_confidence(raw, tokens(('{"PER": ["Alic', 0.9)), {"PER": ["Alice"]}) is None
    assert entity_confidence(raw, tokens((raw, 0.9)), {"PER": ["Bob"]}) is None


def test_token_logprobs_read_openai_objects_and_dicts_and_say_none_when_absent():
    completion = {"choices": [{"logprobs": {"content": [{"token": "a", "logprob": -0.1}]}}]}

    class Completion:
        choices = [type("Choice", (), {"logprobs": completion["choices"][0]["logprobs"]})()]

    assert token_logprobs(Completion()) == [("a", -0.1)]
    assert token_logprobs(type("Bare", (), {"choices": [type("Choice", (), {"logprobs": None})()]})()) is None


def test_a_sentence_is_as_sure_as_its_least_sure_entity_and_a_threshold_drops_it():
    sentence = Sentence(id="s", tokens=("Alice", "met", "Bob"))
    sure = Outcome(status="ok", answer={"PER": ["Alice", "Bob"]}, confidence={"PER": [0.9, 0.95]})
    unsure = sure.model_copy(update={"confidence": {"PER": [0.9, 0.3]}})
    unread = sure.model_copy(update={"confidence": None})
    assert [sentence_confidence(o) for o in (sure, unsure, unread)] == [0.9, 0.3, 0.0]
    assert sentence_confidence(Outcome(status="ok")) == 1.0  # nothing to doubt
    kept, dropped = distilled_sentences([(sentence, sure), (sentence, unsure), (sentence, unread)],
                                        provenance={}, min_confidence=0.5)
    assert len(kept) == 1 and dropped == {"dropped_without_entities": 0, "dropped_low_confidence": 2}
    assert kept[0].meta["annotation"]["confidence"] == {"PER": [0.9, 0.95]}
    assert distilled_sentences([(sentence, unsure)], provenance={})[1] == {"dropped_without_entities": 0}


def test_the_local_recorder_reads_each_token_at_the_next_step_and_keeps_split_characters_whole():
    np = pytest.importorskip("numpy")
    recorder = TokenLogprobRecorder()
    logits = np.log(np.array([0.7, 0.2, 0.1]))
    for written in ([9], [9, 0], [9, 0, 1]):  # the prompt, 9; then 0 and 1; the last step writes the end, unread
        assert recorder(np.array(written), logits) is logits
    assert [(token, round(math.exp(lp), 3)) for token, lp in recorder.tokens] == [(0, 0.7), (1, 0.2)]

    class Llama:  # token 0 is the first byte of "é", token 1 the second
        pieces = {0: "é".encode()[:1], 1: "é".encode()[1:]}

        def detokenize(self, ids):
            return b"".join(self.pieces[i] for i in ids)

    assert [item["token"] for item in recorder.as_openai(Llama())["content"]] == ["", "é"]


def test_evaluate_scores_the_sentences_above_each_confidence_threshold(run_cli, fixtures, tmp_path):
    from nerdistill.core.data.formats import read_sentences, write_sentences

    gold = read_sentences(fixtures / "mini.conll")
    eu, blackburn = gold[0], gold[1]  # EU (ORG), German, British (MISC); Peter Blackburn (PER)
    sure = blackburn.with_spans(blackburn.spans, meta={"annotation": {
        "answer": {"PER": ["Peter Blackburn"]}, "confidence": {"PER": [0.95]}}})
    wrong = eu.with_spans([], meta={"annotation": {"answer": {"LOC": ["EU"]}, "confidence": {"LOC": [0.2]}}})
    write_sentences([sure, wrong], tmp_path / "predicted.jsonl")
    args = ["evaluate", "annotations", tmp_path / "predicted.jsonl", fixtures / "mini.conll", "--matched-only"]
    rows = json.loads(run_cli(*args, "--by-confidence", "0.9,0", "--json").output)["by_confidence"]
    assert [(r["threshold"], r["sentences"], r["precision"], r["recall"]) for r in rows] == [
        (0.0, 2, 1.0, 0.25), (0.9, 1, 1.0, 1.0)]
    assert "0.9          1  1.000" in run_cli(*args, "--by-confidence", "0.9").output
    bad = run_cli(*args, "--by-confidence", "1.5")
    assert bad.exit_code == 2 and "give thresholds between 0 and 1" in bad.output
    write_sentences([blackburn], tmp_path / "unscored.jsonl")
    unscored = run_cli("evaluate", "annotations", tmp_path / "unscored.jsonl", fixtures / "mini.conll",
                       "--by-confidence", "0.5")
    assert unscored.exit_code == 1 and "no sentence has a confidence" in unscored.output
