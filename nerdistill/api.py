"""The Python API, for notebooks and scripts: the same objects the CLI uses.

    import nerdistill

    config = nerdistill.load_run_config("examples/quickstart.toml")
    results = nerdistill.run(config)            # or nerdistill.run("examples/quickstart.toml")
    results.aggregates                          # F1 mean and sd per group and decay
    nerdistill.read_results("runs/quickstart")  # the same, from a run folder
    nerdistill.tag("runs/quickstart/models/simple_mix/no-decay/seed-0/model", ["Peter flew to Paris."])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerdistill.core.config.loading import errors_in, load_config
from nerdistill.core.config.run import RunConfig

if TYPE_CHECKING:
    from nerdistill.core.data.sentence import Sentence


@dataclass(frozen=True)
class RunResults:
    """What a run produced: its folder, each stage's return value, and the collected report."""

    run_dir: Path
    stages: dict[str, Any]
    report: dict[str, Any]

    @property
    def models(self) -> list[dict[str, Any]]:
        """One row per trained model: group, schedule, decay, seed, F1 (word and subword), per-type F1."""
        return self.report["models"]

    @property
    def aggregates(self) -> list[dict[str, Any]]:
        """Mean and standard deviation over seeds, per group and learning-rate decay."""
        return self.report["aggregates"]

    @property
    def annotation(self) -> dict[str, Any]:
        """Per distill source: calls, cache hits, cost and, against gold, annotation quality."""
        return self.report["annotation"]


def load_run_config(path: str | Path) -> RunConfig:
    """Read and validate a run config (TOML); paths in it are relative to its folder."""
    return load_config(path, RunConfig)


def run(config: RunConfig | str | Path, *, stages: tuple[str, ...] | None = None,
        progress: bool | None = None, shard: tuple[int, int] | None = None) -> RunResults:
    """Run a config's stages (all by default); finished work is never redone. ``shard = (i, n)``: train
    only this process's share of the models (see :class:`~nerdistill.core.engine.Engine`)."""
    from nerdistill.core.engine import STAGES, Engine
    from nerdistill.core.reporting.report import collect

    source = None if isinstance(config, RunConfig) else Path(config)
    config = config if isinstance(config, RunConfig) else load_run_config(config)
    engine = Engine(config, progress=progress, shard=shard)
    if source is not None:
        with errors_in(source):
            outputs = engine.run(stages or STAGES)
    else:
        outputs = engine.run(stages or STAGES)
    return RunResults(config.output, outputs, collect(config.output))


def read_results(run_dir: str | Path) -> dict[str, Any]:
    """The collected results of a run folder (models, aggregates, annotation, stage times)."""
    from nerdistill.core.reporting.report import collect

    return collect(Path(run_dir))


def tag(model_dir: str | Path, texts: Sequence[str | Sentence], *, scores: bool = False,
        min_score: float | None = None, split: str = "paragraph", tokenizer: str = "conll") -> list[Sentence]:
    """Tag texts with a trained model folder (PyTorch or exported ONNX), as ``nerdistill predict`` does: each
    string is split into sentences and words as ``nerdistill data sentences`` splits raw text (``split``:
    ``"paragraph"`` or ``"line"``; ``tokenizer``: ``"conll"`` or ``"social"``; its sentences' ``document`` says
    which string they came from), a :class:`~nerdistill.core.data.sentence.Sentence` is tagged as it is. With
    ``scores``, each sentence's ``meta["span_scores"]`` scores its ``spans``; ``min_score`` leaves out the
    entities scoring under it. For entities with character offsets into the strings, see :func:`entities`."""
    from nerdistill.core.data.articles import Article, article_sentences
    from nerdistill.core.training.prediction import predict_sentences
    from nerdistill.core.data.sentence import Sentence

    sentences: list[Sentence] = []
    for index, text in enumerate(texts):
        if isinstance(text, Sentence):
            sentences.append(text)
        else:
            sentences += article_sentences([Article(id=f"text-{index}", text=text)], source="tag", split=split,
                                           style=tokenizer)
    return predict_sentences(Path(model_dir), sentences, scores=scores, min_score=min_score)


def entities(model_dir: str | Path, texts: Sequence[str], *, split: str = "paragraph",
             tokenizer: str = "conll") -> list[list[dict[str, Any]]]:
    """Each text's entities, ``{"text", "label", "start", "end", "score"}``, with character offsets into it
    (``text[start:end]`` is the entity exactly), as ``nerdistill tag`` and ``nerdistill serve`` give them."""
    from nerdistill.core.training.prediction import model_trainer, text_entities

    model_dir = Path(model_dir)
    return text_entities(list(texts), model_trainer(model_dir).load_tagger(model_dir), split=split, style=tokenizer)
