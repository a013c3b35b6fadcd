"""Where a run folder keeps its models: ``<run>/models/<group>/<decay>/seed-<n>/``, each with ``result.json``.

The engine writes this layout; the report, and other runs taking finished models (``reuse_models_from``),
read it. Keeping it here means a change of layout cannot leave a reader looking in the old place.
"""

from __future__ import annotations

from pathlib import Path

RESULT = "result.json"
MODELS = "models"


def model_folder(run_dir: Path, group: str, decay_label: str, seed: int) -> Path:
    """A model's folder; ``:`` and ``=`` of schedule specs (``sigmoid:k=8``) are left out of the name."""
    return run_dir / MODELS / group.replace(":", "_").replace("=", "") / decay_label / f"seed-{seed}"


def has_models(run_dir: Path) -> bool:
    return (run_dir / MODELS).is_dir()


def result_files(run_dir: Path) -> list[Path]:
    """Every model's ``result.json`` in the run, in a stable order."""
    return sorted((run_dir / MODELS).glob(f"*/*/seed-*/{RESULT}"))


def run_of(folder: Path) -> Path:
    """The run folder that holds the model folder ``folder``."""
    return folder.parents[3]
