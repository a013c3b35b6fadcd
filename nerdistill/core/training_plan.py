"""What a run's training stage would do, before it does it: each planned model's state and size, the training
left, and how long that is at the rate the run's finished models trained (``nerdistill run --dry-run``).

A model's size is in sentence passes: sentences x epochs, from its mixer (a schedule decides how many of
each source an epoch takes), counting only the epochs left where a stopped training resumes. The rate is
measured, not guessed: the passes of the finished models over their recorded training time.
"""

from __future__ import annotations

from dataclasses import dataclass

from nerdistill.core.training.claims import held_elsewhere
from nerdistill.core.engine import Engine, NotAnnotatedYet, PlannedModel
from nerdistill.core.training.finished import FinishedModels

TO_TRAIN = "to train"
TRAINING_ELSEWHERE = "training in another process"


@dataclass(frozen=True)
class ModelPlan:
    """A planned model: ``status`` is done, to copy from another run, training in another process or to
    train; ``passes`` is None while its distilled data do not exist; a finished model's training time and
    devices come from its result."""

    model: PlannedModel
    passes: int | None
    status: str
    train_seconds: float | None = None
    devices: tuple[str, ...] = ()

    @property
    def left(self) -> bool:
        return self.status.startswith((TO_TRAIN, TRAINING_ELSEWHERE))


@dataclass(frozen=True)
class TrainingLeft:
    models: int
    of: int
    passes: int  # of the models whose data exist
    elsewhere: int  # models another process is training
    waiting: int  # models whose distilled data do not exist yet
    rate: float | None  # sentence passes a second of the finished models, None where none has a time
    measured: int  # the finished models the rate comes from
    devices: tuple[str, ...]  # where they trained

    @property
    def hours(self) -> float | None:
        return self.passes / self.rate / 3600 if self.rate else None


def plan_models(engine: Engine) -> list[ModelPlan]:
    scored_on, finished = engine.scored_on(), engine.finished_models()
    return [_plan(engine, model, scored_on, finished) for model in engine.planned_models()]


def training_left(plans: list[ModelPlan]) -> TrainingLeft:
    left = [p for p in plans if p.left]
    trained = [p for p in plans if p.train_seconds]
    rate = sum(p.passes for p in trained) / sum(p.train_seconds for p in trained) if trained else None
    return TrainingLeft(models=len(left), of=len(plans), passes=sum(p.passes for p in left if p.passes is not None),
                        elsewhere=sum(p.status.startswith(TRAINING_ELSEWHERE) for p in left),
                        waiting=sum(p.passes is None for p in left), rate=rate, measured=len(trained),
                        devices=tuple(sorted({d for p in trained for d in p.devices})))


def _plan(engine: Engine, model: PlannedModel, scored_on: dict, finished: FinishedModels) -> ModelPlan:
    try:
        task = engine.training_task(model)
    except NotAnnotatedYet:  # it cannot be finished either
        return ModelPlan(model, None, f"{TO_TRAIN} (after annotate)")
    epochs = task.mixer.plan
    if held_elsewhere(task.folder):
        status = TRAINING_ELSEWHERE
    elif (result := finished.own(task.folder, task.fingerprint, scored_on)) is not None:
        return ModelPlan(model, _passes(epochs), "done", result.get("train_seconds"),
                         tuple(result.get("devices", ())))
    elif (source := finished.elsewhere(task.fingerprint, scored_on)) is not None:
        return ModelPlan(model, _passes(epochs), f"to copy from {source}")
    else:
        status = TO_TRAIN
    done = task.trainer.epochs_done(task.folder, task.fingerprint)
    return ModelPlan(model, _passes(epochs[done:]),
                     f"{status} ({done} of {len(epochs)} epochs done)" if done else status)


def _passes(epochs: list) -> int:
    return sum(epoch.total for epoch in epochs)
