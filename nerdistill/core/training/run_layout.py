"""Where a run folder keeps its models (``<run>/models/<group>/<decay>/seed-<n>/``, each with ``result.json``)
and the configuration it was run with (``<run>/config.json``).

The engine writes this layout; the report, and other runs taking finished models (``reuse_models_from``),
read it. Keeping it here means a change of layout cannot leave a reader looking in the old place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nerdistill import __version__
from nerdistill.core.data.files import read_json, write_if_changed

RESULT = "result.json"
MODELS = "models"
RUN_CONFIG = "config.json"


def model_folder(run_dir: Path, group: str, decay_label: str, seed: int, gold: int | None = None) -> Path:
    """A model's folder; ``:`` and ``=`` of schedule specs (``sigmoid:k=8``) are left out of the name. In a
    gold-size sweep the size follows the group's name (``A@250``; ``@`` is never in a group's name)."""
    name = group.replace(":", "_").replace("=", "") + ("" if gold is None else f"@{gold}")
    return run_dir / MODELS / name / decay_label / f"seed-{seed}"


def has_models(run_dir: Path) -> bool:
    return (run_dir / MODELS).is_dir()


def result_files(run_dir: Path) -> list[Path]:
    """Every model's ``result.json`` in the run, in a stable order."""
    return sorted((run_dir / MODELS).glob(f"*/*/seed-*/{RESULT}"))


def run_of(folder: Path) -> Path:
    """The run folder that holds the model folder ``folder``."""
    return folder.parents[3]


def write_run_config(run_dir: Path, config: dict[str, Any], groups: list[str]) -> None:
    """Record the resolved configuration (paths absolute, defaults filled in), so that a run folder says what
    made it, and its groups in the order the config gives them, which the report follows. Rewritten only
    when it changes: the processes sharing a run write the same."""
    record = {"nerdistill": __version__, "groups": groups, "config": config}
    write_if_changed(run_dir / RUN_CONFIG, json.dumps(record, indent=2) + "\n")


def group_order(run_dir: Path) -> list[str]:
    """The run's groups in its config's order; empty for a folder from before ``config.json`` was written."""
    path = run_dir / RUN_CONFIG
    return read_json(path)["groups"] if path.exists() else []


def run_config(run_dir: Path) -> dict[str, Any]:
    """The resolved configuration the run was started with; empty for a folder from before it was written."""
    path = run_dir / RUN_CONFIG
    return read_json(path)["config"] if path.exists() else {}
