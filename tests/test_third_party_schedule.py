"""The example third-party schedule, installed for real and used through the CLI with no change to nerdistill."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nerdistill-step-schedule"


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(EXAMPLE)], check=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), *sys.path]))
    env.pop("NERDISTILL_LOAD_PLUGINS", None)
    return env


def nerdistill(env, *args):
    return subprocess.run([sys.executable, "-m", "nerdistill", *args], env=env, capture_output=True, text=True)


def test_the_installed_schedule_is_listed_and_usable(installed_plugin):
    listed = json.loads(nerdistill(installed_plugin, "schedules", "list", "--json").stdout)
    assert {"name": "step", "parameters": ["at"], "plugin": "step_schedule",
            "summary": "Distilled data while t < at * T, then original data (at = 0.5 is simple mix)."} in listed
    shown = json.loads(nerdistill(installed_plugin, "schedules", "show", "step:at=0.25", "--epochs", "8",
                                  "--json").stdout)
    assert [w["distilled"] for w in shown["weights"]] == [1, 1, 0, 0, 0, 0, 0, 0]
    plugins = nerdistill(installed_plugin, "plugins").stdout
    assert "step_schedule (nerdistill-step-schedule 0.1.0)" in plugins and "schedules: step" in plugins


def test_bad_parameters_of_a_plugin_schedule(installed_plugin):
    result = nerdistill(installed_plugin, "schedules", "show", "step:at=2")
    assert result.returncode == 1 and "at: Input should be less than 1" in result.stderr


def test_the_variable_can_keep_it_out(installed_plugin):
    env = dict(installed_plugin, NERDISTILL_LOAD_PLUGINS="")
    assert "step" not in {s["name"] for s in json.loads(nerdistill(env, "schedules", "list", "--json").stdout)}


def step_run_config(tmp_path, fixtures, schedules: str, *, distilled: bool) -> Path:
    config, mini = tmp_path / "run.toml", fixtures / "mini.conll"
    source = f'[[distill]]\nname = "news"\nsentences = "{mini}"' if distilled else ""
    config.write_text(f"""
output = "run"
schedules = {schedules}
[data]
original = "{mini}"
test = "{mini}"
{source}
[training]
encoder = "all-minilm-l6-v2"
epochs = 4
""")
    return config


def test_a_run_config_uses_it_by_name(installed_plugin, tmp_path, fixtures):
    config = step_run_config(tmp_path, fixtures, '["step:at=0.25", {name = "step", at = 0.75}]', distilled=True)
    result = nerdistill(installed_plugin, "run", str(config), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "step:at=0.25" in result.stdout and "step:at=0.75" in result.stdout
    assert "to train (after annotate)" in result.stdout
    without = nerdistill(dict(installed_plugin, NERDISTILL_LOAD_PLUGINS=""), "run", str(config), "--dry-run")
    assert without.returncode == 1 and "unknown schedules 'step'" in without.stderr


def test_the_dry_run_finds_an_epoch_the_schedule_leaves_without_data(installed_plugin, tmp_path, fixtures):
    """Without a distill source the step schedule's first epochs have nothing to train on: found before any work."""
    config = step_run_config(tmp_path, fixtures, '["step:at=0.25"]', distilled=False)
    result = nerdistill(installed_plugin, "run", str(config), "--dry-run")
    assert result.returncode == 1
    assert "schedule step:at=0.25 leaves epoch(s) 0 with no training data" in result.stderr
