"""Named registries of providers, prompt strategies, schedules and trainers.

Each registry is filled by calling one ``register_*`` hook of every plugin with a ``register`` callback
that records which plugin registered what; two plugins using one name is an error naming both. An
unknown name is an error that lists the valid ones and suggests the closest.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from nerdistill.core.errors import NerdistillError
from nerdistill.core.plugins.manager import PluginLoadError, plugin_host

KINDS: dict[str, str] = {
    "providers": "register_providers",
    "prompt strategies": "register_prompt_strategies",
    "schedules": "register_schedules",
    "trainers": "register_trainers",
}


@dataclass(frozen=True)
class Entry:
    name: str
    obj: Any
    plugin: str


class Registry:
    """The things of one kind, by name."""

    def __init__(self, kind: str):
        self.kind = kind
        self.entries: dict[str, Entry] = {}

    def add(self, name: str, obj: Any, plugin: str) -> None:
        if not isinstance(name, str) or not name:
            raise NerdistillError(f"plugin {plugin!r} registered {self.kind} under an empty or non-text name")
        if name in self.entries:
            raise NerdistillError(f"two plugins register {self.kind} named {name!r}: "
                                  f"{self.entries[name].plugin!r} and {plugin!r}")
        self.entries[name] = Entry(name, obj, plugin)

    def get(self, name: str, *, option: str | None = None) -> Any:
        """The object registered as ``name``; ``option`` names the config key or flag for the error."""
        if name not in self.entries:
            close = difflib.get_close_matches(name, self.entries, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            where = f"{option}: " if option else ""
            raise NerdistillError(f"{where}unknown {self.kind} {name!r}.{hint} "
                                  f"Available: {', '.join(sorted(self.entries)) or 'none'}")
        return self.entries[name].obj

    def names(self) -> list[str]:
        return sorted(self.entries)

    def __iter__(self):
        return iter(sorted(self.entries.values(), key=lambda e: e.name))


def registry(kind: str) -> Registry:
    """The registry of ``kind`` (one of :data:`KINDS`), built from the plugins on first use and kept by the
    plugin host, so that a reset host starts with none."""
    registries = plugin_host().registries
    if kind not in registries:
        registries[kind] = _build(kind)
    return registries[kind]


def _build(kind: str) -> Registry:
    """Built-ins register first; a third-party plugin whose registration fails (a name already taken, a bug
    in its hook) is reported and that registration skipped, so the registry stays usable."""
    host = plugin_host()
    built = Registry(kind)
    for implementation in getattr(host.manager.hook, KINDS[kind]).get_hookimpls():  # in registration order
        plugin_name = implementation.plugin_name
        third_party = plugin_name not in host.builtin_names

        def register(name: str, obj: Any, _plugin: str = plugin_name, _third_party: bool = third_party) -> None:
            try:
                built.add(name, obj, _plugin)
            except NerdistillError as error:
                if not _third_party:
                    raise
                host.report(PluginLoadError(_plugin, str(error), host.distributions.get(_plugin)))

        try:
            implementation.function(register=register)
        except Exception as error:  # a plugin's bug must not make the whole registry unusable
            if not third_party:
                raise
            host.report(PluginLoadError(plugin_name, f"{KINDS[kind]} raised {type(error).__name__}: {error}",
                                        host.distributions.get(plugin_name)))
    return built
