"""``nerdistill view``: annotations on one self-contained HTML page, to look at rather than score.

The page needs no network (no CDN, no font, no script from elsewhere): it opens in a closed network and can
be mailed. Its data is embedded as JSON; its script pages through the sentences (so 10,000 load at once),
filters them by type, by kind of difference and by confidence, and draws a chart per type. Filters live in
the address's ``#`` part, so a filtered view can be bookmarked, shared, and opened by a headless browser.

Where a reference is given (gold, or a second annotation), each entity of the file is ``correct``, of the
wrong ``type`` (same words), at a wrong ``boundary`` (overlapping a reference entity at other words) or
``spurious`` (overlapping none); each reference entity no entity of the file overlaps is ``missed``. The
summary's precision, recall and F1 are computed as ``nerdistill evaluate annotations`` computes them (the
same pairing, a missing sentence scored as no entity), so the page and the command agree.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from importlib import resources
from typing import Any

from nerdistill.core.data.exchange.offsets import entity_scores, type_names
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span
from nerdistill.core.scoring.evaluation import pair_sentences, score_tags

KINDS = ("correct", "type", "boundary", "spurious", "missed")


def view_data(sentences: list[Sentence], reference: list[Sentence] | None = None, *, name: str,
              reference_name: str | None = None, label_set: LabelSet | None = None,
              matched_only: bool = False) -> dict[str, Any]:
    """What the page shows: each sentence's tokens and entities (``[start, end, type, score, kind]``), the
    reference's where given, the types, the counts per type and kind, and the scores. As in ``evaluate
    annotations``, a reference sentence ``sentences`` lack is shown and scored as one with no entity, or left out
    with ``matched_only``."""
    if reference is None:
        shown = [(sentence, None) for sentence in sentences]
    else:
        gold = [s for s in reference if s.is_labelled]
        pairs, _ = pair_sentences(gold, sentences)
        if matched_only:
            pairs = [(g, p) for g, p in pairs if p is not None]
        shown = [(predicted if predicted is not None else gold_sentence.model_copy(update={"tags": None, "meta": {}}),
                  gold_sentence) for gold_sentence, predicted in pairs]
    counts: dict[str, Counter] = defaultdict(Counter)
    records = []
    for sentence, gold in shown:
        entities, reference_entities = _compared(sentence, gold)
        for entity in entities:
            counts[entity[2]][entity[4] or "entities"] += 1
        for entity in reference_entities:
            if entity[4] == "missed":
                counts[entity[2]]["missed"] += 1
        record = {"id": sentence.id, "tokens": list(sentence.tokens), "entities": entities}
        if gold is not None:
            record["reference"] = reference_entities
            if not sentence.is_labelled:
                record["unpredicted"] = True
        records.append(record)
    types = type_names([s for s, _ in shown] + [g for _, g in shown if g is not None], label_set)
    data: dict[str, Any] = {"name": name, "reference": reference_name, "types": types, "kinds": list(KINDS),
                            "sentences": records, "counts": {t: dict(counts[t]) for t in types}}
    if reference is not None:
        data["scores"] = _scores([(s, g) for s, g in shown], label_set)
    return data


def _compared(sentence: Sentence, gold: Sentence | None) -> tuple[list[list[Any]], list[list[Any]]]:
    scores = entity_scores(sentence) if sentence.is_labelled else []
    spans = sentence.spans
    if gold is None:
        return [[s.start, s.end, s.label, score, None] for s, score in zip(spans, scores)], []
    reference = gold.spans
    entities = [[s.start, s.end, s.label, score, _kind(s, reference)] for s, score in zip(spans, scores)]
    reference_entities = [[r.start, r.end, r.label, None, _reference_kind(r, spans)] for r in reference]
    return entities, reference_entities


def _kind(span: Span, reference: list[Span]) -> str:
    same = next((r for r in reference if (r.start, r.end) == (span.start, span.end)), None)
    if same is not None:
        return "correct" if same.label == span.label else "type"
    return "boundary" if any(r.overlaps(span) for r in reference) else "spurious"


def _reference_kind(span: Span, predicted: list[Span]) -> str:
    return "missed" if not any(p.overlaps(span) for p in predicted) else _kind(span, predicted)


def _scores(shown: list[tuple[Sentence, Sentence]], label_set: LabelSet | None) -> dict[str, Any]:
    """``evaluate annotations``'s figures: per type and micro precision, recall, F1 and support."""
    tagged = [(g.tags, s.tags if s.tags else ("O",) * len(g.tokens)) for s, g in shown]
    report = score_tags([g for g, _ in tagged], [p for _, p in tagged])
    types = report["types"]
    if label_set is not None:
        types = {name: types[name] for name in label_set.names if name in types}
    return {"types": types, "micro": report["micro"], "sentences": report["sentences"]}


def view_html(data: dict[str, Any]) -> str:
    """The page: the template with the data embedded (``</`` escaped, so no text can close the script)."""
    template = (resources.files("nerdistill") / "resources" / "viewer" / "view.html").read_text(encoding="utf-8")
    embedded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return template.replace("{{TITLE}}", html.escape(data["name"])).replace("{{DATA}}", embedded)
