"""Options shared by several commands: reading sentence files, a list of score thresholds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from nerdistill.core.formats import FORMATS, read_sentences
from nerdistill.core.sentence import Sentence
from nerdistill.core.tables import format_table


def reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format``, ``--tag-column``, ``--scheme`` and ``--repair`` to a command."""
    for option in reversed([
        click.option("--format", "format_", type=click.Choice(FORMATS), default=None,
                     help="File format; by default from the extension (.jsonl, or .conll/.txt/...)."),
        click.option("--tag-column", type=int, default=-1, show_default=True,
                     help="CoNLL column holding the NER tags (0-based; negative counts from the end)."),
        click.option("--scheme", type=click.Choice(["iob2", "iob1"]), default="iob2", show_default=True,
                     help="Tag scheme of CoNLL input; IOB1 is converted to IOB2."),
        click.option("--repair", is_flag=True,
                     help="Repair invalid IOB2 (an I-X that continues nothing becomes B-X) instead of failing."),
    ]):
        command = option(command)
    return command


def read_with_options(path: str, options: dict[str, Any]) -> list[Sentence]:
    """Read ``path`` with the values of :func:`reading_options` (popped from ``options``)."""
    return read_sentences(
        path,
        options.pop("format_"),
        tag_column=options.pop("tag_column"),
        scheme=options.pop("scheme"),
        on_invalid="repair" if options.pop("repair") else "error",
    )


def threshold_list(_context: click.Context, parameter: click.Parameter, value: str | None) -> list[float] | None:
    """Click callback: ``"0.5,0.9"`` -> ``[0.5, 0.9]`` (sorted), each between 0 and 1."""
    if value is None:
        return None
    try:
        thresholds = sorted(float(t) for t in value.split(","))
    except ValueError:
        thresholds = []
    if not thresholds or not all(0 <= t <= 1 for t in thresholds):
        raise click.BadParameter(f"{value!r}: give thresholds between 0 and 1, e.g. 0.5,0.9",
                                 param_hint=parameter.opts[0])
    return thresholds


def threshold_table(rows: list[dict[str, Any]], counted: str) -> str:
    """The rows of a ``--by-confidence`` or ``--by-score`` as a table: threshold, what it keeps, micro scores."""
    measures = ("precision", "recall", "f1")
    return format_table(["T", counted, *measures],
                        [(f"{r['threshold']:g}", r[counted], *(f"{r[name]:.3f}" for name in measures)) for r in rows])
