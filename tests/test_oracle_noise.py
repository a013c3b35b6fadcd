"""The simulated teacher reaches the precision and recall it is set to (measured, per type)."""

import pytest

from nerdistill.core.scoring.evaluation import score_tags
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.plugins.registry import registry
from nerdistill.core.annotation.runner import AnnotationJob
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.annotation.store import AnnotationStore
from nerdistill.prompts.strategy import StrategyOptions
from nerdistill.providers.oracle_noise import GPT4_COT_PRECISION, GPT4_COT_RECALL


def oracle_job(tmp_path, **options) -> AnnotationJob:
    provider = registry("providers").get("oracle-noise")("oracle-noise", options)
    strategy = registry("prompt strategies").get("standard")("standard", options=StrategyOptions(k=0))
    return AnnotationJob(provider, strategy, AnnotationStore(tmp_path / "s.sqlite"), progress=False)


def annotate(sentences, tmp_path, **options):
    return oracle_job(tmp_path, **options).run(sentences)


def test_gpt4_quality_is_reached_on_the_conll_test_split(conll_test_split, tmp_path):
    gold = read_sentences(conll_test_split)
    results, summary = annotate(gold, tmp_path)
    assert summary.called == len({key for _, _, key in oracle_job(tmp_path).requests(gold)})  # repeats: once
    assert summary.called + summary.cached == len(gold) and summary.failed == 0 and summary.usage.cost == 0
    predicted = [sentence.with_spans(outcome.spans).tags for sentence, outcome in results]
    report = score_tags([s.tags for s in gold], predicted)
    for label in ("LOC", "ORG", "PER", "MISC"):
        assert report["types"][label]["recall"] == pytest.approx(GPT4_COT_RECALL[label], abs=0.03), label
        # false positives can only go where there is room, so precision may come out a little high
        target = GPT4_COT_PRECISION[label]
        assert target - 0.03 <= report["types"][label]["precision"] <= target + 0.06


def test_perfect_settings_give_gold_and_answers_are_reproducible(tmp_path):
    gold = [Sentence(id="1", tokens=("Peter", "Blackburn", "met", "EU", "officials"),
                     tags=("B-PER", "I-PER", "O", "B-ORG", "O"))]
    perfect = {"precision": {"PER": 1.0, "ORG": 1.0}, "recall": {"PER": 1.0, "ORG": 1.0}}
    (only,), _ = annotate(gold, tmp_path, **perfect)
    assert only[1].spans == gold[0].spans
    first, _ = annotate(gold, tmp_path / "a")
    second, _ = annotate(gold, tmp_path / "b")
    assert first[0][1].spans == second[0][1].spans


def test_a_sentence_without_gold_is_a_recorded_failure(tmp_path):
    _, summary = annotate([Sentence(id="u", tokens=("No", "gold"))], tmp_path)
    assert summary.failed == 1 and "needs gold tags" in summary.failures[0]["error"]
