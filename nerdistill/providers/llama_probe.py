"""Trying llama.cpp for real, in a child process, so that a crash of the native library is a finding, not the end.

A llama.cpp built for another CPU (or with AMX kernels) dies with SIGILL, taking the Python process with
it, and only once it runs real work: a 5-token prompt can pass where a few hundred tokens crash. So
``nerdistill doctor`` and the real-model tests run that work here, as ``python -m
nerdistill.providers.llama_probe``, and read what happened from the child's exit status and its one line of
JSON on stdout.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# the build's compiled-in features, as llama_print_system_info() names them
SYSTEM_INFO = ("import llama_cpp, json; "
               "print(json.dumps([llama_cpp.__version__, llama_cpp.llama_print_system_info().decode()]))")


@dataclass(frozen=True)
class ChildResult:
    """How a child process ended: its JSON answer, or why there is none."""

    answer: Any = None
    crashed: str | None = None  # the signal that killed it ("SIGILL (Illegal instruction)")
    error: str | None = None  # any other failure, in one line

    @property
    def ok(self) -> bool:
        return self.crashed is None and self.error is None


def run_child(arguments: list[str], *, timeout: float) -> ChildResult:
    """Run ``python ARGUMENTS`` and read the last line of its stdout as JSON."""
    try:
        result = subprocess.run([sys.executable, *arguments], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ChildResult(error=f"no answer within {timeout:.0f} s")
    if result.returncode < 0:
        return ChildResult(crashed=signal_name(-result.returncode))
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        return ChildResult(error=tail)
    return ChildResult(answer=json.loads(lines[-1]))


def signal_name(number: int) -> str:
    try:
        return f"{signal.Signals(number).name} ({signal.strsignal(number)})"
    except ValueError:
        return f"signal {number}"


def build_info(*, timeout: float = 120) -> ChildResult:
    """llama-cpp-python's version and the CPU features its llama.cpp was compiled with, from a child process
    (loading the library can itself crash on the wrong CPU)."""
    return run_child(["-c", SYSTEM_INFO], timeout=timeout)


def probe_model(model: str | Path, *, timeout: float = 600) -> ChildResult:
    """Load ``model`` and have it annotate one sentence with the standard few-shot prompt (a few hundred
    tokens), through the local provider, instructor and the grammar, in a child process."""
    return run_child(["-m", "nerdistill.providers.llama_probe", str(model)], timeout=timeout)


def _annotate_one(model: str) -> dict[str, Any]:
    from nerdistill.core.annotation.outcome import build_request
    from nerdistill.core.data.labels import CONLL2003
    from nerdistill.core.plugins.registry import registry
    from nerdistill.core.data.sentence import Sentence
    from nerdistill.prompts.strategy import StrategyOptions

    provider = registry("providers").get("local")("local", {"model": model, "max_tokens": 256})
    provider.check(offline=True)
    strategy = registry("prompt strategies").get("standard")("standard", CONLL2003, StrategyOptions(k=4))
    sentence = Sentence(id="probe", tokens=tuple("Peter Blackburn of the European Commission visited Paris on "
                                                 "Monday .".split()))
    started = time.monotonic()
    outcome = provider.annotate(sentence, strategy, build_request(strategy, sentence))
    return {"status": outcome.status, "error": outcome.error, "prompt_tokens": outcome.usage.prompt_tokens,
            "completion_tokens": outcome.usage.completion_tokens, "seconds": round(time.monotonic() - started, 2),
            "entities": outcome.answer}


if __name__ == "__main__":
    print(json.dumps(_annotate_one(sys.argv[1])))
