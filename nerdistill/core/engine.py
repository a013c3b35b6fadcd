"""The engine: one run config, annotate -> train -> evaluate, resumable at every stage.

Stages and what they leave in the run folder:

1. ``data``: the original sample and every distill source's input (``data/*.jsonl``), drawn
   reproducibly; files are rewritten only when their content changes.
2. ``annotate``: each distill source through the provider and strategy, via the annotation store
   (``annotations.sqlite``): a re-run makes no call. Out: ``distilled/<name>.jsonl`` (and
   ``.failures.jsonl``), ``distilled/<name>.summary.json`` (calls, cache hits, tokens, cost) and, where
   the input has gold tags, ``distilled/<name>.quality.json`` (the paper's table 1). A source that is the
   agreement of two others is made from their distilled files, after them, with no call.
3. ``train``: every group x learning-rate decay x seed (seed by seed), one model each under
   ``models/<group>/<decay>/seed-<n>/``; where ``data.original`` lists sizes (the gold-budget curve), also
   x size, under ``models/<group>@<size>/...``: the samples are nested, a group that never trains on
   original data is trained once, and ``training.min_sentence_passes`` gives small samples more epochs.
   Every mixer is built before the first model trains, so an
   epoch left without data is an error before any work. A finished model is skipped (one finished in a
   run named in ``reuse_models_from`` is copied from there), a stopped one resumes from its last epoch,
   and one that another process on the same run is training is passed over (``core/claims.py``).
4. ``report``: ``report.md``, ``report.json`` and plots, from whatever the folder holds.

``stages.jsonl`` records each stage's wall time, a stopped one's too (``"stopped": true``), and
``config.json`` the resolved configuration each run was started with (``core/run_layout.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nerdistill.core.annotation.agreement import agreed
from nerdistill.core.data.articles import article_sentences, read_articles
from nerdistill.core.training.claims import claimed
from nerdistill.core.annotation.confidence import require_logprobs
from nerdistill.core.config.loading import validate_options
from nerdistill.core.annotation.distilled import distilled_sentences, write_distilled
from nerdistill.core.errors import NerdistillError
from nerdistill.core.annotation.estimate import estimate
from nerdistill.core.scoring.evaluation import pair_sentences, score_tags
from nerdistill.core.data.files import atomic_write, write_if_changed
from nerdistill.core.training.finished import FinishedModels
from nerdistill.core.data.formats import format_of, read_sentences, write_sentences
from nerdistill.core.plugins.registry import registry
from nerdistill.core.config.run import TEACHER_ON_TEST, DistillSource, GroupConfig, RunConfig
from nerdistill.core.training.run_layout import RESULT, model_folder, write_run_config
from nerdistill.core.annotation.runner import AnnotationJob, checked_rescue
from nerdistill.core.data.sampling import nested_sample, sample_sentences
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.annotation.store import AnnotationStore
from nerdistill.core.reporting.cost import spent
from nerdistill.core.reporting.model_card import trained_model_card, write_model_card
from nerdistill.core.training.one_model import epochs_for, evaluate_model, train_and_evaluate
from nerdistill.core.training.trainer import build_trainer
from nerdistill.schedules.mixer import EpochMixer
from nerdistill.schedules.spec import NamedSchedule, make_schedule

log = logging.getLogger("nerdistill.engine")
STAGES = ("data", "annotate", "train", "report")


class NotAnnotatedYet(NerdistillError):
    """A group's model cannot be planned before the annotate stage has made its distilled data."""


@dataclass(frozen=True)
class PlannedModel:
    group: GroupConfig
    schedule: NamedSchedule
    decay: float | None
    seed: int
    gold: int | None = None  # the original sample's size in a gold-size sweep

    @property
    def decay_label(self) -> str:
        return "no-decay" if self.decay is None else f"decay-{self.decay:g}"

    def folder(self, run_dir: Path) -> Path:
        return model_folder(run_dir, self.group.name, self.decay_label, self.seed, self.gold)


@dataclass(frozen=True)
class TrainingTask:
    model: PlannedModel
    trainer: Any
    mixer: EpochMixer
    distilled: list[Sentence]
    original: list[Sentence]
    folder: Path
    fingerprint: str | None
    start: "TrainingTask | None" = None  # the model this one continues from (its group's start_from)

    def extra_arguments(self, validation: list[Sentence]) -> dict[str, Any]:
        """The optional arguments of the trainer's ``train``, given only where the config asks for them."""
        extra: dict[str, Any] = {"validation": validation} if validation else {}
        if self.start is not None:
            extra["start_from"] = self.start.folder / "model"
        return extra


class Engine:
    """Runs one :class:`RunConfig`; each stage can also be run alone."""

    def __init__(self, config: RunConfig, *, progress: bool | None = None, shard: tuple[int, int] | None = None):
        """``shard = (i, n)`` trains only every n-th planned model from the i-th, so that n processes (on
        one large GPU, or many cores) share a sweep; each model has its own folder, so they never clash."""
        if shard is not None and not 0 <= shard[0] < shard[1]:
            raise NerdistillError(f"shard {shard[0]}/{shard[1]}: give I/N with 0 <= I < N, e.g. 0/4")
        self.config = config
        self.shard = shard
        self.run_dir = config.output
        self.progress = progress
        self.label_set = config.label_set
        self._inputs: dict[str, list[Sentence]] | None = None
        self._original: list[Sentence] | None = None
        self._test: list[Sentence] | None = None
        self._validation: list[Sentence] | None = None
        self._distilled: dict[str, list[Sentence]] = {}
        self._trainers: dict[tuple[float | None, str, int | None], Any] = {}

    # --- the whole run ---------------------------------------------------------------------------------
    def run(self, stages: tuple[str, ...] = STAGES) -> dict[str, Any]:
        unknown = set(stages) - set(STAGES)
        if unknown:
            raise NerdistillError(f"unknown stage(s) {sorted(unknown)}; the stages are {', '.join(STAGES)}")
        if self.shard and set(stages) - {"train", "report"}:
            raise NerdistillError("a shard trains a share of the models only: run the data and annotate stages "
                                  "once first, then each shard with --stage train")
        self.check()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_run_config(self.run_dir, self.config.model_dump(mode="json"), [g.name for g in self.config.all_groups()])
        results: dict[str, Any] = {}
        for stage in STAGES:
            if stage in stages:
                started, finished = time.monotonic(), False
                try:
                    results[stage] = getattr(self, f"stage_{stage}")()
                    finished = True
                finally:  # a stopped stage's time counts too: a sweep on a CPU spans many stops and restarts
                    self._record_stage(stage, time.monotonic() - started, stopped=not finished)
        return results

    def check(self) -> None:
        """Build every plugin the config names (provider, strategies, trainers, schedules) before any work,
        so a mistyped name or option fails in seconds, not after an hour of annotation."""
        self._check_input_files()
        provider = self.provider()
        self.rescue_provider(provider)
        for source in self._annotated_sources():
            self._strategy_options(source)
            if source.min_confidence is not None:
                require_logprobs(provider, f"distill {source.name!r} min_confidence")
        for decay, group in {(m.decay, m.group.name): (m.decay, m.group) for m in self.planned_models()}.values():
            trainer = self._trainer(decay, group)
            trainer.check()
            trainer.require({"start_from": next((f"group {g.name!r} start_from" for g in self.config.all_groups()
                                                 if g.start_from), None),
                             "validation": "data.validation" if self.config.data.validation else None})

    def _check_input_files(self) -> None:
        """Every input file the config names exists, each error naming its key (the CLI adds the config file).
        Runs named in ``reuse_models_from`` may not exist yet: they are looked in when there."""
        data = self.config.data
        named = [("data.gold", data.gold), ("data.test", data.test), ("data.validation", data.validation),
                 ("data.original", data.original if isinstance(data.original, Path) else None)]
        for source in self.config.distill:
            named += [(f"distill {source.name!r} sentences", source.sentences),
                      (f"distill {source.name!r} articles", source.articles)]
        for key, path in named:
            if path is not None and not path.exists():
                raise NerdistillError(f"{key}: {path}: no such file or folder")

    def _record_stage(self, stage: str, seconds: float, *, stopped: bool) -> None:
        entry = {"stage": stage, "seconds": round(seconds, 2), "finished": time.time(), "stopped": stopped}
        with (self.run_dir / "stages.jsonl").open("a") as stream:
            stream.write(json.dumps(entry) + "\n")

    # --- 1. data -----------------------------------------------------------------------------------------
    def stage_data(self) -> dict[str, int]:
        counts = {"original": len(self.original()), "test": len(self.test())}
        for size in self.config.data.original_sizes or []:
            self._write_data(f"original@{size}", self.original(size))
            counts[f"original@{size}"] = size
        if self.config.data.validation:
            counts["validation"] = len(self.validation())
        counts.update({f"distill:{name}": len(sentences) for name, sentences in self.inputs().items()})
        return counts

    def original(self, size: int | None = None) -> list[Sentence]:
        """The original data; in a gold-size sweep, the nested sample of ``size`` sentences (None: the largest,
        which the distill samples are kept apart from)."""
        if self._original is None:
            spec, data = self.config.data.original, self.config.data
            if spec is None:
                self._original = []
            elif isinstance(spec, int | list):
                largest = max(spec) if isinstance(spec, list) else spec
                self._original = sample_sentences(self._gold, largest, seed=data.seed) if largest else []
            else:
                self._original = self._read(spec)
            self._write_data("original", self._original)
        if size is None:
            return self._original
        return nested_sample(self._original, size, seed=self.config.data.seed)

    def validation(self) -> list[Sentence]:
        """The sentences that choose each model's best epoch (``data.validation``, less any sentence the run
        trains on, sampled to ``validation_size``); never the test sentences."""
        data = self.config.data
        if self._validation is None:
            sentences = [s for s in self._read(data.validation) if s.is_labelled] if data.validation else []
            overlap = {s.tokens for s in sentences} & {s.tokens for s in self.test() if s.tokens}
            if data.validation and len(overlap) > len(sentences) // 2:
                raise NerdistillError(f"data.validation: {len(overlap)} of its {len(sentences)} sentences are test "
                                      "sentences: choosing epochs on them would flatter the test score")
            if data.validation_size and data.validation_size < len(sentences):
                sentences = sample_sentences(sentences, data.validation_size, seed=data.seed)
            trained = {s.tokens for s in self.original()} | {s.tokens for name, inputs in self.inputs().items()
                                                              if name != TEACHER_ON_TEST for s in inputs}
            kept = [s for s in sentences if s.tokens not in trained]
            if len(kept) < len(sentences):
                log.info("data.validation: %d of its sentences are trained on: left out", len(sentences) - len(kept))
            self._validation = kept
        return self._validation

    def test(self) -> list[Sentence]:
        if self._test is None:
            self._test = self._read(self.config.data.test) if self.config.data.test else []
        return self._test

    def inputs(self) -> dict[str, list[Sentence]]:
        """The sentences each annotated source sends to the LLM; with ``data.teacher_on_test``, also the test
        sample (under ``teacher-on-test``), which is scored, never trained on."""
        if self._inputs is None:
            self._inputs = {}
            for position, source in enumerate(self.config.distill):  # the position seeds the sampling
                if source.agree is not None:
                    continue  # its sentences are those of the sources it agrees
                sentences = self._source_sentences(source, position)
                self._write_data(f"distill-{source.name}", sentences)
                self._inputs[source.name] = sentences
            if self.config.data.teacher_on_test:
                self._inputs[TEACHER_ON_TEST] = self.test_sample()
        return self._inputs

    @functools.cached_property
    def _test_sample(self) -> list[Sentence]:
        size, test = self.config.data.teacher_on_test, self.test()
        sample = sample_sentences(test, size, seed=self.config.data.seed) if size and size < len(test) else test
        self._write_data(TEACHER_ON_TEST, sample)
        return sample

    def test_sample(self) -> list[Sentence]:
        """The test sentences the teacher annotates too (``data.teacher_on_test``), the same for the same seed;
        drawn and written once, though every model is scored on it."""
        return self._test_sample

    def _source_sentences(self, source: DistillSource, position: int) -> list[Sentence]:
        seed = source.seed if source.seed is not None else self.config.data.seed + 1 + position
        if source.sample is not None:
            return sample_sentences(self._gold, source.sample, seed=seed, exclude=self.original())
        if source.sentences is not None:
            pool = [s for s in self._read(source.sentences) if len(s.tokens) >= source.min_tokens
                    and (source.max_tokens is None or len(s.tokens) <= source.max_tokens)]
        else:
            pool = article_sentences(read_articles(source.articles), source=source.name, dedupe=True,
                                     min_tokens=source.min_tokens, max_tokens=source.max_tokens, split=source.split,
                                     style=source.tokenizer)
        return sample_sentences(pool, source.size, seed=seed, exclude=self.original()) if source.size else pool

    @functools.cached_property
    def _gold(self) -> list[Sentence]:
        """The gold pool the original and distill samples are drawn from, read once (CoNLL-2003's training
        split takes seconds to parse)."""
        return self._read(self.config.data.gold)

    def _read(self, path: Path) -> list[Sentence]:
        format_of(path)
        return read_sentences(path, label_set=self.label_set)

    def _write_data(self, name: str, sentences: list[Sentence]) -> None:
        write_sentences(sentences, self.run_dir / "data" / f"{name}.jsonl")

    # --- 2. annotate ---------------------------------------------------------------------------------------
    def provider(self):
        return self._provider(self.config.annotation.provider_options, "annotation.provider_options")

    def rescue_provider(self, provider):
        """``provider`` with ``rescue_options`` over its options, for the sentences it answered invalidly."""
        annotation = self.config.annotation
        if annotation.rescue_options is None:
            return None
        where = "annotation.rescue_options"
        rescue = self._provider({**annotation.provider_options, **annotation.rescue_options}, where)
        return checked_rescue(provider, rescue, where)

    def _provider(self, options: dict[str, Any], where: str):
        name = self.config.annotation.provider
        provider_class = registry("providers").get(name, option="annotation.provider")
        return provider_class(name, validate_options(provider_class.options_model, options, where,
                                                     base=self.config.folder))

    def _strategy_options(self, source: DistillSource):
        name = source.strategy or self.config.annotation.strategy
        strategy_class = registry("prompt strategies").get(name, option=f"distill {source.name!r} strategy")
        merged = {**self.config.annotation.strategy_options, **source.strategy_options}
        where = f"strategy options of {source.name!r}"
        return name, strategy_class, validate_options(strategy_class.options_model, merged, where,
                                                      base=self.config.folder)

    def strategy(self, source: DistillSource):
        name, strategy_class, options = self._strategy_options(source)
        return strategy_class(name, self.label_set, options, forbidden_examples=self.test(), original=self.original())

    def store(self) -> AnnotationStore:
        return AnnotationStore(self.config.annotation.store or self.run_dir / "annotations.sqlite")

    def jobs(self) -> list[tuple[DistillSource, AnnotationJob]]:
        provider, store, annotation = self.provider(), self.store(), self.config.annotation
        rescue = self.rescue_provider(provider)
        return [(source, AnnotationJob(provider, self.strategy(source), store, concurrency=annotation.concurrency,
                                       retry_failed=annotation.retry_failed, offline=self.config.offline,
                                       progress=self.progress, rescue=rescue))
                for source in self._annotated_sources()]

    def _annotated_sources(self) -> list[DistillSource]:
        """The sources an LLM annotates, the test sample of ``data.teacher_on_test`` last (with the run's
        ``[annotation]`` strategy)."""
        sources = [source for source in self.config.distill if source.agree is None]
        if self.config.data.teacher_on_test:
            sources.append(DistillSource(name=TEACHER_ON_TEST, sentences=self.config.data.test))
        return sources

    def stage_annotate(self) -> dict[str, Any]:
        summaries = {}
        for source, job in self.jobs():
            summaries[source.name] = self._annotate_source(source, job)
        for source in self.config.distill:
            if source.agree is not None:
                summaries[source.name] = self._agree_source(source)
        return summaries

    def _annotate_source(self, source: DistillSource, job: AnnotationJob) -> dict[str, Any]:
        sentences = self.inputs()[source.name]
        log.info("annotating %s: %d sentences with %s/%s, strategy %s", source.name, len(sentences),
                 job.provider.name, job.provider.model, job.strategy.name)
        results, summary = job.run(sentences)
        provenance = {"provider": job.provider.name, "model": job.provider.model, "strategy": job.strategy.name,
                      "version": job.strategy.version}
        kept, dropped = distilled_sentences(results, provenance=provenance, require_entities=source.require_entities,
                                            min_confidence=source.min_confidence)
        write_distilled(kept, summary.failures, self._distilled_path(source.name))
        per_answer = self._wall_seconds_per_answer(job, sentences)
        record = {**summary.as_dict(), "written": len(kept), **dropped, **provenance,
                  "answer_seconds_median": self._answer_seconds(job), "wall_seconds_per_answer": per_answer,
                  "spent": spent(results, per_answer)}
        self._write_summary(source.name, record)
        self._write_quality(source.name, sentences, [o.labelled(s) for s, o in results if o.status == "ok"],
                            provenance)
        rescue = summary.rescue and f" ({summary.rescue['rescued']} of {summary.rescue['asked']} rescued)"
        log.info("%s: %d called, %d cached, %d failed%s, %d written", source.name, summary.called, summary.cached,
                 summary.failed, rescue or "", len(kept))
        return record

    @staticmethod
    def _answer_seconds(job: AnnotationJob) -> float | None:
        """The median seconds an answer of this provider, model and strategy took when it was asked (from the
        store: answers cached long ago cost what they cost then), for the cost of what is learnt from them."""
        for entry in job.store.statistics():
            if (entry["provider"], entry["model"], entry["strategy"]) == (job.provider.name, job.provider.model,
                                                                          job.strategy.name):
                return entry["median_seconds"]
        return None

    @staticmethod
    def _wall_seconds_per_answer(job: AnnotationJob, sentences: list[Sentence]) -> float | None:
        """The wall time this source's own answers took, per answer (two prompts asking the same sentences are
        told apart by their requests, which the median above is not)."""
        return job.store.seconds_per_answer({key for _, _, key in job.requests(sentences)})

    def _agree_source(self, source: DistillSource) -> dict[str, Any]:
        """The entities enough annotated sources give: no LLM call, scored like them where gold exists."""
        annotations = [read_sentences(self._distilled_path(name), label_set=self.label_set) for name in source.agree]
        voted, counts = agreed(annotations, source.min_votes)
        kept = [s for s in voted if s.spans] if source.require_entities else voted
        write_distilled(kept, [], self._distilled_path(source.name))
        min_votes = source.min_votes or len(source.agree)
        record = {"agreement": source.agree, "min_votes": min_votes, **asdict(counts),
                  "entities": dict(zip(source.agree, counts.entities)), "written": len(kept),
                  "dropped_without_entities": len(voted) - len(kept)}
        self._write_summary(source.name, record)
        self._write_quality(source.name, self.inputs()[source.agree[0]], voted,
                            {"agreement": source.agree, "min_votes": min_votes})
        log.info("%s: %d entities given by at least %d of %d sources, %d sentences written", source.name,
                 counts.entities_agreed, min_votes, len(source.agree), len(kept))
        return record

    def _distilled_path(self, name: str, suffix: str = ".jsonl") -> Path:
        return self.run_dir / "distilled" / f"{name}{suffix}"

    def _write_summary(self, name: str, record: dict[str, Any]) -> None:
        with atomic_write(self._distilled_path(name, ".summary.json")) as stream:
            json.dump(record, stream, indent=2)

    def _write_quality(self, name: str, inputs: list[Sentence], predicted: list[Sentence],
                       about: dict[str, Any]) -> None:
        """The annotation's quality against the inputs' gold tags (table 1), where they have any; a sentence
        with no prediction counts as no entity."""
        labelled = [s for s in inputs if s.is_labelled]
        if not labelled:
            return
        pairs, missing = pair_sentences(labelled, predicted)
        quality = score_tags([g.tags for g, _ in pairs],
                             [p.tags if p is not None else ("O",) * len(g.tokens) for g, p in pairs])
        quality.update(missing_predictions=missing, **about)
        write_if_changed(self._distilled_path(name, ".quality.json"), json.dumps(quality, indent=2))

    def estimate(self) -> dict[str, Any]:
        """What the annotation stage would cost; nothing is called."""
        return {source.name: estimate(job, self.inputs()[source.name]) for source, job in self.jobs()}

    # --- 3. train ------------------------------------------------------------------------------------------
    def planned_models(self) -> list[PlannedModel]:
        """Every group x decay x seed (x gold size in a sweep), seed by seed: a sweep stopped half-way has
        compared every group on the first seeds, rather than one group on all of them."""
        groups = self.config.all_groups()
        schedules = {g.name: make_schedule(g.schedule, option=f"group {g.name!r} schedule") for g in groups}
        return [PlannedModel(group, schedules[group.name], decay, seed, gold)
                for seed in self.config.seeds for group in groups
                for decay in (None if factor == "none" else float(factor) for factor in self.config.lr_decay)
                for gold in self._gold_sizes(group, schedules[group.name], decay)]

    def _gold_sizes(self, group: GroupConfig, schedule: NamedSchedule, decay: float | None) -> list[int | None]:
        """The sizes a group is trained at in a gold-size sweep: none (once, unswept) where its schedule never
        takes original data; not 0 where it has no distilled data, or continues from another group's model,
        which is then its point at 0."""
        sizes = self.config.data.original_sizes
        if sizes is None:
            return [None]
        epochs = self._trainer(decay, group).options.epochs
        if all(schedule.schedule.weights(t, epochs)[1] == 0 for t in range(epochs)):
            return [None]
        has_distilled = bool(self.config.distill) and group.distilled != []
        return [n for n in sizes if n > 0 or (has_distilled and group.start_from is None)]

    def distilled(self, group: GroupConfig) -> list[Sentence]:
        names = group.distilled if group.distilled is not None else [d.name for d in self.config.distill]
        return [sentence for name in names for sentence in self._distilled_source(name, group)]

    def _distilled_source(self, name: str, group: GroupConfig) -> list[Sentence]:
        if name not in self._distilled:
            path = self._distilled_path(name)
            if not path.exists():
                raise NotAnnotatedYet(f"group {group.name!r} needs distill source {name!r}, which is not annotated "
                                      "yet: run the annotate stage first", path=path)
            self._distilled[name] = read_sentences(path, label_set=self.label_set)
        return self._distilled[name]

    def training_plan(self) -> list[TrainingTask]:
        """Every planned model with its trainer, mixer and fingerprint; needs the distilled data. Every mixer
        is built here, before any training: an epoch left without data fails in seconds."""
        return [self.training_task(model) for model in self.planned_models()]

    def training_task(self, model: PlannedModel) -> TrainingTask:
        """One model's task; an error names the distill source its group needs that is not annotated yet."""
        distilled, original = self.distilled(model.group), self._original_of(model)
        epochs = self._epochs(model, len(distilled), len(original))
        trainer = self._trainer(model.decay, model.group, epochs)
        where = f"group {model.group.name!r}" + ("" if model.gold is None else f" at {model.gold} gold sentences")
        try:
            mixer = EpochMixer(model.schedule, epochs=epochs, distilled_size=len(distilled),
                               original_size=len(original), mode=self.config.mix_mode, seed=model.seed)
        except NerdistillError as error:
            raise NerdistillError(f"{where}: {error.reason}") from None
        start = self._start_task(model)
        extra = {"validation": self.validation()} if self.config.data.validation else {}
        if start is not None:
            extra["start_fingerprint"] = start.fingerprint
        fingerprint = trainer.fingerprint(distilled=distilled, original=original, mixer=mixer,
                                          label_set=self.label_set, seed=model.seed, **extra)
        return TrainingTask(model, trainer, mixer, distilled, original, model.folder(self.run_dir), fingerprint, start)

    def _original_of(self, model: PlannedModel) -> list[Sentence]:
        """A model's original data: the run's, or in a sweep its size's sample (none for a model trained once
        for every size, whose schedule never takes any)."""
        if self.config.data.original_sizes is None:
            return self.original()
        return self.original(model.gold) if model.gold is not None else []

    def _epochs(self, model: PlannedModel, distilled: int, original: int) -> int:
        return epochs_for(model.schedule, epochs=self._trainer(model.decay, model.group).options.epochs,
                          distilled_size=distilled, original_size=original,
                          least=self.config.training.min_sentence_passes, mode=self.config.mix_mode)

    def _start_task(self, model: PlannedModel) -> TrainingTask | None:
        """The task of the model ``model`` continues from: its start group's, same seed and decay, at the same
        gold size where that group is swept too."""
        name = model.group.start_from
        if name is None:
            return None
        candidates = [m for m in self.planned_models() if m.group.name == name and m.seed == model.seed
                      and m.decay == model.decay and m.gold in (model.gold, None)]
        if not candidates:
            raise NerdistillError(f"group {model.group.name!r} at {model.gold} gold sentences: group {name!r} has no "
                                  "model at that size to start from")
        return self.training_task(candidates[0])

    def scored_on(self) -> dict[str, Any]:
        """What a model's scores depend on besides the model: the test set and whether subword scores too."""
        return {"test": sentences_digest(self.test()), "subword": self.config.subword_scores}

    def finished_models(self) -> FinishedModels:
        return FinishedModels(self.config.reuse_models_from)

    def stage_train(self) -> list[dict[str, Any]]:
        """Train this process's tasks (its shard's, or all), passing over those another process holds. A task
        whose start model another process is training waits at the back of the queue, so the process takes the
        tasks it can train meanwhile, and sleeps only when every task left waits."""
        tasks, scored_on, finished = self.training_plan(), self.scored_on(), self.finished_models()
        mine = tasks[self.shard[0]::self.shard[1]] if self.shard else tasks
        queue, rows, deferred = deque(enumerate(mine, start=1)), [], 0
        while queue:
            number, task = queue.popleft()
            if task.start is not None and not self._start_ready(task.start, scored_on, finished):
                queue.append((number, task))
                deferred += 1
                if deferred >= len(queue):  # every task left waits on another process
                    self._wait_for(task.start.folder)
                    deferred = 0
                continue
            deferred = 0
            model = task.model
            size = "" if model.gold is None else f", {model.gold} gold sentences"
            log.info("[%d/%d] %s%s, %s, seed %d", number, len(mine), model.group.name, size, model.decay_label,
                     model.seed)
            with claimed(task.folder) as ours:
                if not ours:
                    log.info("another process is training it: passed over")
                    continue
                rows.append(self._train_one(task, scored_on, finished))
        return rows

    @staticmethod
    def _wait_for(folder: Path) -> None:
        log.info("waiting for %s, which another process is training", folder)
        time.sleep(30)

    def _start_ready(self, start: TrainingTask, scored_on: dict[str, Any], finished: FinishedModels) -> bool:
        """Whether the model a task continues from is there: finished, or trained here now where no process
        has it; False while another process is training it."""
        if finished.result(start.folder, start.fingerprint, scored_on) is not None:
            return True
        with claimed(start.folder) as ours:
            if ours:
                self._train_one(start, scored_on, finished)
        return finished.result(start.folder, start.fingerprint, scored_on) is not None

    def _train_one(self, task: TrainingTask, scored_on: dict[str, Any], finished: FinishedModels) -> dict[str, Any]:
        model = task.model
        row = finished.result(task.folder, task.fingerprint, scored_on)
        if row is None:
            summary = train_and_evaluate(
                trainer=task.trainer, schedule=model.schedule, distilled=task.distilled,
                original=task.original, test=self.test(), label_set=self.label_set, output_dir=task.folder,
                seed=model.seed, mix_mode=self.config.mix_mode, subword=self.config.subword_scores,
                **task.extra_arguments(self.validation()))
            row = {**result_row(model, summary), "fingerprint": task.fingerprint, "scored_on": scored_on}
        row.update(model_identity(model))  # a result copied from another group takes this one's name
        row["original_sentences"] = len(task.original) if any(e.original_count for e in task.mixer.plan) else 0
        if self.config.data.teacher_on_test:
            row["teacher_on_test"] = self._score_on_test_sample(task, row.get("teacher_on_test"))
        write_if_changed(task.folder / RESULT, json.dumps(row, indent=2))
        if (task.folder / "model").is_dir():
            self._write_model_card(task, row)
        return row

    def _write_model_card(self, task: TrainingTask, row: dict[str, Any]) -> None:
        """The model folder's README.md: what it tags, what taught it, how it scored, the run's config."""
        size = "" if task.model.gold is None else f"@{task.model.gold}"
        write_model_card(task.folder / "model", trained_model_card(
            task.trainer, title=f"{self.config.name}: {task.model.group.name}{size}, seed {task.model.seed}",
            labels=self.label_set, row=row, distilled=task.distilled, config=self.config.model_dump(mode="json")))

    def _score_on_test_sample(self, task: TrainingTask, scored: dict[str, Any] | None) -> dict[str, Any] | None:
        """The model's F1 on the test sentences the teacher annotated (kept while the sample is the same); None
        where its weights are not here (results of models trained elsewhere)."""
        sample = self.test_sample()
        digest = sentences_digest(sample)
        if scored is not None and scored.get("digest") == digest:
            return scored
        if not (task.folder / "model").is_dir():
            return None
        scores = evaluate_model(task.trainer, task.folder / "model", sample, subword=False)
        return {"sentences": len(sample), "digest": digest, "f1": scores["word"]["micro"]["f1"]}

    def _trainer(self, decay: float | None, group: GroupConfig | None = None, epochs: int | None = None):
        """The trainer of every model with this learning-rate decay, group's options (``[training]``'s, with the
        group's own over them) and number of epochs (those options', or more by ``min_sentence_passes``): one
        each, as the models share it."""
        overrides = group.training if group is not None else {}
        key = (decay, json.dumps(overrides, sort_keys=True), epochs)
        if key not in self._trainers:
            training = self.config.training
            options = {**training.trainer_options, **overrides, "lr_decay": decay, "progress": self.progress}
            if epochs is not None and epochs != self._trainer(decay, group).options.epochs:
                options["epochs"] = epochs
            where = "training" if not overrides else f"group {group.name!r} training"
            self._trainers[key] = build_trainer(training.trainer, options, base=self.config.folder, where=where)
        return self._trainers[key]

    # --- 4. report -------------------------------------------------------------------------------------------
    def stage_report(self) -> dict[str, Any]:
        from nerdistill.core.reporting.report import write_report

        return write_report(self.run_dir, title=self.config.name, paper=self.config.compare_with_paper)


def sentences_digest(sentences: list[Sentence]) -> str:
    material = json.dumps([[s.tokens, s.tags] for s in sentences])
    return hashlib.sha256(material.encode()).hexdigest()


def model_identity(model: PlannedModel) -> dict[str, Any]:
    identity = {"group": model.group.name, "schedule": model.schedule.label, "distilled": model.group.distilled,
                "decay": model.decay, "seed": model.seed}
    if model.gold is not None:
        identity["gold_sentences"] = model.gold
    if model.group.start_from is not None:
        identity["start_from"] = model.group.start_from
    return identity


def result_row(model: PlannedModel, summary: dict[str, Any]) -> dict[str, Any]:
    word = summary["scores"]["word"]
    row = {**model_identity(model), "f1": word["micro"]["f1"],
           "types": {t: f["f1"] for t, f in word["types"].items()}, "train_seconds": summary["train_seconds"],
           "devices": sorted({e["device"] for e in summary["epochs"] if "device" in e}),
           "weights": summary["weights"]}  # the schedule's, whatever the trainer logs
    if "subword" in summary["scores"]:
        row["subword_f1"] = summary["scores"]["subword"]["micro"]["f1"]
    if "selection" in summary:
        row["selection"] = summary["selection"]
    return row
