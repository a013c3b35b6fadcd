"""Progress: a bar on a terminal; off a terminal (a log file, CI, nohup) a log line at a steady interval.

A 30-minute annotation that prints nothing until it ends looks hung in a log file, and a bar redrawn there
fills it with carriage returns; so off a terminal the same progress comes as one line every
``NERDISTILL_PROGRESS_SECONDS`` (default 60): done of total, the figures the caller adds (failed, loss),
the rate and the time left.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

log = logging.getLogger("nerdistill.progress")


def progress_bar(total: int, description: str, unit: str, wanted: bool | None, *, leave: bool = True):
    """A tqdm bar on standard error where ``wanted`` (None: where stderr is a terminal), else a
    :class:`ProgressLog`; None when ``wanted`` is False."""
    if wanted is False:
        return None
    if wanted is None and not sys.stderr.isatty():
        return ProgressLog(total, description, unit)
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=leave)


class ProgressLog:
    """The part of tqdm's interface the callers use (``update``, ``set_postfix``, ``close``), as log lines."""

    def __init__(self, total: int, description: str, unit: str, *, interval: float | None = None,
                 clock=time.monotonic):
        self.total, self.description, self.unit, self.clock = total, description, unit, clock
        self.interval = interval if interval is not None else float(os.environ.get("NERDISTILL_PROGRESS_SECONDS", 60))
        self.done, self.postfix = 0, {}
        self.started = self.last = clock()

    def update(self, count: int = 1) -> None:
        self.done += count
        if self.clock() - self.last >= self.interval:
            self.last = self.clock()
            log.info("%s", self.line())

    def set_postfix(self, **figures: Any) -> None:
        self.postfix = figures

    def line(self) -> str:
        elapsed = self.clock() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else None
        figures = "".join(f", {name} {value}" for name, value in self.postfix.items())
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        eta = f", about {_duration(left)} left" if left is not None else ""
        units = self.unit + ("es" if self.unit.endswith(("s", "x", "ch", "sh")) else "s")
        return f"{self.description}: {self.done} of {self.total} {units}{share}{figures}, {rate:.2f}/s{eta}"

    def close(self) -> None:
        """Nothing to clear; the final figures are the caller's to log."""


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
