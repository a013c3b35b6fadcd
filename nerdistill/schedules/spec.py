"""Schedules by name and parameters: ``"sigmoid:k=32"`` or ``{name = "sigmoid", k = 32}``.

Both forms come from configs and the CLI. A mistyped name or parameter, or a value out of range, is a
:class:`NerdistillError` that lists what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from nerdistill.core.config.loading import parse_assignments
from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins.registry import registry
from nerdistill.schedules.base import Schedule

ScheduleSpec = str | dict[str, Any]


@dataclass(frozen=True)
class NamedSchedule:
    """A schedule instance with the name it was asked for by; ``label`` is its canonical spec."""

    name: str
    schedule: Schedule

    @property
    def label(self) -> str:
        return self.schedule.label(self.name)


def parse_spec(spec: ScheduleSpec, *, option: str = "schedule") -> tuple[str, dict[str, Any]]:
    """Split a spec into its name and raw parameters."""
    if isinstance(spec, dict):
        params = dict(spec)
        name = params.pop("name", None)
        if not isinstance(name, str):
            raise NerdistillError(f"{option}: a schedule table needs a 'name'")
        return name, params
    name, _, rest = spec.partition(":")
    items = [p.strip() for p in rest.split(",") if p.strip()]
    return name.strip(), parse_assignments(items, option=f"{option} (write key=value, as in sigmoid:k=32)")


def make_schedule(spec: ScheduleSpec, *, option: str = "schedule") -> NamedSchedule:
    """Instantiate a registered schedule from a spec."""
    name, params = parse_spec(spec, option=option)
    schedule_class = registry("schedules").get(name, option=option)
    try:
        return NamedSchedule(name, schedule_class(**params))
    except ValidationError as error:
        raise NerdistillError(f"{option}: {describe_parameters_error(name, schedule_class, error)}") from None


def describe_parameters_error(name: str, schedule_class: type[Schedule], error: ValidationError) -> str:
    valid = ", ".join(
        f"{field} ({info.description})" if info.description else field
        for field, info in schedule_class.model_fields.items()
    ) or "none"
    problems = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            problems.append(f"unknown parameter {field!r}")
        elif item["type"] == "missing":
            problems.append(f"missing parameter {field!r}")
        else:
            problems.append(f"{field}: {item['msg']}")
    return f"schedule {name!r}: {'; '.join(problems)}. Parameters of {name!r}: {valid}"
