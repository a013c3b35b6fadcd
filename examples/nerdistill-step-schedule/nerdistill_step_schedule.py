"""A mixing schedule from outside nerdistill: ``step``, the simple mix with a movable switch.

``step:at=0.25`` trains on distilled data for the first quarter of the epochs, then on original data;
``at = 0.5`` is the paper's simple mix. Installing this package is all it takes: the entry point in
``pyproject.toml`` makes nerdistill load it, and ``step`` appears in ``nerdistill schedules list``.
"""

from pydantic import Field

from nerdistill.plugins import Schedule, hookimpl, progress


class StepSchedule(Schedule):
    summary = "Distilled data while t < at * T, then original data (at = 0.5 is simple mix)."

    at: float = Field(gt=0, lt=1, description="fraction of the epochs trained on distilled data")

    def distilled_weight(self, epoch: int, epochs: int) -> float:
        progress(epoch, epochs)  # validates the epoch
        return 1.0 if epoch < self.at * epochs else 0.0


@hookimpl
def register_schedules(register):
    register("step", StepSchedule)
