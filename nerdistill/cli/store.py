"""``nerdistill store``: what an annotation store holds and what its answers cost in calls, tokens and time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from nerdistill.core.data.formats import read_sentences
from nerdistill.core.annotation.store import AnnotationStore
from nerdistill.core.tables import format_table


@click.command()
@click.argument("path", metavar="STORE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pause", type=click.FloatRange(min=0), default=300, show_default=True,
              help="Seconds between two answers beyond which the annotation counts as stopped.")
@click.option("--sentences", "sentences_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Only the answers to the sentences of this file (CoNLL or JSONL), e.g. one run's input.")
@click.option("--json", "as_json", is_flag=True)
def store(path: Path, pause: float, sentences_file: Path | None, as_json: bool) -> None:
    """Answers in STORE per provider, model and strategy: valid and failed, tokens, cost and wall time."""
    ids = None if sentences_file is None else {s.id for s in read_sentences(sentences_file)}
    summaries = AnnotationStore(path, read_only=True).statistics(pause_seconds=pause, sentence_ids=ids)
    if as_json:
        click.echo(json.dumps(summaries, indent=2))
        return
    headers = ["provider", "model", "strategy", "answers", "ok", "failed", "prompt tokens", "completion tokens",
               "cost", "wall time", "s/answer (median)", "last answer"]
    if ids is not None:
        click.echo(f"answers to the {len(ids)} sentences of {sentences_file} (the wall time includes any other"
                   " answers made in between)", err=True)
    click.echo(format_table(headers, [
        (s["provider"], s["model"], s["strategy"], s["answers"], s["ok"], s["failed"], s["prompt_tokens"],
         s["completion_tokens"], s["cost"], _duration(s["wall_seconds"]),
         "-" if s["median_seconds"] is None else f"{s['median_seconds']:.1f}",
         time.strftime("%Y-%m-%d %H:%M", time.localtime(s["last"]))) for s in summaries]))


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
