"""``nerdistill plugins``: what is installed and what each plugin registers."""

from __future__ import annotations

import json
import os

import click

from nerdistill.core.plugins.manager import LOAD_PLUGINS_VARIABLE, plugin_host
from nerdistill.core.plugins.registry import KINDS, registry


def describe_plugins() -> list[dict]:
    """One record per plugin: its name, whether it is built in, its hooks and what it registered."""
    host = plugin_host()
    registered: dict[str, dict[str, list[str]]] = {}
    for kind in KINDS:
        for entry in registry(kind):
            registered.setdefault(entry.plugin, {}).setdefault(kind, []).append(entry.name)
    records = []
    for name, plugin in sorted(host.manager.list_name_plugin(), key=lambda item: item[0]):
        hooks = sorted(h.name for h in host.manager.get_hookcallers(plugin) or [])
        record = {"name": name, "builtin": name in host.builtin_names, "hooks": hooks,
                  "registers": registered.get(name, {})}
        if name in host.distributions:
            record["distribution"] = host.distributions[name]
        records.append(record)
    for failure in host.load_errors:
        record = next((r for r in records if r["name"] == failure.name), None)
        if record is None:  # skipped whole
            record = {"name": failure.name, "builtin": False, "hooks": [], "registers": {}}
            records.append(record)
        if failure.distribution:
            record["distribution"] = failure.distribution
        record["error"] = "; ".join(filter(None, [record.get("error"), failure.error]))
    for name, distribution in host.filtered_out:
        records.append({"name": name, "builtin": False, "hooks": [], "registers": {},
                        "distribution": distribution or "third-party",
                        "filtered_out": f"{LOAD_PLUGINS_VARIABLE} does not name it"})
    return records


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plugins as JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
def plugins(as_json: bool, show_all: bool) -> None:
    """List plugins and what each registers (built-ins with --all or --json)."""
    records = [r for r in describe_plugins() if show_all or as_json or not r["builtin"]]
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    if not records:
        click.echo("No third-party plugins installed (see --all for the built-ins).")
    for record in records:
        origin = "built-in" if record["builtin"] else record.get("distribution", "third-party")
        click.echo(f"{record['name']} ({origin})")
        if "error" in record:
            click.echo(f"  skipped: {record['error']}")
        if "filtered_out" in record:
            click.echo(f"  not loaded: {record['filtered_out']} ({LOAD_PLUGINS_VARIABLE}="
                       f"{os.environ.get(LOAD_PLUGINS_VARIABLE, '')!r})")
        for kind, names in record["registers"].items():
            click.echo(f"  {kind}: {', '.join(names)}")
