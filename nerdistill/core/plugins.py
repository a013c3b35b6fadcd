"""The plugin manager: built-ins and third-party plugins, loaded once.

Third-party plugins come from the entry-point group ``nerdistill``. pluggy's own loader stops at the
first plugin that fails to import; this one reports each failure (``load_errors``) and goes on, so a
broken plugin never takes the CLI down. ``NERDISTILL_LOAD_PLUGINS`` limits what loads: a comma-separated
list of entry-point or distribution names, or an empty string for none (the tests use that).
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from nerdistill.core import hookspecs

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
    name: str
    error: str


@dataclass
class PluginHost:
    """The pluggy manager plus what it could not load and which plugins are built in."""

    manager: pluggy.PluginManager
    load_errors: list[PluginLoadError] = field(default_factory=list)
    builtin_names: set[str] = field(default_factory=set)
    distributions: dict[str, str] = field(default_factory=dict)


_host: PluginHost | None = None


def plugin_host() -> PluginHost:
    """The process-wide plugin host, created on first use."""
    global _host
    if _host is None:
        _host = create_plugin_host()
    return _host


def reset_plugin_host() -> None:
    """Forget the loaded plugins (and every registry built from them); the next use reloads."""
    global _host
    _host = None
    from nerdistill.core.registry import clear_registries

    clear_registries()


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
        distribution = entry_point.dist.name if entry_point.dist else entry_point.name
        if wanted is not None and not {entry_point.name, distribution} & wanted:
            continue
        if host.manager.has_plugin(entry_point.name):
            continue
        try:
            plugin: Any = entry_point.load()
            host.manager.register(plugin, name=entry_point.name)
        except Exception as error:  # a broken plugin must not take the CLI down
            host.load_errors.append(PluginLoadError(entry_point.name, f"{type(error).__name__}: {error}"))
            print(f"nerdistill: plugin {entry_point.name!r} failed to load and was skipped: {error}",
                  file=sys.stderr)
            continue
        if entry_point.dist:
            host.distributions[entry_point.name] = f"{entry_point.dist.name} {entry_point.dist.version}"
