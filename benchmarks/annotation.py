"""Annotation throughput: concurrency against a fake server, a fully cached re-run, and the local model.

1. Sentences per second against the fake OpenAI-compatible server (tests/fake_openai.py) on loopback with
   a fixed latency, at concurrency 1 and 8 (target: at least 6x).
2. A fully cached re-run of 1000 sentences: seconds and LLM calls (target: under 2 s, zero calls).
3. With --local N: seconds per sentence of the local Qwen2.5-Coder-1.5B for each strategy, on N sentences
   of the shipped CoNLL sample (needs `nerdistill models install qwen2.5-coder-1.5b-instruct-q4_k_m`);
   with --logprobs, the same again with the log probabilities recorded (each entity's confidence), and the
   ratio of the two (target: within a few percent).

    python benchmarks/annotation.py [--latency 0.2] [--local 10 [--strategy standard] [--logprobs]]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nerdistill.core.formats import read_sentences  # noqa: E402
from nerdistill.core.registry import registry  # noqa: E402
from nerdistill.core.runner import AnnotationJob  # noqa: E402
from nerdistill.core.sentence import Sentence  # noqa: E402
from nerdistill.core.store import AnnotationStore  # noqa: E402
from nerdistill.prompts.strategy import StrategyOptions  # noqa: E402
from tests.fake_openai import Behaviour, FakeOpenAIServer  # noqa: E402

SAMPLE = ROOT / "examples" / "data" / "conll2003-sample" / "to-annotate.conll"


def sentences(n: int, tag: str) -> list[Sentence]:
    return [Sentence(id=f"{tag}{i}", tokens=("Alice", "met", f"Bob{tag}{i}", "in", "Paris", ".")) for i in range(n)]


def fake_job(server: FakeOpenAIServer, store: Path, concurrency: int) -> AnnotationJob:
    provider = registry("providers").get("litellm")("litellm", {"model": "openai/fake", "api_base": server.url})
    strategy = registry("prompt strategies").get("standard")("standard", options=StrategyOptions(k=1))
    return AnnotationJob(provider, strategy, AnnotationStore(store), concurrency=concurrency, progress=False)


def concurrency_speedup(latency: float, n: int, folder: Path) -> dict:
    rates = {}
    with FakeOpenAIServer(Behaviour(latency=latency)) as server:
        for concurrency in (1, 8):
            _, summary = fake_job(server, folder / f"c{concurrency}.sqlite", concurrency).run(
                sentences(n, f"c{concurrency}-"))
            rates[concurrency] = summary.called / summary.seconds
            print(f"concurrency {concurrency}: {rates[concurrency]:.2f} sentences/s "
                  f"({summary.called} calls, {summary.seconds:.2f} s, latency {latency} s)", flush=True)
    print(f"speed-up at concurrency 8: x{rates[8] / rates[1]:.2f}")
    return {"latency": latency, "sentences": n, "rate_1": rates[1], "rate_8": rates[8], "speedup": rates[8] / rates[1]}


def cached_rerun(n: int, folder: Path) -> dict:
    with FakeOpenAIServer() as server:
        batch = sentences(n, "cache-")
        fake_job(server, folder / "cache.sqlite", 8).run(batch)
        calls_before = sum(server.calls.values())
        started = time.perf_counter()
        _, summary = fake_job(server, folder / "cache.sqlite", 8).run(batch)
        seconds = time.perf_counter() - started
        calls = sum(server.calls.values()) - calls_before
    print(f"cached re-run of {n} sentences: {seconds:.2f} s, {calls} LLM calls, {summary.cached} from the store")
    return {"sentences": n, "seconds": seconds, "calls": calls, "cached": summary.cached}


def local_model(n: int, folder: Path, strategies: list[str], logprobs: bool = False) -> dict:
    provider = registry("providers").get("local")("local", {"logprobs": logprobs})
    provider.check(offline=True)
    batch = read_sentences(SAMPLE)[:n]
    figures = {}
    for name in strategies:
        strategy = registry("prompt strategies").get(name)(name, options=StrategyOptions())
        job = AnnotationJob(provider, strategy, AnnotationStore(folder / f"local-{name}-{logprobs}.sqlite"),
                            progress=False)
        job.run(batch[:1])  # load the model and cache the shared prompt prefix, as a long run would
        _, summary = job.run(batch[1:])
        per_sentence = summary.seconds / max(summary.called, 1)
        figures[name] = {"seconds_per_sentence": per_sentence, "sentences": summary.called, "failed": summary.failed,
                         "completion_tokens_per_sentence": summary.usage.completion_tokens / max(summary.called, 1)}
        print(f"local {provider.model}, {name}{', logprobs' * logprobs}: {per_sentence:.2f} s/sentence over "
              f"{summary.called} sentences "
              f"({figures[name]['completion_tokens_per_sentence']:.0f} completion tokens each, "
              f"{summary.failed} failed)", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--sentences", type=int, default=48)
    parser.add_argument("--cached", type=int, default=1000)
    parser.add_argument("--local", type=int, default=0, help="sentences for the local model (0: skip)")
    parser.add_argument("--strategy", action="append", choices=["standard", "cot"], help="default: both")
    parser.add_argument("--logprobs", action="store_true", help="the local model with logprobs too")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    strategies = args.strategy or ["standard", "cot"]
    with tempfile.TemporaryDirectory() as folder:
        results = {"concurrency": concurrency_speedup(args.latency, args.sentences, Path(folder)),
                   "cached": cached_rerun(args.cached, Path(folder))}
        if args.local:
            results["local"] = local_model(args.local + 1, Path(folder), strategies)
        if args.local and args.logprobs:
            results["local_logprobs"] = with_logprobs = local_model(args.local + 1, Path(folder), strategies, True)
            for name in strategies:
                ratio = (with_logprobs[name]["seconds_per_sentence"]
                         / results["local"][name]["seconds_per_sentence"])
                with_logprobs[name]["time_ratio_to_without"] = ratio
                print(f"{name}: recording logprobs takes {ratio:.3f} times as long a sentence", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
