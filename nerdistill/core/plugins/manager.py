"""The plugin manager: built-ins and third-party plugins, loaded once.

Third-party plugins come from the entry-point group ``nerdistill``. pluggy's own loader stops at the
first plugin that fails; this one checks each plugin on its own and skips, with a report naming the
distribution, the plugin and the cause, any that fails to import, implements a hook that does not exist
(``register_schedule``), names a hook's argument wrongly, defines a hook function without ``@hookimpl``
(pluggy would silently never call it), raises while registering, or claims a name another plugin has.
So ``--help``, ``--version`` and ``nerdistill plugins`` always work. ``NERDISTILL_LOAD_PLUGINS`` limits
what loads: a comma-separated list of entry-point or distribution names, or an empty string for none (the
tests use that); ``nerdistill plugins`` lists what it left out.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from nerdistill.core.plugins import hookspecs

ENTRY_POINT_GROUP = "nerdistill"
LOAD_PLUGINS_VARIABLE = "NERDISTILL_LOAD_PLUGINS"

BUILTIN_PLUGINS = (
    "nerdistill.prompts.builtin",
    "nerdistill.providers.builtin",
    "nerdistill.schedules.builtin",
    "nerdistill.trainers.builtin",
)


@dataclass(frozen=True)
class PluginLoadError:
    """A plugin skipped, or a registration of it refused: which, from which distribution, and why."""

    name: str
    error: str
    distribution: str | None = None

    def describe(self) -> str:
        origin = f" ({self.distribution})" if self.distribution else ""
        return f"plugin {self.name!r}{origin}: {self.error}"


@dataclass
class PluginHost:
    """The pluggy manager plus what it could not load, what ``NERDISTILL_LOAD_PLUGINS`` left out, and which
    plugins are built in."""

    manager: pluggy.PluginManager
    load_errors: list[PluginLoadError] = field(default_factory=list)
    builtin_names: set[str] = field(default_factory=set)
    distributions: dict[str, str] = field(default_factory=dict)
    filtered_out: list[tuple[str, str | None]] = field(default_factory=list)  # (entry point, distribution)
    registries: dict[str, Any] = field(default_factory=dict)  # by kind, built from the plugins on first use

    def report(self, failure: PluginLoadError) -> None:
        """Record a failure and say it on stderr, once: the command goes on without that plugin."""
        if failure not in self.load_errors:
            self.load_errors.append(failure)
            print(f"nerdistill: {failure.describe()}; skipped", file=sys.stderr)

    def call_each(self, hook_name: str, **kwargs: Any) -> None:
        """Call every plugin's implementation of a hook; one that raises is reported and the others go on."""
        for implementation in getattr(self.manager.hook, hook_name).get_hookimpls():  # in registration order
            try:
                implementation.function(**kwargs)
            except Exception as error:  # a plugin's bug must not take the command down
                if implementation.plugin_name in self.builtin_names:
                    raise
                self.report(PluginLoadError(implementation.plugin_name, f"{hook_name} raised "
                                            f"{type(error).__name__}: {error}",
                                            self.distributions.get(implementation.plugin_name)))


_host: PluginHost | None = None


def plugin_host() -> PluginHost:
    """The process-wide plugin host, created on first use."""
    global _host
    if _host is None:
        _host = create_plugin_host()
    return _host


def reset_plugin_host() -> None:
    """Forget the loaded plugins (and every registry built from them, which the host holds); the next use
    reloads."""
    global _host
    _host = None


def create_plugin_host(load_entry_points: bool = True) -> PluginHost:
    manager = pluggy.PluginManager("nerdistill")
    manager.add_hookspecs(hookspecs)
    host = PluginHost(manager)
    for module_name in BUILTIN_PLUGINS:
        module = importlib.import_module(module_name)
        manager.register(module, name=module_name)
        host.builtin_names.add(module_name)
    if load_entry_points:
        _load_entry_points(host)
    manager.check_pending()
    return host


def _load_entry_points(host: PluginHost) -> None:
    allowed = os.environ.get(LOAD_PLUGINS_VARIABLE)
    wanted = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        distribution = f"{entry_point.dist.name} {entry_point.dist.version}" if entry_point.dist else None
        names = {entry_point.name, entry_point.dist.name if entry_point.dist else entry_point.name}
        if wanted is not None and not names & wanted:
            host.filtered_out.append((entry_point.name, distribution))
            continue
        if host.manager.has_plugin(entry_point.name):
            continue
        problem = _register(host.manager, entry_point)
        if problem:
            host.report(PluginLoadError(entry_point.name, problem, distribution))
        elif distribution:
            host.distributions[entry_point.name] = distribution


def _register(manager: pluggy.PluginManager, entry_point: Any) -> str | None:
    """Import and register one plugin; what is wrong with it (then it is not registered), or None."""
    try:
        plugin = entry_point.load()
    except Exception as error:
        return f"failed to import: {type(error).__name__}: {error}"
    try:
        manager.register(plugin, name=entry_point.name)
    except Exception as error:  # pluggy's PluginValidationError: a hook's argument that the hook does not have
        return "; ".join(f"{type(error).__name__}: {error}".splitlines())
    problems = _hook_problems(manager, plugin)
    if problems:
        manager.unregister(plugin)
        return "; ".join(problems)
    return None


def _hook_problems(manager: pluggy.PluginManager, plugin: Any) -> list[str]:
    """A hook that does not exist, or a function named like a hook but not marked ``@hookimpl``."""
    hooks = [name for name in dir(hookspecs) if name.startswith("register_")]
    problems = []
    for caller in manager.get_hookcallers(plugin) or []:
        if not caller.has_spec():
            close = difflib.get_close_matches(caller.name, hooks, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"hook {caller.name!r} does not exist{hint}")
    for name in hooks:
        function = getattr(plugin, name, None)
        if callable(function) and not hasattr(function, f"{hookspecs.hookimpl.project_name}_impl"):
            problems.append(f"{name} is not marked @hookimpl (from nerdistill import hookimpl), so it would never "
                            "be called")
    return problems

