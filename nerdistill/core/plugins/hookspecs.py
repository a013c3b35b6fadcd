"""The hooks a nerdistill plugin can implement.

Every hook is registration-callback style, as in simonw/llm: the plugin calls ``register(name, obj)``
once per thing it adds. Built-ins register through these same hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("nerdistill")
hookimpl = HookimplMarker("nerdistill")

Register = Callable[[str, Any], None]


@hookspec
def register_providers(register: Register) -> None:
    """Register annotation providers: ``register(name, provider_class)``, a subclass of
    :class:`nerdistill.plugins.Provider` (its docstrings give the contract: options, the
    order of ``identity``, ``check`` and ``annotate``, what to raise). Called once, the first time any
    command needs the providers; the name is what ``provider = "..."`` and ``--provider`` take. A name
    already registered is refused and reported, and nerdistill goes on without it."""


@hookspec
def register_prompt_strategies(register: Register) -> None:
    """Register prompt strategies: ``register(name, strategy_class)``, a subclass of
    :class:`nerdistill.plugins.PromptStrategy` (``response_model`` and ``example_answer`` to implement; its
    ``options_model`` may change the defaults). Called once, on first need; the name is what ``strategy =
    "..."`` and ``--strategy`` take."""


@hookspec
def register_schedules(register: Register) -> None:
    """Register mixing schedules: ``register(name, schedule_class)``, a subclass of
    :class:`nerdistill.plugins.Schedule` whose fields are its parameters (``distilled_weight`` to
    implement). Called once, on first need; ``name:param=value`` or ``{name = ..., param = ...}`` selects it."""


@hookspec
def register_trainers(register: Register) -> None:
    """Register trainers: ``register(name, trainer_class)``, a subclass of
    :class:`nerdistill.plugins.Trainer` (``train`` and ``predict`` to implement; ``check``,
    ``fingerprint``, ``epochs_done``, ``predict_scored`` optional). Called once, on first need; ``trainer =
    "..."`` in ``[training]`` selects it, and a saved model's card names it for ``predict``."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``nerdistill`` click group: ``@cli.command()`` or ``@cli.group()`` inside the hook.
    Called once when the command line is built, before any command runs; a hook that raises is reported and
    skipped. A command raises :class:`nerdistill.plugins.NerdistillError` for a user's mistake: it prints
    as one line and exits with code 1."""
