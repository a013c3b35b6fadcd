"""HTTP serving: requests per second and latency of `nerdistill serve` at concurrency 1 and 16.

Starts `nerdistill serve MODEL` on loopback (an exported ONNX folder serves fastest), sends each sentence of
the CoNLL-2003 test split's first --requests sentences as one request ({"texts": [sentence]}), first one at
a time, then from 16 client threads at once, and reports requests/s, the median and the 99th percentile
latency of each, and the ratio of the two rates: what batching concurrent requests into one call of the
model buys. Writes benchmarks/results-serving.json.

    python benchmarks/serving.py --model OUT_OF_nerdistill_export [--requests 800]
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.student_args import student_parser  # noqa: E402
from nerdistill.core.data.formats import read_sentences  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results-serving.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load(url: str, texts: list[str], concurrency: int) -> dict:
    client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=concurrency))

    def send(text: str) -> float:
        began = time.perf_counter()
        response = client.post(f"{url}/tag", json={"texts": [text]})
        response.raise_for_status()
        return time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(send, texts))
    seconds = time.perf_counter() - began
    return {"concurrency": concurrency, "requests": len(texts), "requests_per_second": round(len(texts) / seconds, 1),
            "median_ms": round(1000 * statistics.median(latencies), 1),
            "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1)}


def main() -> None:
    parser = student_parser(__doc__, RESULTS)
    parser.add_argument("--requests", type=int, default=800)
    args = parser.parse_args()
    texts = [" ".join(s.tokens) for s in read_sentences(args.test)][:args.requests]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "nerdistill", "serve", str(args.model), "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{url}/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        load(url, texts[:32], 4)  # warm-up
        rows = [load(url, texts, concurrency) for concurrency in (1, 16)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    for row in rows:
        print(f"concurrency {row['concurrency']:>2}: {row['requests_per_second']:>7} requests/s, "
              f"median {row['median_ms']} ms, p99 {row['p99_ms']} ms")
    ratio = round(rows[1]["requests_per_second"] / rows[0]["requests_per_second"], 2)
    print(f"concurrency 16 serves {ratio}x the requests/s of concurrency 1")
    result = {"model": str(args.model), "cores": len(os.sched_getaffinity(0)), "rows": rows,
              "ratio_16_to_1": ratio}
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
