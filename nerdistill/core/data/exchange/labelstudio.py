"""Label Studio: tasks with pre-annotations out, its JSON export back in.

Out: a JSON list of tasks, each ``data.text`` (the tokens joined by spaces) with the tokens and the sentence's
id beside it, and the entities as a prediction (``predictions[0].result``, one ``labels`` region each, with
its score where the sentence has one). ``labeling_config`` gives the matching labeling interface (a ``Text``
named ``text``, ``Labels`` named ``label``), which ``data convert`` writes beside the tasks.

In: Label Studio's JSON export (the same tasks, with ``annotations``). Each task's latest annotation that was
not cancelled is taken; a task nobody annotated is counted and left out (``unreviewed = "keep"`` takes its
prediction instead): a prediction is not a reviewed label, and reviewed tasks come back as gold data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from nerdistill.core.data.exchange.offsets import CharEntity, ImportCounts, char_entities, sentence_from_chars
from nerdistill.core.data.files import read_json
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.errors import NerdistillError

FROM_NAME, TO_NAME = "label", "text"
#: what to do with a task nobody annotated: leave it out, or take its prediction
Unreviewed = Literal["skip", "keep"]


def format_labelstudio(sentences: list[Sentence]) -> str:
    return json.dumps([_task(n, sentence) for n, sentence in enumerate(sentences, start=1)], ensure_ascii=False,
                      indent=1) + "\n"


def _task(number: int, sentence: Sentence) -> dict[str, Any]:
    task: dict[str, Any] = {"data": {"text": sentence.text, "tokens": list(sentence.tokens),
                                     "nerdistill_id": sentence.id, "source": sentence.source}}
    if sentence.is_labelled:
        regions = []
        for index, entity in enumerate(char_entities(sentence)):
            region = {"id": f"{number}-{index}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
                      "value": {"start": entity.start, "end": entity.end,
                                "text": sentence.text[entity.start:entity.end], "labels": [entity.label]}}
            if entity.score is not None:
                region["score"] = entity.score
            regions.append(region)
        scores = [r["score"] for r in regions if "score" in r]
        prediction: dict[str, Any] = {"model_version": sentence.source or "nerdistill", "result": regions}
        if scores:
            prediction["score"] = min(scores)  # the least sure entity: what a reviewer sorts by
        task["predictions"] = [prediction]
    return task


def labeling_config(names: list[str]) -> str:
    """The Label Studio labeling interface for tasks of these entity types."""
    labels = "\n".join(f"    <Label value={quoteattr(name)}/>" for name in names)
    return (f'<View>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="${TO_NAME}"/>\n</View>\n')


def read_labelstudio(path: str | Path, *, label_set: LabelSet | None = None, unreviewed: Unreviewed = "skip",
                     counts: ImportCounts | None = None) -> list[Sentence]:
    """The sentences of a Label Studio JSON export (or of tasks written by :func:`format_labelstudio`)."""
    path, counts = Path(path), counts if counts is not None else ImportCounts()
    tasks = read_json(path)
    if not isinstance(tasks, list):
        raise NerdistillError("not a Label Studio export: expected a JSON list of tasks", path=path)
    sentences = []
    for number, task in enumerate(tasks, start=1):
        where = f"task {number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise NerdistillError(f"{where}: not a task (an object with 'data')", path=path)
        data = task["data"]
        if not isinstance(data.get(TO_NAME), str):
            raise NerdistillError(f"{where}: data.{TO_NAME} is missing or not text", path=path)
        regions = _reviewed_regions(task)
        if regions is None:
            counts.unreviewed += 1
            if unreviewed == "skip":
                counts.left_out += 1
                continue
            regions = ((task.get("predictions") or [{}])[-1] or {}).get("result") or []
        entities = [_entity(region, where, path) for region in regions if region.get("type") == "labels"]
        sentences.append(sentence_from_chars(
            data[TO_NAME], entities, tokens=data.get("tokens"), id=str(data.get("nerdistill_id") or
                                                                     task.get("id") or number),
            label_set=label_set, counts=counts, path=path, where=where))
    return sentences


def _reviewed_regions(task: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The result of the task's latest annotation that was not cancelled; None where there is none."""
    kept = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    return (kept[-1].get("result") or []) if kept else None


def _entity(region: dict[str, Any], where: str, path: Path) -> CharEntity:
    value = region.get("value") or {}
    labels = value.get("labels") or []
    if not isinstance(value.get("start"), int) or not isinstance(value.get("end"), int) or len(labels) != 1:
        raise NerdistillError(f"{where}: region {region.get('id')!r} needs integer start, end and one label",
                              path=path)
    return CharEntity(value["start"], value["end"], str(labels[0]), region.get("score"))
