"""Everything a plugin is written against, from one place that stays put when nerdistill's insides move.

    from nerdistill.plugins import Provider, ProviderOptions, Outcome, hookimpl

Each base class documents its contract in its docstrings (what to implement, when it is called, what to
raise); docs/plugins.md walks through one plugin of each kind, and ``examples/`` holds an installable
package of each that imports only from here.
"""

from nerdistill.core.annotation.llm import LiteLLMAsker
from nerdistill.core.annotation.outcome import Outcome, Request, TransportError
from nerdistill.core.annotation.provider import Provider, ProviderOptions
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span, repair_iob2
from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins.hookspecs import hookimpl
from nerdistill.core.training.trainer import (MODEL_CARD, NOT_AFFECTING_WEIGHTS, Trainer, TrainerOptions,
                                              TrainingResult)
from nerdistill.prompts.schemas import EntitiesBase, entities_model
from nerdistill.prompts.strategy import ExampleSelection, PromptStrategy, StrategyOptions
from nerdistill.schedules import Schedule, progress

__all__ = ["MODEL_CARD", "NOT_AFFECTING_WEIGHTS", "EntitiesBase", "ExampleSelection", "LabelSet", "LiteLLMAsker",
           "NerdistillError", "Outcome", "PromptStrategy", "Provider", "ProviderOptions", "Request", "Schedule",
           "Sentence", "Span", "StrategyOptions", "Trainer", "TrainerOptions", "TrainingResult", "TransportError",
           "entities_model", "hookimpl", "progress", "read_sentences", "repair_iob2"]
