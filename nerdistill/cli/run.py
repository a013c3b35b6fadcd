"""``nerdistill run CONFIG`` and ``nerdistill report RUN_DIR``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from nerdistill.api import load_run_config, run as run_config
from nerdistill.core.claims import held_elsewhere
from nerdistill.core.config import errors_in
from nerdistill.core.engine import STAGES, Engine, NotAnnotatedYet, PlannedModel
from nerdistill.core.finished import FinishedModels
from nerdistill.core.report import collect, terminal_summary, write_report
from nerdistill.core.tables import format_table


@click.command()
@click.argument("config_file", metavar="CONFIG", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stage", "stages", multiple=True, type=click.Choice(STAGES),
              help="Run only these stages (repeatable); by default all, in order.")
@click.option("--dry-run", is_flag=True, help="Show the data, the annotation cost estimate and the planned models.")
@click.option("--quiet", is_flag=True, help="Only errors and the final summary.")
@click.option("--shard", metavar="I/N", callback=lambda ctx, param, value: _shard(value),
              help="Train only every N-th model from the I-th (0-based), so N processes share a sweep.")
def run(config_file: Path, stages: tuple[str, ...], dry_run: bool, quiet: bool,
        shard: tuple[int, int] | None) -> None:
    """Run CONFIG: sample the data, annotate (cached), train every group x decay x seed, evaluate, report.

    Finished work is never redone: a re-run makes no LLM call and trains nothing already trained, and a
    stopped run picks up where it stopped. The same command started in several processes shares the work:
    each takes the requests and models no other is on (--shard I/N splits the models in advance instead);
    then run --stage report once.
    """
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s")
    config = load_run_config(config_file)
    if dry_run:
        with errors_in(config_file):
            _dry_run(Engine(config, progress=False))
        return
    results = run_config(config_file, stages=stages or None, progress=None if not quiet else False, shard=shard)
    if results.aggregates:
        click.echo(terminal_summary(results.report))
    if "report" in results.stages:
        click.echo(f"report: {results.stages['report']['markdown']}")


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit()):
        raise click.BadParameter(f"{value!r}: give I/N with 0 <= I < N, e.g. 0/4", param_hint="--shard")
    return int(index), int(count)  # the engine checks the range


TRAINING_ELSEWHERE = "training in another process"


def _dry_run(engine: Engine) -> None:
    click.echo(format_table(["data", "sentences"], list(engine.stage_data().items())))
    for name, figures in engine.estimate().items():
        click.echo(f"\nannotation of {name}:")
        click.echo(format_table(["", "estimate"], list(figures.items())))
    planned = engine.planned_models()
    if not planned:
        return
    scored_on, finished = engine.scored_on(), engine.finished_models()
    rows = [_planned_row(engine, m, scored_on, finished) for m in planned]
    click.echo("\n" + format_table(["group", "schedule", "decay", "seed", "sentence passes", "status"], rows))
    left = [row for row in rows if row[-1].startswith(("to train", TRAINING_ELSEWHERE))]
    if left:
        known = [row[-2] for row in left if row[-2] != ""]
        elsewhere = sum(row[-1] == TRAINING_ELSEWHERE for row in left)
        waiting = len(left) - len(known)
        click.echo(f"\ntraining left: {len(left)} of {len(rows)} models"
                   + (f" ({elsewhere} in another process)" if elsewhere else "")
                   + f", {sum(known):,} sentence passes"
                   + (f" besides the {waiting} waiting for their distilled data" if waiting else ""))


def _planned_row(engine: Engine, model: PlannedModel, scored_on: dict, finished: FinishedModels) -> tuple:
    """A planned model's row: its size in sentence passes (sentences x epochs, from its mixer; those left where a
    stopped training resumes) and what training would do."""
    names = (model.group.name, model.schedule.label, model.decay_label, model.seed)
    try:
        task = engine.training_task(model)
    except NotAnnotatedYet:  # it cannot be finished either
        return (*names, "", "to train (after annotate)")
    status = TRAINING_ELSEWHERE if held_elsewhere(task.folder) else finished.status(
        task.folder, task.fingerprint, scored_on)
    if status not in ("to train", TRAINING_ELSEWHERE):
        return (*names, sum(epoch.total for epoch in task.mixer.plan), status)
    done = task.trainer.epochs_done(task.folder, task.fingerprint)
    left = sum(epoch.total for epoch in task.mixer.plan[done:])
    return (*names, left, f"{status} ({done} of {len(task.mixer.plan)} epochs done)" if done else status)


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--title", default=None, help="Title of the report (default: the folder's name).")
@click.option("--json", "as_json", is_flag=True, help="Print the collected results as JSON.")
@click.option("--paper", is_flag=True, help="Set the paper's published figures beside this run's (tables 1 to 3).")
def report(run_dir: Path, title: str | None, as_json: bool, paper: bool) -> None:
    """Write RUN_DIR/report.md, report.json and plots from whatever the run folder holds, and print it."""
    written = write_report(run_dir, title, paper=paper)
    click.echo(json.dumps(collect(run_dir), indent=2) if as_json else written["text"])
