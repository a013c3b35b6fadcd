import json

import pytest
from pydantic import ValidationError

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.labels import CONLL2003, LabelSet
from nerdistill.core.plugins.registry import registry
from nerdistill.core.data.sentence import Sentence
from nerdistill.prompts.examples import FewShotSelector
from nerdistill.prompts.schemas import chain_of_thought_model, entities_model
from nerdistill.prompts.strategy import StrategyOptions

SENTENCE = Sentence(id="s", tokens=tuple("Jordan met Jordan Smith in Amman .".split()))


def strategy(name="standard", label_set=CONLL2003, **options):
    return registry("prompt strategies").get(name)(name, label_set, StrategyOptions(**options))


def context(on_invalid):
    return {"tokens": list(SENTENCE.tokens), "on_invalid": on_invalid}


def test_types_are_normalised_and_unknown_ones_rejected_or_dropped():
    model = entities_model(CONLL2003)
    answer = model.model_validate({"person": ["Jordan Smith"], "LOCATION": "Amman", "GPE": []},
                                  context=context("reask"))
    assert answer.as_dict() == {"PER": ["Jordan Smith"], "LOC": ["Amman"]}
    with pytest.raises(ValidationError, match=r"unknown entity types \['COLOUR'\]"):
        model.model_validate({"COLOUR": ["red"]}, context=context("reask"))
    repaired = model.model_validate({"COLOUR": ["red"], "PER": ["Jordan"]}, context=context("repair"))
    assert repaired.dropped == {"unknown_types": ["COLOUR"], "not_in_sentence": []}


def test_strings_not_in_the_sentence_are_rejected_or_dropped():
    model = entities_model(CONLL2003)
    with pytest.raises(ValidationError, match=r"do not occur in the sentence: \['Jordan Smyth'\]"):
        model.model_validate({"PER": ["Jordan Smyth"]}, context=context("reask"))
    repaired = model.model_validate({"PER": ["Jordan Smyth", ["Jordan", "Smith"]]}, context=context("repair"))
    assert repaired.as_dict() == {"PER": [["Jordan", "Smith"]]}
    assert repaired.dropped["not_in_sentence"] == ["Jordan Smyth"]


def test_nested_and_discontinuous_entities_can_be_expressed():
    answer = entities_model(CONLL2003).model_validate(
        {"ORG": ["Jordan Smith"], "PER": ["Smith"], "LOC": [["Jordan", "Amman"]]}, context=context("reask"))
    assert [(m.label, m.text) for m in answer.mentions()] == [
        ("PER", "Smith"), ("LOC", "Jordan"), ("LOC", "Amman"), ("ORG", "Jordan Smith")]


def test_chain_of_thought_answer_has_the_four_steps_before_the_dictionary():
    fields = list(chain_of_thought_model(CONLL2003).model_fields)
    assert fields == ["context", "candidates", "types", "justification", "entities"]


def test_any_label_set():
    symptoms = LabelSet.from_mapping({"symptom": "what the patient feels"})
    answer = entities_model(symptoms).model_validate({"SYMPTOM": [["fingers", "swelled"]]},
                                                     context={"tokens": ["fingers", "swelled"]})
    assert answer.as_dict() == {"symptom": [["fingers", "swelled"]]}
    with pytest.raises(NerdistillError, match="built-in few-shot examples use CoNLL-2003"):
        strategy(label_set=symptoms)
    assert strategy(label_set=symptoms, examples="none").messages(SENTENCE)[0]["content"].count("symptom") >= 2


def test_messages_standard_and_cot():
    standard = strategy(k=2).messages(SENTENCE)
    assert [m["role"] for m in standard] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert standard[-1]["content"] == 'Sentence: """Jordan met Jordan Smith in Amman ."""'
    assert json.loads(standard[2]["content"]) == {"ORG": ["Apple"], "PER": ["Tim Cook"], "MISC": ["German"],
                                                  "LOC": ["Berlin"]}
    cot = strategy("cot", k=1).messages(SENTENCE)
    assert list(json.loads(cot[2]["content"])) == ["context", "candidates", "types", "justification", "entities"]


def test_version_changes_with_the_text():
    assert strategy().version == strategy(k=0).version  # examples are data, not the strategy's text
    assert strategy().version != strategy("cot").version
    changed = strategy(system_template="Annotate {type_names}. {format}")
    assert changed.version != strategy().version
    assert changed.messages(SENTENCE)[0]["content"].startswith("Annotate PER, LOC, ORG, MISC.")


def test_template_errors_name_the_option():
    with pytest.raises(NerdistillError, match="user_template: unknown placeholder.*sentense"):
        strategy(user_template="{sentense}")
    with pytest.raises(NerdistillError, match="system_template: not a valid template"):
        strategy(system_template="{oops")


def test_examples_from_a_file_never_the_test_split_and_never_the_sentence_itself(fixtures):
    from nerdistill.core.data.formats import read_sentences

    pool = read_sentences(fixtures / "mini.conll")
    test = pool[:1]
    selector = FewShotSelector(pool, k=10, forbidden=test)
    assert pool[0] not in selector.select(SENTENCE)
    assert pool[1] not in selector.select(pool[1])


def test_similar_selection_picks_the_closest_examples():
    pool = [Sentence(id=str(i), tokens=tuple(text.split()), tags=tuple("O" for _ in text.split()))
            for i, text in enumerate(["the cat sat", "stocks fell in Tokyo", "Tokyo stocks rose sharply",
                                      "a dog barked"])]
    selector = FewShotSelector(pool, k=2, selection="similar")
    chosen = selector.select(Sentence(id="q", tokens=tuple("Tokyo stocks fell".split())))
    assert [s.id for s in chosen] == ["2", "1"]  # the most similar last, next to the sentence
    assert [s.id for s in FewShotSelector(pool, k=2).select(pool[0])] == ["1", "2"]


def test_examples_from_the_runs_original_data_cut_to_a_nested_pool(fixtures):
    from nerdistill.core.data.formats import read_sentences

    original = [s for s in read_sentences(fixtures / "mini.conll") if s.is_labelled]
    standard = registry("prompt strategies").get("standard")
    options = StrategyOptions(examples="original", k=1, selection="similar")
    assert standard("standard", CONLL2003, options, original=original).selector.pool == original
    small, large = (standard("standard", CONLL2003, options.model_copy(update={"pool_size": n}),
                             original=original).selector.pool for n in (1, 2))
    assert len(small) == 1 and len(large) == 2 and small[0] in large
    with pytest.raises(NerdistillError, match="original"):
        standard("standard", CONLL2003, options)


@pytest.mark.slow
def test_embedding_selection_finds_examples_of_the_same_kind_in_other_words():
    """No word is shared with the query, so TF-IDF has nothing to go on; the sentence embedding has."""
    texts = ["The striker scored twice before half-time .", "Shares of the bank fell 3 percent on Monday .",
             "Heavy rain flooded villages overnight ."]
    pool = [Sentence(id=str(i), tokens=tuple(t.split()), tags=tuple("O" for _ in t.split()))
            for i, t in enumerate(texts)]
    queries = {"Stocks dropped sharply after trading ended": "1", "Goalkeeper saves penalty kick": "0",
               "Storm winds damaged houses": "2"}
    embedding = FewShotSelector(pool, k=1, selection="embedding")
    tfidf = FewShotSelector(pool, k=1, selection="similar")
    for query, expected in queries.items():
        sentence = Sentence(id="q", tokens=tuple(query.split()))
        assert [s.id for s in embedding.select(sentence)] == [expected], query
    assert {tfidf.select(Sentence(id="q", tokens=tuple(q.split())))[0].id for q in queries} == {"0"}  # all ties


def test_strategies_cli(run_cli):
    listed = json.loads(run_cli("strategies", "list", "--json").output)
    assert {r["name"] for r in listed} >= {"standard", "cot"}
    shown = json.loads(run_cli("strategies", "show", "cot", "--sentence", "Jordan met Smith in Amman.", "-k", 1,
                               "--json").output)
    assert shown["messages"][-1]["content"] == 'Sentence: """Jordan met Smith in Amman ."""'
    assert run_cli("strategies", "show", "cto", "--sentence", "x").exit_code == 1


def test_fixed_examples_cover_every_type_of_the_pool_in_the_pool_order():
    def sentence(i, text, tags):
        return Sentence(id=str(i), tokens=tuple(text.split()), tags=tuple(tags.split()))

    pool = [sentence(0, "It rained .", "O O O"), sentence(1, "Scores :", "O O"),
            sentence(2, "Rome and Paris", "B-LOC O B-LOC"),
            sentence(3, "Alice met Bob in Oslo", "B-PER O B-PER O B-LOC"),
            sentence(4, "EU rejects German beef", "B-ORG O B-MISC O"), sentence(5, "He left .", "O O O")]
    chosen = FewShotSelector(pool, k=3).select(SENTENCE)
    assert [s.id for s in chosen] == ["2", "3", "4"]  # not the first three, which show no entity between them
    assert [s.id for s in FewShotSelector(pool, k=2).select(SENTENCE)] == ["3", "4"]  # PER LOC + ORG MISC
    # never the sentence itself: without it, LOC comes from Rome and Paris, then the earliest fill up
    assert [s.id for s in FewShotSelector(pool, k=4).select(pool[3])] == ["0", "1", "2", "4"]


def test_glued_strings_pass_validation_only_where_the_strategy_allows_them():
    model = entities_model(CONLL2003)
    answer = {"PER": [], "LOC": [], "ORG": ["Mozilla"], "MISC": []}
    strict = model.model_validate(answer, context={"tokens": ["#Mozilla", "rocks"], "on_invalid": "repair"})
    assert strict.dropped["not_in_sentence"] == ["Mozilla"]
    glued = strategy(glued_tokens=True).validation_context(Sentence(id="t", tokens=("#Mozilla", "rocks")))
    assert model.model_validate(answer, context=glued).dropped["not_in_sentence"] == []
