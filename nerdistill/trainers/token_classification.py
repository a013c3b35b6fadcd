"""Fine-tuning a transformers encoder for token classification, fed epoch by epoch by the mixer.

The loop is our own rather than ``transformers.Trainer`` because the data of every epoch comes from the
mixing schedule (a different mix each epoch, reproducible from the seed) and may carry per-example
loss weights. Defaults are the paper's: batch 4, eval batch 2, max length 128, learning rate 1e-5, 20
epochs; ``lr_decay = 0.95`` multiplies the learning rate by 0.95 after each epoch.

After each epoch the model, optimizer and random state are saved (``checkpoint.pt``, atomically), so a
stopped run resumes from its last finished epoch. The final model and tokenizer go to ``model/``,
loadable with ``from_pretrained`` alone.

Given validation sentences, the model is scored on them (micro F1) every ``validate_every`` sentences
trained and after the last epoch; the final model is the best one scored, and with ``patience`` training
stops after that many scorings without a better F1. Small training sets thus need no hand-tuned epoch
count: the gold-budget curve trains each size until its validation F1 stops rising. ``start_from``
continues from a saved model of this trainer (its weights, not its optimizer): a student distilled once
and fine-tuned on each gold budget.

Several GPUs (or CPU processes) are used through accelerate, not code of our own: launched by
``accelerate launch`` or ``torchrun`` (``WORLD_SIZE`` > 1), the trainer wraps model and optimizer with
``accelerate.Accelerator`` (distributed data parallel), each process trains on an equal share of every
epoch's batches (the last ones wrap around so no process waits for another), and only the main process
writes checkpoints and the model.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import random
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from nerdistill.core.training.encoders import load_tokenizer, quiet_transformers
from nerdistill.core.errors import NerdistillError
from nerdistill.core.data.files import atomic_write, discard_partial_writes, read_json
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.progress import progress_bar
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.training.trainer import (ADDED_WITH_OLD_DEFAULT, MODEL_CARD, NOT_AFFECTING_WEIGHTS, Trainer,
                                              TrainerOptions, TrainingResult, WordScores, read_model_card)
from nerdistill.trainers.encoders import load_encoder_for_tagging
from nerdistill.trainers.features import IGNORED, SHAPE_MARKERS, Padding, collate, encode, training_batches
from nerdistill.trainers.onnx import BATCH_SIZE as ONNX_BATCH_SIZE
from nerdistill.trainers.onnx import PieceTokenizer, export_onnx, exported_labels, is_exported, onnx_runner
from nerdistill.trainers.tagging import BatchRunner, tag_sentences

log = logging.getLogger("nerdistill.training")

CHECKPOINT = "checkpoint.pt"
TRAIN_LOG = "train_log.jsonl"


class TokenClassificationOptions(TrainerOptions):
    encoder: str = Field("bert-base-uncased", description="a folder, a cached hub id, or all-minilm-l6-v2")
    batch_size: int = Field(4, ge=1, description="sentences (or windows) per optimizer step")
    eval_batch_size: int = Field(2, ge=1, json_schema_extra=NOT_AFFECTING_WEIGHTS,
                                 description="sentences per batch when predicting")
    max_length: int = Field(128, ge=8,
                            description="word pieces per window; longer sentences are cut into windows of whole words")
    learning_rate: float = Field(1e-5, gt=0, description="AdamW's learning rate")
    weight_decay: float = Field(0.0, ge=0, description="AdamW's weight decay")
    max_grad_norm: float | None = Field(1.0, gt=0, description="gradients clipped to this norm (none: not clipped)")
    padding: Padding = Field("dynamic", description="'dynamic', or 'max_length' as the paper's protocol")
    group_by_length: bool = Field(True, description="batch sentences of similar length together (less padding)")
    fused_optimizer: bool = Field(True, description="fused AdamW where torch has it (much faster on CPU)")
    precision: Literal["fp32", "bf16"] = Field(
        "fp32", description="'bf16': the forward pass autocast to bfloat16, weights and optimizer in fp32; faster "
        "where the hardware has bfloat16 (recent GPUs, CPUs with AVX512-BF16 or AMX), slightly other weights",
        json_schema_extra=ADDED_WITH_OLD_DEFAULT)
    device: str = Field("auto", description="'auto' (CUDA when there is one), 'cpu', 'cuda', 'cuda:1', ...",
                        json_schema_extra=NOT_AFFECTING_WEIGHTS)
    threads: int | None = Field(None, ge=1, description="CPU threads for torch (default: torch's choice)",
                                json_schema_extra=NOT_AFFECTING_WEIGHTS)
    validate_every: int = Field(1000, ge=1, json_schema_extra=ADDED_WITH_OLD_DEFAULT,
                                description="with validation data: score on it after each epoch that brings the "
                                            "sentences trained since the last scoring to this many, and after the last")
    patience: int | None = Field(None, ge=1, json_schema_extra=ADDED_WITH_OLD_DEFAULT,
                                 description="with validation data: stop after this many scorings without a better F1")
    distilled_o_weight: float = Field(1.0, ge=0, le=1, json_schema_extra=ADDED_WITH_OLD_DEFAULT,
                                      description="loss weight of the words a distilled sentence leaves outside any "
                                                  "entity: below 1, an entity the teacher missed is not trusted as O")
    shape_markers: bool = Field(False, json_schema_extra=ADDED_WITH_OLD_DEFAULT,
                                description="a marker piece before each capitalised word (Paris, EU), so an uncased "
                                            "encoder sees the capitals")


class TokenClassificationTrainer(Trainer):
    options_model = TokenClassificationOptions
    description = "Fine-tunes a transformers encoder (BERT family) for token classification, first-subword labels."
    options: TokenClassificationOptions

    def check(self) -> None:
        """The encoder can be found offline: its tokenizer loads (the weights are left for training)."""
        try:
            load_tokenizer(self.options.encoder)
        except NerdistillError as error:
            raise NerdistillError(f"training.encoder: {error.reason}") from None

    def train(self, *, distilled: list[Sentence], original: list[Sentence], mixer: Any, label_set: LabelSet,
              output_dir: Path, seed: int, start_from: Path | None = None,
              validation: list[Sentence] | None = None) -> TrainingResult:
        import torch

        o = self.options
        if mixer.epochs != o.epochs:
            raise NerdistillError(f"the mixer plans {mixer.epochs} epochs but training has epochs = {o.epochs}")
        output_dir.mkdir(parents=True, exist_ok=True)
        if o.threads:
            torch.set_num_threads(o.threads)
        accelerator = _accelerator()
        device = accelerator.device if accelerator else _device(o.device)
        labels = label_set.tags
        label_ids = {label: i for i, label in enumerate(labels)}
        tokenizer = load_tokenizer(o.encoder)
        markers = add_shape_markers(tokenizer) if o.shape_markers else None
        sources = {"distilled": distilled, "original": original}
        windows = {name: _windows_by_sentence(encode(data, tokenizer, label_ids, o.max_length, markers), len(data))
                   for name, data in sources.items()}
        _seed_everything(seed)
        model = (self._load_start(start_from, labels) if start_from else load_encoder_for_tagging(o.encoder, labels))
        if markers:
            model.resize_token_embeddings(len(tokenizer))
        model = model.to(device)
        optimizer = _adamw(model, o.learning_rate, o.weight_decay, o.fused_optimizer)
        start_fingerprint = read_model_card(start_from).get("fingerprint") if start_from else None
        fingerprint = self._fingerprint(distilled, original, mixer, labels, seed, start_fingerprint, validation)
        finished = _finished_model(output_dir, fingerprint)
        if finished is not None:
            log.info("already trained with these data and settings: %s", finished)
            return TrainingResult(finished, _read_log(output_dir), o.epochs)
        main = accelerator is None or accelerator.is_main_process
        if main:  # a checkpoint half-written when a process was killed (hundreds of MB) is never resumed from
            discard_partial_writes(output_dir / CHECKPOINT)
        start_epoch, history, best = self._resume(output_dir, fingerprint, model, optimizer, device)
        if accelerator is not None:
            model, optimizer = accelerator.prepare(model, optimizer)
        selection = _Selection(validation, o.validate_every, o.patience, best) if validation else None
        for epoch in range(start_epoch, o.epochs):
            entry = self._train_epoch(epoch, mixer, windows, model, optimizer, tokenizer, device, seed, accelerator)
            history.append(entry)
            trained = entry["distilled"] + entry["original"]
            if selection is not None and selection.due(trained, last=epoch == o.epochs - 1):
                entry["validation_f1"] = selection.score(epoch, _unwrapped(model, accelerator),
                                                         self._tagger(tokenizer, device, o.max_length, markers))
                log.info("epoch %d: validation F1 %.4f (best %.4f after epoch %d)", epoch + 1,
                         entry["validation_f1"], selection.best["f1"], selection.best["epoch"] + 1)
            if main:
                self._checkpoint(output_dir, fingerprint, epoch, _unwrapped(model, accelerator), optimizer, history,
                                 selection.best if selection else None)
            if accelerator is not None:
                accelerator.wait_for_everyone()
            if selection is not None and selection.exhausted:
                log.info("no better validation F1 in %d scorings: stopped after epoch %d", o.patience, epoch + 1)
                break
        if selection is not None and selection.best["state"] is not None:
            _unwrapped(model, accelerator).load_state_dict(selection.best["state"])
        model_dir = output_dir / "model"
        if main:
            self._save_final(output_dir, _unwrapped(model, accelerator), tokenizer, label_set, fingerprint)
            (output_dir / CHECKPOINT).unlink(missing_ok=True)  # the final model supersedes it
        if accelerator is not None:
            accelerator.wait_for_everyone()
        return TrainingResult(model_dir, history, start_epoch or None, main_process=main)

    def _train_epoch(self, epoch, mixer, windows, model, optimizer, tokenizer, device, seed,
                     accelerator=None) -> dict[str, Any]:
        import torch

        o = self.options
        started = time.monotonic()
        learning_rate = o.learning_rate * (o.lr_decay ** epoch if o.lr_decay else 1.0)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate
        plan = mixer.plan[epoch]
        o_weights = {"distilled": o.distilled_o_weight, "original": 1.0}
        items = [(window, example.weight, o_weights[example.source]) for example in mixer.epoch(epoch)
                 for window in windows[example.source][example.index]]
        rng = random.Random(f"nerdistill-batches:{seed}:{epoch}")
        batches = training_batches(items, o.batch_size, rng, o.group_by_length)
        if accelerator is not None:
            batches = _share(batches, accelerator.process_index, accelerator.num_processes)
        model.train()
        total_loss, steps = 0.0, 0
        bar = progress_bar(len(batches), f"epoch {epoch + 1}/{o.epochs}", "batch", o.progress, leave=False)
        for batch in batches:
            input_ids, attention, labels = (t.to(device) for t in collate(
                [w for w, _, _ in batch], tokenizer.pad_token_id, o.padding, o.max_length))
            weights = torch.tensor([weight for _, weight, _ in batch], device=device)[:, None]
            if o.distilled_o_weight != 1.0:  # the words outside entities weigh less in distilled sentences
                o_weight = torch.tensor([o_weight for _, _, o_weight in batch], device=device)[:, None]
                outside = labels == _unwrapped(model, accelerator).config.label2id["O"]
                weights = torch.where(outside, o_weight, 1.0) * weights
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=o.precision == "bf16"):
                logits = model(input_ids=input_ids, attention_mask=attention).logits
            logits = logits.float()  # the loss in fp32 whatever the forward pass ran in
            token_loss = torch.nn.functional.cross_entropy(
                logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=IGNORED, reduction="none"
            ).view(labels.shape)
            counted = (labels != IGNORED).float()
            loss = (token_loss * counted * weights).sum() / counted.sum().clamp(min=1)
            optimizer.zero_grad(set_to_none=True)
            if accelerator is not None:
                accelerator.backward(loss)
                if o.max_grad_norm:
                    accelerator.clip_grad_norm_(model.parameters(), o.max_grad_norm)
            else:
                loss.backward()
                if o.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), o.max_grad_norm)
            optimizer.step()
            total_loss += loss.item()
            steps += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{total_loss / steps:.4f}")
        if bar is not None:
            bar.close()
        entry = {"epoch": epoch, "distilled": plan.distilled_count, "original": plan.original_count,
                 "distilled_weight": round(plan.distilled_weight, 6), "original_weight": round(plan.original_weight, 6),
                 "windows": len(items), "steps": steps, "loss": total_loss / max(steps, 1), "lr": learning_rate,
                 "seconds": round(time.monotonic() - started, 3), "device": _device_name(device, accelerator)}
        log.info("epoch %d/%d: %d distilled + %d original, loss %.4f, lr %.2e, %.1f s", epoch + 1, o.epochs,
                 plan.distilled_count, plan.original_count, entry["loss"], learning_rate, entry["seconds"])
        return entry

    def fingerprint(self, *, distilled: list[Sentence], original: list[Sentence], mixer: Any, label_set: LabelSet,
                    seed: int, start_fingerprint: str | None = None, validation: list[Sentence] | None = None) -> str:
        return self._fingerprint(distilled, original, mixer, label_set.tags, seed, start_fingerprint, validation)

    def _fingerprint(self, distilled, original, mixer, labels, seed, start_fingerprint=None, validation=None) -> str:
        material = {"options": self.options.affecting_weights(),
                    "distilled": [s.tokens + (s.tags or ()) for s in distilled],
                    "original": [s.tokens + (s.tags or ()) for s in original],
                    "schedule": mixer.schedule.label, "mode": mixer.mode, "mix_seed": mixer.seed,
                    "labels": labels, "seed": seed}
        if start_fingerprint is not None:  # the start model by what made it, not by where it lies
            material["start_from"] = start_fingerprint
        if validation:
            material["validation"] = [s.tokens + (s.tags or ()) for s in validation]
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def _load_start(self, start_from: Path, labels: tuple[str, ...]):
        """A saved model of this trainer to continue from; its labels and encoder must be this training's."""
        from transformers import AutoModelForTokenClassification

        card = read_model_card(start_from)
        if tuple(card.get("labels", ())) != tuple(labels):
            raise NerdistillError(f"start model tags {card.get('labels')}, this training {list(labels)}",
                                  path=start_from)
        if card.get("options", {}).get("encoder") != self.options.encoder:
            raise NerdistillError(f"start model was trained from encoder {card['options'].get('encoder')!r}, this "
                                  f"training's is {self.options.encoder!r}", path=start_from)
        quiet_transformers()
        return AutoModelForTokenClassification.from_pretrained(start_from, local_files_only=True)

    def _resume(self, output_dir, fingerprint, model, optimizer, device) -> tuple[int, list[dict[str, Any]], Any]:
        import torch

        path = output_dir / CHECKPOINT
        if not path.exists():
            (output_dir / TRAIN_LOG).unlink(missing_ok=True)
            return 0, [], None
        state = torch.load(path, map_location=device, weights_only=False)
        if state["fingerprint"] != fingerprint:
            raise NerdistillError("the checkpoint there was made from other data or settings; delete it or train "
                                  "into another folder", path=path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        log.info("resuming after epoch %d of %d", state["epoch"] + 1, self.options.epochs)
        return state["epoch"] + 1, state["history"], state.get("best")

    def epochs_done(self, output_dir: Path, fingerprint: str | None) -> int:
        import torch

        path = output_dir / CHECKPOINT
        if fingerprint is None or not path.exists():
            return 0
        state = torch.load(path, map_location="cpu", weights_only=False, mmap=True)  # maps the weights, reads none
        return state["epoch"] + 1 if state["fingerprint"] == fingerprint else 0

    def _checkpoint(self, output_dir, fingerprint, epoch, model, optimizer, history, best=None) -> None:
        import torch

        state = {"fingerprint": fingerprint, "epoch": epoch, "model": model.state_dict(),
                 "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(), "history": history,
                 "best": best}
        with atomic_write(output_dir / CHECKPOINT, "wb") as stream:
            torch.save(state, stream)
        with atomic_write(output_dir / TRAIN_LOG) as stream:
            stream.writelines(json.dumps(entry) + "\n" for entry in history)

    def _save_final(self, output_dir: Path, model, tokenizer, label_set: LabelSet, fingerprint: str) -> Path:
        model_dir = output_dir / "model"
        model.save_pretrained(model_dir)
        tokenizer.save_pretrained(model_dir)
        card = {"trainer": self.name, "labels": list(label_set.tags), "label_set": label_set.model_dump(),
                "options": self.options.model_dump(mode="json"), "fingerprint": fingerprint}
        with atomic_write(model_dir / MODEL_CARD) as stream:
            json.dump(card, stream, indent=2)
        return model_dir

    def export(self, model_dir: Path, output: Path, *, format: str, quantize: str) -> Path:
        if format != "onnx":
            raise NerdistillError(f"--format: the {self.name!r} trainer exports to onnx, not {format!r}")
        return export_onnx(model_dir, output, quantize=quantize)

    def subword_expander(self, model_dir: Path):
        return subword_expander(model_dir)

    def predict(self, model_dir: Path, sentences: list[Sentence]) -> list[tuple[str, ...]]:
        """Valid IOB2 tags for every word of every sentence (long sentences go through in windows)."""
        return [tags for tags, _ in self.predict_scored(model_dir, sentences)]

    def predict_scored(self, model_dir: Path, sentences: list[Sentence]) -> list[WordScores]:
        """The tags of :meth:`predict`, each word's with the softmax probability of the label the model chose at
        the word's first piece (the piece the word is trained and tagged at)."""
        return self.load_tagger(model_dir)(sentences)

    def load_tagger(self, model_dir: Path):
        """The saved model loaded once, as ``sentences -> word scores``. An exported folder (``nerdistill export``)
        is run by ONNX Runtime, with no torch."""
        card = read_model_card(model_dir)
        max_length = card["options"]["max_length"]
        if is_exported(model_dir):
            tokenizer = PieceTokenizer(model_dir)
            (run, streams), labels = onnx_runner(model_dir), exported_labels(model_dir)
            markers = _saved_markers(tokenizer, card)
            return lambda sentences: tag_sentences(run, labels, tokenizer, sentences, max_length=max_length,
                                                   batch_size=ONNX_BATCH_SIZE, markers=markers, streams=streams)
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        quiet_transformers()
        device = _device(self.options.device)
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        model = AutoModelForTokenClassification.from_pretrained(model_dir, local_files_only=True).to(device)
        tag = self._tagger(tokenizer, device, max_length, _saved_markers(tokenizer, card))
        return lambda sentences: tag(model, sentences)

    @property
    def _tagging_batch_size(self) -> int:
        return max(self.options.eval_batch_size, 32)

    def _tagger(self, tokenizer, device, max_length: int, markers: dict[str, int] | None = None):
        """``(model, sentences) -> word scores``: tagging with a model in memory, a saved one's or one in training
        (validation), which is left in training mode again if it was."""
        batch_size = self._tagging_batch_size

        def tag(model, sentences: list[Sentence]) -> list[WordScores]:
            training = model.training
            model.eval()
            try:
                id2label = {int(k): v for k, v in model.config.id2label.items()}
                return tag_sentences(torch_runner(model, device), id2label, tokenizer, sentences,
                                     max_length=max_length, batch_size=batch_size, markers=markers)
            finally:
                model.train(training)

        return tag


def torch_runner(model, device) -> BatchRunner:
    """A PyTorch model as a :data:`~nerdistill.trainers.tagging.BatchRunner`."""
    import torch

    def run(input_ids, attention):
        with torch.inference_mode():
            logits = model(input_ids=torch.from_numpy(input_ids).to(device),
                           attention_mask=torch.from_numpy(attention).to(device)).logits
            probability, best = logits.softmax(-1).max(-1)
        return probability.cpu().numpy(), best.cpu().numpy()

    return run


def subword_expander(model_dir: Path):
    """A function copying each word's tag onto all its word pieces (the paper's subword-level scoring)."""
    from transformers import AutoTokenizer

    quiet_transformers()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)

    def expand(sentences: list[Sentence], tag_sequences: list[tuple[str, ...]]) -> list[list[str]]:
        encoded = tokenizer([list(s.tokens) for s in sentences], is_split_into_words=True,
                            add_special_tokens=False, truncation=False)
        expanded = []
        for index, tags in enumerate(tag_sequences):
            expanded.append([tags[word] for word in encoded.word_ids(index) if word is not None])
        return expanded

    return expand


class _Selection:
    """Model selection on validation sentences: when to score, the best model so far, and when to stop.

    ``best`` is what a checkpoint keeps (``f1``, ``epoch``, ``state`` on the CPU, ``since``: scorings without
    a better F1, ``trained``: sentences trained since the last scoring), so a resumed training goes on
    selecting as if it had never stopped."""

    def __init__(self, sentences: list[Sentence], every: int, patience: int | None, best: dict[str, Any] | None):
        self.sentences, self.every, self.patience = sentences, every, patience
        self.best = best or {"f1": -1.0, "epoch": -1, "state": None, "since": 0, "trained": 0}

    def due(self, trained: int, *, last: bool) -> bool:
        self.best["trained"] += trained
        return last or self.best["trained"] >= self.every

    def score(self, epoch: int, model, tag) -> float:
        from nerdistill.core.scoring.evaluation import score_tags

        self.best["trained"] = 0
        predicted = [tags for tags, _ in tag(model, self.sentences)]
        f1 = score_tags([s.tags for s in self.sentences], predicted)["micro"]["f1"]
        if f1 > self.best["f1"]:
            state = {name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()}
            self.best.update(f1=f1, epoch=epoch, state=state, since=0)
        else:
            self.best["since"] += 1
        return f1

    @property
    def exhausted(self) -> bool:
        return self.patience is not None and self.best["since"] >= self.patience


def add_shape_markers(tokenizer) -> dict[str, int]:
    """The word-shape marker tokens added to ``tokenizer`` (saved with the model), by shape."""
    tokenizer.add_tokens(list(SHAPE_MARKERS.values()), special_tokens=True)
    return shape_marker_ids(tokenizer)


def shape_marker_ids(tokenizer) -> dict[str, int]:
    return {shape: tokenizer.convert_tokens_to_ids(token) for shape, token in SHAPE_MARKERS.items()}


def _saved_markers(tokenizer, card: dict[str, Any]) -> dict[str, int] | None:
    """The shape markers' ids where the saved model was trained with them."""
    return shape_marker_ids(tokenizer) if card["options"].get("shape_markers") else None


def _finished_model(output_dir: Path, fingerprint: str) -> Path | None:
    card = output_dir / "model" / MODEL_CARD
    if card.exists() and read_json(card).get("fingerprint") == fingerprint:
        return card.parent
    return None


def _read_log(output_dir: Path) -> list[dict[str, Any]]:
    path = output_dir / TRAIN_LOG
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _windows_by_sentence(windows, count: int) -> list[list]:
    grouped: list[list] = [[] for _ in range(count)]
    for window in windows:
        grouped[window.sentence].append(window)
    return grouped


def _accelerator():
    """An ``accelerate.Accelerator`` when launched as one of several processes, else None. The process group
    it starts is ended at exit (once, however many models the process trains)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    import torch
    from accelerate import Accelerator

    accelerator = Accelerator(cpu=not torch.cuda.is_available())
    atexit.unregister(_end_process_group)
    atexit.register(_end_process_group)
    return accelerator


def _end_process_group() -> None:
    """Without ``destroy_process_group`` before exit, gloo's worker threads can still hold work when the
    interpreter tears down, and a process whose training is finished aborts ("terminate called without an
    active exception", SIGABRT: seen once in CI on a loaded machine; pytorch/pytorch#190489)."""
    import torch.distributed

    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def _share(batches: list, rank: int, world: int) -> list:
    """This process's batches: every ``world``-th, the list first wrapped round to a multiple of ``world``."""
    if not batches:
        return batches
    padded = batches + batches[: (-len(batches)) % world]
    return padded[rank::world]


def _unwrapped(model, accelerator):
    return accelerator.unwrap_model(model) if accelerator is not None else model


def _adamw(model, learning_rate: float, weight_decay: float, fused: bool):
    """AdamW, fused where torch has it: on CPU the unfused step costs half as much as a whole small batch."""
    import torch

    if fused:
        try:
            return torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay, fused=True)
        except (RuntimeError, TypeError):  # an older torch or a device without the fused kernel
            pass
    return torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)


def _device_name(device, accelerator) -> str:
    """What an epoch ran on, kept in the training log so reports say where each model was trained."""
    import torch

    if device.type == "cuda":
        name = f"cuda ({torch.cuda.get_device_name(device)})"
    else:
        threads = torch.get_num_threads()
        name = f"{device.type} ({threads} thread{'s' if threads > 1 else ''})"
    processes = accelerator.num_processes if accelerator is not None else 1
    return name if processes == 1 else f"{name} x {processes} processes"


def _device(wanted: str):
    import torch

    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise NerdistillError(f"device = {wanted!r}, but torch sees no CUDA device")
    return torch.device(wanted)


def _seed_everything(seed: int) -> None:
    import numpy
    import torch

    random.seed(seed)
    numpy.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))

