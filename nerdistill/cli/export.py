"""``nerdistill export``: a trained model in the format it ships in."""

from __future__ import annotations

from pathlib import Path

import click

from nerdistill.trainers.onnx import QUANTIZATIONS

FORMATS = ("onnx",)


@click.command("export")
@click.argument("model_dir", metavar="MODEL", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The folder to write (created; its files replaced).")
@click.option("--format", "format_", type=click.Choice(FORMATS), default="onnx", show_default=True,
              help="ONNX, run by ONNX Runtime (the onnx extra: pip install 'nerdistill[onnx]').")
@click.option("--quantize", type=click.Choice(QUANTIZATIONS), default="none", show_default=True,
              help="dynamic-int8: 8-bit weights, a quarter of the size and faster on a CPU "
                   "(benchmarks/inference.py measures both against F1).")
def export(model_dir: Path, output: Path, format_: str, quantize: str) -> None:
    """Export a trained MODEL folder to OUTPUT: a folder that `nerdistill predict`, `evaluate model` and
    nerdistill.tag() take as they take MODEL, with no torch needed to run it."""
    from nerdistill.core.training.prediction import model_trainer

    written = model_trainer(model_dir).export(model_dir, output, format=format_, quantize=quantize)
    click.echo(f"exported {model_dir} to {written} ({format_}, quantize: {quantize})", err=True)
