"""Does decoding several answers together speed up the local teacher on this CPU? (issue 23, part 1)

llama.cpp can decode several sequences in one batch after one shared prompt (its parallel slots): on a GPU,
or a CPU that waits on memory, k sequences cost little more than one. This measures it on one thread: the
local Qwen2.5-Coder-1.5B evaluates a 300-token prompt once, copies it to k sequences, and decodes 32 tokens
in each, greedily, k tokens a call; tokens per second for each k, and the prompt's own speed. k = 1 runs
first and last, so a drift of the machine shows. Writes benchmarks/results-decode-batching.json.

    OMP_NUM_THREADS=1 taskset -c 1 python benchmarks/decode_batching.py [--threads 1] [--steps 32]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nerdistill.providers.catalogue import resolve_model  # noqa: E402
from nerdistill.providers.llama_runtime import cpu_model_name  # noqa: E402

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
SEQUENCES = (1, 2, 4, 8, 1)
PROMPT = "You are an expert annotator of named entities. " * 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=32)
    args = parser.parse_args()
    import llama_cpp as llama
    import numpy as np

    llama.llama_backend_init()
    model = llama.llama_model_load_from_file(str(resolve_model(MODEL)).encode(), llama.llama_model_default_params())
    vocab = llama.llama_model_get_vocab(model)
    n_vocab = llama.llama_vocab_n_tokens(vocab)
    params = llama.llama_context_default_params()
    params.n_ctx, params.n_batch, params.n_ubatch, params.n_seq_max = 8192, 512, 512, max(SEQUENCES)
    params.kv_unified, params.n_threads, params.n_threads_batch = True, args.threads, args.threads
    context = llama.llama_init_from_model(model, params)
    memory = llama.llama_get_memory(context)
    tokens = (llama.llama_token * 1024)()
    n_prompt = llama.llama_tokenize(vocab, PROMPT.encode(), len(PROMPT.encode()), tokens, 1024, True, True)
    batch = llama.llama_batch_init(512, 0, max(SEQUENCES))

    def decode(items: list[tuple[int, int, int, bool]]) -> None:  # (token, position, sequence, logits wanted)
        batch.n_tokens = len(items)
        for i, (token, position, sequence, logits) in enumerate(items):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, position, 1
            batch.seq_id[i][0], batch.logits[i] = sequence, logits
        if llama.llama_decode(context, batch) != 0:
            raise SystemExit("llama_decode failed")

    def greedy(index: int) -> int:
        return int(np.argmax(np.ctypeslib.as_array(llama.llama_get_logits_ith(context, index), shape=(n_vocab,))))

    rows = []
    for k in SEQUENCES:
        llama.llama_memory_clear(memory, True)
        started = time.perf_counter()
        decode([(tokens[i], i, 0, i == n_prompt - 1) for i in range(n_prompt)])
        prompt_seconds = time.perf_counter() - started
        for sequence in range(1, k):
            llama.llama_memory_seq_cp(memory, 0, sequence, -1, -1)
        last = [greedy(-1)] * k
        started = time.perf_counter()
        for step in range(args.steps):
            decode([(last[s], n_prompt + step, s, True) for s in range(k)])
            last = [greedy(s) for s in range(k)]
        seconds = time.perf_counter() - started
        rows.append({"sequences": k, "tokens_per_second": round(args.steps * k / seconds, 1),
                     "ms_per_step": round(1000 * seconds / args.steps), "prompt_tokens": n_prompt,
                     "prompt_tokens_per_second": round(n_prompt / prompt_seconds, 1)})
        print(f"k={k}: {rows[-1]['tokens_per_second']} tokens/s decoding ({rows[-1]['ms_per_step']} ms a step); "
              f"prompt {rows[-1]['prompt_tokens_per_second']} tokens/s", flush=True)
    single = sum(r["tokens_per_second"] for r in rows if r["sequences"] == 1) / 2
    result = {"model": MODEL, "cpu": cpu_model_name(), "threads": args.threads, "steps": args.steps, "rows": rows,
              "best_ratio_to_one_sequence": round(max(r["tokens_per_second"] for r in rows) / single, 2)}
    output = ROOT / "benchmarks" / "results-decode-batching.json"
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"best: {result['best_ratio_to_one_sequence']}x one sequence; wrote {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
