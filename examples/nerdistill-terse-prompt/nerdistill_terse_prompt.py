"""A prompt strategy from outside nerdistill: ``terse``, a short prompt whose answer is a list of entities.

It shows the parts of the contract a strategy implements (``nerdistill.prompts.PromptStrategy``'s
docstrings say each in full): an answer model of its own, built from the run's label set, which
:meth:`TerseStrategy.entities` turns into the dictionary nerdistill aligns; what a few-shot example's answer
looks like; its own option defaults (``options_model``); and the completion tokens a call typically writes,
for the dry run's estimate.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, Field, create_model

from nerdistill.plugins import (EntitiesBase, ExampleSelection, PromptStrategy, Sentence, StrategyOptions,
                                entities_model, hookimpl)


SYSTEM = """Find the named entities in the sentence. Types:
{types}

{format}"""
# templates are rendered with str.format: {{ and }} are literal braces
FORMAT = """Answer with JSON: {{"entities": [{{"text": "...", "type": "..."}}]}}, each text copied exactly from
the sentence, each type one of {type_names}; [] if there is none."""


class TerseOptions(StrategyOptions):
    """Its own defaults: one example, the most similar to each sentence."""

    k: int = Field(1, ge=0)
    selection: ExampleSelection = "similar"


class TerseStrategy(PromptStrategy):
    description = "A short prompt; the answer is a list of {text, type} objects."
    options_model = TerseOptions
    default_system = SYSTEM
    format_instructions = FORMAT
    completion_tokens_estimate = 25

    def response_model(self) -> type[BaseModel]:
        types = Enum("EntityType", {name: name for name in self.label_set.names}, type=str)
        entity = create_model("Entity", text=(str, ...), type=(types, ...))
        return create_model("TerseAnswer", entities=(list[entity], Field(default_factory=list)))

    def example_answer(self, example: Sentence) -> dict[str, Any]:
        return {"entities": [{"text": span.text, "type": span.label} for span in example.spans]}

    def entities(self, answer: BaseModel) -> EntitiesBase:
        """The list as the paper's dictionary; alignment then places each string in the sentence (and counts
        those it cannot find)."""
        grouped: dict[str, list[str]] = {}
        for item in answer.entities:
            grouped.setdefault(item.type.value, []).append(item.text)
        return entities_model(self.label_set).model_validate(grouped)


@hookimpl
def register_prompt_strategies(register):
    register("terse", TerseStrategy)
