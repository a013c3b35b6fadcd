"""``nerdistill evaluate``: score annotations (and, with a trainer, models) against gold."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nerdistill.cli.options import labels_option, threshold_list, threshold_table
from nerdistill.core.annotation.confidence import scores_by_confidence
from nerdistill.core.scoring.entity_errors import entity_errors, format_entity_errors
from nerdistill.core.scoring.evaluation import format_report, pair_sentences, score_tags
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.labels import LabelSet

existing = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def evaluate() -> None:
    """Score predictions against gold with seqeval (entity level, conlleval-compatible by default)."""


@evaluate.command()
@click.argument("predicted", type=existing)
@click.argument("gold", type=existing)
@click.option("--matched-only", is_flag=True,
              help="Score only the gold sentences PREDICTED has (by default a missing one counts as no entity).")
@click.option("--strict", is_flag=True, help="Strict IOB2 entity matching instead of conlleval's.")
@click.option("--errors", is_flag=True,
              help="Also what went wrong: type confusions, spurious and missed entities, frequent spurious strings.")
@click.option("--by-confidence", "thresholds", metavar="T,T,...", callback=threshold_list,
              help="Also the scores of the sentences whose every entity the LLM gave at least T, e.g. 0.5,0.9 "
                   "(answers asked with logprobs = true).")
@labels_option(default=None)
@click.option("--json", "as_json", is_flag=True)
def annotations(predicted: Path, gold: Path, matched_only: bool, strict: bool, errors: bool,
                thresholds: list[float] | None, label_set: LabelSet | None, as_json: bool) -> None:
    """Annotation quality of PREDICTED (e.g. distilled data) against GOLD, per type and averaged (with --labels,
    the types in the set's order, and a type outside it in either file an error naming the line)."""
    gold_sentences = [s for s in read_sentences(gold, label_set=label_set) if s.is_labelled]
    pairs, missing = pair_sentences(gold_sentences, read_sentences(predicted, label_set=label_set))
    if matched_only:
        pairs = [(g, p) for g, p in pairs if p is not None]
    tagged = [(g, p.tags if p is not None and p.tags else ("O",) * len(g.tokens)) for g, p in pairs]
    mode = "strict" if strict else "conlleval"
    report = score_tags([g.tags for g, _ in tagged], [tags for _, tags in tagged], mode=mode)
    if label_set is not None:
        report["types"] = {name: report["types"][name] for name in label_set.names if name in report["types"]}
    report["missing_predictions"] = missing
    report["missing_counted_as_empty"] = not matched_only
    if errors:
        report["errors"] = entity_errors(tagged)
    if thresholds:
        report["by_confidence"] = scores_by_confidence([(g, p) for g, p in pairs if p is not None], thresholds, mode,
                                                       where=str(predicted))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(format_report(report, f"{predicted} against {gold}: {len(pairs)} sentences, "
                                     f"{missing} without a prediction"
                                     f"{' (left out)' if matched_only else ' (scored as no entity)'}"))
    if errors:
        click.echo("\n" + format_entity_errors(report["errors"]))
    if thresholds:
        click.echo("\nThe sentences whose every entity has at least the confidence T (scored on those alone):\n"
                   + threshold_table(report["by_confidence"], "sentences"))
