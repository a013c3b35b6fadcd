"""Configuration files: TOML validated by Pydantic, with errors that name the key and the file.

Paths in a config are relative to the config file's folder, so a config and its data travel
together. The ``[training]`` table names a trainer and carries that trainer's own options, which
its options model validates (an unknown key is an error naming it).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import read_toml
from nerdistill.core.data.jsonl import describe_validation_error
from nerdistill.core.data.labels import CONLL2003, LabelMapping, LabelSet

Model = TypeVar("Model", bound=BaseModel)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the folder of the config file it was read from (None when built in code): the base of the relative
    #: paths in the options of the plugins it names, which only the plugins' options models can tell apart
    _folder: Path | None = PrivateAttr(None)

    @property
    def folder(self) -> Path:
        return self._folder or Path.cwd()


class TrainingConfig(BaseModel):
    """``[training]``: the trainer's name and its options (validated by the trainer)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    trainer: str = "token-classification"
    min_sentence_passes: int | None = Field(
        None, ge=1, description="each model trains on at least this many sentences, epochs times sentences an epoch: "
                                "a small original set gets more epochs (see the gold-budget curve)")

    @property
    def trainer_options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class TrainData(Section):
    distilled: list[Path] = Field(default_factory=list, description="distilled (LLM-annotated) sentence files")
    original: list[Path] = Field(default_factory=list, description="original (human-annotated) sentence files")
    test: Path | None = Field(None, description="the gold file the model is scored on")
    validation: Path | None = Field(None, description="gold sentences that choose the best epoch and stop training "
                                                      "early (never used for the test score)")


class TrainConfig(Section):
    """A ``nerdistill train`` config: one model from files, under one schedule."""

    output: Path = Field(description="the folder of the model and its scores")
    seed: int = Field(0, description="random seed of the mixing and the training")
    start_from: Path | None = Field(None, description="a model folder of the same trainer to fine-tune rather than "
                                                      "the bare encoder")
    labels: LabelMapping = Field(None, description="entity types and descriptions (default CoNLL-2003)")
    data: TrainData = Field(description="the files to train and score on ([data])")
    schedule: str | dict[str, Any] = Field("simple_mix",
                                           description="a schedule name, 'name:param=value', or a table {name = ..., "
                                                       "param = ...}")
    mix_mode: Literal["sample", "loss"] = Field("sample",
                                                description="'sample': each epoch draws its share of each source; "
                                                            "'loss': every example, its loss weighted")
    training: TrainingConfig = Field(default_factory=TrainingConfig,
                                     description="the trainer and its options ([training])")
    subword_scores: bool = Field(True, description="also report the paper's subword-level scores")

    @property
    def label_set(self) -> LabelSet:
        return LabelSet.from_mapping(self.labels) if self.labels else CONLL2003



class Configured:
    """A named plugin object (provider, trainer) whose options are a Pydantic model, validated on creation."""

    options_model: ClassVar[type[BaseModel]]
    kind: ClassVar[str] = "plugin"

    def __init__(self, name: str, options: BaseModel | dict[str, Any] | None = None):
        self.name = name
        try:
            self.options = (options if isinstance(options, self.options_model)
                            else self.options_model.model_validate(options or {}))
        except ValidationError as error:
            raise NerdistillError(f"{self.kind} {name!r}: {describe_validation_error(error)}") from None
        missing = missing_option_paths(self.options)
        if missing:  # before identity() or check() could read it and fail with a traceback
            raise NerdistillError(f"{self.kind} {name!r}: {missing[0]}: no such file or folder")


def load_config(path: str | Path, model: type[Model], *, _extending: tuple[Path, ...] = ()) -> Model:
    """Read a TOML config into ``model``, resolving relative paths against the file's folder.

    ``extends = "other.toml"`` starts from another config of the same kind, so a sweep that differs from
    another in a few keys states only those (its paths stay relative to its own folder). The extending
    file's top-level tables merge key by key into the other's; any other value it gives, a nested
    table such as ``[annotation.provider_options]`` included, replaces the other's whole.
    """
    path = Path(path)
    data = read_toml(path, "config")
    if "extends" in data:
        data = _merged(_extended(path, data.pop("extends"), model, _extending), data)
    try:
        config = model.model_validate(data, context={"base": path.parent.resolve()})
    except ValidationError as error:
        raise NerdistillError(config_error(error), path=path) from None
    resolved = resolve_paths(config, path.parent.resolve())
    if isinstance(resolved, Section):
        resolved._folder = path.parent.resolve()
    return resolved


def _extended(path: Path, extends: Any, model: type[Model], extending: tuple[Path, ...]) -> dict[str, Any]:
    """The config ``path`` extends, validated on its own and with its paths made absolute."""
    if not isinstance(extends, str):
        raise NerdistillError("extends: give the path of another config file", path=path)
    chain = (*extending, path.resolve())
    parent = Path(os.path.normpath(path.parent.resolve() / extends))
    if parent in chain:
        raise NerdistillError(f"extends: {extends} leads back to a file already extending it", path=path)
    return load_config(parent, model, _extending=chain).model_dump()


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        both_tables = isinstance(value, dict) and isinstance(base.get(key), dict)
        merged[key] = {**base[key], **value} if both_tables else value
    return merged


@contextlib.contextmanager
def errors_in(path: Path) -> Iterator[None]:
    """Attribute errors raised while building plugins from a config to that config file."""
    try:
        yield
    except NerdistillError as error:
        if error.path is None:
            raise NerdistillError(error.reason, path=path) from None
        raise


def config_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors()[:5]:
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(f"{key}: {message}")
    more = f" (and {error.error_count() - 5} more)" if error.error_count() > 5 else ""
    return "; ".join(problems) + more


def resolve_paths(value: Any, base: Path) -> Any:
    """Make every ``Path`` field of a (nested) model absolute, relative to ``base``."""
    if isinstance(value, Path):
        return Path(os.path.normpath(base / value.expanduser()))
    if isinstance(value, list):
        return [resolve_paths(v, base) for v in value]
    if isinstance(value, BaseModel):
        updates = {name: resolve_paths(getattr(value, name), base) for name in type(value).model_fields}
        return value.model_copy(update=updates)
    return value


def missing_option_paths(options: BaseModel) -> list[str]:
    """``name: path`` of each ``Path``-typed option that names nothing on disk."""
    return [f"{name}: {getattr(options, name)}" for name in type(options).model_fields
            if isinstance(getattr(options, name), Path) and not getattr(options, name).exists()]


def parse_assignments(items: Iterable[str], *, option: str) -> dict[str, Any]:
    """``["k=32", "name=x"]`` -> ``{"k": 32, "name": "x"}``; values are read as JSON where they parse."""
    parsed: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise NerdistillError(f"{option}: {item!r} is not key=value")
        try:
            parsed[key.strip()] = json.loads(value.strip())
        except json.JSONDecodeError:
            parsed[key.strip()] = value.strip()
    return parsed


def validate_options(model: type[Model], options: dict[str, Any], where: str, *, base: Path) -> Model:
    """A plugin's options from a config table or the command line, errors naming ``where`` and the key; its
    ``Path``-typed options made absolute against ``base`` (the config file's folder, as every path in a config
    is, or the working folder) and checked to exist: the options a plugin types as paths are its inputs."""
    try:
        validated = model.model_validate(options)
    except ValidationError as error:
        raise NerdistillError(f"{where}: {config_error(error)}") from None
    updates = {}
    for name in type(validated).model_fields:
        value = getattr(validated, name)
        if isinstance(value, Path):
            updates[name] = Path(os.path.normpath(base / value.expanduser()))
            if not updates[name].exists():
                raise NerdistillError(f"{where}: {name}: {updates[name]}: no such file or folder")
    return validated.model_copy(update=updates) if updates else validated
