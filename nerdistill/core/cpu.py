"""The CPU a process may use."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (``taskset``, a container's CPU set), not all the machine's: llama.cpp's
    and ONNX Runtime's threads wait for each other at every step, so one more thread than cores stalls them all."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on macOS and Windows
        return os.cpu_count() or 1
