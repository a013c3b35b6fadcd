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
    """Register LLM providers: ``register(name, provider_class)``."""


@hookspec
def register_prompt_strategies(register: Register) -> None:
    """Register prompt strategies: ``register(name, strategy_class)``."""


@hookspec
def register_schedules(register: Register) -> None:
    """Register mixing schedules: ``register(name, schedule_class)``."""


@hookspec
def register_trainers(register: Register) -> None:
    """Register small-model trainers: ``register(name, trainer_class)``."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``nerdistill`` command line group."""
