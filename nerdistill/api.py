"""The Python API, for notebooks and scripts: the same objects the CLI uses.

    import nerdistill

    config = nerdistill.load_run_config("examples/quickstart.toml")
    results = nerdistill.run(config)            # or nerdistill.run("examples/quickstart.toml")
    results.aggregates                          # F1 mean and sd per group and decay
    nerdistill.read_results("runs/quickstart")  # the same, from a run folder
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nerdistill.core.config import errors_in, load_config
from nerdistill.core.run_config import RunConfig


@dataclass(frozen=True)
class RunResults:
    """What a run produced: its folder, each stage's return value, and the collected report."""

    run_dir: Path
    stages: dict[str, Any]
    report: dict[str, Any]

    @property
    def models(self) -> list[dict[str, Any]]:
        """One row per trained model: group, schedule, decay, seed, F1 (word and subword), per-type F1."""
        return self.report["models"]

    @property
    def aggregates(self) -> list[dict[str, Any]]:
        """Mean and standard deviation over seeds, per group and learning-rate decay."""
        return self.report["aggregates"]

    @property
    def annotation(self) -> dict[str, Any]:
        """Per distill source: calls, cache hits, cost and, against gold, annotation quality."""
        return self.report["annotation"]


def load_run_config(path: str | Path) -> RunConfig:
    """Read and validate a run config (TOML); paths in it are relative to its folder."""
    return load_config(path, RunConfig)


def run(config: RunConfig | str | Path, *, stages: tuple[str, ...] | None = None,
        progress: bool | None = None, shard: tuple[int, int] | None = None) -> RunResults:
    """Run a config's stages (all by default); finished work is never redone. ``shard = (i, n)``: train
    only this process's share of the models (see :class:`~nerdistill.core.engine.Engine`)."""
    from nerdistill.core.engine import STAGES, Engine
    from nerdistill.core.report import collect

    source = None if isinstance(config, RunConfig) else Path(config)
    config = config if isinstance(config, RunConfig) else load_run_config(config)
    engine = Engine(config, progress=progress, shard=shard)
    if source is not None:
        with errors_in(source):
            outputs = engine.run(stages or STAGES)
    else:
        outputs = engine.run(stages or STAGES)
    return RunResults(config.output, outputs, collect(config.output))


def read_results(run_dir: str | Path) -> dict[str, Any]:
    """The collected results of a run folder (models, aggregates, annotation, stage times)."""
    from nerdistill.core.report import collect

    return collect(Path(run_dir))
