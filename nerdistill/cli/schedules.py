"""``nerdistill schedules``: list, show and plot mixing schedules."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nerdistill.core.tables import format_table
from nerdistill.core.config.loading import parse_assignments
from nerdistill.core.plugins.registry import registry
from nerdistill.schedules.spec import make_schedule, parse_spec

epochs_option = click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True,
                             help="Number of epochs T.")


@click.group()
def schedules() -> None:
    """Mixing schedules: how much distilled and original data each epoch trains on."""


@schedules.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_schedules(as_json: bool) -> None:
    """List the registered schedules, their parameters and the plugin of each."""
    rows = [{"name": e.name, "parameters": list(e.obj.model_fields), "plugin": e.plugin, "summary": e.obj.summary}
            for e in registry("schedules")]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(format_table(["name", "parameters", "plugin", "summary"],
                            [(r["name"], ",".join(r["parameters"]) or "-", r["plugin"], r["summary"]) for r in rows]))


@schedules.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter, e.g. -p k=32.")
@epochs_option
@click.option("--json", "as_json", is_flag=True)
def show(name: str, params: tuple[str, ...], epochs: int, as_json: bool) -> None:
    """Print the weights per epoch of schedule NAME (a name, or a spec such as sigmoid:k=32)."""
    base, spec_params = parse_spec(name, option="NAME")
    extra = parse_assignments(params, option="--param")
    named = make_schedule({"name": base, **spec_params, **extra}, option="NAME")
    curve = named.schedule.curve(epochs)
    if as_json:
        click.echo(json.dumps({"schedule": named.label, "epochs": epochs, "weights": [
            {"epoch": t, "distilled": d, "original": o} for t, (d, o) in enumerate(curve)]}, indent=2))
        return
    click.echo(f"{named.label} over {epochs} epochs")
    click.echo(format_table(["epoch", "w_distilled", "w_original"], [(t, d, o) for t, (d, o) in enumerate(curve)]))


@schedules.command()
@click.argument("names", nargs=-1, required=True)
@epochs_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Image file to write (PNG, SVG or PDF by extension).")
def plot(names: tuple[str, ...], epochs: int, output: Path) -> None:
    """Plot the distilled weight over the epochs for each schedule NAME (as in the paper's figure 3)."""
    from nerdistill.schedules.plot import plot_schedules

    named = [make_schedule(n, option="NAMES") for n in names]
    click.echo(f"wrote {plot_schedules(named, epochs, output)}", err=True)
