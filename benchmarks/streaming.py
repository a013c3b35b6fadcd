"""Memory of `nerdistill tag` on raw text files of growing size: flat, since it streams a batch at a time.

Writes text files of --megabytes and 4 times as many (the CoNLL-2003 test split's sentences as paragraphs,
repeated), tags each with `nerdistill tag MODEL FILE -o /dev/null` in a child process, and reports each
child's peak resident memory and words per second, and the ratio of the two peaks (flat: about 1, where
reading the whole file would grow with it). Writes benchmarks/results-streaming.json.

    python benchmarks/streaming.py --model OUT_OF_nerdistill_export [--megabytes 1]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.student_args import student_parser  # noqa: E402
from nerdistill.core.data.formats import read_sentences  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results-streaming.json"
# the child's peak resident memory, measured by a parent of its own (RUSAGE_CHILDREN is the largest child's)
PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def text_of(megabytes: float, paragraphs: list[str]) -> str:
    parts, size, index = [], 0, 0
    while size < megabytes * 1_000_000:
        parts.append(paragraphs[index % len(paragraphs)])
        size += len(parts[-1].encode()) + 2
        index += 1
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = student_parser(__doc__, RESULTS)
    parser.add_argument("--megabytes", type=float, default=1.0)
    args = parser.parse_args()
    sentences = [" ".join(s.tokens) for s in read_sentences(args.test)]
    paragraphs = [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="nerdistill-stream-") as scratch:
        for megabytes in (args.megabytes, 4 * args.megabytes):
            path = Path(scratch) / f"{megabytes}.txt"
            text = text_of(megabytes, paragraphs)
            path.write_text(text)
            began = time.perf_counter()
            peak = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "nerdistill", "tag",
                                   str(args.model), str(path), "-o", "/dev/null"], check=True, capture_output=True,
                                  text=True).stdout.split()[-1]
            seconds = time.perf_counter() - began
            rows.append({"megabytes": round(len(text.encode()) / 1e6, 2), "words": len(text.split()),
                         "peak_memory_mb": round(int(peak) / 1024), "words_per_second": round(len(text.split()) /
                                                                                            seconds)})
            print(f"{rows[-1]['megabytes']:>6} MB: peak {rows[-1]['peak_memory_mb']} MB, "
                  f"{rows[-1]['words_per_second']} words/s (start-up included)", flush=True)
    ratio = round(rows[1]["peak_memory_mb"] / rows[0]["peak_memory_mb"], 2)
    print(f"4 times the text: {ratio} times the peak memory")
    args.output.write_text(json.dumps({"model": str(args.model), "rows": rows, "peak_ratio": ratio}, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
