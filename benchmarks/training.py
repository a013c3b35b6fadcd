"""Training throughput: the paper's protocol as written against nerdistill's, on the same data.

Both train the same encoder on the same sentences for the same epochs at batch size 4. The paper's
protocol pads every sequence to 128 word pieces, takes sentences in order and uses the standard AdamW
(transformers' default); nerdistill pads each batch to its own longest window, groups windows of
similar length and uses the fused AdamW. ``--ablation`` adds nerdistill's batching with the standard
optimizer, to separate the two effects; ``--bf16`` adds nerdistill with the forward pass autocast to
bfloat16 (``precision = "bf16"``), against nerdistill in fp32. Each variant runs in its own process, so its
peak memory (max RSS) is its own. Reported: sentences per second, peak memory, test F1 (word level), and the ratios
ours / paper's.

    python benchmarks/training.py --train ../shared/data/conll2003/train.txt --test ../shared/data/conll2003/test.txt
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "examples" / "data" / "conll2003-sample"
VARIANTS = {"paper": {"padding": "max_length", "group_by_length": False, "fused_optimizer": False},
            "nerdistill": {"padding": "dynamic", "group_by_length": True, "fused_optimizer": True},
            # ablation: nerdistill's batching with the paper's (unfused) optimizer
            "batching-only": {"padding": "dynamic", "group_by_length": True, "fused_optimizer": False},
            "bf16": {"padding": "dynamic", "group_by_length": True, "fused_optimizer": True, "precision": "bf16"}}


def run_variant(args: argparse.Namespace) -> dict:
    """One variant, in this process: train, time it, score it."""
    sys.path.insert(0, str(ROOT))
    from nerdistill.core.data.formats import read_sentences
    from nerdistill.core.data.labels import CONLL2003
    from nerdistill.core.plugins.registry import registry
    from nerdistill.core.data.sampling import sample_sentences
    from nerdistill.core.training.one_model import train_and_evaluate
    from nerdistill.schedules import make_schedule

    train = sample_sentences(read_sentences(args.train), min(args.size, len(read_sentences(args.train))), seed=0)
    test = read_sentences(args.test)[: args.test_size]
    options = {"encoder": args.encoder, "epochs": args.epochs, "batch_size": 4, "learning_rate": args.lr,
               "max_length": 128, "threads": args.threads, "progress": False, **VARIANTS[args.variant]}
    trainer = registry("trainers").get("token-classification")("token-classification", options)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        summary = train_and_evaluate(trainer=trainer, schedule=make_schedule("pure_original"), distilled=[],
                                     original=train, test=test, label_set=CONLL2003, output_dir=Path(folder),
                                     seed=args.seed, subword=False)
        total = time.perf_counter() - started
    train_seconds = summary["train_seconds"]
    return {"variant": args.variant, "sentences": len(train), "epochs": args.epochs,
            "train_seconds": train_seconds, "sentences_per_second": len(train) * args.epochs / train_seconds,
            "total_seconds": round(total, 2), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "test_f1": summary["scores"]["word"]["micro"]["f1"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", default=str(SAMPLES / "original.conll"))
    parser.add_argument("--test", default=str(SAMPLES / "test.conll"))
    parser.add_argument("--size", type=int, default=1000, help="training sentences (sampled with seed 0)")
    parser.add_argument("--test-size", type=int, default=3453)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--encoder", default="all-minilm-l6-v2")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variant", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--ablation", action="store_true", help="also run nerdistill's batching, unfused")
    parser.add_argument("--bf16", action="store_true", help="also run nerdistill with bfloat16 autocast")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args)))
        return
    results = {}
    extra = [*(["batching-only"] if args.ablation else []), *(["bf16"] if args.bf16 else [])]
    for variant in ("paper", "nerdistill", *extra):
        command = [sys.executable, __file__, *(a for a in sys.argv[1:] if a not in ("--ablation", "--bf16")),
                   "--variant", variant]
        if "--json" in command:
            at = command.index("--json")
            del command[at:at + 2]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results[variant] = json.loads(output.strip().splitlines()[-1])
        r = results[variant]
        print(f"{variant:>13}: {r['sentences_per_second']:7.1f} sentences/s, peak {r['peak_rss_mb']:6.0f} MB, "
              f"test F1 {r['test_f1']:.4f} ({r['sentences']} sentences x {r['epochs']} epochs, "
              f"{r['train_seconds']:.1f} s training)", flush=True)
    paper, ours = results["paper"], results["nerdistill"]
    ratios = {"throughput": ours["sentences_per_second"] / paper["sentences_per_second"],
              "peak_memory": ours["peak_rss_mb"] / paper["peak_rss_mb"],
              "f1_difference": ours["test_f1"] - paper["test_f1"]}
    print(f"ratio nerdistill / paper: throughput x{ratios['throughput']:.2f}, "
          f"peak memory x{ratios['peak_memory']:.2f}, "
          f"F1 difference {ratios['f1_difference']:+.4f}")
    if "batching-only" in results:
        print(f"ablation, batching only (standard AdamW): throughput "
              f"x{results['batching-only']['sentences_per_second'] / paper['sentences_per_second']:.2f}")
    if "bf16" in results:
        bf16 = results["bf16"]
        ratios["bf16_throughput"] = bf16["sentences_per_second"] / ours["sentences_per_second"]
        ratios["bf16_f1_difference"] = bf16["test_f1"] - ours["test_f1"]
        print(f"bfloat16 autocast / fp32 (nerdistill both): throughput x{ratios['bf16_throughput']:.2f}, "
              f"F1 difference {ratios['bf16_f1_difference']:+.4f}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "ratios": ratios, "arguments": vars(args)}, indent=2,
                                        default=str))


if __name__ == "__main__":
    main()
