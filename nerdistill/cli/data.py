"""``nerdistill data``: look at, sample, convert and split data files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nerdistill.cli.options import (labels_option, raw_text_options, read_with_options, reading_options,
                                    unreviewed_option)
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle
from nerdistill.core.annotation.agreement import agreed
from nerdistill.core.data.articles import article_sentences, read_articles
from nerdistill.core.data.exchange.labelstudio import labeling_config
from nerdistill.core.data.exchange.offsets import ImportCounts, type_names
from nerdistill.core.data.files import write_if_changed
from nerdistill.core.data.formats import FORMATS, describe_counts, format_of, read_sentences, write_sentences
from nerdistill.core.data.sampling import sample_sentences
from nerdistill.core.data.stats import corpus_stats
from nerdistill.core.tables import format_table

existing_path = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def data() -> None:
    """Inspect, sample, convert and prepare sentence files (CoNLL, JSONL and the review tools' formats) and raw
    articles."""


@data.command()
@click.argument("file", type=existing_path)
@reading_options
@labels_option(default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(file: Path, label_set: LabelSet | None, as_json: bool, **options) -> None:
    """Count sentences, tokens, documents and entities per type in FILE (with --labels, every type of the set in
    its order, and a type outside it an error naming the line)."""
    figures = corpus_stats(read_with_options(str(file), options, label_set), label_set)
    if as_json:
        click.echo(json.dumps({"file": str(file), **figures}, indent=2))
        return
    click.echo(format_table(["", "count"], [
        ("sentences", figures["sentences"]),
        ("tokens", figures["tokens"]),
        ("documents", figures["documents"]),
        ("sentences without entities", figures["sentences_without_entities"]),
        ("entities", figures["entities"]),
        *((f"  {label}", count) for label, count in figures["entities_per_type"].items()),
    ]))


@data.command()
@click.argument("file", type=existing_path)
@click.option("-n", "size", type=click.IntRange(min=1), required=True, help="How many sentences to draw.")
@click.option("--seed", type=int, required=True, help="Random seed; the same seed gives the same sample.")
@click.option("--exclude", type=existing_path, multiple=True,
              help="A file whose sentences (by tokens) the sample must not contain. Repeatable.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the sample (.jsonl or .conll).")
@reading_options
def sample(file: Path, size: int, seed: int, exclude: tuple[Path, ...], output: Path, **options) -> None:
    """Draw a reproducible random sample of sentences from FILE, disjoint from --exclude files."""
    sentences = read_with_options(str(file), options)
    excluded = [s for path in exclude for s in read_sentences(path)]
    chosen = sample_sentences(sentences, size, seed=seed, exclude=excluded)
    write_sentences(chosen, output)
    click.echo(f"wrote {len(chosen)} of {len(sentences)} sentences to {output}", err=True)


@data.command()
@click.argument("articles", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the sentences (.jsonl or .conll).")
@click.option("--min-tokens", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--max-tokens", type=click.IntRange(min=1), default=None)
@click.option("--dedupe", is_flag=True, help="Drop repeated articles and repeated sentences.")
@click.option("--titles", is_flag=True, help="Also split article titles into sentences.")
@click.option("--source", default=None, help="Source name recorded on each sentence (default: file name).")
@raw_text_options
def sentences(articles: Path, output: Path, min_tokens: int, max_tokens: int | None, dedupe: bool,
              titles: bool, source: str | None, split: SplitMode, style: TokenizerStyle) -> None:
    """Split raw ARTICLES (a .jsonl of {id, text, ...}, a .txt file or a folder) into tokenized sentences."""
    if max_tokens is not None and max_tokens < min_tokens:
        raise click.BadParameter(f"{max_tokens} is below --min-tokens {min_tokens}", param_hint="--max-tokens")
    found = read_articles(articles)
    found_sentences = article_sentences(found, source=source or articles.stem, min_tokens=min_tokens,
                                        max_tokens=max_tokens, dedupe=dedupe, include_titles=titles, split=split,
                                        style=style)
    write_sentences(found_sentences, output)
    click.echo(f"wrote {len(found_sentences)} sentences from {len(found)} articles to {output}", err=True)


@data.command()
@click.argument("file", type=existing_path)
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@reading_options
@click.option("--to", "to_format", type=click.Choice(FORMATS), default=None,
              help="Output format; by default from OUTPUT's extension.")
@labels_option(default=None)
@unreviewed_option
def convert(file: Path, output: Path, to_format: str | None, label_set: LabelSet | None, unreviewed: str,
            **options) -> None:
    """Convert FILE to OUTPUT, each in any of the formats (CoNLL, JSONL, Label Studio, doccano, Hugging Face
    Parquet, spaCy DocBin), picked from the extension or named by --format and --to. IOB1 input becomes IOB2.

    Out to Label Studio: tasks with the entities as predictions (scores where known) and, beside them,
    OUTPUT's name with .label-config.xml, the labeling interface to paste into the project. Back from Label
    Studio's JSON export, only reviewed tasks come by default: they are gold data a run takes as original.
    """
    counts = ImportCounts()
    sentences = read_with_options(str(file), options, label_set, counts=counts, unreviewed=unreviewed)
    for line in describe_counts(counts):
        click.echo(f"{file}: {line}", err=True)
    kind = format_of(output, to_format)
    write_sentences(sentences, output, kind, label_set=label_set)
    click.echo(f"wrote {len(sentences)} sentences to {output}", err=True)
    if kind == "labelstudio":
        interface = output.with_name(f"{output.name.removesuffix(output.suffix)}.label-config.xml")
        write_if_changed(interface, labeling_config(type_names(sentences, label_set)))
        click.echo(f"wrote Label Studio's labeling interface to {interface}", err=True)


@data.command()
@click.argument("files", type=existing_path, nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the agreed annotation (.jsonl or .conll).")
@click.option("--min-votes", type=click.IntRange(min=1), default=None,
              help="How many of FILES must give an entity [default: all of them].")
@click.option("--require-entities", is_flag=True,
              help="Drop the sentences the files agree on no entity in (as the paper drops entity-less ones).")
def agree(files: tuple[Path, ...], output: Path, min_votes: int | None, require_entities: bool) -> None:
    """Keep the entities enough of FILES give (two or more annotations of the same sentences, say by two prompt
    strategies, or with other demonstrations): with all of them, higher precision and lower recall; with a
    majority of three or more, a vote (self-consistency). Each kept entity's vote share is its confidence.
    Sentences are matched by id."""
    if len(files) < 2:
        raise click.UsageError("give two or more annotation files")
    kept, counts = agreed([read_sentences(path) for path in files], min_votes)
    if require_entities:
        kept = [s for s in kept if s.spans]
    write_sentences(kept, output)
    click.echo(format_table(["", "count"], [
        ("sentences in all", counts.sentences), (f"only in {files[0].name} or missing elsewhere", counts.only_in_first),
        *((f"entities in {path.name}", n) for path, n in zip(files, counts.entities)),
        (f"entities given by at least {min_votes or len(files)}", counts.entities_agreed),
        ("sentences agreed on no entity", counts.without_entities),
    ]))
    click.echo(f"wrote {len(kept)} sentences to {output}", err=True)
