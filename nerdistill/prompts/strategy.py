"""What a prompt strategy is: how a sentence becomes messages, and what answer validates.

A strategy has a name and a version; the version is a hash of everything in its text (templates,
format instructions, the answer's JSON schema), so any change to the prompt changes the version, and
with it every cache key of the annotation store. Few-shot examples are shown as earlier turns of the
conversation: the example sentence as a user message, its expected answer as the assistant's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from nerdistill.core.annotation.align import ALIGNMENT_POLICIES, AlignmentPolicy
from nerdistill.core.data.sampling import nested_sample
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.labels import CONLL2003, LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.prompts import templates
from nerdistill.prompts.examples import (BUILTIN, DEFAULT_EMBEDDER, ORIGINAL, ExampleSelection, FewShotSelector,
                                        load_examples)
from nerdistill.prompts.schemas import EntitiesBase, InvalidAnswerPolicy, entities_of


class StrategyOptions(BaseModel):
    """The options every strategy takes (the ``[annotation.strategy]`` table of a config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    examples: Literal["builtin", "none", "original"] | Path = Field(
        BUILTIN, description="'builtin', 'none', 'original' (in a run: the run's original gold data, the pool the "
        "user has) or a labelled CoNLL/JSONL file (relative to the config file)")
    pool_size: int | None = Field(None, ge=1, description="choose among a seeded sample of this many of the "
                                  "examples (a smaller pool is part of a larger one); unset, all of them")
    k: int = Field(4, ge=0, description="few-shot examples per sentence")
    selection: ExampleSelection = Field("fixed", description="'fixed' (k covering every entity type), 'similar' "
                                        "(TF-IDF) or "
                                        "'embedding' (sentence embeddings), per sentence")
    embedder: str = Field(DEFAULT_EMBEDDER, description="the encoder of selection = 'embedding'")
    on_invalid: InvalidAnswerPolicy = Field(
        "repair", description="'reask': an answer with unknown types or strings not in the sentence is "
        "sent back to the LLM; 'repair': those are dropped and counted")
    max_retries: int = Field(2, ge=0, description="re-asks after an invalid answer (instructor)")
    system_template: str | None = Field(None,
                                        description="the system message, with {types}, {type_names} and {format} "
                                                    "(default: the strategy's)")
    user_template: str | None = Field(None, description="the user message, with {sentence} (default: the strategy's)")
    alignment: AlignmentPolicy = Field("first",
                                       description="which occurrence an entity string takes: 'first', 'in_order' or "
                                                   "'all'")
    case_sensitive: bool = Field(False, description="match entity strings to the sentence with their case")
    glued_tokens: bool = Field(False, description="a string found on no token boundary may take the tokens it is "
                               "part of, where the rest of them is punctuation or symbols (Park in 'Park-', Mozilla "
                               "in '#Mozilla': text split on white space); counted as 'glued'")


class PromptStrategy:
    """Base of prompt strategies; subclasses set the templates and the answer model."""

    description: ClassVar[str] = ""
    options_model: ClassVar[type[StrategyOptions]] = StrategyOptions
    default_system: ClassVar[str] = templates.STANDARD_SYSTEM
    format_instructions: ClassVar[str] = templates.STANDARD_FORMAT
    #: completion tokens a call typically writes, for ``--dry-run``'s estimate before the store has measured
    #: answers of this strategy (then their mean is used); chain of thought writes several times more
    completion_tokens_estimate: ClassVar[int] = 100

    def __init__(self, name: str, label_set: LabelSet = CONLL2003, options: StrategyOptions | None = None,
                 forbidden_examples: Iterable[Sentence] = (), original: list[Sentence] | None = None):
        self.name, self.label_set = name, label_set
        self.options = options = options or StrategyOptions()
        if options.alignment not in ALIGNMENT_POLICIES:
            raise NerdistillError(f"alignment: unknown policy {options.alignment!r}")
        self.system_template = templates.check_template(
            options.system_template or self.default_system, templates.SYSTEM_PLACEHOLDERS, "system_template")
        self.user_template = templates.check_template(
            options.user_template or templates.USER, templates.USER_PLACEHOLDERS, "user_template")
        pool = [] if options.k == 0 or options.examples == "none" else example_pool(options, label_set, original)
        self.selector = FewShotSelector(pool, k=options.k, selection=options.selection,
                                        forbidden=forbidden_examples, embedder=options.embedder)

    def response_model(self) -> type[BaseModel]:
        """The Pydantic model an answer must validate against (instructor sends its JSON schema); built from
        ``self.label_set``, as :func:`~nerdistill.prompts.schemas.entities_model` does for the paper's
        dictionary. :meth:`entities` must find the dictionary in it."""
        raise NotImplementedError

    def example_answer(self, example: Sentence) -> dict[str, Any]:
        """What the answer to a labelled few-shot example looks like (JSON-able, in the response model's
        shape); the assistant turn after each example."""
        raise NotImplementedError

    @property
    def version(self) -> str:
        """A hash of everything the strategy sends but the sentence (templates, format, schema): part of the
        store's keys, so answers of two versions never mix."""
        text = json.dumps([self.system_template, self.user_template, self.format_instructions,
                           self.response_model().model_json_schema()], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def system_message(self) -> str:
        """The system turn: the role, each type with its description, the answer's format."""
        types = "\n".join(f"- {t.name}: {t.description}" for t in self.label_set.types)
        type_names = ", ".join(self.label_set.names)
        format_text = templates.render(self.format_instructions, {
            "type_names": type_names, "example": templates.example_answer(self.label_set.names)})
        return templates.render(self.system_template, {"types": types, "type_names": type_names,
                                                       "format": format_text})

    def user_message(self, sentence: Sentence) -> str:
        """The user turn asking about ``sentence`` (and about each few-shot example)."""
        return templates.render(self.user_template, {"sentence": sentence.text})

    def messages(self, sentence: Sentence) -> list[dict[str, str]]:
        """The exact messages sent for ``sentence``."""
        messages = [{"role": "system", "content": self.system_message()}]
        for example in self.selector.select(sentence):
            messages.append({"role": "user", "content": self.user_message(example)})
            messages.append({"role": "assistant", "content": json.dumps(self.example_answer(example),
                                                                        ensure_ascii=False)})
        messages.append({"role": "user", "content": self.user_message(sentence)})
        return messages

    def validation_context(self, sentence: Sentence) -> dict[str, Any]:
        """What the answer model's validators see (instructor's ``context``): the tokens, to check that each
        entity string occurs, and the policies for what does not validate."""
        context = {"tokens": list(sentence.tokens), "on_invalid": self.options.on_invalid,
                   "case_sensitive": self.options.case_sensitive}
        if self.options.glued_tokens:  # part of the store's keys: left out while off, so stored answers keep theirs
            context["glued"] = True
        return context

    def entities(self, answer: BaseModel) -> EntitiesBase:
        """The dictionary part of an answer, with what validation dropped."""
        return entities_of(answer)

    def reasoning(self, answer: BaseModel) -> dict[str, Any] | None:
        """The chain of thought of an answer, where the strategy asks for one."""
        return None


def example_pool(options: StrategyOptions, label_set: LabelSet, original: list[Sentence] | None) -> list[Sentence]:
    """The labelled sentences examples are chosen from, cut to ``pool_size``. ``original`` is the run's own
    gold data, which a run config's ``examples = "original"`` names: a user's few hundred labelled sentences
    serve twice, as training data and as demonstrations for the sentences like them."""
    if options.examples == ORIGINAL:
        if original is None:
            raise NerdistillError("examples = 'original' names a run's original data: give a labelled file here")
        pool = [s for s in original if s.is_labelled]
    else:
        pool = load_examples(options.examples, label_set)
    if options.pool_size is not None and options.pool_size < len(pool):
        pool = nested_sample(pool, options.pool_size, seed=0)
    return pool


def gold_entities(sentence: Sentence, label_set: LabelSet) -> dict[str, list[str]]:
    """A labelled sentence's entities in the answer's dictionary form.

    Every type is a key, in the label set's order, with ``[]`` where there is none: the same order the
    answer schema gives, which a grammar-constrained model must follow. Examples that list keys in
    another order mislead a small model into putting entities under the wrong key.
    """
    entities: dict[str, list[str]] = {name: [] for name in label_set.names}
    for span in sentence.spans:
        entities.setdefault(span.label, []).append(span.text)
    return entities
