"""Options shared by several commands: reading sentence files and raw text, a strategy's few-shot options, a list
of score thresholds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import click

from nerdistill.core.config.loading import validate_options
from nerdistill.core.data.formats import FORMATS, read_sentences
from nerdistill.core.data.labels import CONLL2003, LabelSet, read_label_set
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle
from nerdistill.core.plugins.registry import registry
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.tables import format_table
from nerdistill.prompts.examples import SELECTIONS


def raw_text_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--split`` and ``--tokenizer`` (into ``style``): how raw text becomes sentences and words."""
    for option in reversed([
        click.option("--split", type=click.Choice(get_args(SplitMode)), default="paragraph", show_default=True,
                     help="Raw text: blank-line separated paragraphs cut into sentences, or each line one sentence "
                          "(one tweet, one title a line)."),
        click.option("--tokenizer", "style", type=click.Choice(get_args(TokenizerStyle)), default="conll",
                     show_default=True, help="Raw text: words as CoNLL-2003 splits them, or social media's (URLs, "
                                             "@handles, #hashtags and emoji sequences whole)."),
    ]):
        command = option(command)
    return command


def reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format``, ``--tag-column``, ``--scheme`` and ``--repair`` to a command."""
    for option in reversed([
        click.option("--format", "format_", type=click.Choice(FORMATS), default=None,
                     help="File format; by default from the extension (.conll/.txt/..., .jsonl; Label Studio "
                          ".json, doccano .doccano.jsonl, Hugging Face .parquet, spaCy .spacy)."),
        click.option("--tag-column", type=int, default=-1, show_default=True,
                     help="CoNLL column holding the NER tags (0-based; negative counts from the end)."),
        click.option("--scheme", type=click.Choice(["iob2", "iob1"]), default="iob2", show_default=True,
                     help="Tag scheme of CoNLL input; IOB1 is converted to IOB2."),
        click.option("--repair", is_flag=True,
                     help="Repair invalid IOB2 (an I-X that continues nothing becomes B-X) instead of failing."),
    ]):
        command = option(command)
    return command


def read_with_options(path: str, options: dict[str, Any], label_set: LabelSet | None = None,
                      **format_options: Any) -> list[Sentence]:
    """Read ``path`` with the values of :func:`reading_options` (popped from ``options``) and the options of
    particular formats (``format_options``); with a ``label_set``, a type outside it is an error naming the
    line."""
    return read_sentences(
        path,
        options.pop("format_"),
        tag_column=options.pop("tag_column"),
        scheme=options.pop("scheme"),
        on_invalid="repair" if options.pop("repair") else "error",
        label_set=label_set,
        **format_options,
    )


def labels_option(default: LabelSet | None = CONLL2003) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--labels FILE``: the entity types, as a run config declares them; the value is a LabelSet (``default``
    where not given: CoNLL-2003's, or None where any types may come)."""
    shown = "CoNLL-2003's PER, LOC, ORG, MISC" if default is CONLL2003 else "the types the files have"
    return click.option(
        "--labels", "label_set", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        callback=lambda _context, _parameter, path: read_label_set(path) if path else default,
        help=f'The entity types: a TOML file of type = "description" lines, or a run config with a [labels] table '
             f"[default: {shown}].")


#: ``--unreviewed``: what becomes of the Label Studio tasks nobody annotated (other formats have none)
unreviewed_option = click.option(
    "--unreviewed", type=click.Choice(["skip", "keep"]), default="skip", show_default=True,
    help="Label Studio tasks nobody annotated: leave them out, or keep their predictions.")


def few_shot_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--examples``, ``-k`` and ``--selection``. Each left out keeps the strategy's own default (a plugin
    strategy may default to no examples), so they default to None here."""
    for option in reversed([
        click.option("--examples", default=None,
                     help="Few-shot examples: 'builtin', 'none' or a labelled file [default: the strategy's own; "
                          "builtin for the built-ins]."),
        click.option("-k", type=click.IntRange(min=0), default=None,
                     help="Few-shot examples per sentence [default: the strategy's own; 4 for the built-ins]."),
        click.option("--selection", type=click.Choice(SELECTIONS), default=None,
                     help="k examples covering every entity type, or per sentence the k most similar (TF-IDF or "
                          "embedding) [default: the strategy's own; fixed for the built-ins]."),
    ]):
        command = option(command)
    return command


def strategy_from_options(name: str, label_set: LabelSet, given: dict[str, Any], *, option: str):
    """Strategy ``name`` with the options the user gave over its own defaults (None: not given)."""
    strategy_class = registry("prompt strategies").get(name, option=option)
    chosen = {key: value for key, value in given.items() if value is not None}
    options = validate_options(strategy_class.options_model, chosen, "strategy options", base=Path.cwd())
    return strategy_class(name, label_set, options)


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
