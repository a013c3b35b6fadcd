import json
from importlib.metadata import EntryPoint

import pytest
from pydantic import Field

from nerdistill import hookimpl
from nerdistill.cli import cli
from nerdistill.core import hookspecs, plugins
from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins import plugin_host
from nerdistill.core.registry import KINDS, registry
from nerdistill.schedules import Schedule


class Flat(Schedule):
    summary = "A constant weight."
    level: float = Field(ge=0, le=1)

    def distilled_weight(self, epoch, epochs):
        return self.level


class InlinePlugin:
    __name__ = "inline"

    @hookimpl
    def register_schedules(self, register):
        register("flat", Flat)

    @hookimpl
    def register_providers(self, register):
        register("inline-provider", object)

    @hookimpl
    def register_prompt_strategies(self, register):
        register("inline-strategy", object)

    @hookimpl
    def register_trainers(self, register):
        register("inline-trainer", object)

    @hookimpl
    def register_commands(self, cli):
        import click

        @cli.command(name="hello-inline")
        def hello():
            click.echo("hello from a plugin")


def test_an_inline_plugin_registers_a_schedule_and_a_command(fresh_plugins, run_cli):
    plugin_host().manager.register(InlinePlugin(), name="inline")
    assert registry("schedules").get("flat")(level=0.3).weights(0, 5) == (0.3, 0.7)
    records = {r["name"]: r for r in json.loads(run_cli("plugins", "--json").output)}
    assert records["inline"]["registers"] == {"providers": ["inline-provider"],
                                              "prompt strategies": ["inline-strategy"],
                                              "schedules": ["flat"], "trainers": ["inline-trainer"]}
    assert records["inline"]["hooks"] == ["register_commands", "register_prompt_strategies",
                                          "register_providers", "register_schedules", "register_trainers"]
    assert records["nerdistill.schedules.builtin"]["builtin"] is True
    assert "flat" in run_cli("schedules", "list").output
    plugin_host().manager.hook.register_commands(cli=cli)
    try:
        assert run_cli("hello-inline").output == "hello from a plugin\n"
    finally:
        cli.commands.pop("hello-inline")


def test_a_name_clash_names_both_plugins(fresh_plugins):
    class Clashing:
        @hookimpl
        def register_schedules(self, register):
            register("cosine", Flat)

    plugin_host().manager.register(Clashing(), name="clashing")
    with pytest.raises(NerdistillError, match="'nerdistill.schedules.builtin' and 'clashing'"):
        registry("schedules")


def test_unknown_name_lists_the_valid_ones(fresh_plugins):
    with pytest.raises(NerdistillError, match=r"unknown schedules 'cosin'\. Did you mean 'cosine'\?.*simple_mix"):
        registry("schedules").get("cosin")


def test_a_typo_in_a_hook_name_is_caught():
    class Typo:
        @hookimpl
        def register_schedule(self, register):  # missing "s"
            pass

    host = plugins.create_plugin_host(load_entry_points=False)
    host.manager.register(Typo())
    with pytest.raises(Exception, match="unknown hook 'register_schedule'"):
        host.manager.check_pending()


def fake_entry_points(monkeypatch, *points):
    monkeypatch.setattr(plugins, "entry_points", lambda group: [p for p in points if p.group == group])


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(monkeypatch, fresh_plugins, run_cli, capsys):
    monkeypatch.delenv("NERDISTILL_LOAD_PLUGINS")
    fake_entry_points(monkeypatch,
                      EntryPoint("broken", "no_such_module_anywhere", "nerdistill"),
                      EntryPoint("good", "tests.test_plugins:good_plugin", "nerdistill"))
    host = plugin_host()
    assert [e.name for e in host.load_errors] == ["broken"]
    assert "ModuleNotFoundError" in host.load_errors[0].error
    assert "flat" in registry("schedules").names()
    output = run_cli("plugins").output
    assert "broken" in output and "failed to load" in output and "good" in output


def test_load_plugins_variable_limits_what_loads(monkeypatch, fresh_plugins):
    fake_entry_points(monkeypatch, EntryPoint("good", "tests.test_plugins:good_plugin", "nerdistill"),
                      EntryPoint("broken", "no_such_module_anywhere", "nerdistill"))
    monkeypatch.setenv("NERDISTILL_LOAD_PLUGINS", "good")
    assert plugin_host().load_errors == [] and plugin_host().manager.has_plugin("good")
    plugins.reset_plugin_host()
    monkeypatch.setenv("NERDISTILL_LOAD_PLUGINS", "")
    assert not plugin_host().manager.has_plugin("good")


good_plugin = InlinePlugin()


def test_every_hook_is_documented_and_tested():
    """As datasette does: a hook without documentation or a test is a gap."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    docs = (root / "docs" / "plugins.md").read_text()
    tests = "".join(p.read_text() for p in (root / "tests").glob("test_*.py"))
    hooks = [name for name in dir(hookspecs) if name.startswith("register_")]
    assert set(hooks) == set(KINDS.values()) | {"register_commands"}
    for hook in hooks:
        assert f"`{hook}" in docs, f"{hook} is not documented in docs/plugins.md"
        assert f"def {hook}(" in tests, f"{hook} has no test plugin implementing it"
