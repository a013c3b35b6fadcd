"""The configuration and command-line references in ``docs/``, generated from the code itself.

The configuration reference walks the Pydantic models of a run config and the options models of the
built-in plugins (every key, its type, default and description); the CLI reference is click's own help of
every command, at a fixed width. ``python -m nerdistill.cli.reference`` rewrites ``docs/configuration.md``
and ``docs/cli.md``; a test fails when either differs from what the code says, so neither can drift.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

import click
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

DOCS = Path(__file__).resolve().parents[2] / "docs"
WIDTH = 100


def cli_reference() -> str:
    from nerdistill.cli import cli

    parts = ["# Command-line reference\n",
             "Generated from the commands themselves by `python -m nerdistill.cli.reference`; the user guide "
             "(guide.md)\nexplains what they are for. Plugins can add commands of their own.\n"]
    root = click.Context(cli, info_name="nerdistill", terminal_width=WIDTH, max_content_width=WIDTH,
                         **cli.context_settings)  # as a real invocation makes it: -h and --help
    for path, context in _commands(cli, root):
        parts.append(f"## {path}\n\n```text\n{context.command.get_help(context).rstrip()}\n```\n")
    return "\n".join(parts)


def _commands(group: click.Group, parent: click.Context):
    yield parent.command_path, parent
    for name in sorted(group.commands):
        command = group.commands[name]
        context = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH,
                                max_content_width=WIDTH)
        if isinstance(command, click.Group):
            yield from _commands(command, context)
        else:
            yield context.command_path, context


def configuration_reference() -> str:
    from nerdistill.core.config.loading import TrainConfig, TrainData
    from nerdistill.core.plugins.registry import registry
    from nerdistill.core.config.run import AnnotationConfig, DataConfig, DistillSource, GroupConfig, RunConfig

    parts = ["# Configuration reference\n",
             "Generated from the Pydantic models by `python -m nerdistill.cli.reference`. A run config (`nerdistill "
             "run`) is\na TOML file of the top-level keys below and its tables; paths are relative to the file. An "
             "unknown key or\na wrong type is an error naming the key and the file. The user guide (guide.md) "
             "shows them at work.\n"]
    for title, model in [("Run config: top level", RunConfig), ("[data]", DataConfig),
                         ("[[distill]]: a source of distilled data", DistillSource),
                         ("[annotation]", AnnotationConfig), ("[[groups]]", GroupConfig),
                         ("`nerdistill train` config: top level", TrainConfig),
                         ("[data] of a train config", TrainData)]:
        parts.append(_model_table(f"## {title}", model))
    parts.append("## [training]\n\n`trainer` names the trainer (default `token-classification`); every other key "
                 "is that trainer's option, below.\n")
    sections = [("Provider", "providers", "`[annotation.provider_options]` (and `rescue_options`) of provider"),
                ("Prompt strategy", "prompt strategies", "`[annotation.strategy_options]` (or a source's "
                 "`strategy_options`) of strategy"),
                ("Trainer", "trainers", "`[training]` of trainer"),
                ("Schedule", "schedules", "the parameters of schedule")]
    for kind, registry_name, where in sections:
        for entry in registry(registry_name):
            if not entry.plugin.startswith("nerdistill."):
                continue  # built-ins only: a plugin documents its own
            model = entry.obj if registry_name == "schedules" else entry.obj.options_model
            parts.append(_model_table(f"## {kind} `{entry.name}`", model, f"{where} `{entry.name}`.",
                                      skip={"summary"}))
    return "\n".join(parts)


def _model_table(heading: str, model: type[BaseModel], intro: str = "", skip: set[str] = frozenset()) -> str:
    rows = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        key = info.alias or name
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{key}` | {_type_name(info.annotation)} | {_default(info)} | {description} |")
    if not rows:
        return f"{heading}\n\n{intro + ' ' if intro else ''}No options.\n"
    table = "| key | type | default | description |\n|---|---|---|---|\n" + "\n".join(rows)
    return f"{heading}\n\n{intro + chr(10) + chr(10) if intro else ''}{table}\n"


def _type_name(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation)).replace("NoneType", "none")
    if origin is typing.Literal:
        return " or ".join(f"`{a!r}`".replace("'", '"') for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin is not None:
        arguments = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{arguments}]"
    name = getattr(annotation, "__name__", None) or str(annotation)
    return re.sub(r"\b(typing|pathlib)\.", "", name).replace("|", "or")


def _default(info) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "its table's defaults"
    return f"`{value!r}`".replace("'", '"') if not isinstance(value, Path) else f"`{value}`"


def write_references() -> list[Path]:
    written = []
    for name, text in (("cli.md", cli_reference()), ("configuration.md", configuration_reference())):
        path = DOCS / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    import os

    os.environ["NERDISTILL_LOAD_PLUGINS"] = ""  # the built-ins only, as the test compares
    for path in write_references():
        print(path, file=sys.stderr)
