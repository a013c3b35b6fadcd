"""Train one model under one schedule and score it: the unit that runs, sweeps and ``train`` repeat.

Outputs in ``output_dir``: the trainer's files (``model/``, ``train_log.jsonl``), and ``report.json``
(word-level scores, and the paper-style subword-level ones) with ``report.txt`` beside it. A finished
model is not trained again, and a report made from the same model is not recomputed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from nerdistill.core.errors import NerdistillError
from nerdistill.core.scoring.evaluation import evaluate_predictions, format_report
from nerdistill.core.data.files import atomic_write, read_json, write_if_changed
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.training.trainer import Trainer, read_model_card
from nerdistill.schedules.mixer import EpochMixer
from nerdistill.schedules.spec import NamedSchedule

REPORT = "report.json"


def train_and_evaluate(*, trainer: Trainer, schedule: NamedSchedule, distilled: list[Sentence],
                       original: list[Sentence], test: list[Sentence] | None, label_set: LabelSet,
                       output_dir: Path, seed: int, mix_mode: str = "sample", subword: bool = True,
                       **optional: Any) -> dict[str, Any]:
    """``optional``: the trainer's optional arguments (``start_from``, ``validation``), given only where set."""
    for name, sentences in (("distilled", distilled), ("original", original)):
        unlabelled = sum(not s.is_labelled for s in sentences)
        if unlabelled:
            raise NerdistillError(f"{unlabelled} {name} sentences have no tags: only labelled data can be trained on")
    mixer = EpochMixer(schedule, epochs=trainer.options.epochs, distilled_size=len(distilled),
                       original_size=len(original), mode=mix_mode, seed=seed)
    result = trainer.train(distilled=distilled, original=original, mixer=mixer, label_set=label_set,
                           output_dir=output_dir, seed=seed, **optional)
    if not result.main_process:
        return {"schedule": schedule.label, "model": str(result.model_dir), "epochs": result.log, "main_process": False}
    summary: dict[str, Any] = {"schedule": schedule.label, "mix_mode": mix_mode, "seed": seed,
                               "model": str(result.model_dir), "epochs": result.log,
                               "weights": [[p.distilled_weight, p.original_weight] for p in mixer.plan],
                               "train_seconds": round(sum(e["seconds"] for e in result.log), 2)}
    scored = [e for e in result.log if "validation_f1" in e]
    if scored:  # the model kept is the best scored on the validation sentences
        best = max(scored, key=lambda e: e["validation_f1"])
        summary["selection"] = {"best_epoch": best["epoch"] + 1, "validation_f1": best["validation_f1"],
                                "epochs_trained": len(result.log), "epochs_planned": mixer.epochs}
    if test:
        summary["scores"] = evaluate_model(trainer, result.model_dir, test, subword=subword, cache_dir=output_dir)
    write_if_changed(output_dir / REPORT, json.dumps(summary, indent=2))
    return summary


def epochs_for(schedule: NamedSchedule, *, epochs: int, distilled_size: int, original_size: int,
               least: int | None, mode: str = "sample") -> int:
    """``epochs``, raised where they would train on fewer than ``least`` sentences in all (``training.
    min_sentence_passes``): a small gold sample gets as many updates as the rule asks, not a few dozen."""
    if least is None or distilled_size + original_size == 0:
        return epochs
    plan = EpochMixer(schedule, epochs=epochs, distilled_size=distilled_size, original_size=original_size,
                      mode=mode).plan
    passes = sum(epoch.total for epoch in plan)
    return epochs if passes == 0 or passes >= least else math.ceil(epochs * least / passes)


def evaluate_model(trainer: Trainer, model_dir: Path, gold: list[Sentence], *, subword: bool = True,
                   cache_dir: Path | None = None, predicted: list[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Scores of a saved model on gold sentences; cached in ``cache_dir`` against the model's fingerprint.
    ``predicted``: the model's tags for the labelled ones, where the caller has them already (from
    ``predict_scored``), so that they are not predicted twice."""
    labelled = [s for s in gold if s.is_labelled]
    if not labelled:
        raise NerdistillError("the gold sentences carry no tags to score against")
    fingerprint = read_model_card(model_dir).get("fingerprint")
    cache = cache_dir / "scores.json" if cache_dir else None
    key = {"fingerprint": fingerprint, "gold": len(labelled), "first": labelled[0].id, "subword": subword}
    if cache is not None and cache.exists():
        cached = read_json(cache)
        if cached.get("key") == key:
            return cached["scores"]
    predicted = predicted if predicted is not None else trainer.predict(model_dir, labelled)
    expander = trainer.subword_expander(model_dir) if subword else None
    scores = evaluate_predictions(labelled, predicted, expander=expander)
    if cache is not None:
        with atomic_write(cache) as stream:
            json.dump({"key": key, "scores": scores}, stream)
        with atomic_write(cache.with_name("report.txt")) as stream:
            stream.write(scores_text(scores))
    return scores


def scores_text(scores: dict[str, Any]) -> str:
    parts = [format_report(scores["word"], "word level (conlleval-compatible; the standard figure)")]
    if "subword" in scores:
        parts.append(format_report(scores["subword"],
                                   "subword level (each word's tag on all its pieces, as the paper)"))
    return "\n\n".join(parts) + "\n"
