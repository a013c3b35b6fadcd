"""Run configs for engine tests: the shipped CoNLL-2003 sample, the simulated teacher (no LLM), a tiny encoder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "examples" / "data" / "conll2003-sample"


def oracle_run_config(path: Path, tiny_bert, *, name: str, test: Path, data: str, groups: str, source: str = "conll",
                      training: str = "") -> Path:
    """A config at ``path``: two seeds, 6 distilled sentences of ``source`` annotated by the simulated teacher,
    two epochs of the tiny encoder; ``data``, ``training`` and ``groups`` add their lines to their tables."""
    path.write_text(f"""
name = "{name}"
output = "run"
seeds = [0, 1]

[data]
gold = "{SAMPLES / 'original.conll'}"
test = "{test}"
{data}

[[distill]]
name = "{source}"
sample = 6
seed = 5

[annotation]
provider = "oracle-noise"

[training]
encoder = "{tiny_bert}"
epochs = 2
batch_size = 8
learning_rate = 1e-3
{training}

{groups}
""")
    return path
