"""``nerdistill select``: the sentences of a distilled pool most worth a reviewer's time."""

from __future__ import annotations

from pathlib import Path

import click

from nerdistill.core.training.review_selection import (
    NEEDS_MODEL,
    confidence_scores,
    disagreement_scores,
    random_scores,
    select as select_sentences,
    uncertainty_scores,
)
from nerdistill.core.data.formats import read_sentences, write_sentences

existing = click.Path(exists=True, path_type=Path)


@click.command()
@click.argument("pool", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-n", "count", type=click.IntRange(min=1), required=True, help="How many sentences to select.")
@click.option("--by", "way", type=click.Choice(["disagreement", "uncertainty", "confidence", "random"]),
              required=True, help="disagreement: teacher and student differ most; uncertainty: the student is "
                                  "least sure of a word; confidence: the LLM is least sure of an entity; random: "
                                  "a seeded sample (the baseline).")
@click.option("--model", type=existing, help="A student's model folder (disagreement, uncertainty): one trained "
                                             "on the pool's labels, e.g. a run's pure-distilled group.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --by random.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The selected sentences, most worth reviewing first, in any format `data convert` writes "
                   "(review.json: Label Studio tasks).")
@click.option("--rest", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the sentences not selected here.")
def select(pool: Path, count: int, way: str, model: Path | None, seed: int, output: Path, rest: Path | None) -> None:
    """Select the N sentences of POOL (distilled sentences, the teacher's labels) a reviewer should correct
    first. Each keeps its labels and gains meta.selection (way, score, rank); correct them (in Label Studio,
    say), convert them back, and give them to a run as original data."""
    sentences = [s for s in read_sentences(pool) if s.is_labelled]
    if way in NEEDS_MODEL and model is None:
        raise click.UsageError(f"--by {way} needs --model (a student's model folder)")
    if way in NEEDS_MODEL:
        from nerdistill.core.training.prediction import model_trainer

        student = model_trainer(model).predict_scored(model, sentences)
        scores = disagreement_scores(sentences, student) if way == "disagreement" else uncertainty_scores(student)
    elif way == "confidence":
        scores = confidence_scores(sentences, where=str(pool))
    else:
        scores = random_scores(sentences, seed)
    chosen = select_sentences(sentences, scores, count, by=way)
    write_sentences(chosen, output)
    click.echo(f"wrote {len(chosen)} of {len(sentences)} sentences to {output}", err=True)
    if rest is not None:
        kept = {s.id for s in chosen}
        write_sentences([s for s in sentences if s.id not in kept], rest)
        click.echo(f"wrote the other {len(sentences) - len(chosen)} to {rest}", err=True)
