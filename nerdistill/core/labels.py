"""Label sets: the entity types a run annotates, trains and scores.

A label set is part of what determines an LLM answer (its names and descriptions go into the prompt),
so it is immutable and hashable. CoNLL-2003's four types are the default; any other set (medical
``symptom``, WNUT-style types) comes from config.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OUTSIDE = "O"


class EntityType(BaseModel):
    """One entity type: a short upper- or lower-case name and a description for the prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    description: str = ""


class LabelSet(BaseModel):
    """An ordered set of entity types and the IOB2 tags they give."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    types: tuple[EntityType, ...]

    @field_validator("types")
    @classmethod
    def _not_empty(cls, types: tuple[EntityType, ...]) -> tuple[EntityType, ...]:
        if not types:
            raise ValueError("a label set needs at least one entity type")
        return types

    @model_validator(mode="after")
    def _unique_names(self) -> "LabelSet":
        names = [t.name for t in self.types]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"entity types named more than once: {', '.join(duplicates)}")
        return self

    @classmethod
    def from_mapping(cls, mapping: dict[str, str]) -> "LabelSet":
        """Build from ``{name: description}``, the form configs use."""
        return cls(types=tuple(EntityType(name=n, description=d) for n, d in mapping.items()))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.types)

    @property
    def tags(self) -> tuple[str, ...]:
        """``O`` then ``B-X``, ``I-X`` for each type, in a fixed order (a model's label ids)."""
        return (OUTSIDE,) + tuple(f"{p}-{n}" for n in self.names for p in ("B", "I"))

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def description(self, name: str) -> str:
        return next(t.description for t in self.types if t.name == name)


CONLL2003 = LabelSet.from_mapping(
    {
        "PER": "Names of people, including fictional characters (first names, surnames, nicknames).",
        "LOC": "Names of locations: countries, cities, regions, geographical and political areas, "
        "bodies of water, mountains, addresses.",
        "ORG": "Names of organizations: companies, institutions, agencies, political parties, "
        "sports teams, news agencies, government bodies.",
        "MISC": "Other names: nationalities and other adjectives derived from names, events, "
        "languages, titles of works, products, religions, and names that fit no other type.",
    }
)
