"""A token-classification student exported to ONNX, and tagging with it through ONNX Runtime alone.

``nerdistill export`` writes a folder that ``nerdistill predict``, ``evaluate model`` and
:func:`nerdistill.tag` take as they take the PyTorch one: ``model.onnx``, the tokenizer, the transformers
``config.json`` (labels) and the ``nerdistill.json`` card with ``format = "onnx"``. Tagging it imports neither
torch nor transformers (a process is ready in well under two seconds): the word pieces come from the
``tokenizers`` library, the network from ONNX Runtime, and windows, batching and IOB2 repair from
:mod:`nerdistill.trainers.tagging`, the code the PyTorch path runs.

The graph is written by ``torch.onnx.export`` (the exporter Hugging Face's optimum wraps: optimum-onnx's only
release requires transformers < 4.58, this project trains with 5.x), then fused by ONNX Runtime's transformer
optimizer (attention, layer norm, GELU). ``dynamic-int8`` quantizes the weights of every matrix product to
8 bits (activations are quantized on the fly), which published taggers show keeps F1; static quantization,
which lost a DistilBERT CoNLL tagger almost all its F1 without hand-picked exclusions, is not offered.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, Literal

from nerdistill.core.cpu import usable_cores
from nerdistill.core.data.files import atomic_write
from nerdistill.core.errors import NerdistillError
from nerdistill.core.training.trainer import MODEL_CARD, read_model_card

ONNX_MODEL = "model.onnx"
Quantization = Literal["none", "dynamic-int8"]
QUANTIZATIONS: tuple[str, ...] = Quantization.__args__
#: what an exported folder keeps of the model folder besides the graph
KEPT_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "README.md")
OPSET = 17
_FLOAT = 1  # onnx.TensorProto.FLOAT


def is_exported(model_dir: Path) -> bool:
    return (Path(model_dir) / ONNX_MODEL).exists()


def import_onnxruntime(*, exporting: bool = False):
    try:
        import onnxruntime

        if exporting:
            import onnx  # noqa: F401  (torch.onnx writes the graph with it)
    except ImportError:
        raise NerdistillError("ONNX export and tagging need the onnx extra: pip install 'nerdistill[onnx]'") from None
    return onnxruntime


def export_onnx(model_dir: Path, output: Path, *, quantize: Quantization = "none") -> Path:
    """Export the PyTorch model in ``model_dir`` to ``output`` (created; its files replaced); returns ``output``."""
    import_onnxruntime(exporting=True)
    card = read_model_card(model_dir)
    if card.get("format") == "onnx":
        raise NerdistillError("already an exported model: export the PyTorch model folder it came from",
                              path=model_dir)
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nerdistill-onnx-") as scratch:
        graph = _export_graph(model_dir, Path(scratch) / "exported.onnx")
        graph = _optimize(graph, Path(scratch) / "optimized.onnx", model_dir)
        if quantize == "dynamic-int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = Path(scratch) / "quantized.onnx"
            # the fused nodes are ONNX Runtime's own, which shape inference cannot type: they are float
            with _quiet_root_logger():  # advice to pre-process for static quantization, logged at every call
                quantize_dynamic(graph, quantized, weight_type=QuantType.QInt8, per_channel=True,
                                 extra_options={"DefaultTensorType": _FLOAT})
            graph = quantized
        shutil.move(str(graph), output / ONNX_MODEL)
    for name in KEPT_FILES:
        if (model_dir / name).exists():
            shutil.copy2(model_dir / name, output / name)
    exported = {**card, "format": "onnx", "quantize": quantize, "exported_from": str(Path(model_dir).resolve())}
    with atomic_write(output / MODEL_CARD) as stream:
        json.dump(exported, stream, indent=2)
    return output


@contextlib.contextmanager
def _quiet_root_logger():
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _export_graph(model_dir: Path, path: Path) -> Path:
    import torch
    from transformers import AutoModelForTokenClassification

    from nerdistill.core.training.encoders import quiet_transformers

    quiet_transformers()
    # eager attention: the plain matrix products ONNX Runtime's optimizer knows how to fuse
    model = AutoModelForTokenClassification.from_pretrained(model_dir, local_files_only=True,
                                                            attn_implementation="eager").eval()
    example = (torch.ones((2, 8), dtype=torch.long), torch.ones((2, 8), dtype=torch.long))
    axes = {"batch": 0, "pieces": 1}
    dynamic = {name: {index: axis for axis, index in axes.items()}
               for name in ("input_ids", "attention_mask", "logits")}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on tracing transformers' code, not the user's to act on
        torch.onnx.export(model, example, str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], dynamic_axes=dynamic, opset_version=OPSET, dynamo=False)
    return path


def _optimize(graph: Path, path: Path, model_dir: Path) -> Path:
    """The graph with ONNX Runtime's fusions for BERT-like encoders; the plain one for other architectures."""
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_dir / "config.json").read_text())
    if config.get("model_type") not in {"bert", "roberta", "distilbert", "xlm-roberta", "electra", "deberta-v2"}:
        return graph
    optimized = optimize_model(str(graph), model_type="bert", num_heads=config["num_attention_heads"],
                               hidden_size=config["hidden_size"], opt_level=1)
    optimized.save_model_to_file(str(path))
    return path


def exported_labels(model_dir: Path) -> dict[int, str]:
    """The label of each output of an exported model (transformers' ``id2label``)."""
    config = json.loads((model_dir / "config.json").read_text())
    return {int(index): label for index, label in config["id2label"].items()}


class PieceTokenizer:
    """The saved fast tokenizer through the ``tokenizers`` library, with the part of transformers' tokenizer
    interface that :func:`~nerdistill.trainers.features.encode` uses (words in, word pieces and word ids out)."""

    def __init__(self, model_dir: Path):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        special = json.loads((model_dir / "tokenizer_config.json").read_text())
        ids = {role: self.convert_tokens_to_ids(special[f"{role}_token"]) for role in ("cls", "sep", "pad", "unk")}
        self.cls_token_id, self.sep_token_id = ids["cls"], ids["sep"]
        self.pad_token_id, self.unk_token_id = ids["pad"], ids["unk"]

    def convert_tokens_to_ids(self, token: str) -> int:
        token_id = self._tokenizer.token_to_id(token)
        if token_id is None:
            raise NerdistillError(f"the exported tokenizer has no token {token!r}")
        return token_id

    def __call__(self, words: list[list[str]], *, is_split_into_words: bool, add_special_tokens: bool,
                 truncation: bool) -> "_Encoded":
        return _Encoded(self._tokenizer.encode_batch(words, is_pretokenized=is_split_into_words,
                                                     add_special_tokens=add_special_tokens))


class _Encoded(dict):
    def __init__(self, encodings: list[Any]):
        super().__init__(input_ids=[e.ids for e in encodings])
        self._encodings = encodings

    def word_ids(self, index: int) -> list[int | None]:
        return self._encodings[index].word_ids


#: windows per batch of an exported model's streams: 16 tagged the CoNLL-2003 test split fastest of 8 to 64
BATCH_SIZE = 16


def onnx_runner(model_dir: Path):
    """``model_dir``'s graph in an ONNX Runtime session, as a :data:`~nerdistill.trainers.tagging.BatchRunner`
    that is called from one thread per core this process may use (``streams``, for
    :func:`~nerdistill.trainers.tagging.tag_sentences`), each running one batch on its own core: measured faster
    on 2 cores than one batch at a time on both (benchmarks/inference.py), best with batches of
    :data:`BATCH_SIZE`."""
    onnxruntime = import_onnxruntime()
    from nerdistill.trainers.tagging import best_labels

    settings = onnxruntime.SessionOptions()
    settings.enable_mem_pattern = False  # it plans memory for one input shape; every batch here has its own
    settings.intra_op_num_threads = 1  # the parallelism is across batches: see the docstring
    session = onnxruntime.InferenceSession(str(model_dir / ONNX_MODEL), settings, providers=["CPUExecutionProvider"])

    def run(input_ids, attention):
        (logits,) = session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention})
        return best_labels(logits)

    return run, usable_cores()
