"""``nerdistill serve``: a trained model behind an HTTP JSON endpoint."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("serve")
@click.argument("model_dir", metavar="MODEL", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--max-batch", type=click.IntRange(min=1), default=64, show_default=True,
              help="The most texts of concurrent requests tagged in one call of the model.")
@click.option("--max-wait", type=click.FloatRange(min=0), default=0.005, show_default=True,
              help="Seconds to wait for more requests to batch with the first.")
def serve(model_dir: Path, host: str, port: int, max_batch: int, max_wait: float) -> None:
    """Serve a trained MODEL folder (PyTorch or exported ONNX) over HTTP: POST /tag with {"texts": [...]}
    answers each text's entities with character offsets; GET /health names the model and its labels. Needs
    the serve extra (pip install 'nerdistill[serve]')."""
    from nerdistill.integrations.server import serve as run_server

    click.echo(f"serving {model_dir} on http://{host}:{port} (POST /tag, GET /health)", err=True)
    run_server(model_dir, host=host, port=port, max_batch=max_batch, max_wait=max_wait)
