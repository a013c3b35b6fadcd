"""The model card: a README.md in Hugging Face's format inside every trained model folder.

A student leaves the run that made it (copied to a server, pushed to a hub, exported to ONNX); its card goes
with it and says what it tags (the labels with their descriptions), what taught it (the teacher model and
prompt, the schedule, how many distilled and gold sentences), how well it scored on what, and the run's
resolved config, so that a reader can reproduce or distrust it. The YAML header is what the Hub reads
(``library_name``, ``pipeline_tag``, ``base_model``, ``tags``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nerdistill.core.data.files import write_if_changed
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence

MODEL_CARD_FILE = "README.md"


def model_card(*, title: str, labels: LabelSet, encoder: str, row: dict[str, Any], teachers: list[dict[str, Any]],
               distilled_sentences: int, shape_markers: bool = False, config: dict[str, Any] | None = None) -> str:
    """The card's text. ``row`` is the model's result row (``f1``, ``types``, ``schedule``, ``seed``,
    ``original_sentences``, where known ``teacher_on_test``); ``teachers`` the provenance of each distilled source
    it learnt from (provider, model, strategy); ``shape_markers``: the model reads word-shape marker pieces that
    only nerdistill's tagging puts in."""
    header = ["---", "library_name: transformers", "pipeline_tag: token-classification", f"base_model: {encoder}",
              "tags:", "- token-classification", "- named-entity-recognition", "- nerdistill", "- distillation", "---"]
    lines = [*header, "", f"# {title}", "",
             "A named-entity tagger trained by nerdistill: a small encoder distilled from a large language model's "
             "annotations (arXiv 2402.09282), mixed with human-annotated sentences by a schedule.",
             "", "## Labels", "", "| type | description |", "| --- | --- |"]
    lines += [f"| {t.name} | {t.description} |" for t in labels.types]
    lines += ["", f"Tags are IOB2: {', '.join(labels.tags)}.", "", "## Training", ""]
    lines.append(f"- encoder: `{encoder}`")
    if teachers:
        lines += [f"- teacher: {t.get('provider')} `{t.get('model')}`, prompt strategy `{t.get('strategy')}`"
                  for t in teachers]
    lines += [f"- distilled (LLM-annotated) sentences: {distilled_sentences}",
              f"- original (human-annotated) sentences: {row.get('original_sentences', 0)}",
              f"- schedule: `{row.get('schedule')}`, seed {row.get('seed')}"]
    lines += ["", "## Scores", "", "Word-level micro F1 (seqeval) on the run's test sentences.", ""]
    if row.get("f1") is not None:
        lines += ["| | F1 |", "| --- | --- |", f"| all types | {row['f1']:.4f} |"]
        lines += [f"| {name} | {row['types'][name]:.4f} |" for name in labels.names if name in row.get("types", {})]
    else:
        lines.append("Not scored: the run had no test file.")
    teacher = row.get("teacher_on_test")
    if teacher and teacher.get("f1") is not None:
        lines += ["", f"On the {teacher['sentences']} test sentences its teacher annotated too: {teacher['f1']:.4f}."]
    lines += ["", "## Use", "", "```python", "from transformers import pipeline", "",
              'tagger = pipeline("token-classification", model="path/to/this/folder", aggregation_strategy="simple")',
              'tagger("Peter Blackburn flew to Brussels.")', "```", "",
              "or `nerdistill predict path/to/this/folder input.txt -o tagged.jsonl`, which splits raw text into "
              "sentences and words as the model was trained on them. `nerdistill export` writes it to ONNX."]
    if shape_markers:
        lines += ["", "This model was trained with word-shape markers (a piece before each capitalised word): "
                  "the plain transformers pipeline does not put them in, so tag with `nerdistill predict` or "
                  "`nerdistill.tag()`, which do."]
    if config is not None:
        lines += ["", "## Run config", "", "```json", json.dumps(config, indent=2, default=str), "```"]
    return "\n".join(lines) + "\n"


def trained_model_card(trainer: Any, *, title: str, labels: LabelSet, row: dict[str, Any], distilled: list[Sentence],
                       config: dict[str, Any]) -> str:
    """The card of a model ``trainer`` trained on ``distilled`` (and ``row["original_sentences"]`` gold ones)."""
    options = trainer.options
    return model_card(title=title, labels=labels, encoder=str(getattr(options, "encoder", trainer.name)), row=row,
                      teachers=teachers_of(distilled), distilled_sentences=len(distilled),
                      shape_markers=bool(getattr(options, "shape_markers", False)), config=config)


def teachers_of(distilled: list[Sentence]) -> list[dict[str, Any]]:
    """The providers, models and prompt strategies that annotated ``distilled``, as each sentence records them."""
    found = {}
    for sentence in distilled:
        about = sentence.meta.get("annotation", {})
        if "provider" in about:
            key = (about["provider"], about.get("model"), about.get("strategy"))
            found.setdefault(key, {"provider": key[0], "model": key[1], "strategy": key[2]})
    return list(found.values())


def write_model_card(model_dir: Path, text: str) -> None:
    write_if_changed(Path(model_dir) / MODEL_CARD_FILE, text)
