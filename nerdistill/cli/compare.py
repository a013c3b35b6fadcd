"""``nerdistill compare RUN_DIR RUN_DIR ...``: several runs' figures side by side."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nerdistill.core.reporting.comparison import (SECTIONS, compare, comparison_markdown, plot_compared_curves,
                                                  plot_comparison)
from nerdistill.core.data.files import atomic_write


def _group_pairs(_context: click.Context, _parameter: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    pairs = [value.partition("=") for value in values]
    for value, (group, sep, other) in zip(values, pairs):
        if not (group and sep and other) or group == other:
            raise click.BadParameter(f"{value!r}: give two group names, GROUP=OTHER", param_hint="--same-group")
    return {group: other for group, _, other in pairs}


@click.command(name="compare")
@click.argument("run_dirs", metavar="RUN_DIR...", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--title", default="Runs compared", show_default=True, help="Title of the table.")
@click.option("--paper", is_flag=True, help="Add the paper's published figures (tables 1 to 3).")
@click.option("--only", type=click.Choice(SECTIONS), default=None,
              help="Only annotation quality (table 1), only trained models (tables 2 and 3), or only the "
                   "gold-budget curve of runs sweeping the gold size.")
@click.option("--json", "as_json", is_flag=True, help="Print what was read from the runs as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the Markdown to this file.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw each group's F1 as bars, a colour a run, into this PNG file.")
@click.option("--curve", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw the runs' gold-budget curves on one chart (runs sweeping data.original) into this PNG.")
@click.option("--same-group", "same_groups", metavar="GROUP=OTHER", multiple=True, callback=_group_pairs,
              help="Match GROUP's models with group OTHER's (the same experiment under another name, e.g. "
                   "B-agreed=B); repeatable.")
def compare_command(run_dirs: tuple[Path, ...], title: str, paper: bool, only: str | None, as_json: bool,
                    output: Path | None, plot: Path | None, curve: Path | None, same_groups: dict[str, str]) -> None:
    """Set the runs in RUN_DIR... side by side: annotation quality per run and source, and each group's F1
    (word and subword level, mean ± sd over seeds) with one column a run; for two runs, the difference.
    Say, the same sweep under two teachers. Runs sweeping the gold size also get their curves together, the
    gold-only one once, each distilled one's worth in gold sentences. Nothing is trained or scored: it reads
    the run folders."""
    compared = compare(list(run_dirs), same_groups)
    text = comparison_markdown(compared, title, paper=paper, sections=(only,) if only else SECTIONS)
    if output is not None:
        with atomic_write(output) as stream:
            stream.write(text)
    if plot is not None and plot_comparison(compared, plot) is None:
        click.echo("no plot: none of these runs has a trained model yet", err=True)
    if curve is not None and plot_compared_curves(compared, curve, title) is None:
        click.echo("no curve: none of these runs sweeps the gold size (data.original = [sizes])", err=True)
    click.echo(json.dumps(compared, indent=2) if as_json else text)
