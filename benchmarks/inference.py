"""Tagging speed on a CPU: the pipeline a user would write, nerdistill's PyTorch path, ONNX fp32 and ONNX int8.

On the CoNLL-2003 test split (3453 sentences, 46,435 words), in one process and one run, so the ratios
compare like with like on whatever CPU this is:

1. ``transformers.pipeline("token-classification", aggregation_strategy="simple")`` on each sentence's text,
   the baseline a user would write (its entities mapped back to the words they cover, to score it);
2. nerdistill's PyTorch path (``Trainer.predict``: windows, shortest batched together);
3. the model exported by ``nerdistill export`` to ONNX fp32, and 4. to ONNX dynamic int8, run by ONNX Runtime.

Each: words per second (the model loaded beforehand, one warm-up batch; the best of ``--repeat`` passes, as
``timeit`` reports, the median beside it: other processes on a shared machine only ever slow a pass down),
word-level micro F1, and the share
of entities identical to the PyTorch path's. Start-up: the wall time of a fresh process that imports
nerdistill, loads the folder and tags one sentence (``nerdistill.tag``), PyTorch and ONNX int8, the median of
``--repeat`` processes. Goals
(issue 25): int8 at least 3 times the pipeline and at least 10,000 words/s with MiniLM on 2 cores, F1 within
0.005 of PyTorch, fp32 with at least 99.5% of entities identical, start-up under 2 s. Writes
benchmarks/results-inference.json.

    python benchmarks/inference.py --model runs/.../model [--test ../shared/data/conll2003/test.txt]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.student_args import student_parser  # noqa: E402
from nerdistill.core.data.formats import read_sentences  # noqa: E402
from nerdistill.core.data.tags import tags_to_spans  # noqa: E402
from nerdistill.core.scoring.evaluation import score_tags  # noqa: E402
from nerdistill.core.training.prediction import model_trainer  # noqa: E402
from nerdistill.providers.llama_runtime import cpu_flags, cpu_model_name  # noqa: E402

#: the CPU features ONNX Runtime's int8 matrix products use where they exist (the same name, "AMD EPYC", covers
#: processors with and without them, and int8 speed nearly doubles with VNNI)
INT8_FEATURES = {"avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8"}

RESULTS = ROOT / "benchmarks" / "results-inference.json"
WARM_UP = 32


def timed(tag, inputs: list, repeat: int) -> tuple[list, list[float]]:
    """``tag(inputs)`` (warmed up on a few first) and the seconds of each of ``repeat`` passes."""
    tag(inputs[:WARM_UP])
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        tags = tag(inputs)
        seconds.append(time.perf_counter() - began)
    return tags, seconds


def pipeline_tags(model_dir: Path, sentences, repeat: int) -> tuple[list[tuple[str, ...]], list[float]]:
    """The pipeline's entities on each sentence's text, as word tags; and the seconds of each pass."""
    from transformers import pipeline

    tagger = pipeline("token-classification", model=str(model_dir), aggregation_strategy="simple", device=-1)
    texts, starts = [], []
    for sentence in sentences:
        offsets, position = [], 0
        for word in sentence.tokens:
            offsets.append(position)
            position += len(word) + 1
        texts.append(" ".join(sentence.tokens))
        starts.append(offsets)
    found, seconds = timed(tagger, texts, repeat)
    tags = []
    for sentence, offsets, entities in zip(sentences, starts, found):
        words = ["O"] * len(sentence.tokens)
        for entity in entities:
            covered = [i for i, start in enumerate(offsets)
                       if start < entity["end"] and start + len(sentence.tokens[i]) > entity["start"]]
            for n, i in enumerate(covered):
                words[i] = f"{'B' if n == 0 else 'I'}-{entity['entity_group']}"
        tags.append(tuple(words))
    return tags, seconds


def nerdistill_tags(model_dir: Path, sentences, repeat: int) -> tuple[list[tuple[str, ...]], list[float]]:
    tag = model_trainer(model_dir).load_tagger(model_dir)
    scored, seconds = timed(tag, sentences, repeat)
    return [tags for tags, _ in scored], seconds


def start_up_seconds(model_dir: Path, repeat: int) -> float:
    """The median wall time of ``repeat`` fresh processes that tag one sentence with ``model_dir``."""
    code = "import sys, nerdistill; nerdistill.tag(sys.argv[1], ['Peter Blackburn flew to Paris.'])"
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(model_dir)], check=True, capture_output=True)
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds)


def identical_share(tags, reference) -> float:
    same = union = 0
    for ours, theirs in zip(tags, reference):
        a, b = set(tags_to_spans(ours)), set(tags_to_spans(theirs))
        same, union = same + len(a & b), union + len(a | b)
    return same / union if union else 1.0


def main() -> None:
    parser = student_parser(__doc__, RESULTS)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the test split per engine")
    args = parser.parse_args()
    sentences = [s for s in read_sentences(args.test) if s.is_labelled]
    gold = [s.tags for s in sentences]
    words = sum(len(s.tokens) for s in sentences)
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="nerdistill-bench-") as scratch:
        folders = {"pytorch": args.model}
        for name, quantize in (("onnx-fp32", "none"), ("onnx-int8", "dynamic-int8")):
            began = time.perf_counter()
            folders[name] = model_trainer(args.model).export(args.model, Path(scratch) / name, format="onnx",
                                                             quantize=quantize)
            rows[name] = {"export_seconds": round(time.perf_counter() - began, 1)}
        runs = {"pipeline": lambda: pipeline_tags(args.model, sentences, args.repeat),
                **{name: (lambda folder=folder: nerdistill_tags(folder, sentences, args.repeat))
                   for name, folder in folders.items()}}
        predicted = {}
        for name, run in runs.items():
            predicted[name], seconds = run()
            f1 = score_tags(gold, predicted[name])["micro"]["f1"]
            rows[name] = {**rows.get(name, {}), "words_per_second": round(words / min(seconds)),
                          "median_words_per_second": round(words / statistics.median(seconds)),
                          "seconds": [round(s, 2) for s in seconds], "f1": round(f1, 4)}
            print(f"{name:10} {rows[name]['words_per_second']:>7} words/s (median "
                  f"{rows[name]['median_words_per_second']})  F1 {rows[name]['f1']:.4f}", flush=True)
        for name in rows:
            rows[name]["identical_to_pytorch"] = round(identical_share(predicted[name], predicted["pytorch"]), 4)
        for name in ("pytorch", "onnx-int8"):
            rows[name]["start_up_seconds"] = round(start_up_seconds(folders[name], args.repeat), 2)
    baseline = rows["pipeline"]["words_per_second"]
    ratios = {name: round(row["words_per_second"] / baseline, 2) for name, row in rows.items()}
    result = {"test": str(args.test.name), "sentences": len(sentences), "words": words, "model": str(args.model),
              "cpu": cpu_model_name(), "cpu_int8_features": sorted(cpu_flags() & INT8_FEATURES),
              "repeat": args.repeat, "cores": len(os.sched_getaffinity(0)),
              "engines": rows, "ratio_to_pipeline": ratios,
              "f1_drop_int8": round(rows["pytorch"]["f1"] - rows["onnx-int8"]["f1"], 4)}
    for name, ratio in ratios.items():
        print(f"{name:10} {ratio:5.2f}x the pipeline")
    print(f"start-up: pytorch {rows['pytorch']['start_up_seconds']} s, "
          f"onnx-int8 {rows['onnx-int8']['start_up_seconds']} s")
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
