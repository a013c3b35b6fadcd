import subprocess
import sys

import nerdistill


def test_version(run_cli):
    result = run_cli("--version")
    assert result.output.strip() == f"nerdistill, version {nerdistill.__version__}"


def test_help_imports_no_heavy_library():
    code = ("import sys; from nerdistill.cli import cli; from click.testing import CliRunner; "
            "r = CliRunner().invoke(cli, ['--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('torch', 'transformers', 'litellm', 'instructor', 'llama_cpp') "
            "if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "nerdistill", "schedules", "list"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "simple_mix" in result.stdout


def test_every_command_has_a_line_in_the_guide():
    """A command users cannot find is as good as missing: each one, and each subcommand, is on a line of the
    user guide's command-line summary (a subcommand may share its group's line: ``models list | install``)."""
    import re
    from pathlib import Path

    import click

    from nerdistill.cli import cli

    readme = Path(__file__).resolve().parent.parent / "docs" / "guide.md"
    lines = [line for line in readme.read_text().splitlines() if line.startswith("$ nerdistill ")]

    def paths(group: click.Group, prefix: str = ""):
        for name, command in group.commands.items():
            yield f"{prefix}{name}"
            if isinstance(command, click.Group):
                yield from paths(command, f"{prefix}{name} ")

    def listed(path: str) -> bool:
        group, _, name = path.rpartition(" ")
        return any(line.startswith(f"$ nerdistill {path}") or (
            group and line.startswith(f"$ nerdistill {group} ") and re.search(rf"\b{re.escape(name)}\b", line))
            for line in lines)

    missing = [path for path in paths(cli) if not listed(path)]
    assert not missing, f"not in docs/guide.md's command line summary: {missing}"


def test_the_generated_references_are_current_and_every_key_is_described():
    """docs/configuration.md and docs/cli.md say what the code does: regenerate them with
    `python -m nerdistill.cli.reference` after changing a config model, an option or a command."""
    from pathlib import Path

    from nerdistill.cli.reference import cli_reference, configuration_reference

    docs = Path(__file__).resolve().parent.parent / "docs"
    configuration = configuration_reference()
    assert (docs / "configuration.md").read_text() == configuration, "run python -m nerdistill.cli.reference"
    assert (docs / "cli.md").read_text() == cli_reference(), "run python -m nerdistill.cli.reference"
    undescribed = [line for line in configuration.splitlines() if line.startswith("| `") and line.endswith("|  |")]
    assert not undescribed, f"config keys without a description: {undescribed}"


def test_the_readme_is_a_front_page():
    """What nerdistill is, the two commands, a tour, where to read on: the reference lives in docs/."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert len(readme.encode()) <= 10_000
    for target in ("docs/guide.md", "docs/configuration.md", "docs/cli.md", "docs/plugins.md",
                   "docs/reproduction.md", "reproduction/results/table2.png"):
        assert f"({target})" in readme and (Path(__file__).resolve().parent.parent / target).exists(), target
