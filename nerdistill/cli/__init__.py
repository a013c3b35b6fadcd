"""The ``nerdistill`` command line.

Only click, pydantic and pluggy are imported here: torch, transformers and litellm load inside the
commands that need them, so ``nerdistill --help`` stays fast. A :class:`NerdistillError` becomes a
one-line ``Error: ...`` and exit code 1; usage errors keep click's exit code 2.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from nerdistill import __version__
from nerdistill.core.errors import NerdistillError


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a job queue's stop) taken like Ctrl-C, so a stage ends as cleanly: its wall time is
    recorded and the message says how to go on."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


class NerdistillGroup(click.Group):
    """A click group that turns user errors into clean messages, and a stop (Ctrl-C, SIGTERM) into what to do
    next."""

    def invoke(self, ctx: click.Context) -> Any:
        main = threading.current_thread() is threading.main_thread()  # only it may set signal handlers
        previous = signal.signal(signal.SIGTERM, _terminate) if main else None
        try:
            return super().invoke(ctx)
        except NerdistillError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt as stop:
            click.echo("\nstopped. Every answer and finished epoch so far is kept: the same command carries on "
                       "from there.", err=True)
            ctx.exit(128 + signal.SIGTERM if isinstance(stop, Terminated) else 130)
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)


@click.group(cls=NerdistillGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nerdistill")
def cli() -> None:
    """Distil a large language model into a small named-entity recognizer."""


def _add_commands() -> None:
    from nerdistill.cli.annotate import annotate
    from nerdistill.cli.compare import compare_command
    from nerdistill.cli.data import data
    from nerdistill.cli.doctor import doctor
    from nerdistill.cli.evaluate import evaluate
    from nerdistill.cli.export import export
    from nerdistill.cli.models import models
    from nerdistill.cli.plugins import plugins
    from nerdistill.cli.run import report, run
    from nerdistill.cli.schedules import schedules
    from nerdistill.cli.select import select
    from nerdistill.cli.serve import serve
    from nerdistill.cli.store import store
    from nerdistill.cli.strategies import strategies
    from nerdistill.cli.tag import tag
    from nerdistill.cli.train import evaluate_model_command, predict, train
    from nerdistill.cli.view import view
    from nerdistill.core.plugins.manager import plugin_host

    for command in (annotate, compare_command, data, doctor, evaluate, export, models, plugins, predict, report, run,
                    schedules, select, serve, store, strategies, tag, train, view):
        cli.add_command(command)
    evaluate.add_command(evaluate_model_command)
    plugin_host().call_each("register_commands", cli=cli)


_add_commands()


def main() -> None:
    cli(prog_name="nerdistill")
