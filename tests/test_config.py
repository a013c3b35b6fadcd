"""Config files that extend others: what merges, what is replaced, and where paths are relative to."""

from pathlib import Path

import pytest

import nerdistill
from nerdistill.core.errors import NerdistillError

BASE = """
name = "base"
output = "runs/base"
seeds = [0, 1, 2]
[data]
gold = "data/train.conll"
test = "data/test.conll"
original = 100
[[distill]]
name = "conll"
sample = 50
[annotation]
provider = "local"
concurrency = 1
[annotation.provider_options]
model = "qwen2.5-coder-1.5b-instruct-q4_k_m"
[training]
encoder = "all-minilm-l6-v2"
epochs = 20
learning_rate = 1e-5
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_extending_config_merges_tables_and_replaces_the_rest(tmp_path):
    write(tmp_path / "shared" / "base.toml", BASE)
    child = write(tmp_path / "sweeps" / "child.toml", """
extends = "../shared/base.toml"
name = "child"
output = "runs/child"
schedules = ["simple_mix", "all"]
[annotation]
provider = "oracle-noise"
provider_options = {}
[training]
epochs = 2
""")
    config = nerdistill.load_run_config(child)
    assert config.name == "child" and config.seeds == [0, 1, 2]
    assert config.output == tmp_path / "sweeps" / "runs" / "child"       # the child's paths: its folder
    assert config.data.gold == tmp_path / "shared" / "data" / "train.conll"  # the base's: the base's folder
    assert config.annotation.provider == "oracle-noise" and config.annotation.concurrency == 1
    assert config.annotation.provider_options == {}  # a nested table is replaced, not merged
    assert config.training.trainer_options == {"encoder": "all-minilm-l6-v2", "epochs": 2, "learning_rate": 1e-5}
    assert [g.name for g in config.all_groups()] == ["simple_mix", "all"]


def test_a_cycle_of_extends_is_an_error_naming_the_file(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n' + BASE)
    write(tmp_path / "b.toml", 'extends = "a.toml"\n' + BASE)
    with pytest.raises(NerdistillError, match="leads back") as caught:
        nerdistill.load_run_config(tmp_path / "a.toml")
    assert caught.value.path == tmp_path / "b.toml"


@pytest.mark.parametrize(("base", "message", "culprit"), [
    (None, "no such config file", "base.toml"),
    (BASE.replace("epochs = 20", "epochs = 20\n[unknown]\nx = 1"), "unknown: unknown key", "base.toml"),
])
def test_errors_in_the_extended_config_name_that_file(tmp_path, base, message, culprit):
    if base is not None:
        write(tmp_path / "base.toml", base)
    child = write(tmp_path / "child.toml", 'extends = "base.toml"\nname = "child"\n')
    with pytest.raises(NerdistillError, match=message) as caught:
        nerdistill.load_run_config(child)
    assert Path(caught.value.path).name == culprit
