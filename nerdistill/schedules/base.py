"""What a mixing schedule is: for epoch t of T, the weights of distilled and original data.

A schedule is a frozen Pydantic model whose fields are its parameters, so parameters are validated
(``k > 0``) and an unknown one is rejected by name. Third-party schedules subclass :class:`Schedule`
and implement :meth:`distilled_weight`; the original weight is ``1 - w0`` unless a schedule overrides
:meth:`weights` (the full blend gives both sources weight 1).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


def progress(epoch: int, epochs: int) -> float:
    """The paper's x = t / (T - 1), from 0 at the first epoch to 1 at the last.

    With a single epoch there is no last epoch to reach: x is 0, so a one-epoch run trains as the
    schedule starts.
    """
    if not 0 <= epoch < epochs:
        raise ValueError(f"epoch {epoch} is outside 0..{epochs - 1}")
    return epoch / (epochs - 1) if epochs > 1 else 0.0


class Schedule(BaseModel):
    """A mixing schedule; subclasses add their parameters as fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    summary: ClassVar[str] = ""

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        """The weight w0 of distilled data in epoch ``epoch`` (0-based) of ``epochs``, between 0 and 1; original
        data gets ``1 - w0``. Called once per epoch by the mixer; raise ``ValueError`` for an epoch out of
        range (:func:`progress` does)."""
        raise NotImplementedError

    def weights(self, epoch: int, epochs: int) -> tuple[float, float]:
        """``(w_distilled, w_original)`` for epoch ``epoch`` (0-based) of ``epochs``."""
        w0 = self.distilled_weight(epoch, epochs)
        return w0, 1.0 - w0

    def curve(self, epochs: int) -> list[tuple[float, float]]:
        """The weights of every epoch, for plots and ``schedules show``; not meant to be overridden."""
        return [self.weights(t, epochs) for t in range(epochs)]

    def label(self, name: str) -> str:
        """``sigmoid:k=32``: the name with its parameters, the same form configs accept."""
        params = ",".join(f"{k}={_short(v)}" for k, v in self.model_dump().items())
        return f"{name}:{params}" if params else name


def _short(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
