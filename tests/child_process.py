"""Running a test's work in a child Python process, so that a crash of a native library (llama.cpp dying with
SIGILL on a CPU it was not built for) fails that one test with the signal named, instead of killing pytest
and every test after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nerdistill.providers.llama_probe import signal_name

ROOT = Path(__file__).resolve().parents[1]


def in_child_process(function, *args: str, timeout: float = 900) -> None:
    """Call ``function(*args)`` (a module-level function of a test module; string arguments) in a child
    process; its failed assertions fail the calling test with their traceback."""
    code = (f"import {function.__module__} as module; module.{function.__name__}(*{list(args)!r})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    tail = "\n".join(result.stderr.strip().splitlines()[-25:])
    if result.returncode < 0:
        pytest.fail(f"the native library killed the process with {signal_name(-result.returncode)}; "
                    f"`nerdistill doctor` says why and what to reinstall.\n{tail}", pytrace=False)
    if result.returncode != 0:
        pytest.fail(f"{function.__name__} failed in its child process:\n{tail}", pytrace=False)
