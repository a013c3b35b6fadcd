"""The answers an LLM must give, as Pydantic models built from the run's label set.

The standard answer is the paper's dictionary, one key per entity type: ``{"LOC": ["Houston"],
"PER": ["Orlando Miller"]}``. An item is a string, or a list of strings for the fragments of one
discontinuous entity; overlapping strings express nested entities (an ORG and the LOC inside it). The
chain-of-thought answer puts the paper's four steps (context, candidates, type of each, justification)
before the same dictionary, so the model reasons before it answers.

Validation (with the sentence's tokens as instructor's validation ``context``):

- type names are normalised: case ("per" -> "PER") and common aliases ("PERSON", "LOCATION",
  "ORGANIZATION", "GPE", ...); a type still unknown is invalid;
- every entity string must occur in the sentence (see :mod:`nerdistill.core.annotation.align`).

On ``"reask"`` an invalid answer raises, so instructor re-asks the LLM with the error; on ``"repair"``
the offending types and strings are dropped and counted in ``dropped``.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, create_model, model_validator

from nerdistill.core.annotation.align import Mention, TokenIndex
from nerdistill.core.data.labels import LabelSet

InvalidAnswerPolicy = Literal["reask", "repair"]

TYPE_ALIASES: dict[str, str] = {
    "PERSON": "PER", "PEOPLE": "PER", "PERS": "PER", "NAME": "PER",
    "LOCATION": "LOC", "PLACE": "LOC", "GPE": "LOC", "COUNTRY": "LOC", "CITY": "LOC",
    "ORGANIZATION": "ORG", "ORGANISATION": "ORG", "COMPANY": "ORG", "ORGANIZATIONS": "ORG",
    "MISCELLANEOUS": "MISC", "OTHER": "MISC", "NORP": "MISC", "EVENT": "MISC",
}

EntityItem = str | list[str]


class EntitiesBase(BaseModel):
    """Base of the generated dictionary models; subclasses have one list field per entity type."""

    # a type whose name cannot be a field's (``_x``, ``copy``) is a field under another name, with the type's
    # name as its alias: answers are read and written by the types' names whatever the fields are called
    model_config = ConfigDict(extra="forbid", serialize_by_alias=True)

    _dropped: dict[str, list[str]] = PrivateAttr(default_factory=lambda: {"unknown_types": [],
                                                                          "not_in_sentence": []})

    @model_validator(mode="wrap")
    @classmethod
    def _normalise_and_check(cls, data: Any, handler, info: ValidationInfo):
        context = info.context or {}
        policy: InvalidAnswerPolicy = context.get("on_invalid", "reask")
        unknown: list[str] = []
        if isinstance(data, dict):
            data, unknown = cls._normalise_types(data)
            if unknown and policy == "reask":
                raise ValueError(f"unknown entity types {unknown}: use only {list(cls.type_names().values())}")
        model = handler(data)
        missing: list[str] = []
        if "tokens" in context:
            missing = model._drop_strings_not_in(context["tokens"], context.get("case_sensitive", False),
                                                 context.get("glued", False))
            if missing and policy == "reask":
                raise ValueError(f"these strings do not occur in the sentence: {missing}. Copy every "
                                 "entity exactly as it is written in the sentence")
        model._dropped = {"unknown_types": unknown, "not_in_sentence": missing}
        return model

    @classmethod
    def _normalise_types(cls, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        names = {name.upper(): name for name in cls.type_names().values()}
        normalised: dict[str, list[Any]] = {}
        unknown = []
        for key, value in data.items():
            upper = str(key).strip().upper()
            name = names.get(upper) or names.get(TYPE_ALIASES.get(upper, ""))
            if name is None:
                unknown.append(str(key))
                continue
            items = value if isinstance(value, list) else [value]
            normalised.setdefault(name, []).extend(items)
        return normalised, unknown

    def _drop_strings_not_in(self, tokens: list[str], case_sensitive: bool, glued: bool) -> list[str]:
        index = TokenIndex(tokens)
        missing = []
        for name in type(self).model_fields:
            kept = []
            for item in getattr(self, name):
                fragments = [item] if isinstance(item, str) else item
                bad = [f for f in fragments if not index.contains(f, case_sensitive=case_sensitive, glued=glued)]
                missing += bad
                if not bad:
                    kept.append(item)
            object.__setattr__(self, name, kept)
        return missing

    @property
    def dropped(self) -> dict[str, list[str]]:
        return self._dropped

    def mentions(self) -> list[Mention]:
        """Every entity string with its label, in the order given; fragments each on their own."""
        return [Mention(name, fragment) for field, name in type(self).type_names().items()
                for item in getattr(self, field) for fragment in ([item] if isinstance(item, str) else item)]

    def as_dict(self) -> dict[str, list[EntityItem]]:
        return {name: list(getattr(self, field)) for field, name in type(self).type_names().items()
                if getattr(self, field)}

    @classmethod
    def type_names(cls) -> dict[str, str]:
        """Each field's entity type, in the label set's order."""
        return {field: info.alias or field for field, info in cls.model_fields.items()}


class TypedCandidate(BaseModel):
    entity: str
    type: str


@functools.lru_cache(maxsize=64)
def entities_model(label_set: LabelSet) -> type[EntitiesBase]:
    """The dictionary model for ``label_set``: one optional list per type."""
    fields: dict[str, Any] = {}
    for number, entity_type in enumerate(label_set.types):
        field = entity_type.name if _usable_as_field(entity_type.name) else f"type_{number}"
        alias = None if field == entity_type.name else entity_type.name
        fields[field] = (list[EntityItem], Field(default_factory=list, description=entity_type.description,
                                                  alias=alias))
    return create_model("Entities", __base__=EntitiesBase, **fields)


def _usable_as_field(name: str) -> bool:
    """Whether pydantic takes a type's name as a field's as it is: not private (``_x``), not one of its own
    attributes (``copy``, ``json``) or namespaces. The others are aliased (same JSON schema, same answers)."""
    return not name.startswith(("_", "model_")) and not hasattr(EntitiesBase, name) and not name.startswith("type_")


@functools.lru_cache(maxsize=64)
def chain_of_thought_model(label_set: LabelSet) -> type[BaseModel]:
    """The four reasoning steps, then the dictionary under ``entities``."""
    return create_model(
        "ChainOfThoughtAnswer",
        context=(str, Field(description="Step 1: what the sentence is about, in one sentence.")),
        candidates=(list[str], Field(description="Step 2: every candidate named entity, copied exactly.")),
        types=(list[TypedCandidate], Field(description="Step 3: the type of each candidate, from context.")),
        justification=(str, Field(description="Step 4: why each candidate has its type, briefly.")),
        entities=(entities_model(label_set), Field(description="The final answer: entity type -> strings.")),
    )


def entities_of(answer: BaseModel) -> EntitiesBase:
    """The dictionary part of either kind of answer."""
    return answer if isinstance(answer, EntitiesBase) else answer.entities  # type: ignore[attr-defined]
