"""Annotation throughput: concurrency against a fake server, a fully cached re-run, and the local model.

1. Sentences per second against the fake OpenAI-compatible server (tests/fake_openai.py) on loopback with
   a fixed latency, at concurrency 1 and 8 (target: at least 6x).
2. A fully cached re-run of 1000 sentences: seconds and LLM calls (target: under 2 s, zero calls).
3. With --local N: seconds per sentence of the local Qwen2.5-Coder-1.5B for each strategy, on N sentences
   of the shipped CoNLL sample (needs `nerdistill models install qwen2.5-coder-1.5b-instruct-q4_k_m`);
   with --logprobs, the same again with the log probabilities recorded (each entity's confidence), and the
   ratio of the two (target: within a few percent).
4. With --local N --compare-builds: the llama.cpp builds `nerdistill models install-runtime` makes
   (portable, x86-64-v3; cpu, this CPU's features) against a native (-march=native) one of the same version
   on this machine, where the native one works: each in its own
   child process (one process can load one libllama), alternated over --rounds: llama.cpp's own speed on
   a fixed workload (prompt and generated tokens per second; the ratio is the figure that compares the
   builds), and on the same N sentences the seconds per sentence and how many answers were native's (the
   builds' arithmetic differs in the last bits, so greedy answers can differ in length). Writes
   benchmarks/results-annotation-builds.json. Each wheel is built once (about 10 minutes each).

    python benchmarks/annotation.py [--latency 0.2] [--local 10 [--strategy standard] [--logprobs]]
    python benchmarks/annotation.py --local 30 --strategy standard --compare-builds [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nerdistill.core.data.formats import read_sentences  # noqa: E402
from nerdistill.core.data.tags import spans_to_tags  # noqa: E402
from nerdistill.core.scoring.evaluation import score_tags  # noqa: E402
from nerdistill.core.plugins.registry import registry  # noqa: E402
from nerdistill.core.annotation.runner import AnnotationJob  # noqa: E402
from nerdistill.core.data.sentence import Sentence  # noqa: E402
from nerdistill.core.annotation.store import AnnotationStore  # noqa: E402
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


def local_model(n: int, folder: Path, strategies: list[str], logprobs: bool = False,
                keep_answers: bool = False) -> dict:
    provider = registry("providers").get("local")("local", {"logprobs": logprobs})
    provider.check(offline=True)
    batch = read_sentences(SAMPLE)[:n]
    figures = {}
    for name in strategies:
        strategy = registry("prompt strategies").get(name)(name, options=StrategyOptions())
        job = AnnotationJob(provider, strategy, AnnotationStore(folder / f"local-{name}-{logprobs}.sqlite"),
                            progress=False)
        job.run(batch[:1])  # load the model and cache the shared prompt prefix, as a long run would
        results, summary = job.run(batch[1:])
        per_sentence = summary.seconds / max(summary.called, 1)
        figures[name] = {"seconds_per_sentence": per_sentence, "sentences": summary.called, "failed": summary.failed,
                         "completion_tokens_per_sentence": summary.usage.completion_tokens / max(summary.called, 1)}
        if keep_answers:  # with the annotation's micro F1 against the sample's gold tags (a failure tags nothing)
            figures[name]["answers"] = [outcome.answer for _, outcome in results]
            predicted = [spans_to_tags(outcome.spans, len(sentence.tokens)) for sentence, outcome in results]
            figures[name]["f1"] = score_tags([s.tags for s, _ in results], predicted)["micro"]["f1"]
        print(f"local {provider.model}, {name}{', logprobs' * logprobs}: {per_sentence:.2f} s/sentence over "
              f"{summary.called} sentences "
              f"({figures[name]['completion_tokens_per_sentence']:.0f} completion tokens each, "
              f"{summary.failed} failed)", flush=True)
    return figures


def raw_llama_speed(prompt_tokens: int = 512, generated: int = 64) -> dict:
    """llama.cpp's own speed on a fixed workload, whatever the answers: a prompt of ``prompt_tokens`` tokens
    evaluated from an empty cache, then ``generated`` tokens written with the end of text forbidden. The
    answers of two builds can differ (their arithmetic differs in the last bits, and greedy decoding
    follows it), so seconds per sentence alone would compare different amounts of work."""
    from llama_cpp import Llama

    from nerdistill.providers.catalogue import resolve_model
    from nerdistill.providers.local import DEFAULT_LOCAL_MODEL, usable_cores

    llama = Llama(model_path=str(resolve_model(DEFAULT_LOCAL_MODEL)), n_ctx=2048, n_threads=usable_cores(),
                  verbose=False)
    words = " ".join(f"{w}" for s in read_sentences(SAMPLE) for w in s.tokens)
    prompt = llama.detokenize(llama.tokenize(words.encode())[:prompt_tokens]).decode("utf-8", errors="ignore")
    started = time.perf_counter()
    first = llama.create_completion(prompt, max_tokens=1, temperature=0.0)
    prompt_seconds = time.perf_counter() - started
    llama.reset()
    started = time.perf_counter()
    written = llama.create_completion("Once upon a time", max_tokens=generated, temperature=0.0,
                                      logit_bias={llama.token_eos(): -1e9})
    write_seconds = time.perf_counter() - started
    figures = {"prompt_tokens": first["usage"]["prompt_tokens"], "prompt_seconds": prompt_seconds,
               "generated_tokens": written["usage"]["completion_tokens"], "generate_seconds": write_seconds}
    figures["prompt_tokens_per_second"] = figures["prompt_tokens"] / prompt_seconds
    figures["generated_tokens_per_second"] = figures["generated_tokens"] / write_seconds
    print(f"llama.cpp alone: {figures['prompt_tokens_per_second']:.1f} prompt tokens/s, "
          f"{figures['generated_tokens_per_second']:.1f} generated tokens/s", flush=True)
    return figures


def compare_builds(n: int, strategies: list[str], rounds: int, folder: Path) -> dict:
    """The portable, this-CPU and native builds, each installed apart and run in its own child processes,
    alternated round by round so that a drift of the machine's speed hits all alike; ratios against native."""
    import subprocess

    from nerdistill.providers.llama_runtime import BUILDS, build_wheel, variant_named

    sites = {}
    for name in BUILDS:
        wheel = build_wheel(variant_named(name), log=lambda line: print(line, flush=True))
        sites[name] = folder / f"site-{name}"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                        str(sites[name]), str(wheel)], check=True)
    environments = {name: {**os.environ, "PYTHONPATH": str(site)} for name, site in sites.items()}
    runs: dict[str, list[dict]] = {name: [] for name in BUILDS}
    for round_number in range(rounds):
        for name in BUILDS:
            output = folder / f"{name}-{round_number}.json"
            command = [sys.executable, __file__, "--only-local", "--local", str(n), "--keep-answers", "--json",
                       str(output), *[f"--strategy={s}" for s in strategies]]
            print(f"round {round_number + 1}, {name} build:", flush=True)
            subprocess.run(command, env=environments[name], check=True)
            runs[name].append(json.loads(output.read_text()))
    figures: dict = {"sentences": n, "rounds": rounds, "cpu": _cpu_model(), "builds": {}}
    for name in BUILDS:
        info = subprocess.run([sys.executable, "-c", "import llama_cpp; print(llama_cpp.llama_print_system_info()"
                               ".decode())"], env=environments[name], capture_output=True, text=True)
        figures["builds"][name] = info.stdout.strip()
    for measure in ("prompt_tokens_per_second", "generated_tokens_per_second"):
        values = {name: [run["raw"][measure] for run in runs[name]] for name in BUILDS}
        means = {name: sum(v) / len(v) for name, v in values.items()}
        figures[measure] = {**values, **{f"{name}_relative_to_native": means[name] / means["native"]
                                         for name in BUILDS if name != "native"}}
        print(f"llama.cpp alone, {measure.replace('_', ' ')}: "
              + ", ".join(f"{name} {means[name]:.1f} (x{means[name] / means['native']:.3f} of native)"
                          for name in BUILDS), flush=True)
    for strategy in strategies:
        per = {name: [run["local"][strategy]["seconds_per_sentence"] for run in runs[name]] for name in BUILDS}
        tokens = {name: [run["local"][strategy]["completion_tokens_per_sentence"] for run in runs[name]]
                  for name in BUILDS}
        native_answers = runs["native"][0]["local"][strategy]["answers"]
        same = {name: sum(a == b for a, b in zip(runs[name][0]["local"][strategy]["answers"], native_answers))
                for name in BUILDS}
        f1 = {name: [run["local"][strategy]["f1"] for run in runs[name]] for name in BUILDS}
        figures[strategy] = {"seconds_per_sentence": per, "completion_tokens_per_sentence": tokens, "f1": f1,
                             "answers_same_as_native": same, "answers": len(native_answers)}
        print(f"{strategy}: seconds per sentence " + ", ".join(f"{k} {sum(v) / len(v):.2f}" for k, v in per.items())
              + "; answers the same as native's: " + ", ".join(f"{k} {v}" for k, v in same.items())
              + f" of {len(native_answers)}", flush=True)
    return figures


def _cpu_model() -> str:
    from nerdistill.cli.doctor import cpu_check

    return cpu_check().detail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--sentences", type=int, default=48)
    parser.add_argument("--cached", type=int, default=1000)
    parser.add_argument("--local", type=int, default=0, help="sentences for the local model (0: skip)")
    parser.add_argument("--strategy", action="append", choices=["standard", "cot"], help="default: both")
    parser.add_argument("--logprobs", action="store_true", help="the local model with logprobs too")
    parser.add_argument("--compare-builds", action="store_true",
                        help="the local model under the portable and this-CPU builds against a native one (needs "
                             "--local)")
    parser.add_argument("--rounds", type=int, default=2, help="with --compare-builds: runs of each build")
    parser.add_argument("--only-local", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep-answers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    strategies = args.strategy or ["standard", "cot"]
    if args.compare_builds:
        if not args.local:
            parser.error("--compare-builds needs --local N")
        with tempfile.TemporaryDirectory() as folder:
            results = compare_builds(args.local, strategies, args.rounds, Path(folder))
        output = args.json or ROOT / "benchmarks" / "results-annotation-builds.json"
        output.write_text(json.dumps(results, indent=2) + "\n")
        return
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        if not args.only_local:
            results = {"concurrency": concurrency_speedup(args.latency, args.sentences, Path(folder)),
                       "cached": cached_rerun(args.cached, Path(folder))}
        if args.local:
            results["local"] = local_model(args.local + 1, Path(folder), strategies, keep_answers=args.keep_answers)
        if args.keep_answers:  # a child of --compare-builds
            results["raw"] = raw_llama_speed()
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
