"""``nerdistill strategies``: list prompt strategies and show the exact messages they send."""

from __future__ import annotations

import json

import click

from nerdistill.core.tables import format_table
from nerdistill.core.data.labels import CONLL2003, LabelSet
from nerdistill.core.plugins.registry import registry
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tokenizer import tokenize
from nerdistill.cli.options import few_shot_options, labels_option, strategy_from_options


@click.group()
def strategies() -> None:
    """Prompt strategies: how a sentence is put to the LLM and what answer is accepted."""


@strategies.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_strategies(as_json: bool) -> None:
    """List the registered prompt strategies with their versions."""
    rows = [{"name": e.name, "version": e.obj(e.name, CONLL2003, e.obj.options_model.model_validate({"k": 0})).version,
             "plugin": e.plugin, "description": e.obj.description} for e in registry("prompt strategies")]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(format_table(["name", "version", "plugin", "description"], [tuple(r.values()) for r in rows]))


@strategies.command()
@click.argument("name")
@click.option("--sentence", required=True, help="Raw text of the sentence; it is tokenized as CoNLL-2003 is.")
@labels_option()
@few_shot_options
@click.option("--schema", is_flag=True, help="Also print the JSON schema the answer must follow.")
@click.option("--json", "as_json", is_flag=True, help="Print the messages as JSON.")
def show(name: str, sentence: str, label_set: LabelSet, examples: str | None, k: int | None, selection: str | None,
         schema: bool, as_json: bool) -> None:
    """Print the exact messages strategy NAME would send for a sentence (no LLM is called), for CoNLL-2003's
    types or those of --labels."""
    strategy = strategy_from_options(name, label_set, {"examples": examples, "k": k, "selection": selection},
                                     option="NAME")
    target = Sentence(id="cli", tokens=tuple(tokenize(sentence)) or ("",))
    messages = strategy.messages(target)
    answer_schema = strategy.response_model().model_json_schema()
    if as_json:
        click.echo(json.dumps({"strategy": name, "version": strategy.version, "messages": messages,
                               **({"schema": answer_schema} if schema else {})}, indent=2, ensure_ascii=False))
        return
    click.echo(f"# strategy {name}, version {strategy.version}")
    for message in messages:
        click.echo(f"\n--- {message['role']} ---\n{message['content']}")
    if schema:
        click.echo(f"\n--- answer schema ---\n{json.dumps(answer_schema, indent=2)}")
