"""What a trainer is: distilled and original sentences, a mixer, a label set in; a saved model out.

A trainer's options are a Pydantic model (the ``[training]`` table of a config). A saved model folder
names the trainer that made it (``nerdistill.json``), so ``nerdistill predict`` and ``evaluate model``
find the code that can load it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from nerdistill.core.config.loading import Configured, validate_options
from nerdistill.core.plugins.registry import registry
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import read_json
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence

MODEL_CARD = "nerdistill.json"
#: marks a trainer option that does not change the trained weights (see TrainerOptions.affecting_weights)
NOT_AFFECTING_WEIGHTS = {"weights": False}
#: marks an option added after models were trained whose default is how they were trained: at its default it
#: stays out of the fingerprint, so adding it does not make every finished model train again
ADDED_WITH_OLD_DEFAULT = {"weights": "unless default"}


class TrainerOptions(BaseModel):
    """Options every trainer has: the mixer plans its data per epoch, so every trainer trains in epochs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: int = Field(20, ge=1, description="training epochs; the schedule gives each its mix")
    # the engine sets these two for every trainer: the config's lr_decay sweep, and whether to draw progress
    lr_decay: float | None = Field(None, gt=0, le=1, description="multiply the learning rate by this after each epoch")
    progress: bool | None = Field(None, description="a progress bar (default: only on a terminal)",
                                  json_schema_extra=NOT_AFFECTING_WEIGHTS)

    def affecting_weights(self) -> dict[str, Any]:
        """The options as JSON, less those marked ``Field(..., json_schema_extra=NOT_AFFECTING_WEIGHTS)``
        (a progress bar, threads, the device): changing those must not make a finished model train again;
        and less those marked ``ADDED_WITH_OLD_DEFAULT`` while at their default."""
        fields = type(self).model_fields
        return {name: value for name, value in self.model_dump(mode="json").items()
                if fields[name].json_schema_extra != NOT_AFFECTING_WEIGHTS
                and not (fields[name].json_schema_extra == ADDED_WITH_OLD_DEFAULT and value == fields[name].default)}


#: one sentence's predicted tags and, word by word, the probability the model gave that tag
WordScores = tuple[tuple[str, ...], tuple[float, ...]]


@dataclass(frozen=True)
class TrainingResult:
    model_dir: Path
    log: list[dict[str, Any]]
    resumed_from_epoch: int | None
    #: False in the other processes of a multi-process (multi-GPU) run: they neither save nor evaluate
    main_process: bool = True


class Trainer(Configured):
    """Base of trainers; subclasses implement :meth:`train` and :meth:`predict`."""

    options_model: ClassVar[type[TrainerOptions]] = TrainerOptions
    kind = "trainer"
    description: ClassVar[str] = ""

    def check(self) -> None:
        """Fail, with a :class:`NerdistillError` naming the option, if this trainer cannot run here (an encoder
        that is not installed, say). Called before a run's first stage and by its dry run, so a mistake shows
        before any LLM call is paid for; it must be quick and load no weights. By default, nothing to check."""

    def train(self, *, distilled: list[Sentence], original: list[Sentence], mixer: Any, label_set: LabelSet,
              output_dir: Path, seed: int) -> TrainingResult:
        """Train one model in ``output_dir``, taking each epoch's data from ``mixer.epoch(t)`` (indices into
        ``distilled`` and ``original`` with their weights), reproducibly from ``seed``; save the model in
        ``output_dir / "model"`` with a ``nerdistill.json`` card (:data:`MODEL_CARD`: at least ``trainer``, its
        registered name, and ``options``, its options as JSON; ``fingerprint`` lets scores be cached). Return a
        :class:`TrainingResult` whose ``log`` has one dict per epoch with at least ``seconds``. A stopped
        training should resume from its last finished epoch when called again with the same arguments.

        Two keyword arguments are optional, passed only where a run config asks for them, and taken only by a
        trainer whose ``train`` and ``fingerprint`` declare them (a run checks before any work):
        ``start_from``, a model folder this trainer saved, to continue from rather than start afresh (a group's
        ``start_from``); ``validation``, gold sentences to choose the best epoch on (``data.validation``),
        never to train on. Each then belongs in the fingerprint."""
        raise NotImplementedError

    def fingerprint(self, *, distilled: list[Sentence], original: list[Sentence], mixer: Any, label_set: LabelSet,
                    seed: int) -> str | None:
        """A digest of everything that determines the trained weights, or None where the trainer cannot tell
        (its results are then never reused: a sweep trains such a model every time). A trainer that takes
        :meth:`train`'s optional arguments takes ``start_fingerprint`` (the start model's fingerprint, known
        before that model is trained) and ``validation`` here."""
        return None

    def require(self, wanted: dict[str, str | None]) -> None:
        """Fail unless ``train`` takes each optional keyword argument a config asks for: ``{argument: the option
        asking for it, or None}`` (``{"start_from": "group 'E' start_from", "validation": None}``)."""
        for argument, option in wanted.items():
            if option and argument not in inspect.signature(self.train).parameters:
                raise NerdistillError(f"{option}: the {self.name!r} trainer takes no {argument}")

    def epochs_done(self, output_dir: Path, fingerprint: str | None) -> int:
        """Epochs a stopped training of this model left in ``output_dir`` to resume from, so that a dry run
        counts only the training left; 0 where there are none or the trainer cannot tell."""
        return 0

    def predict(self, model_dir: Path, sentences: list[Sentence]) -> list[tuple[str, ...]]:
        """Each sentence's IOB2 tags, one per token, from the model saved in ``model_dir`` (``nerdistill
        predict``, ``evaluate model`` and every run's test score)."""
        raise NotImplementedError

    def predict_scored(self, model_dir: Path, sentences: list[Sentence]) -> list[WordScores]:
        """Each sentence's tags with the probability the model gave each word's tag (``nerdistill predict
        --scores``). Optional: a trainer whose models give no probabilities leaves it out, and says so."""
        raise NerdistillError(f"the {self.name!r} trainer gives no scores: its models tag without probabilities")

    def load_tagger(self, model_dir: Path) -> Callable[[list[Sentence]], list[WordScores]]:
        """The model in ``model_dir`` as a function tagging sentences with scores, loaded once for many calls (a
        server, a spaCy pipeline). By default :meth:`predict_scored` on each call; a trainer whose loading is
        slow keeps the model in memory here."""
        return lambda sentences: self.predict_scored(model_dir, sentences)

    def export(self, model_dir: Path, output: Path, *, format: str, quantize: str) -> Path:
        """Write the model in ``model_dir`` to ``output`` in ``format`` (``nerdistill export``), a folder that
        :meth:`predict` takes as it takes ``model_dir``. Optional: by default, this trainer's models cannot be
        exported."""
        raise NerdistillError(f"the {self.name!r} trainer cannot export its models")

    def subword_expander(self, model_dir: Path):
        """For the paper's subword-level scoring: ``(sentences, tag sequences) -> per-piece tags``, or None."""
        return None


def read_model_card(model_dir: str | Path) -> dict[str, Any]:
    path = Path(model_dir) / MODEL_CARD
    if not path.exists():
        raise NerdistillError(f"not a nerdistill model folder (no {MODEL_CARD})", path=model_dir)
    return read_json(path)


def build_trainer(name: str, options: dict[str, Any], *, base: Path, where: str = "training") -> Trainer:
    """Trainer ``name`` with ``options`` validated by its options model (errors naming ``where``), its
    ``Path``-typed options resolved against ``base``, the config file's folder, and checked to exist."""
    trainer_class = registry("trainers").get(name, option=f"{where}.trainer")
    return trainer_class(name, validate_options(trainer_class.options_model, options, where, base=base))
