"""``nerdistill tag``: raw text in, entities with character offsets out, streamed."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import TextIO

import click

from nerdistill.cli.options import raw_text_options
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle
from nerdistill.core.errors import NerdistillError


@click.command("tag")
@click.argument("model_dir", metavar="MODEL", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("text", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", atomic=True), required=True,
              help="Entities, a JSON line per unit of TEXT ('-': standard output).")
@raw_text_options
@click.option("--min-score", type=click.FloatRange(0, 1), help="Leave out the entities scoring under this.")
@click.option("--batch", type=click.IntRange(min=1), default=256, show_default=True,
              help="Units tagged at a time: memory stays flat whatever the size of TEXT.")
def tag(model_dir: Path, text: Path, output, split: SplitMode, style: TokenizerStyle, min_score: float | None,
        batch: int) -> None:
    """Tag raw TEXT (a UTF-8 file, '-' for standard input) with a trained MODEL (PyTorch or exported ONNX). Each
    line of the output is one unit of TEXT, {"unit", "start", "end", "entities"}, every entity {"text", "label",
    "start", "end", "score"} with character offsets from the start of TEXT: TEXT[start:end] is the entity's
    text exactly, whatever the white space, emoji or URLs around it."""
    from nerdistill.core.training.prediction import model_trainer, tag_text_stream

    tagger = model_trainer(model_dir).load_tagger(model_dir)
    units = entities = 0
    with _text_stream(text) as stream:
        try:
            for record in tag_text_stream(stream, tagger, split=split, style=style, batch=batch, min_score=min_score):
                output.write(json.dumps(record, ensure_ascii=False) + "\n")
                units, entities = units + 1, entities + len(record["entities"])
        except UnicodeDecodeError as error:
            raise NerdistillError(f"not UTF-8 text ({error.reason} after unit {units})", path=text) from None
    click.echo(f"{entities} entities in {units} units", err=True)


def _text_stream(path: Path) -> TextIO:
    """The text as it is, line ends untranslated (``newline=""``), so that offsets count the file's characters."""
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")
