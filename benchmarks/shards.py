"""Training on a CPU: N one-thread processes (the same ``run --stage train`` started once a core, or
``--shard I/N``) against one process on N threads.

At the paper's batch size of 4 a small encoder's matrices are too small for several threads to share one
step well, so a sweep may train faster as N independent processes, each on one core. Each process runs
``benchmarks/training.py``'s nerdistill variant (pure original data, the same sentences); the sharded
processes start together and their throughput is the sentences of all of them over the wall time of the
slowest. Reported: sentences per second of both layouts and their ratio.

    python benchmarks/shards.py --processes 2 --train ../shared/data/conll2003/train.txt
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

TRAINING = Path(__file__).with_name("training.py")


def start(args: argparse.Namespace, threads: int) -> subprocess.Popen:
    command = [sys.executable, str(TRAINING), "--variant", "nerdistill", "--threads", str(threads),
               "--train", args.train, "--test", args.test, "--size", str(args.size), "--epochs", str(args.epochs),
               "--test-size", str(args.test_size)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": str(threads)})


def finish(process: subprocess.Popen) -> dict:
    output, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"a training process failed (exit {process.returncode})")
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="N (default: the cores)")
    parser.add_argument("--train", default=str(Path(__file__).resolve().parents[1] / "examples" / "data"
                                               / "conll2003-sample" / "original.conll"))
    parser.add_argument("--test", default=None, help="default: the training file (the score is not the point)")
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--test-size", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    args.test = args.test or args.train

    whole = finish(start(args, args.processes))
    started = time.perf_counter()
    shards = [finish(p) for p in [start(args, 1) for _ in range(args.processes)]]
    slowest = max(s["train_seconds"] for s in shards)
    passes = sum(s["sentences"] * s["epochs"] for s in shards)
    results = {"one_process": {"threads": args.processes, "sentences_per_second": whole["sentences_per_second"]},
               "shards": {"processes": args.processes, "threads_each": 1, "sentences_per_second": passes / slowest,
                          "each": [s["sentences_per_second"] for s in shards],
                          "wall_seconds": round(time.perf_counter() - started, 1)}}
    ratio = results["shards"]["sentences_per_second"] / whole["sentences_per_second"]
    print(f"one process, {args.processes} threads: {whole['sentences_per_second']:6.1f} sentences/s")
    print(f"{args.processes} processes, 1 thread each: {results['shards']['sentences_per_second']:6.1f} sentences/s "
          f"(each {', '.join(f'{x:.1f}' for x in results['shards']['each'])})")
    print(f"ratio shards / one process: x{ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "ratio": ratio, "arguments": vars(args)}, indent=2,
                                        default=str))


if __name__ == "__main__":
    main()
