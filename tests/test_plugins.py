import json
import os
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from pydantic import Field

from nerdistill import hookimpl
from nerdistill.cli import cli
from nerdistill.core.plugins import hookspecs
from nerdistill.core.plugins import manager as plugins
from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins.manager import plugin_host
from nerdistill.core.plugins.registry import KINDS, registry
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


def test_a_name_clash_names_both_plugins_and_skips_the_later(fresh_plugins, capsys):
    class Clashing:
        @hookimpl
        def register_schedules(self, register):
            register("cosine", Flat)
            register("flat", Flat)

    plugin_host().manager.register(Clashing(), name="clashing")
    schedules = registry("schedules")
    assert schedules.entries["cosine"].plugin == "nerdistill.schedules.builtin" and "flat" in schedules.names()
    (failure,) = plugin_host().load_errors
    assert "'nerdistill.schedules.builtin' and 'clashing'" in failure.error and failure.name == "clashing"
    assert "nerdistill: plugin 'clashing': two plugins register schedules named 'cosine'" in capsys.readouterr().err


def test_unknown_name_lists_the_valid_ones(fresh_plugins):
    with pytest.raises(NerdistillError, match=r"unknown schedules 'cosin'\. Did you mean 'cosine'\?.*simple_mix"):
        registry("schedules").get("cosin")


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
    assert "broken" in output and "skipped: failed to import: ModuleNotFoundError" in output and "good" in output


def test_load_plugins_variable_limits_what_loads(monkeypatch, fresh_plugins):
    fake_entry_points(monkeypatch, EntryPoint("good", "tests.test_plugins:good_plugin", "nerdistill"),
                      EntryPoint("broken", "no_such_module_anywhere", "nerdistill"))
    monkeypatch.setenv("NERDISTILL_LOAD_PLUGINS", "good")
    assert plugin_host().load_errors == [] and plugin_host().manager.has_plugin("good")
    plugins.reset_plugin_host()
    monkeypatch.setenv("NERDISTILL_LOAD_PLUGINS", "")
    assert not plugin_host().manager.has_plugin("good")


good_plugin = InlinePlugin()


class MisspeltHook:
    @hookimpl
    def register_schedule(self, register):  # missing "s"
        register("never", Flat)


class MisspeltArgument:
    @hookimpl
    def register_schedules(self, regster):
        regster("never", Flat)


class Unmarked:
    def register_schedules(self, register):  # no @hookimpl: pluggy would never call it
        register("never", Flat)


class RaisingHook:
    @hookimpl
    def register_schedules(self, register):
        raise RuntimeError("a bug in the plugin")

    @hookimpl
    def register_commands(self, cli):
        raise RuntimeError("another bug")


misspelt_hook, misspelt_argument = MisspeltHook(), MisspeltArgument()
unmarked, raising_hook = Unmarked(), RaisingHook()
BROKEN = {"misspelt_hook": "hook 'register_schedule' does not exist (did you mean 'register_schedules'?)",
          "misspelt_argument": "Argument(s) {'regster'} are declared in the hookimpl but can not be found in the "
                               "hookspec",
          "unmarked": "register_schedules is not marked @hookimpl",
          "raising_hook": "register_schedules raised RuntimeError: a bug in the plugin"}


def test_every_kind_of_broken_plugin_is_reported_with_its_cause_and_skipped(monkeypatch, fresh_plugins):
    monkeypatch.delenv("NERDISTILL_LOAD_PLUGINS")
    fake_entry_points(monkeypatch, *[EntryPoint(name, f"tests.test_plugins:{name}", "nerdistill") for name in BROKEN],
                      EntryPoint("good", "tests.test_plugins:good_plugin", "nerdistill"))
    schedules = registry("schedules")
    assert "flat" in schedules.names() and "never" not in schedules.names()
    errors = {e.name: e.error for e in plugin_host().load_errors}
    assert set(errors) == set(BROKEN)
    for name, cause in BROKEN.items():
        assert cause in errors[name], errors[name]
    assert not plugin_host().manager.has_plugin("misspelt_hook")


def test_help_version_and_plugins_work_whatever_the_installed_plugins(monkeypatch, fresh_plugins, tmp_path):
    """In a new process, as a user runs them: the broken plugins are named on stderr, the commands work."""
    import subprocess
    import sys

    shim = tmp_path / "sitecustomize.py"  # the entry points a broken installation would have
    shim.write_text("import importlib.metadata as m\n"
                    "from importlib.metadata import EntryPoint\n"
                    f"names = {sorted(BROKEN)!r}\n"
                    "real = m.entry_points\n"
                    "def fake(**kw):\n"
                    "    if kw.get('group') == 'nerdistill':\n"
                    "        return [EntryPoint(n, 'tests.test_plugins:' + n, 'nerdistill') for n in names]\n"
                    "    return real(**kw)\n"
                    "m.entry_points = fake\n")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    env.pop("NERDISTILL_LOAD_PLUGINS")
    for arguments in (["--help"], ["--version"], ["plugins"], ["schedules", "list"]):
        result = subprocess.run([sys.executable, "-m", "nerdistill", *arguments], capture_output=True, text=True,
                                env=env, cwd=root)
        assert result.returncode == 0, (arguments, result.stderr)
        assert "nerdistill: plugin 'misspelt_hook'" in result.stderr
    listing = subprocess.run([sys.executable, "-m", "nerdistill", "plugins"], capture_output=True, text=True,
                             env=env, cwd=root).stdout
    for name, cause in BROKEN.items():
        assert f"{name} (third-party)" in listing and cause.split(":")[0][:40] in listing


def test_plugins_says_which_installed_plugins_the_variable_leaves_out(monkeypatch, fresh_plugins, run_cli):
    fake_entry_points(monkeypatch, EntryPoint("good", "tests.test_plugins:good_plugin", "nerdistill"))
    monkeypatch.setenv("NERDISTILL_LOAD_PLUGINS", "nosuch")
    output = run_cli("plugins").output
    assert "No third-party plugins installed" not in output
    assert "good (third-party)\n  not loaded: NERDISTILL_LOAD_PLUGINS does not name it" in output


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


def test_every_method_a_plugin_implements_is_documented_where_it_is_defined():
    """The contract of each plugin kind lives in its base class: a public method without a docstring is a gap,
    as an undocumented hook is."""
    import inspect

    from nerdistill.core.annotation.provider import Provider
    from nerdistill.core.training.trainer import Trainer
    from nerdistill.prompts.strategy import PromptStrategy

    undocumented = [f"hookspecs.{name}" for name in dir(hookspecs) if name.startswith("register_")
                    and not inspect.getdoc(getattr(hookspecs, name))]
    for base in (Provider, PromptStrategy, Schedule, Trainer):
        for name, member in vars(base).items():
            function = member.fget if isinstance(member, property) else member
            if not name.startswith("_") and inspect.isfunction(function) and not (function.__doc__ or "").strip():
                undocumented.append(f"{base.__name__}.{name}")
    assert not undocumented, f"no docstring: {undocumented}"


def test_plugins_need_import_only_the_public_module():
    """Every name nerdistill.plugins offers resolves, and the example packages import nothing else of
    nerdistill, so a change of the insides cannot break them."""
    import re

    import nerdistill.plugins as public

    assert all(getattr(public, name, None) is not None for name in public.__all__)
    for path in (Path(__file__).resolve().parents[1] / "examples").glob("*/*.py"):
        modules = set(re.findall(r"^\s*(?:from|import) (nerdistill[\w.]*)", path.read_text(), re.M))
        assert modules == {"nerdistill.plugins"}, (path.name, modules)
