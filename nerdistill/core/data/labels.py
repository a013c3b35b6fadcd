"""Label sets: the entity types a run annotates, trains and scores.

A label set is part of what determines an LLM answer (its names and descriptions go into the prompt),
so it is immutable and hashable. CoNLL-2003's four types are the default; any other set (medical
``symptom``, WNUT-style types) comes from config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator

from nerdistill.core.data.files import read_toml
from nerdistill.core.errors import NerdistillError

OUTSIDE = "O"


class EntityType(BaseModel):
    """One entity type: a name as a CoNLL file's tags carry it (``PER``, ``creative-work``) and a description for
    the prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""

    @field_validator("name")
    @classmethod
    def _taggable(cls, name: str) -> str:
        problem = type_name_problem(name)
        if problem:
            raise ValueError(problem)
        return name


def type_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an entity type, or None. Any name a CoNLL tag can carry works through the whole
    pipeline (prompts, answer schemas, alignment, training, reports); a tag is one column, so the name cannot
    hold white space, and ``O`` means outside."""
    if not name:
        return "an entity type needs a name"
    if any(c.isspace() for c in name):
        return f"entity type {name!r}: a type name cannot hold white space (it becomes a tag such as B-{name})"
    if name == OUTSIDE:
        return f"entity type {name!r}: O is the tag of words outside any entity"
    return None


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
        """Build from ``{name: description}``, the form configs use; a bad name is a ``ValueError`` of one line
        (not pydantic's dump), so a config's error names the key and the type."""
        for name in mapping:
            problem = type_name_problem(name)
            if problem:
                raise ValueError(problem)
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

    def outside(self, name: str) -> str:
        """What to say of a type this set lacks, in any file or command that meets one."""
        return f"type {name!r} is not in the label set ({', '.join(self.names)}): {DECLARE_TYPES}"

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


def _checked_mapping(labels: dict[str, str] | None) -> dict[str, str] | None:
    if labels is not None:
        LabelSet.from_mapping(labels)
    return labels


#: a config's ``[labels]`` table, ``{name: description}``, checked as it is read
LabelMapping = Annotated[dict[str, str] | None, AfterValidator(_checked_mapping)]


#: what to do about a type a label set lacks, for every error that names one
DECLARE_TYPES = "declare the types in the run config's [labels] table, or give a command --labels FILE"


def read_label_set(path: str | Path) -> LabelSet:
    """The label set of a TOML file: its ``[labels]`` table (a run config serves) or, without one, its top-level
    ``type = "description"`` lines, in the file's order."""
    path = Path(path)
    data = read_toml(path, "labels")
    mapping = data.get("labels", data)
    if not mapping or not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise NerdistillError('a labels file gives each type a description, type = "description" (or a [labels] '
                              "table of them)", path=path)
    try:
        return LabelSet.from_mapping(mapping)
    except (ValueError, NerdistillError) as error:
        raise NerdistillError(str(getattr(error, "reason", error)), path=path) from None
