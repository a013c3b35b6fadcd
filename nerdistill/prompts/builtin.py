"""The paper's two prompt strategies, registered as a built-in plugin.

- ``standard``: the annotator role, the type definitions, few-shot examples, and the answer as the
  type -> strings dictionary.
- ``cot`` (chain of thought): the same, but the answer first goes through the paper's four steps
  (context, candidates, type of each from context, justification), then gives the dictionary.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nerdistill.core.plugins.hookspecs import hookimpl
from nerdistill.core.data.sentence import Sentence
from nerdistill.prompts import templates
from nerdistill.prompts.schemas import chain_of_thought_model, entities_model
from nerdistill.prompts.strategy import PromptStrategy, gold_entities


class StandardStrategy(PromptStrategy):
    description = "Few-shot annotation; the answer is the type -> entity strings dictionary."
    completion_tokens_estimate = 30  # measured with Qwen2.5-Coder-1.5B on CoNLL sentences (benchmarks/annotation.py)

    def response_model(self) -> type[BaseModel]:
        return entities_model(self.label_set)

    def example_answer(self, example: Sentence) -> dict[str, Any]:
        return gold_entities(example, self.label_set)


class ChainOfThoughtStrategy(PromptStrategy):
    description = "Few-shot chain of thought: context, candidates, types, justification, then the dictionary."
    default_system = templates.COT_SYSTEM
    format_instructions = templates.COT_FORMAT
    completion_tokens_estimate = 170  # as measured for the standard strategy

    def response_model(self) -> type[BaseModel]:
        return chain_of_thought_model(self.label_set)

    def example_answer(self, example: Sentence) -> dict[str, Any]:
        entities = gold_entities(example, self.label_set)
        reasoning = example.meta.get("reasoning") or {
            # gold files carry no reasoning: show the steps that follow from the gold labels
            "context": "(an example sentence)",
            "candidates": [text for texts in entities.values() for text in texts],
            "types": [{"entity": t, "type": label} for label, texts in entities.items() for t in texts],
            "justification": "; ".join(f"{t} is {label}" for label, texts in entities.items() for t in texts)
            or "the sentence names no entity",
        }
        return {**reasoning, "entities": entities}

    def reasoning(self, answer: BaseModel) -> dict[str, Any] | None:
        return answer.model_dump(exclude={"entities"})


@hookimpl
def register_prompt_strategies(register):
    register("standard", StandardStrategy)
    register("cot", ChainOfThoughtStrategy)
