"""``nerdistill train``, ``nerdistill predict`` and ``nerdistill evaluate model``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import get_args

import click

from nerdistill.cli.options import raw_text_options, threshold_list, threshold_table
from nerdistill.core.config.loading import TrainConfig, errors_in, load_config
from nerdistill.core.data.conll import conll_with_column
from nerdistill.core.data.files import atomic_write
from nerdistill.core.data.formats import format_of, read_sentences, write_sentences
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle
from nerdistill.core.data.inputs import InputFormat, input_format_of, read_input_sentences
from nerdistill.core.training.prediction import model_trainer, predict_sentences, scores_by_threshold
from nerdistill.core.reporting.model_card import trained_model_card, write_model_card
from nerdistill.core.training.one_model import epochs_for, evaluate_model, scores_text, train_and_evaluate
from nerdistill.core.training.trainer import build_trainer, read_model_card
from nerdistill.schedules.spec import make_schedule

existing = click.Path(exists=True, path_type=Path)



@click.command()
@click.argument("config_file", metavar="CONFIG", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def train(config_file: Path) -> None:
    """Train one model from the distilled and original files of CONFIG under its schedule, and score it."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = load_config(config_file, TrainConfig)
    with errors_in(config_file):
        trainer = build_trainer(config.training.trainer, config.training.trainer_options, base=config.folder)
        schedule = make_schedule(config.schedule, option="schedule")
    label_set = config.label_set
    read = lambda paths: [s for p in paths for s in read_sentences(p, label_set=label_set)]  # noqa: E731
    distilled, original = read(config.data.distilled), read(config.data.original)
    optional = {"start_from": config.start_from, "validation": read([config.data.validation] if config.data.validation
                                                                    else [])}
    optional = {key: value for key, value in optional.items() if value}
    with errors_in(config_file):
        epochs = epochs_for(schedule, epochs=trainer.options.epochs, distilled_size=len(distilled),
                            original_size=len(original), least=config.training.min_sentence_passes,
                            mode=config.mix_mode)
        if epochs != trainer.options.epochs:
            trainer = build_trainer(config.training.trainer, {**config.training.trainer_options, "epochs": epochs},
                                    base=config.folder)
        trainer.require({"start_from": "start_from" if config.start_from else None,
                         "validation": "data.validation" if config.data.validation else None})
    summary = train_and_evaluate(
        trainer=trainer, schedule=schedule, distilled=distilled, original=original,
        test=read_sentences(config.data.test, label_set=label_set) if config.data.test else None,
        label_set=label_set, output_dir=config.output, seed=config.seed, mix_mode=config.mix_mode,
        subword=config.subword_scores, **optional)
    if summary.get("main_process") is False:
        return  # another process of a multi-process run: the main one reports
    word = summary["scores"]["word"] if "scores" in summary else None
    row = {"schedule": summary["schedule"], "seed": config.seed, "original_sentences": len(original),
           "f1": word and word["micro"]["f1"], "types": {t: f["f1"] for t, f in word["types"].items()} if word else {}}
    write_model_card(Path(summary["model"]), trained_model_card(
        trainer, title=f"{config_file.stem}: {schedule.label}, seed {config.seed}", labels=label_set, row=row,
        distilled=distilled, config=config.model_dump(mode="json")))
    if "scores" in summary:
        click.echo(scores_text(summary["scores"]))
    click.echo(f"model: {summary['model']}\nreport: {config.output / 'report.json'}")


@click.command()
@click.argument("model_dir", metavar="MODEL", type=existing)
@click.argument("input_file", metavar="INPUT", type=existing)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Tagged sentences (.jsonl or .conll).")
@click.option("--scores", is_flag=True,
              help="Give each entity a score, the mean probability the model gave its words' tags: in each "
                   "sentence's meta.span_scores, in the order of its spans (JSONL output only).")
@click.option("--min-score", type=click.FloatRange(0, 1),
              help="Leave out the entities scoring under this (see --scores): precision for recall; "
                   "`nerdistill evaluate model --by-score` measures the trade.")
@click.option("--input-format", type=click.Choice(get_args(InputFormat)),
              help="How to read INPUT. Default: by its name and, for a .txt file, its first line.")
@raw_text_options
def predict(model_dir: Path, input_file: Path, output: Path, scores: bool, min_score: float | None,
            input_format: InputFormat | None, split: SplitMode, style: TokenizerStyle) -> None:
    """Tag the sentences of INPUT with a trained MODEL folder (offline; every word gets a tag). INPUT is a
    CoNLL or JSONL sentence file, or raw text (a .txt file or a folder of them), split into sentences and
    words as `nerdistill data sentences` splits it; a .txt file whose first line reads as CoNLL (CoNLL-2003's
    own test.txt) is read as CoNLL. CoNLL in, CoNLL out: the input's lines with the prediction as one more
    column (conlleval takes the file as it is). For entities with character offsets into raw text, see
    `nerdistill tag`."""
    if scores and format_of(output) != "jsonl":
        raise click.BadParameter("scores go in each sentence's meta, which only JSONL carries: write a .jsonl file",
                                 param_hint="--scores")
    input_format = input_format_of(input_file, input_format)
    sentences = read_input_sentences(input_file, input_format, split=split, style=style)
    results = predict_sentences(model_dir, sentences, scores=scores, min_score=min_score)
    if input_format == "conll" and format_of(output) == "conll":
        with atomic_write(output) as stream:  # the input's columns kept, the prediction added: conlleval reads it
            stream.write(conll_with_column(input_file, [s.tags for s in results]))
    else:
        write_sentences(results, output)
    click.echo(f"tagged {len(results)} sentences into {output}", err=True)


@click.command("model")
@click.argument("model_dir", metavar="MODEL", type=existing)
@click.argument("gold", type=existing)
@click.option("--subword/--no-subword", default=True, show_default=True,
              help="Also give the paper's subword-level scores.")
@click.option("--by-score", "thresholds", metavar="T,T,...", callback=threshold_list,
              help="Also the scores with the entities scoring under T left out (`predict --min-score T`), "
                   "e.g. 0.5,0.9.")
@click.option("--json", "as_json", is_flag=True)
def evaluate_model_command(model_dir: Path, gold: Path, subword: bool, thresholds: list[float] | None,
                           as_json: bool) -> None:
    """Score a trained MODEL on GOLD: word level (standard) and, beside it, the paper's subword level."""
    trainer = model_trainer(model_dir)
    labelled = [s for s in read_sentences(gold) if s.is_labelled]
    known = {tag.partition("-")[2] for tag in read_model_card(model_dir).get("labels", []) if tag != "O"}
    unknown = sorted({span.label for s in labelled for span in s.spans} - known) if known else []
    if unknown:
        click.echo(f"warning: {gold}: type {', '.join(map(repr, unknown))} is not one the model tags "
                   f"({', '.join(sorted(known))}): its entities all count as missed", err=True)
    scored = trainer.predict_scored(model_dir, labelled) if thresholds and labelled else None
    scores = evaluate_model(trainer, model_dir, labelled, subword=subword,
                            predicted=[tags for tags, _ in scored] if scored else None)
    if thresholds:
        scores["by_score"] = scores_by_threshold(labelled, scored, thresholds)
    if as_json:
        click.echo(json.dumps(scores, indent=2))
        return
    click.echo(scores_text(scores))
    if thresholds:
        click.echo("\nWithout the entities scoring under T (word level, all sentences):\n"
                   + threshold_table(scores["by_score"], "entities"))
