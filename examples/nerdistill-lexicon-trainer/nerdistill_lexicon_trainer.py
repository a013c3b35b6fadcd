"""A trainer from outside nerdistill: ``lexicon``, each word's most frequent tag.

It shows the parts of the contract a trainer implements (``nerdistill.core.training.trainer.Trainer``'s docstrings
say each in full): options derived from ``TrainerOptions`` (which carries ``epochs``, and the
``lr_decay`` and ``progress`` a run sets); ``train`` taking each epoch's examples from the mixer, so every
mixing schedule works with it; a model folder with a ``nerdistill.json`` card naming the trainer, so
``nerdistill predict`` finds it; ``predict``; and ``fingerprint``, so a sweep does not train a finished
model again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from pathlib import Path

from pydantic import Field

from nerdistill.plugins import (MODEL_CARD, LabelSet, Sentence, Trainer, TrainerOptions, TrainingResult, hookimpl,
                                repair_iob2)


LEXICON = "lexicon.json"


class LexiconOptions(TrainerOptions):
    min_count: float = Field(1, gt=0, description="a word's tag is learnt once its weighted count reaches this")


class LexiconTrainer(Trainer):
    options_model = LexiconOptions
    description = "Each word's most frequent tag in the (mixed) training data: a baseline with no network."
    options: LexiconOptions

    def train(self, *, distilled, original, mixer, label_set: LabelSet, output_dir: Path, seed: int):
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        log = []
        for epoch in range(self.options.epochs):
            started = time.monotonic()
            examples = mixer.epoch(epoch)
            for example in examples:
                sentence = (distilled if example.source == "distilled" else original)[example.index]
                for token, tag in zip(sentence.tokens, sentence.tags):
                    counts[token][tag] += example.weight
            log.append({"epoch": epoch, "examples": len(examples), "seconds": round(time.monotonic() - started, 4)})
        lexicon = {token: max(tags, key=tags.get) for token, tags in counts.items()
                   if sum(tags.values()) >= self.options.min_count}
        model_dir = output_dir / "model"
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / LEXICON).write_text(json.dumps(lexicon, ensure_ascii=False), encoding="utf-8")
        card = {"trainer": self.name, "labels": list(label_set.tags), "options": self.options.model_dump(mode="json"),
                "fingerprint": self.fingerprint(distilled=distilled, original=original, mixer=mixer,
                                                label_set=label_set, seed=seed)}
        (model_dir / MODEL_CARD).write_text(json.dumps(card, indent=2), encoding="utf-8")
        return TrainingResult(model_dir, log, None)

    def fingerprint(self, *, distilled, original, mixer, label_set: LabelSet, seed: int) -> str:
        material = json.dumps({"options": self.options.affecting_weights(), "schedule": mixer.schedule.label,
                               "distilled": [s.tokens + s.tags for s in distilled],
                               "original": [s.tokens + s.tags for s in original], "seed": seed,
                               "labels": list(label_set.tags)}, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()

    def predict(self, model_dir: Path, sentences: list[Sentence]) -> list[tuple[str, ...]]:
        lexicon = json.loads((Path(model_dir) / LEXICON).read_text(encoding="utf-8"))
        return [tuple(repair_iob2([lexicon.get(token, "O") for token in sentence.tokens])[0])
                for sentence in sentences]


@hookimpl
def register_trainers(register):
    register("lexicon", LexiconTrainer)
