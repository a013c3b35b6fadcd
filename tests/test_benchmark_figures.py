"""The speed figures the docs give are those of the benchmark's results file."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = {"transformers pipeline": "pipeline", "nerdistill, PyTorch": "pytorch", "nerdistill, ONNX fp32": "onnx-fp32",
           "nerdistill, ONNX dynamic int8": "onnx-int8"}


def test_the_guides_inference_table_is_the_results_file():
    results = json.loads((ROOT / "benchmarks" / "results-inference.json").read_text())
    guide = (ROOT / "docs" / "guide.md").read_text()
    rows = {}
    for line in guide.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = next((key for key in ENGINES if cells[0].startswith(key)), None)
        if name and len(cells) == 5:
            rows[ENGINES[name]] = cells[1:]
    assert set(rows) == set(ENGINES.values())
    for engine, (words, ratio, f1, identical) in rows.items():
        row = results["engines"][engine]
        assert int(words) == row["words_per_second"], engine
        assert float(ratio) == results["ratio_to_pipeline"][engine], engine
        assert f1 == f"{row['f1']:.4f}", engine
        assert identical == f"{100 * row['identical_to_pytorch']:.1f}%", engine
    assert f"int8 loses {results['f1_drop_int8']} F1" in guide
    start_up = re.search(r"takes ([\d.]+) s \(([\d.]+) s with PyTorch\)", guide)
    assert [float(x) for x in start_up.groups()] == [results["engines"]["onnx-int8"]["start_up_seconds"],
                                                     results["engines"]["pytorch"]["start_up_seconds"]]


def test_the_guides_serving_and_streaming_figures_are_the_results_files():
    guide = " ".join((ROOT / "docs" / "guide.md").read_text().split())
    serving = json.loads((ROOT / "benchmarks" / "results-serving.json").read_text())
    one, sixteen = serving["rows"]
    assert (f"{one['requests_per_second']} requests/s at concurrency 1 (median {one['median_ms']} ms, "
            f"p99 {one['p99_ms']} ms), {sixteen['requests_per_second']} at concurrency 16 (median "
            f"{sixteen['median_ms']} ms, p99 {sixteen['p99_ms']} ms), {serving['ratio_16_to_1']} times") in guide
    small, large = json.loads((ROOT / "benchmarks" / "results-streaming.json").read_text())["rows"]
    assert (f"a {small['megabytes']} MB and a {large['megabytes']} MB file both peak at "
            f"{small['peak_memory_mb']} MB") in guide and small["peak_memory_mb"] == large["peak_memory_mb"]


def test_the_guides_decode_batching_figure_is_the_results_file():
    guide = " ".join((ROOT / "docs" / "guide.md").read_text().split())
    result = json.loads((ROOT / "benchmarks" / "results-decode-batching.json").read_text())
    best = max(result["rows"], key=lambda row: row["tokens_per_second"])
    assert (f"best was {result['best_ratio_to_one_sequence']} times one sequence's tokens a second "
            f"({best['sequences']} sequences;") in guide
