"""The run configuration: one TOML file describes a whole annotate -> train -> evaluate run.

Switching the provider, the model or a schedule is a one-line change. Sections:

- ``[data]``: the labelled pool (``gold``, CoNLL-2003 train in the paper), the ``test`` file, the
  original data (a sample size drawn from ``gold``, a list of sizes to sweep, or a file), and an optional
  ``validation`` file that chooses each model's best epoch (never its test score);
- ``[[distill]]``: the sources of distilled data, each sampled from ``gold`` (disjoint from the original
  sample), read from a sentence file, or split from raw articles; each may override the strategy; a source
  may also be the agreement of two others (the entities both give, ``core/agreement.py``);
- ``[annotation]``: provider and strategy, with their options;
- ``[training]``: the trainer and its options;
- ``groups`` or ``schedules``, ``lr_decay``, ``seeds``: what to train (their cross product);
- ``reuse_models_from``: other runs whose identical models are taken rather than trained again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle
from nerdistill.core.config.loading import Section, TrainingConfig
from nerdistill.core.data.labels import CONLL2003, LabelMapping, LabelSet

ScheduleSpec = str | dict[str, Any]
#: the name under which the teacher's answers on the test sample (``data.teacher_on_test``) are kept and reported
TEACHER_ON_TEST = "teacher-on-test"


class DataConfig(Section):
    gold: Path | None = Field(None, description="labelled pool the samples are drawn from")
    test: Path | None = Field(None, description="the gold file the models are scored on (never used for examples)")
    original: int | list[int] | Path | None = Field(
        None, description="original data: a sample size from gold, a file, or a list of sizes to sweep (the gold-"
                          "budget curve: nested samples, every group trained at each size)")
    seed: int = Field(1, description="sampling seed")
    validation: Path | None = Field(None, description="gold sentences that choose each model's best epoch and stop "
                                                      "training early (never used for the test score)")
    validation_size: int | None = Field(None, ge=1, description="score on a sample of this many validation "
                                                                "sentences (faster), less those trained on")
    teacher_on_test: int | None = Field(None, ge=1, description="the teacher also annotates a sample of this many "
                                        "test sentences (never trained on), and every model is scored on them too: "
                                        "student against teacher on the same sentences")

    @field_validator("original")
    @classmethod
    def _sizes(cls, original: int | list[int] | Path | None) -> int | list[int] | Path | None:
        if isinstance(original, list):
            if not original or len(set(original)) != len(original) or min(original) < 0:
                raise ValueError(f"a sweep is a list of different sizes of 0 or more, not {original}")
        elif isinstance(original, int) and original < 1:
            raise ValueError("a sample size is at least 1 (a list sweeps sizes, 0 included)")
        return original

    @property
    def original_sizes(self) -> list[int] | None:
        """The sizes of a gold-budget sweep, smallest first; None where the run has one original set."""
        return sorted(self.original) if isinstance(self.original, list) else None


class DistillSource(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$",
                      description="the source's name (letters, digits, . _ -), as groups name it")
    sample: int | None = Field(None, ge=1, description="sentences drawn from data.gold, disjoint from the original")
    sentences: Path | None = Field(None, description="a sentence file (CoNLL or JSONL) to annotate")
    articles: Path | None = Field(None, description="raw articles (.jsonl, .txt or a folder) to split and annotate")
    size: int | None = Field(None, ge=1, description="sample this many of the sentences or article sentences")
    split: SplitMode = Field("paragraph", description="articles: 'paragraph' (blank-line separated, cut into "
                             "sentences) or 'line' (each line one sentence: a tweet a line)")
    tokenizer: TokenizerStyle = Field("conll", description="articles: 'conll' (CoNLL-2003's words) or 'social' (URLs, "
                                      "@handles, #hashtags and emoji sequences whole)")
    min_tokens: int = Field(1, ge=1, description="leave out sentences shorter than this")
    max_tokens: int | None = Field(None, ge=1, description="leave out sentences longer than this")
    seed: int | None = Field(None, description="sampling seed (default: data.seed plus the source's position)")
    strategy: str | None = Field(None, description="overrides annotation.strategy for this source")
    strategy_options: dict[str, Any] = Field(default_factory=dict, description="merged over annotation's")
    agree: list[str] | None = Field(None, min_length=2,
                                    description="two or more other sources of the same sentences: the entities "
                                                "enough of them give (min_votes; no LLM call)")
    min_votes: int | None = Field(None, ge=1, description="with agree: the sources that must give an entity "
                                  "(default: all); its share of the votes is its confidence")
    require_entities: bool = Field(False, description="drop sentences the LLM found no entity in")
    min_confidence: float | None = Field(None, ge=0, le=1, description="drop sentences with an entity the LLM gave "
                                         "a lower probability (needs the provider's logprobs = true)")

    @model_validator(mode="after")
    def _one_input(self) -> "DistillSource":
        given = [k for k in ("sample", "sentences", "articles", "agree") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of sample, sentences, articles, agree "
                             f"(got {', '.join(given) or 'none'})")
        if self.agree is not None and self.min_confidence is not None:
            raise ValueError("min_confidence is for a source an LLM annotates, not an agreement (use min_votes)")
        if self.min_votes is not None and (self.agree is None or self.min_votes > len(self.agree)):
            raise ValueError("min_votes goes with agree, and at most the number of sources agree names")
        return self


class AnnotationConfig(Section):
    provider: str = Field("litellm", description="litellm, local, file, oracle-noise, or a plugin's")
    provider_options: dict[str, Any] = Field(default_factory=dict,
                                             description="the provider's options (see the provider sections below)")
    strategy: str = Field("standard", description="standard, cot, or a plugin's")
    strategy_options: dict[str, Any] = Field(default_factory=dict,
                                             description="the strategy's options (see the prompt strategy sections "
                                                         "below)")
    concurrency: int = Field(4, ge=1, description="calls at once (a local model serves one at a time)")
    store: Path | None = Field(None, description="annotation store (default: annotations.sqlite in the run folder)")
    retry_failed: bool = Field(False, description="ask again for sentences whose stored answer was invalid")
    rescue_options: dict[str, Any] | None = Field(None, description="provider options changed for one more ask "
                                                  "of the sentences whose answer was invalid")


class GroupConfig(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.:=-]+$",
                      description="the group's name in reports (A, B, ... in the paper)")
    schedule: ScheduleSpec = Field(
                                   description="a schedule name, 'name:param=value', or a table {name = ..., param = "
                                               "...}")
    distilled: list[str] | None = Field(None, description="distill sources to train on (default: all)")
    start_from: str | None = Field(None, description="an earlier group whose model (same seed and decay) this one "
                                                     "fine-tunes rather than the bare encoder; in a gold-size sweep "
                                                     "that model is this group's point at 0 gold sentences")
    training: dict[str, Any] = Field(default_factory=dict, description="trainer options of this group's models, "
                                     "over [training]'s (distilled_o_weight = 0.3, say)")


class RunConfig(Section):
    name: str = Field("run", description="the run's name, in reports and comparisons")
    output: Path = Field(description="the run folder: data, store, distilled data, models, reports")
    offline: bool = Field(False, description="refuse any address but loopback")
    labels: LabelMapping = Field(None, description="entity types and descriptions (default CoNLL-2003)")
    data: DataConfig = Field(description="the gold pool, the test file and the original data ([data])")
    distill: list[DistillSource] = Field(default_factory=list,
                                         description="the sources of distilled data ([[distill]])")
    annotation: AnnotationConfig = Field(default_factory=AnnotationConfig,
                                         description="the provider and prompt strategy that annotate the distilled "
                                                     "data ([annotation])")
    training: TrainingConfig = Field(default_factory=TrainingConfig,
                                     description="the trainer and its options ([training])")
    groups: list[GroupConfig] = Field(default_factory=list,
                                      description="what to train: each group a schedule and the distill sources it "
                                                  "mixes ([[groups]])")
    schedules: list[ScheduleSpec] = Field(default_factory=list, description="shorthand: one group per schedule")
    lr_decay: list[float | Literal["none"]] = Field(default_factory=lambda: ["none"],
                                                    description="sweep: 'none' and/or factors such as 0.95")
    seeds: list[int] = Field(default_factory=lambda: [0],
                             description="sweep: one model per seed of each group and decay; mean and sd over seeds")
    mix_mode: Literal["sample", "loss"] = Field("sample",
                                                description="'sample': each epoch draws its share of each source; "
                                                            "'loss': every example, its loss weighted")
    subword_scores: bool = Field(True,
                                 description="also report the paper's subword-level scores beside the word-level ones")
    reuse_models_from: list[Path] = Field(default_factory=list, description="other run folders whose finished "
                                          "models, trained with the same data and settings, are taken, not retrained")
    compare_with_paper: bool = Field(False, description="set arXiv 2402.09282's published figures beside "
                                                        "this run's in the report")

    @model_validator(mode="after")
    def _consistent(self) -> "RunConfig":
        names = [d.name for d in self.distill]
        if len(set(names)) != len(names):
            raise ValueError("two distill sources share a name")
        if TEACHER_ON_TEST in names:
            raise ValueError(f"distill source name {TEACHER_ON_TEST!r} is the test sample's (data.teacher_on_test)")
        if self.data.teacher_on_test and self.data.test is None:
            raise ValueError("data.teacher_on_test needs data.test to sample from")
        annotated = [d.name for d in self.distill if d.agree is None]
        for source in self.distill:
            if source.agree is not None and (len(set(source.agree)) != len(source.agree)
                                             or set(source.agree) - set(annotated)):
                raise ValueError(f"distill {source.name!r}: agree names different annotated sources "
                                 f"(of {annotated}), not {source.agree}")
        earlier: list[str] = []
        for group in self.groups:
            unknown = set(group.distilled or []) - set(names)
            if unknown:
                raise ValueError(f"group {group.name!r} names unknown distill sources {sorted(unknown)}; "
                                 f"defined: {names}")
            if group.start_from is not None and group.start_from not in earlier:
                raise ValueError(f"group {group.name!r}: start_from names {group.start_from!r}, which is not a group "
                                 f"defined before it ({', '.join(earlier) or 'none'})")
            earlier.append(group.name)
        if (self.groups or self.schedules) and self.data.test is None:
            raise ValueError("data.test is needed to score the trained models")
        if any(d.sample for d in self.distill) or isinstance(self.data.original, int | list):
            if self.data.gold is None:
                raise ValueError("data.gold is needed to draw samples from")
        for factor in self.lr_decay:
            if factor != "none" and not 0 < factor <= 1:
                raise ValueError(f"lr_decay factor {factor} must lie in (0, 1]")
        return self

    @property
    def label_set(self) -> LabelSet:
        return LabelSet.from_mapping(self.labels) if self.labels else CONLL2003

    def all_groups(self) -> list[GroupConfig]:
        """Explicit groups, then one per schedule of the shorthand (named after the schedule)."""
        from_schedules = [GroupConfig(name=_name(spec), schedule=spec) for spec in self.schedules]
        return [*self.groups, *from_schedules]


def _name(spec: ScheduleSpec) -> str:
    if isinstance(spec, str):
        return spec
    params = ",".join(f"{k}={v}" for k, v in spec.items() if k != "name")
    return f"{spec.get('name')}:{params}" if params else str(spec.get("name"))
