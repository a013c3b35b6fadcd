"""Finished models: a run's own, which a re-run skips, and other runs', taken instead of training again.

A model is finished in a folder whose ``result.json`` records the same training fingerprint (data,
schedule, trainer settings, seed) and test set; its weights need not be there (models trained on a GPU
node come back as results only).

Sweeps overlap: phase 3's simple mix on every source is phase 2's group E, and the original-only group is
the same model whatever the teacher. On this project's CPU such a model costs up to an hour, so a run may
name earlier run folders (``reuse_models_from``) and take their finished models.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from nerdistill.core.data.files import read_json
from nerdistill.core.training.run_layout import RESULT, has_models, result_files

log = logging.getLogger("nerdistill.engine")


class FinishedModels:
    """Finds a planned model's result in its own folder or, failing that, in other runs' folders (read on
    first use, so a run started beside them sees what they finished before it looks)."""

    def __init__(self, other_runs: list[Path]):
        self.other_runs = other_runs
        self._index: dict[str, Path] | None = None

    def result(self, folder: Path, fingerprint: str | None, scored_on: dict[str, Any]) -> dict[str, Any] | None:
        """The model's result, after copying its folder here if another run trained it; None: train it."""
        own = self.own(folder, fingerprint, scored_on)
        if own is not None:
            log.info("already trained and scored: %s", folder / RESULT)
            return own
        source = self.elsewhere(fingerprint, scored_on)
        if source is None:
            return None
        log.info("trained in another run, taken from there: %s", source)
        adopt(source, folder)
        return {**self.own(folder, fingerprint, scored_on), "taken_from": str(source)}

    @staticmethod
    def own(folder: Path, fingerprint: str | None, scored_on: dict[str, Any]) -> dict[str, Any] | None:
        """The result in ``folder``, if it is of a model trained with exactly these data and settings and
        scored on this test set."""
        path = folder / RESULT
        if fingerprint is None or not path.exists():
            return None
        row = read_json(path)
        return row if row.get("fingerprint") == fingerprint and row.get("scored_on") == scored_on else None

    def elsewhere(self, fingerprint: str | None, scored_on: dict[str, Any]) -> Path | None:
        """The folder of another run's finished model with this fingerprint and test set, if there is one."""
        if fingerprint is None or not self.other_runs:
            return None
        if self._index is None:
            self._index = self._read()
        return self._index.get(_key(fingerprint, scored_on))

    def _read(self) -> dict[str, Path]:
        index = {}
        for run_dir in self.other_runs:
            if not has_models(run_dir):
                log.warning("reuse_models_from: %s has no trained models (yet); nothing is taken from it", run_dir)
                continue
            for path in result_files(run_dir):
                row = read_json(path)
                if row.get("fingerprint"):
                    index.setdefault(_key(row["fingerprint"], row.get("scored_on")), path.parent)
        return index


def adopt(source: Path, target: Path) -> None:
    """Copy a finished model's folder over ``target`` (a stopped training's checkpoint there is superseded),
    hard-linking the files where the file system allows: no second copy of the weights."""
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _key(fingerprint: str, scored_on: Any) -> str:
    return json.dumps([fingerprint, scored_on], sort_keys=True)
