"""Mixing schedules and the per-epoch mixer."""

from nerdistill.schedules.base import Schedule, progress
from nerdistill.schedules.mixer import EpochMixer, EpochPlan, MixedExample
from nerdistill.schedules.spec import NamedSchedule, make_schedule, parse_spec

__all__ = ["EpochMixer", "EpochPlan", "MixedExample", "NamedSchedule", "Schedule", "make_schedule",
           "parse_spec", "progress"]
