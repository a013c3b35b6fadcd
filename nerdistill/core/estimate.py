"""``--dry-run``: what an annotation job would cost, before anything is spent.

Calls are the sentences not already in the store; prompt tokens are counted on the exact messages
(litellm's tokenizer for the model, an approximation for local models); completion tokens are an
estimate per call, which depends on the strategy (chain of thought writes much more).
"""

from __future__ import annotations

from typing import Any

from nerdistill.core.llm import import_litellm
from nerdistill.core.runner import AnnotationJob
from nerdistill.core.sentence import Sentence

#: completion tokens per call, by strategy, as measured with Qwen2.5-Coder-1.5B on CoNLL sentences
#: (benchmarks/annotation.py: 30 and 169); other models will differ
COMPLETION_TOKENS = {"standard": 30, "cot": 170}


def estimate(job: AnnotationJob, sentences: list[Sentence], completion_tokens: int | None = None) -> dict[str, Any]:
    planned = job.requests(sentences)
    cached = job.store.get_many([key for _, _, key in planned])
    uncached = [request for _, request, key in planned if key not in cached]
    per_call = completion_tokens if completion_tokens is not None else COMPLETION_TOKENS.get(job.strategy.name, 100)
    prompt_tokens = completion = 0
    if job.provider.calls_llm and uncached:
        litellm = import_litellm()
        prompt_tokens = sum(litellm.token_counter(model=job.provider.model, messages=r.messages) for r in uncached)
        completion = per_call * len(uncached)
    price = job.provider.price(prompt_tokens, completion) if job.provider.calls_llm else 0.0
    return {"sentences": len(sentences), "cached": len(sentences) - len(uncached),
            "calls": len(uncached) if job.provider.calls_llm else 0, "prompt_tokens": prompt_tokens,
            "completion_tokens_estimate": completion, "cost_estimate": price,
            "note": "re-asks of invalid answers come on top" if uncached else "everything is cached"}
