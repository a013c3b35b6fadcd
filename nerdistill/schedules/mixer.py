"""The per-epoch mixer: turns a schedule's weights into the examples of each epoch.

It works on indices (``("distilled", 17)``), never on the data itself, so any trainer can use it.
Two modes:

- ``sample`` (default): epoch t draws round(w_d |D|) distilled and round(w_o |O|) original examples
  without replacement (halves round up), shuffled together. Simple mix and ``all`` then reproduce the
  paper's groups D/E and ALL exactly. The draw depends only on the seed and the epoch number, so a
  resumed run sees the same epochs.
- ``loss``: every example of a source with a non-zero weight, each carrying its source's weight as
  a factor on its loss. Sources at weight 0 are left out of that epoch: their loss would count zero.

An epoch with no example at all is an error when the mixer is built (at configuration time), not a
crash in the middle of training.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Literal

from nerdistill.core.errors import NerdistillError
from nerdistill.schedules.spec import NamedSchedule

MixMode = Literal["sample", "loss"]
Source = Literal["distilled", "original"]
MIX_MODES: tuple[str, ...] = ("sample", "loss")


@dataclass(frozen=True)
class MixedExample:
    source: Source
    index: int
    weight: float


@dataclass(frozen=True)
class EpochPlan:
    """What one epoch trains on: the weights and how many examples of each source."""

    epoch: int
    distilled_weight: float
    original_weight: float
    distilled_count: int
    original_count: int

    @property
    def total(self) -> int:
        return self.distilled_count + self.original_count


class EpochMixer:
    """The training examples of every epoch under ``schedule``."""

    def __init__(
        self,
        schedule: NamedSchedule,
        *,
        epochs: int,
        distilled_size: int,
        original_size: int,
        mode: MixMode = "sample",
        seed: int = 0,
    ):
        if epochs < 1:
            raise NerdistillError(f"epochs must be at least 1, not {epochs}")
        if mode not in MIX_MODES:
            raise NerdistillError(f"unknown mix mode {mode!r} (choose from {', '.join(MIX_MODES)})")
        self.schedule, self.epochs, self.mode, self.seed = schedule, epochs, mode, seed
        self.sizes: dict[Source, int] = {"distilled": distilled_size, "original": original_size}
        self.plan = [self._plan_epoch(t) for t in range(epochs)]
        empty = [p.epoch for p in self.plan if p.total == 0]
        if empty:
            raise NerdistillError(
                f"schedule {schedule.label} leaves epoch(s) {', '.join(map(str, empty))} with no training "
                f"data ({distilled_size} distilled, {original_size} original examples)"
            )

    def _plan_epoch(self, epoch: int) -> EpochPlan:
        w_d, w_o = self.schedule.schedule.weights(epoch, self.epochs)
        for weight in (w_d, w_o):
            if not (0.0 <= weight <= 1.0) or math.isnan(weight):
                raise NerdistillError(f"schedule {self.schedule.label} gives weight {weight} at epoch "
                                      f"{epoch}; weights must lie in [0, 1]")
        return EpochPlan(epoch, w_d, w_o, self._count(w_d, "distilled"), self._count(w_o, "original"))

    def _count(self, weight: float, source: Source) -> int:
        size = self.sizes[source]
        if self.mode == "loss":
            return size if weight > 0 else 0
        return min(size, math.floor(weight * size + 0.5))

    def epoch(self, epoch: int) -> list[MixedExample]:
        """The examples of ``epoch``, in training order; the same for the same seed and epoch."""
        plan = self.plan[epoch]
        rng = random.Random(f"nerdistill-mix:{self.seed}:{epoch}")
        examples: list[MixedExample] = []
        for source, count, weight in (("distilled", plan.distilled_count, plan.distilled_weight),
                                      ("original", plan.original_count, plan.original_weight)):
            factor = weight if self.mode == "loss" else 1.0
            indices = rng.sample(range(self.sizes[source]), count)
            examples += [MixedExample(source, i, factor) for i in indices]  # type: ignore[arg-type]
        rng.shuffle(examples)
        return examples
