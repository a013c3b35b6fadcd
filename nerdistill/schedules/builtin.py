"""The paper's mixing schedules (arXiv 2402.09282, phase 3), registered as a built-in plugin.

w0 is the weight of distilled data and x = t / (T - 1) (see :func:`progress` for T = 1).
"""

from __future__ import annotations

import math

from pydantic import Field

from nerdistill.core.plugins.hookspecs import hookimpl
from nerdistill.schedules.base import Schedule, progress


class PureDistilled(Schedule):
    summary = "Distilled data only, every epoch (w0 = 1)."

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        progress(epoch, epochs)
        return 1.0


class PureOriginal(Schedule):
    summary = "Original data only, every epoch (w0 = 0)."

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        progress(epoch, epochs)
        return 0.0


class SimpleMix(Schedule):
    summary = "Distilled for the first half of the epochs, then original (w0 = 1 if t < T/2 else 0)."

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        # With odd T the middle epoch (t = (T-1)/2 < T/2) is distilled: distilled gets one epoch
        # more. With T = 1 the single epoch is distilled.
        progress(epoch, epochs)
        return 1.0 if epoch < epochs / 2 else 0.0


class SigmoidDecay(Schedule):
    summary = "w0 = 1 - 1 / (1 + exp(-k (x - 0.5))); steeper around the middle as k grows."

    k: float = Field(gt=0, description="steepness; the paper tries 2, 4, 8, 16, 32")

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        x = progress(epoch, epochs)
        return 1.0 - 1.0 / (1.0 + math.exp(-self.k * (x - 0.5)))


class CosineDecay(Schedule):
    summary = "w0 = 0.5 (1 + cos(pi x)): from 1 down to 0 along half a cosine."

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        return 0.5 * (1.0 + math.cos(math.pi * progress(epoch, epochs)))


class PowerDecay(Schedule):
    summary = "w0 = 1 - x^n; n < 1 drops early, n > 1 holds distilled data longer."

    n: float = Field(gt=0, description="exponent; the paper tries 0.1, 0.2, 0.5, 1, 2, 5, 10")

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        return 1.0 - progress(epoch, epochs) ** self.n


class FullBlend(Schedule):
    summary = "Both sources whole, every epoch (the paper's 'ALL': w0 = w1 = 1)."

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        progress(epoch, epochs)
        return 1.0

    def weights(self, epoch: int, epochs: int) -> tuple[float, float]:
        return self.distilled_weight(epoch, epochs), 1.0


BUILTIN_SCHEDULES: dict[str, type[Schedule]] = {
    "pure_distilled": PureDistilled,
    "pure_original": PureOriginal,
    "simple_mix": SimpleMix,
    "sigmoid": SigmoidDecay,
    "cosine": CosineDecay,
    "power": PowerDecay,
    "all": FullBlend,
}


@hookimpl
def register_schedules(register):
    for name, schedule in BUILTIN_SCHEDULES.items():
        register(name, schedule)
