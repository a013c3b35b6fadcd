"""``nerdistill run CONFIG`` and ``nerdistill report RUN_DIR``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from nerdistill.api import load_run_config, run as run_config
from nerdistill.core.config.loading import errors_in
from nerdistill.core.engine import STAGES, Engine
from nerdistill.core.reporting.report import terminal_summary, write_report
from nerdistill.core.tables import format_table
from nerdistill.core.training_plan import TrainingLeft, plan_models, training_left


@click.command()
@click.argument("config_file", metavar="CONFIG", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stage", "stages", multiple=True, type=click.Choice(STAGES),
              help="Run only these stages (repeatable); by default all, in order.")
@click.option("--dry-run", is_flag=True,
              help="Show the data, the annotation cost estimate, the planned models and the training left.")
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


def _dry_run(engine: Engine) -> None:
    engine.check()
    click.echo(format_table(["data", "sentences"], list(engine.stage_data().items())))
    for name, figures in engine.estimate().items():
        click.echo(f"\nannotation of {name}:")
        click.echo(format_table(["", "estimate"], list(figures.items())))
    plans = plan_models(engine)
    if not plans:
        return
    rows = [(p.model.group.name, "" if p.model.gold is None else p.model.gold, p.model.schedule.label,
             p.model.decay_label, p.model.seed, "" if p.passes is None else p.passes, p.status) for p in plans]
    headers = ["group", "gold", "schedule", "decay", "seed", "sentence passes", "status"]
    if all(p.model.gold is None for p in plans):  # no gold-size sweep
        headers, rows = headers[:1] + headers[2:], [row[:1] + row[2:] for row in rows]
    click.echo("\n" + format_table(headers, rows))
    left = training_left(plans)
    if left.models:
        click.echo("\n" + _describe(left))


def _describe(left: TrainingLeft) -> str:
    text = (f"training left: {left.models} of {left.of} models"
            + (f" ({left.elsewhere} in another process)" if left.elsewhere else "")
            + f", {left.passes:,} sentence passes"
            + (f" besides the {left.waiting} waiting for their distilled data" if left.waiting else ""))
    if left.hours:
        trained = f"{left.measured} finished model" + "s" * (left.measured != 1)
        text += (f"\nabout {left.hours:.1f} hours of one process at the {left.rate:.1f} sentence passes a second"
                 f" its {trained} trained at ({', '.join(left.devices) or 'device not recorded'})")
    return text


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--title", default=None, help="Title of the report (default: the folder's name).")
@click.option("--json", "as_json", is_flag=True, help="Print the collected results as JSON.")
@click.option("--paper", is_flag=True, help="Set the paper's published figures beside this run's (tables 1 to 3).")
@click.option("--baseline", metavar="GROUP", default=None,
              help="Set every group against this one, seed by seed (default: the config's first group).")
def report(run_dir: Path, title: str | None, as_json: bool, paper: bool, baseline: str | None) -> None:
    """Write RUN_DIR/report.md, report.json and plots from whatever the run folder holds, and print it."""
    written = write_report(run_dir, title, paper=paper, baseline=baseline)
    click.echo(json.dumps(written["collected"], indent=2) if as_json else written["text"])
